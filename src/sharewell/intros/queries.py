"""Read side of introductions: what each participant may see of a request, the inbox boxes,
notifications, disputes, and the impacts the standing area reads.

Who sees what (privacy rule, docs/privacy.md):

* nobody but the two ends ever sees the exchanged details, and only once accepted;
* a connector sees the request, the requester's profile, the chain up to the member they hand
  it to, and the target only as the path described it (a member's name, a card as shared,
  an aggregate's words) — never the next hops' notes, never the picked contact;
* decline reasons reach the requester only when shared; questions and answers only the
  requester and the connector who asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from sharewell.errors import NotFound
from sharewell.intros import rules
from sharewell.intros.models import (
    Intro,
    IntroEvent,
    IntroHop,
    IntroMessage,
    IntroOutcome,
    Notification,
    NotificationSettings,
)
from sharewell.intros.rules import HopState, Role, State
from sharewell.intros.schemas import (
    CandidateOut,
    DisputeOut,
    EventOut,
    HopOut,
    IntroOut,
    IntroSummary,
    MessageOut,
    NotificationOut,
    NotificationsOut,
    OutcomeOut,
    PledgeOut,
    PledgeShareOut,
)
from sharewell.ledger.models import Pledge
from sharewell.members import queries as member_queries
from sharewell.members.models import Member
from sharewell.members.schemas import MemberSummary
from sharewell.pagination import Page, decode_cursor, encode_cursor
from sharewell.standing.rules import Impact

BOXES = ("to", "through", "from")


def _people(session: Session, ids: set[int]) -> dict[int, Member]:
    if not ids:
        return {}
    return {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(sorted(ids))))}


def role_of(intro: Intro, member_id: int) -> tuple[str | None, int | None]:
    if intro.requester_id == member_id:
        return Role.REQUESTER, None
    if intro.target_member_id == member_id:
        return Role.TARGET, None
    for hop in intro.hops:
        if hop.connector_id == member_id:
            return Role.CONNECTOR, hop.position
    return None, None


def in_thread(intro: Intro, member_id: int) -> bool:
    """Whether the member is in the private conversation (open once accepted)."""
    if intro.state != State.ACCEPTED:
        return False
    if member_id == intro.requester_id:
        return True
    if member_id == intro.target_member_id:
        return not intro.target_left_thread
    return any(h.connector_id == member_id and not h.left_thread for h in intro.hops)


def _waiting_on(intro: Intro, member_id: int) -> bool:
    if intro.state not in rules.OPEN_STATES:
        return False
    if intro.current_hop < len(intro.hops):
        hop = intro.hops[intro.current_hop]
        if hop.state == HopState.QUESTIONED:
            return member_id == intro.requester_id
        return hop.connector_id == member_id
    return intro.target_member_id == member_id


def _summary(intro: Intro, me: Member, people: dict[int, Member]) -> IntroSummary:
    role, _ = role_of(intro, me.id)
    return IntroSummary(
        public_id=intro.public_id, my_role=str(role), state=intro.state,
        requester=member_queries.summary_of(people[intro.requester_id]),
        target_kind=intro.target_kind, target_description=intro.target_description,
        waiting_on_me=_waiting_on(intro, me.id), created_at=intro.created_at,
        updated_at=intro.updated_at, expires_at=intro.expires_at,
    )  # fmt: skip


def _in_box(box: str, member_id: int) -> Any:
    """The condition on ``Intro`` for one inbox box (see :func:`inbox`)."""
    if box == "from":
        return Intro.requester_id == member_id
    if box == "to":
        return and_(
            Intro.target_member_id == member_id,
            Intro.id.in_(select(IntroEvent.intro_id).where(IntroEvent.action == "ask_target")),
        )
    if box == "through":
        return Intro.id.in_(
            select(IntroHop.intro_id).where(
                IntroHop.connector_id == member_id, IntroHop.state != HopState.WAITING
            )
        )
    raise NotFound(f"The inbox has boxes {', '.join(BOXES)}.")


def _waiting_on_condition(member_id: int) -> Any:
    """:func:`_waiting_on` as SQL: open, and the current hop is mine (not questioned), or
    it is questioned and I asked for the introduction, or every hop is past and I am the
    target."""
    current = aliased(IntroHop)
    hop_now = (
        select(current.id)
        .where(current.intro_id == Intro.id, current.position == Intro.current_hop)
        .correlate(Intro)
    )
    return and_(
        Intro.state.in_([str(s) for s in rules.OPEN_STATES]),
        or_(
            hop_now.where(
                current.connector_id == member_id, current.state != HopState.QUESTIONED
            ).exists(),
            and_(
                Intro.requester_id == member_id,
                hop_now.where(current.state == HopState.QUESTIONED).exists(),
            ),
            and_(Intro.target_member_id == member_id, ~hop_now.exists()),
        ),
    )


def inbox(
    session: Session, me: Member, box: str, *, limit: int, cursor: str | None = None
) -> Page[IntroSummary]:
    """``to``: asked of me as target; ``through``: I am a connector it has reached;
    ``from``: my own requests. Newest first, bounded."""
    query = select(Intro).where(_in_box(box, me.id))
    after = decode_cursor(cursor)
    if after:
        query = query.where(Intro.id < int(after[0]))
    rows = list(session.scalars(query.order_by(Intro.id.desc()).limit(limit + 1)))
    people = _people(session, {r.requester_id for r in rows})
    items = [_summary(r, me, people) for r in rows[:limit]]
    nxt = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(items=items, next_cursor=nxt)


def counts(session: Session, me: Member) -> dict[str, int]:
    """How many requests wait on me in each box (for the inbox tabs), however many there are."""
    waiting = _waiting_on_condition(me.id)
    return {
        box: session.scalar(
            select(func.count()).select_from(Intro).where(_in_box(box, me.id), waiting)
        )
        or 0
        for box in BOXES
    }


def visible_intro(session: Session, me: Member, public_id: str) -> Intro:
    """The request, if ``me`` is on it and it has reached them; 404 otherwise (no probing)."""
    intro = session.scalar(select(Intro).where(Intro.public_id == public_id))
    if intro is None:
        raise NotFound("No such introduction.")
    role, pos = role_of(intro, me.id)
    reached = role == Role.REQUESTER or (
        role == Role.CONNECTOR and pos is not None and intro.hops[pos].state != HopState.WAITING
    ) or (role == Role.TARGET and intro.current_hop >= len(intro.hops) and intro.state in (
        State.ASKED, State.ACCEPTED, State.DECLINED, State.WITHDRAWN, State.EXPIRED))  # fmt: skip
    if not reached:
        raise NotFound("No such introduction.")
    return intro


def _can(intro: Intro, me: Member) -> list[str]:
    role, pos = role_of(intro, me.id)
    state = State(intro.state)
    can: list[str] = []
    last = pos is not None and pos == len(intro.hops) - 1
    if role == Role.REQUESTER:
        if state in rules.OPEN_STATES:
            can.append("withdraw")
        if (
            state in rules.AT_CONNECTOR
            and intro.hops[intro.current_hop].state == HopState.QUESTIONED
        ):
            can.append("answer")
    if role == Role.CONNECTOR and state in rules.AT_CONNECTOR and intro.current_hop == pos:
        hop = intro.hops[pos]
        can += ["ask_target"] if last else ["forward"]
        if last and intro.target_member_id is None:
            can.append("attest")
        can.append("decline")
        if hop.state == HopState.PENDING:
            can.append("ask_question")
    if role == Role.CONNECTOR and last and state == State.ASKED and not intro.target_member_id:
        can.append("attest")
    if role == Role.TARGET and state == State.ASKED:
        can += ["accept", "decline"]
    if state == State.ACCEPTED and role in (Role.REQUESTER, Role.TARGET):
        can.append("record_outcome")
    return can


def intro_view(session: Session, me: Member, public_id: str) -> IntroOut:
    intro = visible_intro(session, me, public_id)
    role, pos = role_of(intro, me.id)
    ids = {intro.requester_id, *(h.connector_id for h in intro.hops)}
    if intro.target_member_id:
        ids.add(intro.target_member_id)
    people = _people(session, ids)
    summary = _summary(intro, me, people)
    # Connectors see the chain up to the member they hand it to; the ends see all of it.
    shown_hops = intro.hops
    if role == Role.CONNECTOR and pos is not None:
        shown_hops = intro.hops[: pos + 2]
    hops = []
    for hop in shown_hops:
        mine = hop.connector_id == me.id
        hops.append(
            HopOut(
                position=hop.position,
                connector=member_queries.summary_of(people[hop.connector_id]),
                state=hop.state,
                # A note travels forward along the chain: later hops and the ends read it.
                note=hop.note if (mine or role != Role.CONNECTOR or (pos or 0) > hop.position)
                else "",
                question=hop.question if (mine or role == Role.REQUESTER) else "",
                answer=hop.answer if (mine or role == Role.REQUESTER) else "",
            )
        )  # fmt: skip
    target_member = (
        member_queries.summary_of(people[intro.target_member_id])
        if intro.target_member_id
        else None
    )
    accepted = intro.state == State.ACCEPTED
    details = None
    requester_contact = None
    if accepted and role == Role.REQUESTER:
        details = intro.target_details
    if accepted and role == Role.TARGET:
        requester_contact = intro.requester_contact
    if (
        accepted
        and role == Role.CONNECTOR
        and intro.consent_method == "attested"
        and pos == len(intro.hops) - 1
    ):
        requester_contact = intro.requester_contact  # to pass on to the person they asked
    decline_text = None
    if intro.state == State.DECLINED:
        if role == Role.REQUESTER:
            decline_text = rules.decline_text(intro.decline_reason, intro.decline_reason_shared)
        elif intro.declined_by_id == me.id:
            decline_text = intro.decline_reason or rules.GENERIC_DECLINE
    events = session.scalars(
        select(IntroEvent).where(IntroEvent.intro_id == intro.id).order_by(IntroEvent.id)
    ).all()
    timeline = []
    for ev in events:
        if ev.audience == "actor" and ev.actor_id != me.id:
            continue
        if ev.audience == "requester" and me.id not in (ev.actor_id, intro.requester_id):
            continue
        if ev.audience == "requester" and role == Role.CONNECTOR and ev.actor_id != me.id:
            # a question/answer between the requester and another connector
            hop_of_actor = next((h for h in intro.hops if h.connector_id == ev.actor_id), None)
            if hop_of_actor is None or hop_of_actor.connector_id != me.id:
                continue
        note = ev.note
        if role == Role.CONNECTOR and ev.action in ("forward", "ask_target", "attest"):
            actor_hop = next((h for h in intro.hops if h.connector_id == ev.actor_id), None)
            if actor_hop is not None and actor_hop.position > (pos or 0):
                note = ""  # later hops' notes stay with them and the ends
        if (
            role == Role.CONNECTOR
            and ev.actor_id is not None
            and ev.actor_id
            not in {h.connector_id for h in shown_hops}
            | {intro.requester_id, intro.target_member_id}
        ):
            continue
        actor = (
            people[ev.actor_id].display_name
            if ev.actor_id in people
            else ("the person asked" if ev.actor_role == Role.TARGET else "Sharewell")
        )
        if ev.actor_role == "admin":
            actor = "an administrator"
        timeline.append(
            EventOut(at=ev.at, actor=actor, role=ev.actor_role, action=ev.action,
                     to_state=ev.to_state, note=note)
        )  # fmt: skip
    outcomes = [
        OutcomeOut(
            id=o.id,
            kind=o.kind,
            state=o.state,
            requester_confirmed=o.requester_confirmed_at is not None,
            target_confirmed=o.target_confirmed_at is not None,
            target_confirm_method=o.target_confirm_method,
            attested=o.attested,
            created_at=o.created_at,
            confirmed_at=o.confirmed_at,
        )
        for o in session.scalars(
            select(IntroOutcome).where(IntroOutcome.intro_id == intro.id).order_by(IntroOutcome.id)
        )
    ]
    pledge = None
    if intro.pledge_id is not None:
        p = session.get(Pledge, intro.pledge_id)
        if p is not None:
            share_people = _people(session, {s.member_id for s in p.shares})
            pledge = PledgeOut(
                public_id=p.public_id, amount=p.amount, rule=p.rule, state=p.state,
                shares=[
                    PledgeShareOut(handle=share_people[s.member_id].handle, amount=s.amount)
                    for s in p.shares
                ],
            )  # fmt: skip
    return IntroOut(
        **summary.model_dump(),
        why=intro.why, offer=intro.offer, hops=hops, target_member=target_member,
        decline_text=decline_text, consent_method=intro.consent_method,
        accepted_at=intro.accepted_at, target_details=details,
        requester_contact=requester_contact, timeline=timeline, outcomes=outcomes,
        pledge=pledge, can=_can(intro, me), in_thread=in_thread(intro, me.id),
    )  # fmt: skip


def messages(session: Session, me: Member, public_id: str, *, limit: int = 200) -> list[MessageOut]:
    intro = visible_intro(session, me, public_id)
    if not in_thread(intro, me.id):
        return []
    rows = session.scalars(
        select(IntroMessage)
        .where(IntroMessage.intro_id == intro.id)
        .order_by(IntroMessage.id.desc())
        .limit(limit)
    ).all()
    people = _people(session, {r.author_id for r in rows})
    return [
        MessageOut(
            author=member_queries.summary_of(people[r.author_id]),
            body=r.body,
            created_at=r.created_at,
        )
        for r in reversed(rows)
    ]


def candidates(session: Session, me: Member, public_id: str) -> list[CandidateOut]:
    """For the holder of an aggregate (or the author of an offer) on their turn: which of
    their own contacts they may approach. The holder's own book, shown to the holder only."""
    from sharewell.contacts.models import Contact
    from sharewell.intros.service import matching_contacts

    intro = visible_intro(session, me, public_id)
    role, pos = role_of(intro, me.id)
    if role != Role.CONNECTOR or pos != len(intro.hops) - 1:
        return []
    if intro.target_kind == "aggregate":
        found = matching_contacts(session, me.id, intro.target_filter)
    elif intro.target_kind == "offer":
        found = list(
            session.scalars(
                select(Contact)
                .where(Contact.holder_id == me.id, Contact.opted_out.is_(False))
                .order_by(Contact.full_name, Contact.id)
                .limit(200)
            )
        )
    else:
        return []
    return [
        CandidateOut(
            contact_id=c.public_id,
            name=c.display_name,
            title=c.title,
            company=c.company,
            has_email=bool(c.emails),
        )
        for c in found
    ]


