"""Introductions on both databases: expiry (job and CLI function), limits, cool-off,
disputes, impacts for standing, and two actors at once on PostgreSQL."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import drop_postgres_database, fresh_database_url
from tests.factories import Members
from tests.intros_support import make_chain

from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope, utcnow
from sharewell.errors import Conflict, SharewellError
from sharewell.intros import queries, service
from sharewell.intros.models import Intro, IntroOutcome
from sharewell.ledger.models import Pledge
from sharewell.members.models import Member


def _card_request(db: Session, settings: Settings, chain, **kw: object) -> Intro:  # type: ignore[no-untyped-def]
    spec = service.RequestSpec(
        target_kind="card", card_id=chain.target_card, why="hello",
        path=[chain.c1.handle, chain.c2.handle], **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    return service.create_request(db, settings, chain.requester, spec)


def test_expiry_refunds_and_is_idempotent(
    db: Session, members: Members, settings: Settings
) -> None:
    chain = make_chain(db, members, settings, points=1)
    intro = _card_request(db, settings, chain, pledge_amount=10)
    assert service.expire_due(db, settings) == 0
    later = utcnow() + timedelta(days=settings.intro_expiry_days + 1)
    assert service.expire_due(db, settings, later) == 1
    assert service.expire_due(db, settings, later) == 0
    db.refresh(intro)
    assert intro.state == "expired"
    pledge = db.get(Pledge, intro.pledge_id)
    assert pledge is not None and pledge.state == "refunded"
    with pytest.raises(Conflict):
        service.forward(db, settings, chain.c1, intro.public_id)


def test_open_limit_and_cooloff(db: Session, members: Members, settings: Settings) -> None:
    chain = make_chain(db, members, settings)
    tight = settings.model_copy(update={"intro_max_open": 1})
    intro = _card_request(db, tight, chain)
    with pytest.raises(Conflict, match="most allowed"):
        service.create_request(db, tight, chain.requester, service.RequestSpec(
            target_kind="card", card_id=chain.silent_card, why="x",
            path=[chain.c1.handle, chain.c2.handle]))  # fmt: skip
    service.decline(db, settings, chain.c1, intro.public_id, "no")
    second = _card_request(db, settings, chain)
    service.decline(db, settings, chain.c1, second.public_id, "no again")
    with pytest.raises(Conflict, match="declined your requests twice"):
        _card_request(db, settings, chain)


def test_dispute_and_resolution_and_impacts(
    db: Session, members: Members, settings: Settings
) -> None:
    chain = make_chain(db, members, settings, points=1)
    spec = service.RequestSpec(
        target_kind="member", target_handle=chain.member_target.handle, why="meet",
        path=[chain.c1.handle, chain.c2.handle, chain.member_target.handle], pledge_amount=30,
    )  # fmt: skip
    start = utcnow()
    intro = service.create_request(db, settings, chain.requester, spec)
    service.forward(db, settings, chain.c1, intro.public_id)
    service.ask_target(db, settings, chain.c2, intro.public_id)
    service.accept(db, settings, chain.member_target, intro.public_id, "mona@example.org")
    impacts = list(queries.impacts_since(db, start))
    assert {(i.beneficiary_id, i.giver_id, i.kind) for i in impacts} == {
        (chain.requester.id, chain.c1.id, "intro_accepted"),
        (chain.requester.id, chain.c2.id, "intro_accepted"),
    }
    outcome = service.record_outcome(db, settings, chain.member_target, intro.public_id, "hire")
    assert outcome.state == "proposed"
    later = utcnow() + timedelta(days=settings.intro_dispute_days + 1)
    assert service.mark_disputes(db, settings, later) == 1
    assert [d.outcome_id for d in queries.disputes(db)] == [outcome.id]
    admin = members.create("Admin", admin=True)
    with pytest.raises(SharewellError):
        service.resolve_dispute(db, settings, chain.requester, outcome.id, True)
    service.resolve_dispute(db, settings, admin, outcome.id, True)
    assert db.get(IntroOutcome, outcome.id).state == "confirmed"  # type: ignore[union-attr]
    pledge = db.get(Pledge, intro.pledge_id)
    assert pledge is not None and pledge.state == "split_pending"
    assert [s.member_id for s in pledge.shares] == [chain.c1.id, chain.c2.id]
    kinds = {i.kind for i in queries.impacts_since(db, start)}
    assert "outcome_hire" in kinds


def test_aggregate_holder_picks(db: Session, members: Members, settings: Settings) -> None:
    from sharewell.contacts import service as contact_service
    from sharewell.contacts import sharing
    from sharewell.contacts.schemas import ContactIn

    chain = make_chain(db, members, settings)
    for i in range(3):
        c = contact_service.create_contact(
            db, chain.c2, ContactIn(full_name=f"Counted {i}", company="Globex",
                                    emails=[{"value": f"c{i}@globex.example"}]))  # type: ignore[list-item]  # fmt: skip
        sharing.set_visibility(db, chain.c2, c.public_id, "counted")
    db.commit()
    spec = service.RequestSpec(
        target_kind="aggregate", holder_handle=chain.c2.handle, filter={"company": "Globex"},
        why="meet someone at Globex", path=[chain.c1.handle, chain.c2.handle],
    )  # fmt: skip
    intro = service.create_request(db, settings, chain.requester, spec)
    service.forward(db, settings, chain.c1, intro.public_id)
    picks = queries.candidates(db, chain.c2, intro.public_id)
    assert len(picks) == 3
    assert queries.candidates(db, chain.c1, intro.public_id) == []
    service.ask_target(db, settings, chain.c2, intro.public_id, contact_id=picks[0].contact_id)
    assert db.get(Intro, intro.id).state == "asked"  # type: ignore[union-attr]
    view = queries.intro_view(db, chain.requester, intro.public_id).model_dump_json()
    assert "Counted" not in view and "globex.example" not in view


@pytest.mark.skipif(not os.environ.get("SHAREWELL_TEST_POSTGRES_URL"), reason="PostgreSQL only")
@pytest.mark.parametrize(
    "moves",
    [
        (("r", "withdraw"), ("c1", "decline")),  # requester withdraws while a connector declines
        (("c1", "forward"), ("c1", "forward")),  # the same connector in two browser tabs
        (("c1", "decline"), ("c1", "forward")),
    ],
)
def test_two_actors_at_once_only_one_wins(
    tmp_path: Path, settings: Settings, moves: tuple[tuple[str, str], ...]
) -> None:
    """Two conflicting steps at the same moment, on separate connections: exactly one wins,
    the other gets 409, and the row shows the winner's step only."""
    url = fresh_database_url("postgresql", tmp_path, "intros_race")
    from sharewell.migrations import upgrade

    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    try:
        with session_scope(factory) as s:
            chain = make_chain(s, Members(s), settings)
            ids = {"r": chain.requester.id, "c1": chain.c1.id}
            pid = _card_request(s, settings, chain).public_id
        barrier = threading.Barrier(2)
        results: list[tuple[str, str]] = []

        def act(name: str, move: str) -> None:
            try:
                with session_scope(factory) as s:
                    me = s.get(Member, ids[name])
                    assert me is not None
                    barrier.wait()
                    if move == "withdraw":
                        service.withdraw(s, settings, me, pid)
                    elif move == "decline":
                        service.decline(s, settings, me, pid, "no")
                    else:
                        service.forward(s, settings, me, pid, "quick")
                results.append((move, "won"))
            except Conflict:
                results.append((move, "409"))

        threads = [threading.Thread(target=act, args=m) for m in moves]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(r for _, r in results) == ["409", "won"], results
        winner = next(m for m, r in results if r == "won")
        with session_scope(factory) as s:
            intro = s.scalar(select(Intro).where(Intro.public_id == pid))
            assert intro is not None
            expected = {"withdraw": "withdrawn", "decline": "declined", "forward": "forwarded"}
            assert intro.state == expected[winner]
            from sharewell.intros.models import IntroEvent

            events = s.scalars(select(IntroEvent.action).where(IntroEvent.intro_id == intro.id))
            assert list(events) == ["request", winner]  # the request and the one winning step
    finally:
        engine.dispose()
        drop_postgres_database(url.rsplit("/", 1)[-1])
