"""Demo phase of introductions: a few dozen requests in every state (requested, forwarded,
asked, accepted with outcomes, declined, withdrawn, expired), made through the real services
so timelines, notifications, mail and ledger entries are exactly what the code writes."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharewell.contacts.models import Contact
from sharewell.db import utcnow
from sharewell.errors import SharewellError
from sharewell.intros import service
from sharewell.members.models import Member
from sharewell.network.models import Connection

if TYPE_CHECKING:
    from sharewell.demo.generator import DemoContext

PER_STATE = 4
SCENARIOS = ("requested", "forwarded", "asked", "accepted", "outcome", "declined", "withdrawn",
             "expired", "attested")  # fmt: skip


def _neighbours(session: Session, limit: int = 20000) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for a, b in session.execute(
        select(Connection.member_a, Connection.member_b)
        .where(Connection.status == "accepted")
        .order_by(Connection.id)
        .limit(limit)
    ):
        out.setdefault(a, []).append(b)
        out.setdefault(b, []).append(a)
    return out


def _chains(session: Session, want: int) -> list[tuple[int, int, int]]:
    """(requester, connector, target member) with requester–connector–target connected and
    requester–target not."""
    nb = _neighbours(session)
    found: list[tuple[int, int, int]] = []
    used: set[int] = set()
    for a in sorted(nb):
        if a in used:
            continue
        for b in nb[a]:
            far = [c for c in nb.get(b, []) if c != a and c not in nb[a] and c not in used]
            if far:
                found.append((a, b, far[0]))
                used.add(a)
                break
        if len(found) >= want:
            break
    return found


def phase_intros(ctx: DemoContext) -> None:
    session = ctx.session
    chains = _chains(session, PER_STATE * len(SCENARIOS))
    made = 0
    for n, (a, b, c) in enumerate(chains):
        scenario = SCENARIOS[n % len(SCENARIOS)]
        requester, connector, target = (session.get(Member, i) for i in (a, b, c))
        assert requester is not None and connector is not None and target is not None
        try:
            with session.begin_nested():
                _play(ctx, scenario, requester, connector, target)
            made += 1
        except SharewellError:
            continue  # a paused or blocked member on the way: skip this chain
    ctx.counts["introductions"] = made


def _play(ctx: DemoContext, scenario: str, requester: Member, connector: Member,
          target: Member) -> None:  # fmt: skip
    session, settings = ctx.session, ctx.settings
    why = f"I would like to learn how {target.display_name} works on {target.headline or 'this'}."
    if scenario == "attested":
        card = session.scalar(
            select(Contact).where(
                Contact.holder_id == connector.id, Contact.visibility.in_(("blind", "open")),
                Contact.opted_out.is_(False),
            ).limit(1)
        )  # fmt: skip
        if card is None:
            raise SharewellError("no card")
        intro = service.create_request(session, settings, requester, service.RequestSpec(
            target_kind="card", card_id=card.public_id, why=why, path=[connector.handle],
            offer="Happy to return the favour."))  # fmt: skip
        service.attest(session, settings, connector, intro.public_id, "Spoke to them by phone")
        return
    path = [connector.handle, target.handle]
    if scenario == "forwarded":
        # Forwarding needs a second connector: the chain's target passes it on to one of
        # their own connections.
        beyond = _further(session, target.id, {requester.id, connector.id})
        if beyond is None:
            raise SharewellError("no longer chain")
        target = beyond
        path = [connector.handle, path[1], target.handle]
    intro = service.create_request(session, settings, requester, service.RequestSpec(
        target_kind="member", target_handle=target.handle, why=why,
        path=path, offer="An hour of advice in return."))  # fmt: skip
    pid = intro.public_id
    if scenario == "requested":
        return
    if scenario == "withdrawn":
        service.withdraw(session, settings, requester, pid)
        return
    if scenario == "expired":
        intro.expires_at = utcnow() - timedelta(seconds=1)  # only this one is due
        session.flush()
        service.expire_due(session, settings)
        return
    if scenario == "forwarded":
        service.ask_question(session, settings, connector, pid, "How do you know of them?")
        service.answer(session, settings, requester, pid, "From their talk last spring.")
        service.forward(session, settings, connector, pid, "They know her well.")
        return
    if scenario == "declined":
        service.decline(session, settings, connector, pid, "Not the right moment for them.", True)
        return
    service.ask_target(session, settings, connector, pid, "Worth a coffee, I think.")
    if scenario == "asked":
        return
    service.accept(session, settings, target, pid)
    service.post_message(session, settings, requester, pid, "Thank you for accepting!")
    service.post_message(session, settings, target, pid, "Happy to help — when suits you?")
    if scenario == "outcome":
        service.record_outcome(session, settings, requester, pid, "advice")
        service.confirm_outcome(session, settings, target, pid, _outcome_id(session, intro.id))


def _further(session: Session, member_id: int, exclude: set[int]) -> Member | None:
    """A connection of ``member_id`` outside ``exclude``."""
    for a, b in session.execute(
        select(Connection.member_a, Connection.member_b)
        .where(
            Connection.status == "accepted",
            (Connection.member_a == member_id) | (Connection.member_b == member_id),
        )
        .order_by(Connection.id)
        .limit(50)
    ):
        other = b if a == member_id else a
        if other not in exclude:
            return session.get(Member, other)
    return None


def _outcome_id(session: Session, intro_id: int) -> int:
    from sharewell.intros.models import IntroOutcome

    found = session.scalar(select(IntroOutcome.id).where(IntroOutcome.intro_id == intro_id))
    assert found is not None
    return int(found)