# --- notifications -------------------------------------------------------------------------------


def unread_count(session: Session, member_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.member_id == member_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def notifications(session: Session, me: Member, *, limit: int = 50) -> NotificationsOut:
    rows = session.scalars(
        select(Notification)
        .where(Notification.member_id == me.id)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    found = session.get(NotificationSettings, me.id)
    return NotificationsOut(
        unread=unread_count(session, me.id),
        mail=found.mail if found else "each",
        items=[
            NotificationOut(id=n.id, kind=n.kind, text=n.text, url=n.url,
                            created_at=n.created_at, read=n.read_at is not None)
            for n in rows
        ],
    )  # fmt: skip


# --- admin ---------------------------------------------------------------------------------------


def disputes(session: Session, *, limit: int = 100) -> list[DisputeOut]:
    rows = session.execute(
        select(IntroOutcome, Intro)
        .join(Intro, Intro.id == IntroOutcome.intro_id)
        .where(IntroOutcome.state == rules.OutcomeState.DISPUTED)
        .order_by(IntroOutcome.disputed_at, IntroOutcome.id)
        .limit(limit)
    ).all()
    people = _people(session, {i.requester_id for _, i in rows})
    return [
        DisputeOut(
            outcome_id=o.id,
            intro_id=i.public_id,
            kind=o.kind,
            requester=member_queries.summary_of(people[i.requester_id]),
            target_description=i.target_description,
            target_confirmed_at=o.target_confirmed_at,
            disputed_at=o.disputed_at,
        )
        for o, i in rows
    ]


# --- impacts for standing ------------------------------------------------------------------------


def impacts_since(session: Session, since: datetime) -> Iterator[Impact]:
    """Impacts from introductions at or after ``since``, oldest first: every connector of an
    introduction the target accepted gave the requester ``intro_accepted``; every connector of
    a confirmed outcome (not 'nothing', not fallen off or rejected) gave ``outcome_<kind>``.
    Attested acceptances and outcomes are flagged, so standing can weigh them down."""
    accepted = session.scalars(
        select(Intro)
        .where(Intro.state == State.ACCEPTED, Intro.accepted_at >= since)
        .order_by(Intro.accepted_at, Intro.id)
    )
    for intro in accepted:
        assert intro.accepted_at is not None
        for hop in intro.hops:
            yield Impact(
                intro.requester_id, hop.connector_id, "intro_accepted", intro.accepted_at,
                tuple(intro.topic_ids or ()), intro.consent_method == "attested",
                f"intro:{intro.public_id}",
            )  # fmt: skip
    rows = session.execute(
        select(IntroOutcome, Intro)
        .join(Intro, Intro.id == IntroOutcome.intro_id)
        .where(
            IntroOutcome.state == rules.OutcomeState.CONFIRMED,
            IntroOutcome.kind != rules.OutcomeKind.NOTHING,
            IntroOutcome.confirmed_at >= since,
        )
        .order_by(IntroOutcome.confirmed_at, IntroOutcome.id)
    ).all()
    for outcome, intro in rows:
        assert outcome.confirmed_at is not None
        for hop in intro.hops:
            yield Impact(
                intro.requester_id, hop.connector_id, f"outcome_{outcome.kind}",
                outcome.confirmed_at, tuple(intro.topic_ids or ()), outcome.attested,
                f"intro:{intro.public_id}:outcome:{outcome.id}",
            )  # fmt: skip


def summary_of(member: Member) -> MemberSummary:
    return member_queries.summary_of(member)


# The stages of a member's own requests, each a subset of the one before it: how far their
# introductions got. Reached = the intro has at least one event of the stage's actions.
FUNNEL = (
    ("Requested", ("request",)),
    ("Passed on by a connector", ("forward", "ask_target", "attest")),
    ("Put to the person", ("ask_target", "attest")),
    ("Accepted", ("accept", "attest")),
    ("Led to a confirmed outcome", ("outcome_confirmed",)),
)


def funnel(session: Session, member_id: int) -> list[tuple[str, int]]:
    """How many of the member's own requests reached each stage (one grouped query)."""
    reached = session.execute(
        select(IntroEvent.action, func.count(func.distinct(IntroEvent.intro_id)))
        .join(Intro, Intro.id == IntroEvent.intro_id)
        .where(Intro.requester_id == member_id)
        .group_by(IntroEvent.action)
    ).all()
    by_action = {str(action): int(n) for action, n in reached}
    out: list[tuple[str, int]] = []
    for label, actions in FUNNEL:
        # An intro can carry several of a stage's actions; the per-action distinct counts are
        # an upper bound, so the stage is capped by the stage before it.
        n = max((by_action.get(a, 0) for a in actions), default=0)
        out.append((label, min(n, out[-1][1]) if out else n))
    return out
