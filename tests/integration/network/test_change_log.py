"""Suspensions reach every process's index through the change log; the log is pruned, and a
process that fell behind the pruned horizon rebuilds instead of missing changes; standing
breaks ties between equally strong paths."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell import all_jobs
from sharewell.config import Settings
from sharewell.contacts import service as contact_service
from sharewell.contacts import sharing
from sharewell.contacts.schemas import ContactIn
from sharewell.db import utcnow
from sharewell.jobs.registry import JOBS
from sharewell.members import service as member_service
from sharewell.members.models import Member
from sharewell.network import queries, rules, service
from sharewell.network.index import GraphHolder
from sharewell.network.models import GraphChange
from sharewell.privacy import service as privacy_service
from sharewell.standing.models import StandingRun, StandingScore

assert all_jobs  # registers every area's jobs


def _connect(db: Session, settings: Settings, x: Member, y: Member) -> None:
    service.request_connection(db, x, y, settings)
    service.accept(db, y, x)


def test_a_suspended_member_is_routed_around_until_restored(
    db: Session, members: Members, settings: Settings
) -> None:
    a, b, c = members.create("Ann"), members.create("Bob"), members.create("Cleo")
    _connect(db, settings, a, b)
    _connect(db, settings, b, c)
    holder = GraphHolder(settings)  # another process: it only learns through the log
    assert queries.paths_to_member(db, holder.current(db), a, c.handle).paths
    member_service.set_suspended(db, b.email, True)
    db.flush()
    kinds = list(db.scalars(select(GraphChange.kind).where(GraphChange.a == b.id)))
    assert kinds[-1] == "suspend"
    index = holder.current(db)
    assert queries.paths_to_member(db, index, a, c.handle).paths == []
    assert queries.degree_labels(index, a.id, [b.id]) == ["out of network"]
    member_service.set_suspended(db, b.email, False)
    db.flush()
    assert queries.paths_to_member(db, holder.current(db), a, c.handle).paths
    # A fresh build from the tables agrees with what the log told the running holder.
    member_service.set_suspended(db, b.email, True)
    db.flush()
    assert GraphHolder(settings).current(db).is_gone(b.id)


def test_pruning_keeps_recent_rows_and_a_process_behind_the_horizon_rebuilds(
    db: Session, members: Members, settings: Settings
) -> None:
    a, b, c = members.create(), members.create(), members.create()
    holder = GraphHolder(settings)
    stale = holder.current(db)
    _connect(db, settings, a, b)
    _connect(db, settings, b, c)
    newest = db.scalar(select(GraphChange.seq).order_by(GraphChange.seq.desc()).limit(1))
    # Nothing is older than a week: nothing goes.
    assert service.prune_changes(db, utcnow() - timedelta(days=7)) == 0
    # Everything is older than tomorrow: all but the newest row go.
    assert service.prune_changes(db, utcnow() + timedelta(days=1)) >= 1
    assert list(db.scalars(select(GraphChange.seq))) == [newest]
    # The holder last saw the log before both connections; the first of them is gone from the
    # log, so it must rebuild from the tables, and then knows both.
    index = holder.current(db)
    assert index is not stale and holder.rebuilds == 1
    assert queries.degree_labels(index, a.id, [b.id, c.id]) == ["1st", "2nd"]
    # The scheduled job that prunes is registered with every worker.
    assert JOBS["network.prune_changes"].every == timedelta(hours=1)


def test_equal_paths_go_through_the_better_regarded_connector_first(
    db: Session, members: Members, settings: Settings
) -> None:
    me, low, high, target = (members.create(n) for n in ("Me", "Lou", "Hana", "Tess"))
    for x, y in ((me, low), (low, target), (me, high), (high, target)):
        _connect(db, settings, x, y)  # all the same default strength: a tie on strength
    run = StandingRun(started_at=utcnow())
    db.add(run)
    db.flush()
    for member, score in ((low, 0.01), (high, 0.2)):
        db.add(
            StandingScore(
                member_id=member.id, run_id=run.id, score=score, level=1.0, rank=1, percentile=50
            )
        )
    db.flush()
    index = GraphHolder(settings).current(db)
    paths = queries.paths_to_member(db, index, me, target.handle, k=2).paths
    assert [p.steps[0].handle for p in paths] == [high.handle, low.handle]
    assert paths[0].strength == paths[1].strength
    # Strength still comes first: a stronger tie through the lower-regarded connector wins.
    service.rate(db, me, low, 5)
    service.rate(db, low, me, 5)
    service.rate(db, low, target, 5)
    service.rate(db, target, low, 5)
    paths = queries.paths_to_member(db, GraphHolder(settings).current(db), me, target.handle).paths
    assert paths[0].steps[0].handle == low.handle


def _card(db: Session, holder: Member, **fields: str) -> None:
    contact = contact_service.create_contact(
        db, holder, ContactIn(full_name="Xavier Blindwell", **fields)
    )
    sharing.set_visibility(
        db, holder, contact.public_id, "blind", card_fields=["title", "company", "city"]
    )


def test_a_suspended_member_is_never_a_holder_or_connector_even_before_the_index_hears(
    db: Session, members: Members, settings: Settings
) -> None:
    me, sam, ola, priya = (members.create(n) for n in ("Me", "Sam", "Ola", "Priya"))
    for x, y in ((me, sam), (sam, priya), (me, ola), (ola, priya)):
        _connect(db, settings, x, y)
    service.rate(db, me, sam, 5)  # the route through Sam is the stronger one
    service.rate(db, sam, me, 5)
    _card(db, priya, title="Staff Data Engineer", company="Acme", city="Berlin")
    flt = rules.check_filter(title="data engineer", company="Acme")
    # A process that reads the change log only now and then (SHAREWELL_GRAPH_POLL_SECONDS).
    holder = GraphHolder(settings.model_copy(update={"graph_poll_seconds": 3600}))
    index = holder.current(db)
    found = queries.paths_to_filter(db, index, me, flt, settings).paths
    assert [[s.handle for s in p.steps] for p in found] == [[sam.handle, priya.handle]]
    member_service.set_suspended(db, sam.email, True)
    db.flush()
    assert holder.current(db) is index  # it has not heard of the suspension
    found = queries.paths_to_filter(db, index, me, flt, settings).paths
    assert [[s.handle for s in p.steps] for p in found] == [[ola.handle, priya.handle]]
    assert [
        p.steps[0].handle for p in queries.paths_to_member(db, index, me, priya.handle).paths
    ] == [ola.handle]
    member_service.set_suspended(db, priya.email, True)
    db.flush()
    assert priya.id not in queries.match_filter(db, flt, settings, me.id).holders.tolist()
    assert queries.paths_to_filter(db, index, me, flt, settings).paths == []


def test_an_erased_member_leaves_the_index_of_every_process(
    db: Session, members: Members, settings: Settings
) -> None:
    a, b, c = members.create("Ann"), members.create("Bob"), members.create("Cleo")
    _connect(db, settings, a, b)
    _connect(db, settings, b, c)
    other = GraphHolder(settings)  # another worker: it only learns through the log
    assert other.current(db).neighbours(b.id)[0].tolist() == sorted([a.id, c.id])
    before = db.scalar(select(func.max(GraphChange.seq))) or 0
    privacy_service.erase_member(db, settings, b, content="anonymize")
    db.flush()
    logged = (
        db.execute(
            select(GraphChange.kind, GraphChange.a, GraphChange.b).where(GraphChange.seq > before)
        )
        .tuples()
        .all()
    )
    assert {(k, x, y) for k, x, y in logged if k == "disconnect"} == {
        ("disconnect", min(a.id, b.id), max(a.id, b.id)),
        ("disconnect", min(b.id, c.id), max(b.id, c.id)),
    }
    index = other.current(db)
    assert index.neighbours(b.id)[0].size == 0 and index.is_gone(b.id)
    assert index.neighbours(a.id)[0].size == 0
    assert queries.degree_labels(index, a.id, [b.id, c.id]) == ["out of network"] * 2
    # A fresh build from the tables agrees with what the log told the running worker.
    fresh = GraphHolder(settings).current(db)
    assert fresh.neighbours(b.id)[0].size == 0 and fresh.is_gone(b.id)
