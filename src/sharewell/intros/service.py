"""Use cases of introductions. Services never commit; every step is applied under a lock on
the request row (:func:`_lock`), checked by the pure state machine in ``rules`` (409 and
nothing written when illegal), audited as an ``intro_events`` row, and announced through the
in-app inbox (and mail).

Ledger wiring (docs/ledger.md), every call with a key naming the event:

* pledge escrowed on request (``intro:<pid>:pledge``); refunded on decline, withdraw, expiry
  (``intro:<pid>:refund``);
* forwarding is a give (``…:hop:<n>:forwarded``), an accepted introduction a give for every
  connector (``…:accepted:<n>``) and a take for the requester (``…:accepted:take``);
  awards use the connection time of the tie the connector was handed the request over;
* at acceptance the pledge's attribution window starts; a hire or deal confirmed by both ends
  splits it along the chain (``…:outcome:<id>:split``); a fall-off returns it.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sharewell import ratelimit
from sharewell.config import Settings
from sharewell.contacts import sharing
from sharewell.contacts import sharing_rules as card_rules
from sharewell.contacts.models import Contact
from sharewell.db import utcnow
from sharewell.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from sharewell.intros import rules
from sharewell.intros.models import (
    Intro,
    IntroEvent,
    IntroHop,
    IntroMessage,
    IntroOutcome,
    IntroToken,
    Notification,
    NotificationSettings,
)
from sharewell.intros.queries import in_thread, role_of, visible_intro
from sharewell.intros.rules import Action, HopState, IllegalTransition, Role, State
from sharewell.ledger import service as ledger
from sharewell.ledger.models import Pledge
from sharewell.mail import service as mail
from sharewell.members import queries as member_queries
from sharewell.members.models import Member, MemberBlock, Topic
from sharewell.network import service as network
from sharewell.network.models import ContactTerm, Term

# --- small helpers -----------------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def intro_url(intro: Intro) -> str:
    return f"/intros/{intro.public_id}"


def _member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    assert member is not None
    return member


def get_intro(session: Session, public_id: str) -> Intro:
    intro = session.scalar(select(Intro).where(Intro.public_id == public_id))
    if intro is None:
        raise NotFound("No such introduction.")
    return intro


def _lock(session: Session, intro: Intro) -> Intro:
    """Serialise every change of one request: the version bump is a write, so it takes the
    row lock on PostgreSQL (a second actor waits, then sees the winner's row) and the database
    write lock on SQLite; the row and its hops are then re-read as committed."""
    session.flush()
    session.execute(
        update(Intro)
        .where(Intro.id == intro.id)
        .values(version=Intro.version + 1)
        .execution_options(synchronize_session=False)
    )
    locked = session.execute(
        select(Intro)
        .where(Intro.id == intro.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    session.execute(
        select(IntroHop)
        .where(IntroHop.intro_id == intro.id)
        .execution_options(populate_existing=True)
    ).all()
    session.refresh(locked, ["hops"])
    return locked


def _role_on(intro: Intro, me: Member) -> str:
    """``me``'s role on the request; to anyone not on it, it does not exist (no probing)."""
    role, _ = role_of(intro, me.id)
    if role is None:
        raise NotFound("No such introduction.")
    return role


def _locked_for(session: Session, me: Member, public_id: str) -> Intro:
    """The request locked, if it has reached ``me``; 404 otherwise (ids cannot be probed)."""
    intro = _lock(session, visible_intro(session, me, public_id))
    return visible_intro(session, me, intro.public_id)


def _event(
    session: Session,
    intro: Intro,
    actor_id: int | None,
    role: str,
    action: str,
    before: str,
    *,
    note: str = "",
    audience: str = "all",
    now: datetime | None = None,
) -> None:
    session.add(
        IntroEvent(
            intro_id=intro.id, at=now or utcnow(), actor_id=actor_id, actor_role=role,
            action=action, from_state=before, to_state=intro.state, note=note, audience=audience,
        )
    )  # fmt: skip


def notify(
    session: Session, settings: Settings, member_id: int, kind: str, text: str, url: str
) -> Notification:
    """An inbox entry; mailed at once when the member gets mail for each step (the default),
    in the daily digest when they chose that, never when they turned mail off."""
    now = utcnow()
    row = Notification(member_id=member_id, kind=kind, text=text[:300], url=url, created_at=now)
    session.add(row)
    mode = mail_mode(session, member_id)
    if mode == "each":
        member = _member(session, member_id)
        mail.queue(
            session, settings, to=member.email, subject=f"Sharewell: {text[:120]}",
            body=f"{text}\n\nOpen it: {settings.base_url}{url}\n\n"
            f"Change how often we write: {settings.base_url}/notifications",
            kind=f"intro_{kind}"[:40],
        )  # fmt: skip
        row.mailed_at = now
    elif mode == "off":
        row.mailed_at = now  # never part of a digest
    session.flush()
    return row


def mail_mode(session: Session, member_id: int) -> str:
    found = session.get(NotificationSettings, member_id)
    return found.mail if found else "each"


def set_mail_mode(session: Session, member: Member, mode: str) -> str:
    if mode not in ("each", "daily", "off"):
        raise InvalidInput("Mail is 'each', 'daily' or 'off'.", field="mail")
    found = session.get(NotificationSettings, member.id)
    if found is None:
        session.add(NotificationSettings(member_id=member.id, mail=mode))
    else:
        found.mail = mode
    session.flush()
    return mode


def mark_read(session: Session, member: Member, ids: Sequence[int] | None = None) -> int:
    query = update(Notification).where(
        Notification.member_id == member.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)[:500]))
    result = session.execute(
        query.values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def send_digests(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """One mail per member on the daily digest with unmailed notifications (idempotent: the
    rows are marked as mailed in the same transaction)."""
    now = now or utcnow()
    daily = select(NotificationSettings.member_id).where(NotificationSettings.mail == "daily")
    rows = session.scalars(
        select(Notification)
        .where(Notification.mailed_at.is_(None), Notification.member_id.in_(daily))
        .order_by(Notification.member_id, Notification.id)
        .limit(5000)
    ).all()
    by_member: dict[int, list[Notification]] = {}
    for row in rows:
        by_member.setdefault(row.member_id, []).append(row)
    for member_id, items in by_member.items():
        member = _member(session, member_id)
        lines = [f"* {n.text}\n  {settings.base_url}{n.url}" for n in items]
        mail.queue(
            session, settings, to=member.email,
            subject=f"Sharewell: {len(items)} update{'s' if len(items) != 1 else ''} today",
            body="What happened with your introductions:\n\n" + "\n".join(lines),
            kind="intro_digest",
        )  # fmt: skip
        for n in items:
            n.mailed_at = now
    session.flush()
    return len(by_member)


# --- creating a request ------------------------------------------------------------------------


@dataclass
class RequestSpec:
    """What the requester asks for. ``path``: member handles after the requester, as a path
    shows them (for a member target it ends at the target; for a card or an aggregate at the
    holder). Empty: the best path is looked up (a member, a card's holder)."""

    target_kind: str  # member | card | aggregate | offer
    why: str
    offer: str = ""
    target_handle: str | None = None
    card_id: str | None = None
    holder_handle: str | None = None
    filter: dict[str, str] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)
    pledge_amount: int | None = None
    pledge_rule: str = "connector_half"
    requester_contact: str | None = None
    source_kind: str = "path"  # path | profile | card | aggregate | insight | comment
    source_ref: str = ""


PathFinder = Any  # callable(handle) -> list[str] | None: the best path's handles


def _blocked_pair(session: Session, ids: Sequence[int]) -> bool:
    if len(ids) < 2:
        return False
    found = session.scalar(
        select(MemberBlock.blocker_id).where(
            MemberBlock.blocker_id.in_(ids), MemberBlock.blocked_id.in_(ids)
        )
    )
    return found is not None


def _declines_by(session: Session, member_id: int, requester_id: int, since: datetime) -> int:
    as_connector = session.scalar(
        select(func.count(IntroHop.id))
        .join(Intro, Intro.id == IntroHop.intro_id)
        .where(
            IntroHop.connector_id == member_id, IntroHop.state == HopState.DECLINED,
            Intro.requester_id == requester_id, IntroHop.acted_at >= since,
        )
    )  # fmt: skip
    as_target = session.scalar(
        select(func.count(Intro.id)).where(
            Intro.requester_id == requester_id, Intro.declined_by_id == member_id,
            Intro.target_member_id == member_id, Intro.closed_at >= since,
        )
    )  # fmt: skip
    return int(as_connector or 0) + int(as_target or 0)


def _topic_ids(session: Session, slugs: Sequence[str]) -> list[int]:
    from sharewell.members.rules import topic_slug

    wanted = []
    for s in slugs:
        try:
            wanted.append(topic_slug(s))
        except InvalidInput:
            continue
    if not wanted:
        return []
    return sorted(int(i) for i in session.scalars(select(Topic.id).where(Topic.slug.in_(wanted))))


def create_request(
    session: Session,
    settings: Settings,
    me: Member,
    spec: RequestSpec,
    *,
    find_path: PathFinder | None = None,
    limiter: ratelimit.Limiter | None = None,
    now: datetime | None = None,
) -> Intro:
    """Validate the chain as it stands now and open the request at its first connector."""
    now = now or utcnow()
    limits = settings.intro_limits
    why = rules.clean_text(spec.why, field="why", limit=rules.WHY_MAX, required=True)
    offer = rules.clean_text(spec.offer, field="offer", limit=rules.WHY_MAX)
    contact_line = rules.clean_text(
        spec.requester_contact if spec.requester_contact is not None else me.email,
        field="requester_contact", limit=rules.CONTACT_MAX, required=True,
    )  # fmt: skip
    target_member: Member | None = None
    target_contact: Contact | None = None
    description = ""
    target_filter: dict[str, str] = {}
    topic_ids: list[int] = []
    skip_first_tie = False
    source_kind, source_ref = spec.source_kind, spec.source_ref[:40]
    kind = spec.target_kind
    path = [h.strip().lstrip("@").lower() for h in spec.path if h.strip()]

    if kind == "member":
        if not spec.target_handle:
            raise InvalidInput("Name the member you want to meet.", field="target_handle")
        target_member = member_queries.active_member_by_handle(session, spec.target_handle)
        if target_member.id == me.id:
            raise InvalidInput("That is you: ask for someone else.", field="target_handle")
        if source_kind == "insight":
            from sharewell.insights import queries as insight_queries

            insight = insight_queries.find_insight(
                session, source_ref, insight_queries.viewer_for(session, me)
            )
            if insight.author_id != target_member.id:
                raise InvalidInput("That post is by someone else.", field="source_ref")
            topic_ids = _insight_topics(session, insight.id)
        if not path and find_path is not None:
            path = find_path(target_member.handle) or []
        if not path:
            raise InvalidInput(
                f"No path to {target_member.display_name} within three hops.", field="path"
            )
        if path[-1] != target_member.handle:
            raise InvalidInput("The path must end at the member you want to meet.", field="path")
        path = path[:-1]
        if not path:
            raise Conflict(
                f"You are connected with {target_member.display_name} already: write to them "
                "directly."
            )
        description = target_member.display_name
        topic_ids = topic_ids or [t.id for t in target_member.topics]
    elif kind == "card":
        target_contact = session.scalar(select(Contact).where(Contact.public_id == spec.card_id))
        card = (
            card_rules.card_fields_for(sharing.card_source(target_contact))
            if target_contact is not None
            else None
        )
        if target_contact is None or card is None:
            raise NotFound("No such shared entry (it may have been unshared).")
        if target_contact.holder_id == me.id:
            raise InvalidInput("That person is in your own book: reach them yourself.")
        holder = _member(session, target_contact.holder_id)
        if not path and find_path is not None:
            path = find_path(holder.handle) or []
        if not path or path[-1] != holder.handle:
            raise InvalidInput(
                "The path must end at the member who shared this card.", field="path"
            )
        description = card_rules.describe_card(card)
        topic_ids = _topic_ids(session, [str(s) for s in card.get("skills", [])])  # type: ignore[attr-defined]
    elif kind == "aggregate":
        if not spec.holder_handle:
            raise InvalidInput("Name the member who holds these contacts.", field="holder_handle")
        holder = member_queries.active_member_by_handle(session, spec.holder_handle)
        if holder.id == me.id:
            raise InvalidInput("These are your own contacts: reach them yourself.")
        from sharewell.network import rules as net_rules

        flt = net_rules.check_filter(**{k: spec.filter.get(k, "") for k in _FILTER_KEYS})
        target_filter = {k: v for k in _FILTER_KEYS if (v := getattr(flt, k, "") or "")}
        count = len(matching_contacts(session, holder.id, target_filter, limit=10_000))
        if count < settings.min_group_size:
            raise NotFound(f"{holder.display_name} shares no such group of people.")
        description = f"someone {holder.display_name} knows: {net_rules.describe_filter(flt)}"
        if not path and find_path is not None:
            path = find_path(holder.handle) or []
        if not path or path[-1] != holder.handle:
            raise InvalidInput(
                "The path must end at the member who holds these contacts.", field="path"
            )
        topic_ids = _topic_ids(session, [target_filter.get("topic", "")])
    elif kind == "offer":
        from sharewell.insights import queries as insight_queries

        comment, insight = insight_queries.find_comment(
            session, spec.source_ref, insight_queries.viewer_for(session, me)
        )
        if comment.kind != "intro_offer" or insight.author_id != me.id:
            raise InvalidInput(
                "Only the author of an ask can turn an offer of an introduction on it into a "
                "request.", field="source_ref",
            )  # fmt: skip
        holder = _member(session, comment.author_id)
        if holder.id == me.id:
            raise InvalidInput("That offer is your own.")
        path = [holder.handle]
        skip_first_tie = True  # the offer itself, made to the asker in public, is the consent
        description = f"the person {holder.display_name} offered to introduce you to"
        source_kind, source_ref = "comment", comment.public_id
        topic_ids = _insight_topics(session, insight.id)
    else:
        raise InvalidInput("target_kind is member, card, aggregate or offer.", field="target_kind")

    if len(path) > rules.MAX_CONNECTORS:
        raise InvalidInput(
            f"An introduction passes through at most {rules.MAX_CONNECTORS} people.", field="path"
        )
    if len(set(path)) != len(path):
        raise InvalidInput("A path cannot pass through the same person twice.", field="path")
    connectors = [member_queries.active_member_by_handle(session, h) for h in path]
    if any(c.id == me.id for c in connectors):
        raise InvalidInput("You cannot be a connector on your own request.", field="path")
    if target_member is not None and any(c.id == target_member.id for c in connectors):
        raise InvalidInput("The target cannot also be a connector.", field="path")
    chain_ids = [me.id, *[c.id for c in connectors]]
    everyone = chain_ids + ([target_member.id] if target_member else [])
    if _blocked_pair(session, everyone):
        # The same words whoever blocked whom: a block is never revealed.
        raise PermissionDenied("This introduction cannot be requested.")
    ties = list(itertools.pairwise(everyone))
    for n, (x, y) in enumerate(ties):
        if n == 0 and skip_first_tie:
            continue
        row = network.connection_between(session, x, y)
        if row is None or row.status != "accepted":
            raise InvalidInput(
                "This path is broken: "
                f"{_member(session, x).display_name} and {_member(session, y).display_name} "
                "are not connected (any more). Look for a fresh path.",
                field="path",
            )
    for c in connectors:
        if network.is_paused(session, c.id):
            raise Conflict(f"{c.display_name} is not taking introductions now.")
    if target_member is not None and network.is_paused(session, target_member.id):
        raise Conflict(f"{target_member.display_name} is not taking introductions now.")
    if target_contact is not None and target_contact.opted_out:
        raise NotFound("No such shared entry (it may have been unshared).")
    since = now - timedelta(days=limits.decline_cooloff_days)
    for other in [*connectors, *([target_member] if target_member else [])]:
        if rules.in_cooloff(_declines_by(session, other.id, me.id, since), limits):
            raise Conflict(
                f"{other.display_name} declined your requests twice lately; please do not ask "
                "them again for now."
            )
    open_count = int(
        session.scalar(
            select(func.count(Intro.id)).where(
                Intro.requester_id == me.id, Intro.state.in_([s.value for s in rules.OPEN_STATES])
            )
        )
        or 0
    )
    rules.check_open_limit(open_count, limits)
    same = select(Intro.id).where(
        Intro.requester_id == me.id, Intro.state.in_([s.value for s in rules.OPEN_STATES])
    )
    if target_member is not None:
        same = same.where(Intro.target_member_id == target_member.id)
    elif target_contact is not None:
        same = same.where(Intro.target_contact_id == target_contact.id)
    else:
        same = same.where(Intro.target_description == description[:300])
    if session.scalar(same.limit(1)) is not None:
        raise Conflict("You already have an open request for this introduction.")
    if limiter is not None:
        limiter.hit(
            ratelimit.key("intros", "request", "member", str(me.id)),
            settings.intro_requests_per_hour, 3600,
        )  # fmt: skip

    intro = Intro(
        public_id=secrets.token_urlsafe(12), requester_id=me.id, target_kind=kind,
        target_member_id=target_member.id if target_member else None,
        target_contact_id=target_contact.id if target_contact else None,
        target_filter=target_filter, target_description=description[:300],
        state=State.REQUESTED.value, current_hop=0, why=why, offer=offer,
        source_kind=source_kind, source_ref=source_ref, topic_ids=topic_ids,
        requester_contact=contact_line, created_at=now, updated_at=now,
        expires_at=now + timedelta(days=limits.expiry_days),
    )  # fmt: skip
    session.add(intro)
    session.flush()
    for pos, c in enumerate(connectors):
        session.add(
            IntroHop(
                intro_id=intro.id, position=pos, connector_id=c.id,
                state=HopState.PENDING.value if pos == 0 else HopState.WAITING.value,
            )
        )  # fmt: skip
    if spec.pledge_amount:
        pledge = ledger.create_pledge(
            session, me, spec.pledge_amount, subject_kind="intro", subject_ref=intro.public_id,
            rule=spec.pledge_rule, key=f"intro:{intro.public_id}:pledge", now=now,
        )  # fmt: skip
        intro.pledge_id = pledge.id
    _event(session, intro, me.id, Role.REQUESTER, "request", "", now=now)
    session.flush()
    session.refresh(intro, ["hops"])
    notify(
        session, settings, connectors[0].id, "intro_request",
        f"{me.display_name} asks you for an introduction to {description}", intro_url(intro),
    )  # fmt: skip
    return intro


_FILTER_KEYS = ("topic", "company", "title", "city")


def _insight_topics(session: Session, insight_id: int) -> list[int]:
    from sharewell.insights.models import InsightTopic

    return sorted(
        int(t)
        for t in session.scalars(
            select(InsightTopic.topic_id).where(InsightTopic.insight_id == insight_id)
        )
    )


def matching_contacts(
    session: Session, holder_id: int, flt: dict[str, str], *, limit: int = 200
) -> list[Contact]:
    """The holder's own shared (counted, blind, open), not opted-out contacts matching an
    aggregate's filter: what the holder chooses from. Only ever shown to the holder."""
    from sharewell.network import rules as net_rules

    query = select(Contact).where(
        Contact.holder_id == holder_id,
        Contact.visibility.in_(tuple(card_rules.SHARED)),
        Contact.opted_out.is_(False),
    )
    if flt:
        parsed = net_rules.check_filter(**{k: flt.get(k, "") for k in _FILTER_KEYS})
        for terms in net_rules.filter_terms(parsed).values():
            for term in terms:
                query = query.where(
                    Contact.id.in_(
                        select(ContactTerm.contact_id)
                        .join(Term, Term.id == ContactTerm.term_id)
                        .where(Term.term == term, ContactTerm.holder_id == holder_id)
                    )
                )
    return list(session.scalars(query.order_by(Contact.id).limit(limit)))


# --- roles ---------------------------------------------------------------------------------------


def _participant(session: Session, me: Member, public_id: str) -> tuple[Intro, str, int | None]:
    intro = visible_intro(session, me, public_id)
    role, pos = role_of(intro, me.id)
    if role is None:
        raise NotFound("No such introduction.")
    return intro, role, pos


def _current_hop(intro: Intro, me: Member) -> IntroHop:
    if intro.current_hop >= len(intro.hops):
        raise IllegalTransition("No connector has this request now: it is with the target.")
    hop = intro.hops[intro.current_hop]
    if hop.connector_id != me.id:
        raise IllegalTransition("It is not your turn on this introduction.")
    return hop


def _is_last(intro: Intro, hop: IntroHop) -> bool:
    return hop.position == len(intro.hops) - 1


def _chain(intro: Intro) -> list[int]:
    return [h.connector_id for h in intro.hops]


def _everyone(intro: Intro) -> list[int]:
    ids = [intro.requester_id, *_chain(intro)]
    if intro.target_member_id:
        ids.append(intro.target_member_id)
    return ids


def _tie_since(session: Session, x: int, y: int) -> datetime | None:
    row = network.connection_between(session, x, y)
    return row.responded_at if row is not None and row.status == "accepted" else None


def _handed_by(intro: Intro, pos: int) -> int:
    return intro.requester_id if pos == 0 else intro.hops[pos - 1].connector_id


# --- connector steps -----------------------------------------------------------------------------


def forward(
    session: Session, settings: Settings, me: Member, public_id: str, note: str = ""
) -> Intro:
    """The connector whose turn it is passes the request on to the next connector."""
    note = rules.clean_text(note, field="note", limit=rules.NOTE_MAX)
    intro = _locked_for(session, me, public_id)
    if role_of(intro, me.id)[0] is None:
        raise NotFound("No such introduction.")
    hop = _current_hop(intro, me)
    if _is_last(intro, hop):
        raise IllegalTransition(
            "You are the last connector: ask the target (or attest they agreed) instead."
        )
    before, now = intro.state, utcnow()
    intro.state = rules.next_state(intro.state, Role.CONNECTOR, Action.FORWARD).value
    hop.state = rules.next_hop_state(hop.state, Action.FORWARD).value
    hop.note, hop.acted_at = note, now
    nxt = intro.hops[hop.position + 1]
    nxt.state = HopState.PENDING.value
    intro.current_hop = nxt.position
    _touch(intro, settings, now)
    _event(session, intro, me.id, Role.CONNECTOR, Action.FORWARD, before, note=note, now=now)
    _forward_give(session, intro, hop, now)
    nxt_member = _member(session, nxt.connector_id)
    requester = _member(session, intro.requester_id)
    notify(
        session, settings, nxt.connector_id, "intro_request",
        f"{me.display_name} passed on {requester.display_name}'s request for an introduction "
        f"to {intro.target_description}", intro_url(intro),
    )  # fmt: skip
    notify(
        session, settings, intro.requester_id, "intro_forwarded",
        f"{me.display_name} forwarded your request to {nxt_member.display_name}",
        intro_url(intro),
    )  # fmt: skip
    session.flush()
    return intro


def _touch(intro: Intro, settings: Settings, now: datetime) -> None:
    intro.updated_at = now
    intro.expires_at = now + timedelta(days=settings.intro_expiry_days)


def _forward_give(session: Session, intro: Intro, hop: IntroHop, now: datetime) -> None:
    member = _member(session, hop.connector_id)
    base = f"intro:{intro.public_id}:hop:{hop.position}:forwarded"
    ledger.record_give(session, member, "intro_forwarded", key=base, ref=intro.public_id, now=now)
    handed_by = _handed_by(intro, hop.position)
    ledger.award_give(
        session, member, "intro_forwarded", key=f"{base}:award", counterpart_id=handed_by,
        connected_since=_tie_since(session, handed_by, member.id), now=now,
    )  # fmt: skip


def _pick_contact(session: Session, intro: Intro, me: Member, contact_id: str | None) -> Contact:
    """The non-member target: the card's contact, or the one the holder picks now."""
    if intro.target_kind == "card":
        contact = session.get(Contact, intro.target_contact_id) if intro.target_contact_id else None
        if contact is None or contact.holder_id != me.id or contact.opted_out:
            raise Conflict("This person is no longer in your shared book; decline instead.")
        return contact
    if not contact_id:
        raise InvalidInput(
            "Pick which of your contacts to approach (contact_id).", field="contact_id"
        )
    contact = session.scalar(
        select(Contact).where(Contact.public_id == contact_id, Contact.holder_id == me.id)
    )
    if contact is None:
        raise NotFound("No such contact in your book.")
    if contact.opted_out:
        raise Conflict("This person asked never to be introduced.")
    if intro.target_kind == "aggregate":
        fits = matching_contacts(session, me.id, intro.target_filter, limit=10_000)
        allowed = {c.id for c in fits}
        if contact.id not in allowed:
            raise InvalidInput(
                "Pick one of your shared contacts that fits the request.", field="contact_id"
            )
    intro.target_contact_id = contact.id
    return contact


def ask_target(
    session: Session,
    settings: Settings,
    me: Member,
    public_id: str,
    note: str = "",
    contact_id: str | None = None,
) -> Intro:
    """The last connector asks the target: a member in Sharewell, or a non-member contact by
    a signed, single-use, expiring link to the contact's address."""
    note = rules.clean_text(note, field="note", limit=rules.NOTE_MAX)
    intro = _locked_for(session, me, public_id)
    if role_of(intro, me.id)[0] is None:
        raise NotFound("No such introduction.")
    hop = _current_hop(intro, me)
    if not _is_last(intro, hop):
        raise IllegalTransition("Forward it to the next connector: you are not the last one.")
    before, now = intro.state, utcnow()
    new_state = rules.next_state(intro.state, Role.CONNECTOR, Action.ASK_TARGET)
    new_hop = rules.next_hop_state(hop.state, Action.ASK_TARGET)
    requester = _member(session, intro.requester_id)
    secret: str | None = None
    address = ""
    if intro.target_member_id is None:
        contact = _pick_contact(session, intro, me, contact_id)
        if not contact.emails:
            raise Conflict(
                "This contact has no email address: reach them your own way and attest that "
                "they agreed."
            )
        address = contact.emails[0].value
        secret = secrets.token_urlsafe(32)
        session.add(
            IntroToken(
                intro_id=intro.id, purpose="consent", token_hash=_hash(secret), created_at=now,
                expires_at=now + timedelta(days=settings.intro_link_days),
            )
        )  # fmt: skip
    intro.state, hop.state = new_state.value, new_hop.value
    hop.note, hop.acted_at = note, now
    intro.current_hop = len(intro.hops)
    _touch(intro, settings, now)
    _event(session, intro, me.id, Role.CONNECTOR, Action.ASK_TARGET, before, note=note, now=now)
    _forward_give(session, intro, hop, now)
    if intro.target_member_id is not None:
        notify(
            session, settings, intro.target_member_id, "intro_asked",
            f"{me.display_name} would like to introduce you to {requester.display_name}",
            intro_url(intro),
        )  # fmt: skip
    else:
        assert secret is not None
        link = f"{settings.base_url}/intro-link?token={secret}"
        mail.queue(
            session, settings, to=address,
            subject=f"{me.display_name} would like to introduce you to {requester.display_name}",
            body=(
                f"Hello,\n\n{me.display_name} knows you and was asked by "
                f"{requester.display_name}"
                f"{' (' + requester.headline + ')' if requester.headline else ''} for an "
                f"introduction to you on Sharewell.\n\nWhy: {intro.why}\n"
                + (f"In return: {intro.offer}\n" if intro.offer else "")
                + (f"\n{me.display_name} adds: {note}\n" if note else "")
                + f"\nSay yes or no here (no account needed; the link works once, for "
                f"{settings.intro_link_days} days):\n{link}\n\nNothing about you has been "
                f"shared with {requester.display_name}. Only if you accept do you two get each "
                "other's contact details.\n"
            ),
            kind="intro_consent",
        )  # fmt: skip
    notify(
        session, settings, intro.requester_id, "intro_asked",
        f"{me.display_name} asked {intro.target_description} about your introduction",
        intro_url(intro),
    )  # fmt: skip
    session.flush()
    return intro


def attest(
    session: Session,
    settings: Settings,
    me: Member,
    public_id: str,
    note: str = "",
    contact_id: str | None = None,
) -> Intro:
    """The last connector reached the non-member target their own way and attests that the
    person agreed: the introduction is accepted (marked attested; awards mint nothing)."""
    note = rules.clean_text(note, field="note", limit=rules.NOTE_MAX)
    intro = _locked_for(session, me, public_id)
    role, pos = role_of(intro, me.id)
    if role != Role.CONNECTOR or pos != len(intro.hops) - 1:
        raise (
            NotFound("No such introduction.")
            if role is None
            else IllegalTransition(
                "Only the connector who knows the target can attest their agreement."
            )
        )
    if intro.target_member_id is not None:
        raise IllegalTransition("A member target answers in Sharewell themselves.")
    hop = intro.hops[pos]
    if intro.state != State.ASKED and intro.current_hop != pos:
        raise IllegalTransition("It is not your turn on this introduction.")
    before, now = intro.state, utcnow()
    new_state = rules.next_state(intro.state, Role.CONNECTOR, Action.ATTEST)
    new_hop = rules.next_hop_state(hop.state, Action.ATTEST)
    contact = (
        session.get(Contact, intro.target_contact_id)
        if intro.state == State.ASKED and intro.target_contact_id
        else _pick_contact(session, intro, me, contact_id)
    )
    if contact is None or contact.opted_out:
        raise Conflict("This person is no longer in your shared book.")
    first_pass = hop.state != HopState.FORWARDED
    intro.state, hop.state = new_state.value, new_hop.value
    if first_pass:
        hop.acted_at, hop.note = now, note
        _forward_give(session, intro, hop, now)
    intro.current_hop = len(intro.hops)
    _invalidate_tokens(session, intro, "consent", now)
    _event(session, intro, me.id, Role.CONNECTOR, Action.ATTEST, before, note=note, now=now)
    _accepted(session, settings, intro, contact, "attested", now)
    return intro


def _invalidate_tokens(session: Session, intro: Intro, purpose: str, now: datetime) -> None:
    session.execute(
        update(IntroToken)
        .where(
            IntroToken.intro_id == intro.id, IntroToken.purpose == purpose,
            IntroToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


def decline(
    session: Session,
    settings: Settings,
    me: Member,
    public_id: str,
    reason: str = "",
    share_reason: bool = False,
) -> Intro:
    """A connector (on their turn) or the member target declines. The requester reads a kind,
    generic reason unless the decliner chose to share theirs."""
    reason = rules.clean_text(reason, field="reason", limit=rules.NOTE_MAX)
    intro = _locked_for(session, me, public_id)
    role = _role_on(intro, me)
    before, now = intro.state, utcnow()
    if role == Role.CONNECTOR:
        hop = _current_hop(intro, me)
        new_state = rules.next_state(intro.state, Role.CONNECTOR, Action.DECLINE)
        hop.state = rules.next_hop_state(hop.state, Action.DECLINE).value
        hop.acted_at = now
    elif role == Role.TARGET:
        new_state = rules.next_state(intro.state, Role.TARGET, Action.DECLINE)
    else:
        raise IllegalTransition("The requester withdraws a request; they do not decline it.")
    intro.state = new_state.value
    intro.decline_reason, intro.decline_reason_shared = reason, bool(share_reason and reason)
    intro.declined_by_id = me.id
    _event(
        session, intro, me.id, role, Action.DECLINE, before,
        note=reason, audience="requester" if intro.decline_reason_shared else "actor", now=now,
    )  # fmt: skip
    _closed(session, settings, intro, "declined", now)
    notify(
        session, settings, intro.requester_id, "intro_declined",
        f"Your introduction to {intro.target_description} could not be made",
        intro_url(intro),
    )  # fmt: skip
    return intro


def withdraw(session: Session, settings: Settings, me: Member, public_id: str) -> Intro:
    intro = _locked_for(session, me, public_id)
    role = _role_on(intro, me)
    if role != Role.REQUESTER:
        raise IllegalTransition("Only the requester can withdraw a request.")
    before, now = intro.state, utcnow()
    intro.state = rules.next_state(intro.state, Role.REQUESTER, Action.WITHDRAW).value
    _event(session, intro, me.id, Role.REQUESTER, Action.WITHDRAW, before, now=now)
    _closed(session, settings, intro, "withdrawn", now)
    for member_id in _reached(intro):
        notify(
            session, settings, member_id, "intro_withdrawn",
            f"{me.display_name} withdrew a request for an introduction", intro_url(intro),
        )  # fmt: skip
    return intro


def _reached(intro: Intro) -> list[int]:
    """Members the request has reached so far (connectors who had it, a member target asked)."""
    ids = [h.connector_id for h in intro.hops if h.state != HopState.WAITING]
    if intro.target_member_id and intro.current_hop >= len(intro.hops):
        ids.append(intro.target_member_id)
    return ids


def _closed(session: Session, settings: Settings, intro: Intro, reason: str, now: datetime) -> None:
    """Declined, withdrawn or expired: hops that had the request and never acted close,
    links stop working, and the pledge returns to the requester. Hops the request never
    reached stay waiting: their connectors must never learn it existed (it would otherwise
    show up in their inbox and notifications once closed)."""
    intro.closed_at = intro.updated_at = now
    for hop in intro.hops:
        if hop.state in (HopState.PENDING, HopState.QUESTIONED):
            hop.state = HopState.CLOSED.value
    _invalidate_tokens(session, intro, "consent", now)
    if intro.pledge_id is not None:
        pledge = session.get(Pledge, intro.pledge_id)
        if pledge is not None and pledge.state == "escrowed":
            ledger.refund_pledge(
                session, pledge, reason=reason, key=f"intro:{intro.public_id}:refund", now=now
            )
    session.flush()


def ask_question(
    session: Session, settings: Settings, me: Member, public_id: str, question: str
) -> Intro:
    question = rules.clean_text(question, field="question", limit=rules.NOTE_MAX, required=True)
    intro = _locked_for(session, me, public_id)
    if role_of(intro, me.id)[0] is None:
        raise NotFound("No such introduction.")
    hop = _current_hop(intro, me)
    rules.next_state(intro.state, Role.CONNECTOR, Action.ASK_QUESTION)
    hop.state = rules.next_hop_state(hop.state, Action.ASK_QUESTION).value
    hop.question, hop.answer = question, ""
    _event(
        session, intro, me.id, Role.CONNECTOR, Action.ASK_QUESTION, intro.state,
        note=question, audience="requester",
    )  # fmt: skip
    notify(
        session, settings, intro.requester_id, "intro_question",
        f"{me.display_name} has a question about your introduction request", intro_url(intro),
    )  # fmt: skip
    session.flush()
    return intro


def answer(session: Session, settings: Settings, me: Member, public_id: str, text: str) -> Intro:
    text = rules.clean_text(text, field="answer", limit=rules.NOTE_MAX, required=True)
    intro = _locked_for(session, me, public_id)
    role = _role_on(intro, me)
    if role != Role.REQUESTER:
        raise IllegalTransition("Only the requester answers a connector's question.")
    rules.next_state(intro.state, Role.REQUESTER, Action.ANSWER)
    hop = intro.hops[intro.current_hop]
    hop.state = rules.next_hop_state(hop.state, Action.ANSWER).value
    hop.answer = text
    _event(
        session, intro, me.id, Role.REQUESTER, Action.ANSWER, intro.state, note=text,
        audience="requester",
    )  # fmt: skip
    notify(
        session, settings, hop.connector_id, "intro_answer",
        f"{me.display_name} answered your question", intro_url(intro),
    )  # fmt: skip
    session.flush()
    return intro


# --- the target ----------------------------------------------------------------------------------


def accept(
    session: Session, settings: Settings, me: Member, public_id: str, contact: str | None = None
) -> Intro:
    """A member target accepts, choosing what the requester may see of them (default: their
    address)."""
    line = rules.clean_text(
        contact if contact is not None else me.email, field="contact",
        limit=rules.CONTACT_MAX, required=True,
    )  # fmt: skip
    intro = _locked_for(session, me, public_id)
    role = _role_on(intro, me)
    if role != Role.TARGET:
        raise IllegalTransition("Only the person asked can accept an introduction.")
    before, now = intro.state, utcnow()
    intro.state = rules.next_state(intro.state, Role.TARGET, Action.ACCEPT).value
    intro.target_details = {"name": me.display_name, "handle": me.handle, "contact": line}
    _event(session, intro, me.id, Role.TARGET, Action.ACCEPT, before, now=now)
    _accepted(session, settings, intro, None, "member", now)
    return intro


def _token(session: Session, secret: str, purpose: str | None = None) -> IntroToken:
    token = session.scalar(select(IntroToken).where(IntroToken.token_hash == _hash(secret)))
    now = utcnow()
    if (
        token is None
        or (purpose and token.purpose != purpose)
        or token.used_at is not None
        or token.expires_at <= now
    ):
        raise NotFound("This link has expired or was used already.")
    return token


@dataclass(frozen=True)
class LinkView:
    purpose: str
    requester_name: str
    requester_headline: str
    connector_name: str
    why: str
    offer: str
    outcome_kind: str | None
    expires_at: datetime


def link_view(session: Session, secret: str) -> LinkView:
    """What the public link page shows: who asks and why (nothing of anyone's contacts)."""
    token = _token(session, secret)
    intro = session.get(Intro, token.intro_id)
    assert intro is not None
    requester = _member(session, intro.requester_id)
    connector = _member(session, intro.hops[-1].connector_id)
    outcome = session.get(IntroOutcome, token.outcome_id) if token.outcome_id else None
    return LinkView(
        purpose=token.purpose, requester_name=requester.display_name,
        requester_headline=requester.headline, connector_name=connector.display_name,
        why=intro.why, offer=intro.offer, outcome_kind=outcome.kind if outcome else None,
        expires_at=token.expires_at,
    )  # fmt: skip


def answer_link(session: Session, settings: Settings, secret: str, yes: bool) -> str:
    """A non-member answers through their emailed link (single use). Returns the state."""
    token = _token(session, secret)
    intro = _lock(session, session.get(Intro, token.intro_id))  # type: ignore[arg-type]
    token = _token(session, secret)  # re-checked under the lock: one answer only
    now = utcnow()
    token.used_at = now
    if token.purpose == "outcome":
        outcome = session.get(IntroOutcome, token.outcome_id)
        assert outcome is not None
        if yes:
            _confirm_target_side(session, settings, intro, outcome, None, "link", now)
        else:
            _event(session, intro, None, Role.TARGET, "outcome_denied", intro.state,
                   note=outcome.kind, now=now)  # fmt: skip
        session.flush()
        return outcome.state
    before = intro.state
    if yes:
        intro.state = rules.next_state(intro.state, Role.TARGET, Action.ACCEPT).value
        contact = session.get(Contact, intro.target_contact_id) if intro.target_contact_id else None
        if contact is None:
            raise Conflict("This introduction can no longer be made.")
        _event(session, intro, None, Role.TARGET, Action.ACCEPT, before, now=now)
        _accepted(session, settings, intro, contact, "link", now)
        return intro.state
    intro.state = rules.next_state(intro.state, Role.TARGET, Action.DECLINE).value
    _event(session, intro, None, Role.TARGET, Action.DECLINE, before, now=now)
    _closed(session, settings, intro, "declined", now)
    notify(
        session, settings, intro.requester_id, "intro_declined",
        f"Your introduction to {intro.target_description} could not be made", intro_url(intro),
    )  # fmt: skip
    return intro.state


def _details_of(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.display_name,
        "emails": [e.value for e in contact.emails],
        "phones": [p.value for p in contact.phones],
        "linkedin_url": contact.linkedin_url,
    }


def _accepted(
    session: Session,
    settings: Settings,
    intro: Intro,
    contact: Contact | None,
    method: str,
    now: datetime,
) -> None:
    """The double opt-in is complete: the two ends get each other's chosen details (a
    non-member's from the connector's book, copied now and only now), the thread opens, the
    pledge's attribution window starts, and gives and takes are recorded."""
    intro.accepted_at = intro.updated_at = now
    intro.consent_method = method
    intro.closed_at = None
    if contact is not None:
        intro.target_details = _details_of(contact)
    requester = _member(session, intro.requester_id)
    attested = method == "attested"
    if intro.pledge_id is not None:
        pledge = session.get(Pledge, intro.pledge_id)
        if pledge is not None:
            ledger.start_attribution(session, pledge, now)
    for hop in intro.hops:
        connector = _member(session, hop.connector_id)
        base = f"intro:{intro.public_id}:accepted:{hop.position}"
        ledger.record_give(session, connector, "intro_accepted", key=base, ref=intro.public_id,
                           now=now)  # fmt: skip
        handed_by = _handed_by(intro, hop.position)
        ledger.award_give(
            session, connector, "intro_accepted", key=f"{base}:award", counterpart_id=handed_by,
            connected_since=_tie_since(session, handed_by, connector.id), attested=attested,
            now=now,
        )  # fmt: skip
    ledger.record_take(
        session, requester, "intro_received", key=f"intro:{intro.public_id}:accepted:take",
        ref=intro.public_id, now=now,
    )  # fmt: skip
    if contact is not None and method == "link" and contact.emails:
        mail.queue(
            session, settings, to=contact.emails[0].value,
            subject=f"You are introduced to {requester.display_name}",
            body=(
                f"Thank you for accepting. You can reach {requester.display_name} here:\n\n"
                f"{intro.requester_contact}\n\nThey now have your contact details too.\n"
            ),
            kind="intro_accepted",
        )  # fmt: skip
    notify(
        session, settings, intro.requester_id, "intro_accepted",
        f"Your introduction to {intro.target_description} was accepted", intro_url(intro),
    )  # fmt: skip
    for hop in intro.hops:
        notify(
            session, settings, hop.connector_id, "intro_accepted",
            f"The introduction you helped {requester.display_name} with was accepted",
            intro_url(intro),
        )  # fmt: skip
    if intro.target_member_id is not None:
        notify(
            session, settings, intro.target_member_id, "intro_accepted",
            f"You and {requester.display_name} are introduced: say hello", intro_url(intro),
        )  # fmt: skip
    session.flush()


# --- expiry --------------------------------------------------------------------------------------


def expire_due(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Expire open requests whose time ran out (idempotent: each is locked and re-checked)."""
    now = now or utcnow()
    ids = list(
        session.scalars(
            select(Intro.id)
            .where(Intro.state.in_([s.value for s in rules.OPEN_STATES]), Intro.expires_at <= now)
            .order_by(Intro.id)
            .limit(1000)
        )
    )
    done = 0
    for intro_id in ids:
        intro = _lock(session, session.get(Intro, intro_id))  # type: ignore[arg-type]
        if intro.state not in rules.OPEN_STATES or intro.expires_at > now:
            continue
        before = intro.state
        intro.state = rules.next_state(intro.state, Role.SYSTEM, Action.EXPIRE).value
        _event(session, intro, None, Role.SYSTEM, Action.EXPIRE, before, now=now)
        _closed(session, settings, intro, "expired", now)
        notify(
            session, settings, intro.requester_id, "intro_expired",
            f"Your request for an introduction to {intro.target_description} expired",
            intro_url(intro),
        )  # fmt: skip
        done += 1
    return done


# --- the thread ----------------------------------------------------------------------------------


def thread_members(intro: Intro) -> list[int]:
    return [m for m in _everyone(intro) if in_thread(intro, m)]


def post_message(
    session: Session, settings: Settings, me: Member, public_id: str, body: str
) -> IntroMessage:
    body = rules.clean_text(body, field="body", limit=5000, required=True)
    intro, _, _ = _participant(session, me, public_id)
    if intro.state != State.ACCEPTED:
        raise IllegalTransition("The conversation opens once the introduction is accepted.")
    if not in_thread(intro, me.id):
        raise PermissionDenied("You left this conversation.")
    message = IntroMessage(intro_id=intro.id, author_id=me.id, body=body, created_at=utcnow())
    session.add(message)
    session.flush()
    for member_id in thread_members(intro):
        if member_id != me.id:
            notify(
                session, settings, member_id, "intro_message",
                f"{me.display_name} wrote in your introduction conversation", intro_url(intro),
            )  # fmt: skip
    if intro.target_member_id is None and intro.consent_method == "link":
        details = intro.target_details or {}
        if details.get("emails") and me.id == intro.requester_id:
            mail.queue(
                session, settings, to=details["emails"][0],
                subject=f"{me.display_name} wrote to you",
                body=f"{body}\n\n— {me.display_name} ({intro.requester_contact})",
                kind="intro_message",
            )  # fmt: skip
    return message


def leave_thread(session: Session, me: Member, public_id: str) -> None:
    intro, role, pos = _participant(session, me, public_id)
    if role == Role.REQUESTER:
        raise InvalidInput("The requester keeps the conversation.")
    if role == Role.TARGET:
        intro.target_left_thread = True
    else:
        assert pos is not None
        intro.hops[pos].left_thread = True
    _event(session, intro, me.id, role, "leave_thread", intro.state)
    session.flush()


# --- outcomes ------------------------------------------------------------------------------------


def _outcome(session: Session, intro: Intro, outcome_id: int) -> IntroOutcome:
    outcome = session.get(IntroOutcome, outcome_id)
    if outcome is None or outcome.intro_id != intro.id:
        raise NotFound("No such outcome.")
    return outcome


def record_outcome(
    session: Session, settings: Settings, me: Member, public_id: str, kind: str
) -> IntroOutcome:
    """Either end records what came of the introduction, within the attribution window; it
    counts once the other end confirms (a non-member target by an emailed link)."""
    outcome_kind = rules.check_outcome_kind(kind)
    intro = _locked_for(session, me, public_id)
    role = _role_on(intro, me)
    if role not in (Role.REQUESTER, Role.TARGET):
        raise PermissionDenied("Only the two ends of an introduction record its outcome.")
    if intro.state != State.ACCEPTED or intro.accepted_at is None:
        raise IllegalTransition("Outcomes are recorded once the introduction is accepted.")
    now = utcnow()
    if not rules.within_attribution(intro.accepted_at, now, settings.ledger_attribution_days):
        raise Conflict("The attribution window of this introduction has ended.")
    existing = session.scalar(
        select(IntroOutcome).where(
            IntroOutcome.intro_id == intro.id, IntroOutcome.kind == outcome_kind.value
        )
    )
    if existing is not None:
        return confirm_outcome(session, settings, me, public_id, existing.id)
    outcome = IntroOutcome(
        intro_id=intro.id, kind=outcome_kind.value, state=rules.OutcomeState.PROPOSED.value,
        recorded_by_id=me.id, created_at=now,
    )  # fmt: skip
    if role == Role.REQUESTER:
        outcome.requester_confirmed_at = now
    else:
        outcome.target_confirmed_at, outcome.target_confirm_method = now, "member"
    session.add(outcome)
    session.flush()
    _event(session, intro, me.id, role, "outcome", intro.state, note=outcome.kind, now=now)
    if role == Role.REQUESTER and intro.target_member_id is None:
        emails = (intro.target_details or {}).get("emails") or []
        if emails and intro.consent_method == "link":
            secret = secrets.token_urlsafe(32)
            session.add(
                IntroToken(
                    intro_id=intro.id, outcome_id=outcome.id, purpose="outcome",
                    token_hash=_hash(secret), created_at=now,
                    expires_at=now + timedelta(days=settings.intro_link_days),
                )
            )  # fmt: skip
            requester = _member(session, intro.requester_id)
            mail.queue(
                session, settings, to=emails[0],
                subject=f"Did your introduction to {requester.display_name} lead to a "
                f"{outcome.kind}?",
                body=(
                    f"{requester.display_name} recorded that your introduction led to: "
                    f"{outcome.kind}.\nIf that is right, confirm it here (one click, no "
                    f"account):\n{settings.base_url}/intro-link?token={secret}\n"
                ),
                kind="intro_outcome",
            )  # fmt: skip
        else:
            notify(
                session, settings, intro.hops[-1].connector_id, "intro_outcome",
                f"{_member(session, intro.requester_id).display_name} recorded '{outcome.kind}'"
                f"; please confirm it with {intro.target_description}", intro_url(intro),
            )  # fmt: skip
    other = intro.target_member_id if role == Role.REQUESTER else intro.requester_id
    if other is not None:
        notify(
            session, settings, other, "intro_outcome",
            f"{me.display_name} recorded '{outcome.kind}' on your introduction; confirm it",
            intro_url(intro),
        )  # fmt: skip
    _maybe_confirmed(session, settings, intro, outcome, now)
    return outcome


def confirm_outcome(
    session: Session, settings: Settings, me: Member, public_id: str, outcome_id: int
) -> IntroOutcome:
    intro = _locked_for(session, me, public_id)
    role = _role_on(intro, me)
    outcome = _outcome(session, intro, outcome_id)
    if outcome.state != rules.OutcomeState.PROPOSED:
        raise IllegalTransition(f"This outcome is {outcome.state}; nothing to confirm.")
    now = utcnow()
    if role == Role.REQUESTER:
        if outcome.requester_confirmed_at is not None:
            raise Conflict("You confirmed this outcome already.")
        outcome.requester_confirmed_at = now
    elif role == Role.TARGET:
        if outcome.target_confirmed_at is not None:
            raise Conflict("You confirmed this outcome already.")
        outcome.target_confirmed_at, outcome.target_confirm_method = now, "member"
    else:
        raise PermissionDenied("Only the two ends confirm an outcome; the connector attests.")
    _event(session, intro, me.id, role, "outcome_confirm", intro.state, note=outcome.kind, now=now)
    _maybe_confirmed(session, settings, intro, outcome, now)
    return outcome


def attest_outcome(
    session: Session, settings: Settings, me: Member, public_id: str, outcome_id: int
) -> IntroOutcome:
    """For a non-member target without an address: the connector who knows them attests
    their side; with the requester's confirmation it counts, marked attested."""
    intro = _locked_for(session, me, public_id)
    role, pos = role_of(intro, me.id)
    if role is None:
        raise NotFound("No such introduction.")
    if role != Role.CONNECTOR or pos != len(intro.hops) - 1 or intro.target_member_id:
        raise PermissionDenied("Only the connector who knows a non-member target attests.")
    outcome = _outcome(session, intro, outcome_id)
    if outcome.state != rules.OutcomeState.PROPOSED or outcome.target_confirmed_at is not None:
        raise IllegalTransition("This outcome needs no attestation now.")
    now = utcnow()
    _confirm_target_side(session, settings, intro, outcome, me.id, "attested", now)
    return outcome


def _confirm_target_side(
    session: Session,
    settings: Settings,
    intro: Intro,
    outcome: IntroOutcome,
    actor_id: int | None,
    method: str,
    now: datetime,
) -> None:
    if outcome.state != rules.OutcomeState.PROPOSED or outcome.target_confirmed_at is not None:
        raise IllegalTransition("This outcome needs no confirmation now.")
    outcome.target_confirmed_at, outcome.target_confirm_method = now, method
    outcome.attested = method == "attested"
    role = Role.CONNECTOR if method == "attested" else Role.TARGET
    _event(session, intro, actor_id, role, f"outcome_{method}", intro.state, note=outcome.kind,
           now=now)  # fmt: skip
    _maybe_confirmed(session, settings, intro, outcome, now)


def _maybe_confirmed(
    session: Session, settings: Settings, intro: Intro, outcome: IntroOutcome, now: datetime
) -> None:
    if outcome.requester_confirmed_at is None or outcome.target_confirmed_at is None:
        session.flush()
        return
    _confirmed(session, settings, intro, outcome, now)


def _confirmed(
    session: Session, settings: Settings, intro: Intro, outcome: IntroOutcome, now: datetime
) -> None:
    """Both ends agree (or an admin resolved a dispute): awards for the connectors, and for a
    hire or deal the pledge is split along the chain (requester side first)."""
    outcome.state = rules.OutcomeState.CONFIRMED.value
    outcome.confirmed_at = now
    base = f"intro:{intro.public_id}:outcome:{outcome.id}"
    if outcome.kind != rules.OutcomeKind.NOTHING:
        for hop in intro.hops:
            connector = _member(session, hop.connector_id)
            ledger.record_give(
                session, connector, "outcome_confirmed", key=f"{base}:give:{hop.position}",
                ref=intro.public_id, now=now,
            )  # fmt: skip
            handed_by = _handed_by(intro, hop.position)
            ledger.award_give(
                session, connector, "outcome_confirmed", key=f"{base}:award:{hop.position}",
                counterpart_id=handed_by,
                connected_since=_tie_since(session, handed_by, connector.id),
                attested=outcome.attested, now=now,
            )  # fmt: skip
    if outcome.kind in rules.REWARDED and intro.pledge_id is not None:
        pledge = session.get(Pledge, intro.pledge_id)
        if pledge is not None and pledge.state == "escrowed":
            ledger.split_pledge(session, pledge, _chain(intro), key=f"{base}:split", now=now)
    _event(session, intro, None, Role.SYSTEM, "outcome_confirmed", intro.state, note=outcome.kind,
           now=now)  # fmt: skip
    for member_id in [intro.requester_id, *_chain(intro)]:
        notify(
            session, settings, member_id, "intro_outcome",
            f"Confirmed: the introduction to {intro.target_description} led to "
            f"'{outcome.kind}'", intro_url(intro),
        )  # fmt: skip
    session.flush()


def report_fall_off(
    session: Session, settings: Settings, me: Member, public_id: str, outcome_id: int
) -> IntroOutcome:
    """Either end reports that a confirmed hire fell off within the guarantee window: the
    pending split returns to the pledger."""
    intro = _locked_for(session, me, public_id)
    role = _role_on(intro, me)
    if role not in (Role.REQUESTER, Role.TARGET):
        raise PermissionDenied("Only the two ends report that a hire fell off.")
    outcome = _outcome(session, intro, outcome_id)
    if outcome.kind != rules.OutcomeKind.HIRE or outcome.state != rules.OutcomeState.CONFIRMED:
        raise IllegalTransition("Only a confirmed hire can fall off.")
    now = utcnow()
    assert outcome.confirmed_at is not None
    pledge = session.get(Pledge, intro.pledge_id) if intro.pledge_id else None
    if pledge is not None and pledge.state == "split_pending":
        ledger.report_fall_off(session, pledge, key=f"intro:{intro.public_id}:outcome:"
                               f"{outcome.id}:fall-off", now=now)  # fmt: skip
    elif now > outcome.confirmed_at + timedelta(days=settings.ledger_guarantee_days):
        raise Conflict("The guarantee window has ended.")
    outcome.state, outcome.fell_off_at = rules.OutcomeState.FELL_OFF.value, now
    _event(session, intro, me.id, role, "fall_off", intro.state, note=outcome.kind, now=now)
    for member_id in [intro.requester_id, *_chain(intro)]:
        if member_id != me.id:
            notify(
                session, settings, member_id, "intro_outcome",
                f"The hire after the introduction to {intro.target_description} fell off",
                intro_url(intro),
            )  # fmt: skip
    session.flush()
    return outcome


def mark_disputes(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Hires and deals the target confirmed and the requester left unconfirmed too long
    become disputes for the admins (idempotent)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.intro_dispute_days)
    rows = session.scalars(
        select(IntroOutcome)
        .where(
            IntroOutcome.state == rules.OutcomeState.PROPOSED,
            IntroOutcome.kind.in_([k.value for k in rules.REWARDED]),
            IntroOutcome.requester_confirmed_at.is_(None),
            IntroOutcome.target_confirmed_at <= cutoff,
        )
        .limit(1000)
    ).all()
    for outcome in rows:
        outcome.state, outcome.disputed_at = rules.OutcomeState.DISPUTED.value, now
        intro = session.get(Intro, outcome.intro_id)
        assert intro is not None
        _event(session, intro, None, Role.SYSTEM, "dispute", intro.state, note=outcome.kind,
               now=now)  # fmt: skip
    session.flush()
    return len(rows)


def resolve_dispute(
    session: Session, settings: Settings, admin: Member, outcome_id: int, confirm: bool
) -> IntroOutcome:
    if not admin.is_admin:
        raise PermissionDenied("Only administrators resolve disputes.")
    outcome = session.get(IntroOutcome, outcome_id)
    if outcome is None:
        raise NotFound("No such outcome.")
    intro = _lock(session, session.get(Intro, outcome.intro_id))  # type: ignore[arg-type]
    session.refresh(outcome)
    if outcome.state != rules.OutcomeState.DISPUTED:
        raise IllegalTransition("This outcome is not in dispute.")
    now = utcnow()
    outcome.resolved_at, outcome.resolved_by_id = now, admin.id
    _event(session, intro, admin.id, "admin", "resolve", intro.state,
           note=f"{outcome.kind}: {'confirmed' if confirm else 'rejected'}", now=now)  # fmt: skip
    if confirm:
        _confirmed(session, settings, intro, outcome, now)
    else:
        outcome.state = rules.OutcomeState.REJECTED.value
        session.flush()
    return outcome


def sweep(session: Session, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    return {
        "expired": expire_due(session, settings, now),
        "disputes": mark_disputes(session, settings, now),
    }
