"""The ledger's use cases on both databases: minting, pledges through every state, windows,
idempotency and the books."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.errors import Conflict, InvalidInput
from sharewell.ledger import queries, rules, service
from sharewell.ledger.models import LedgerEntry, LedgerTransaction, UnbalancedTransaction
from sharewell.members.models import Member

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
POLICY = rules.LedgerPolicy(
    starter_grant=100,
    award_weights=(("intro_accepted", 5), ("outcome_confirmed", 10)),
    daily_award_cap=12,
    min_connection=timedelta(days=14),
    attribution_days=365,
    guarantee_days=90,
)


def _funded(db: Session, members: Members, name: str = "Pledger") -> Member:
    member = members.create(name)
    service.grant_starter(db, member, key=f"verify:{member.id}", policy=POLICY, now=NOW)
    return member


def _books_balance(db: Session) -> None:
    rec = queries.reconcile(db)
    assert rec.reconciles, rec
    assert rec.minted == rec.in_escrow + rec.pending + rec.held_by_members


def test_starter_grant_once_per_member_whatever_the_key(db: Session, members: Members) -> None:
    m = members.create()
    first = service.grant_starter(db, m, key="verify:a", policy=POLICY, now=NOW)
    again = service.grant_starter(db, m, key="verify:a", policy=POLICY, now=NOW)
    other_key = service.grant_starter(db, m, key="verify:b", policy=POLICY, now=NOW)
    assert first.id == again.id == other_key.id
    assert queries.available(db, m.id) == 100
    _books_balance(db)


def test_award_weights_cap_attested_and_new_connections(db: Session, members: Members) -> None:
    m, other = members.create(), members.create()
    old = NOW - timedelta(days=30)
    a = service.award_give(
        db,
        m,
        "outcome_confirmed",
        key="o1",
        counterpart_id=other.id,
        connected_since=old,
        policy=POLICY,
        now=NOW,
    )
    assert a.kind == rules.TX_AWARD and queries.available(db, m.id) == 10
    capped = service.award_give(db, m, "intro_accepted", key="i1", policy=POLICY, now=NOW)
    assert queries.available(db, m.id) == 12 and "capped" in capped.memo
    over = service.award_give(db, m, "intro_accepted", key="i2", policy=POLICY, now=NOW)
    assert over.kind == rules.TX_AWARD_DECLINED and over.entries == []
    attested = service.award_give(
        db,
        m,
        "outcome_confirmed",
        key="o2",
        attested=True,
        policy=POLICY,
        now=NOW + timedelta(days=1),
    )
    fresh = service.award_give(
        db,
        m,
        "outcome_confirmed",
        key="o3",
        counterpart_id=other.id,
        connected_since=NOW,
        policy=POLICY,
        now=NOW + timedelta(days=1),
    )
    stranger = service.award_give(
        db,
        m,
        "outcome_confirmed",
        key="o4",
        counterpart_id=other.id,
        policy=POLICY,
        now=NOW + timedelta(days=1),
    )
    assert {attested.kind, fresh.kind, stranger.kind} == {rules.TX_AWARD_DECLINED}
    assert queries.available(db, m.id) == 12
    next_day = service.award_give(
        db, m, "intro_accepted", key="i3", policy=POLICY, now=NOW + timedelta(days=1)
    )
    assert next_day.kind == rules.TX_AWARD and queries.available(db, m.id) == 17
    # the decision is sticky: replaying the capped event on a later day mints nothing
    replay = service.award_give(
        db, m, "intro_accepted", key="i2", policy=POLICY, now=NOW + timedelta(days=5)
    )
    assert replay.id == over.id and queries.available(db, m.id) == 17
    with pytest.raises(InvalidInput):
        service.award_give(db, m, "shared_contacts", key="x", policy=POLICY, now=NOW)
    _books_balance(db)


def test_reused_key_with_other_parameters_is_refused(db: Session, members: Members) -> None:
    m = _funded(db, members)
    service.create_pledge(
        db, m, 10, subject_kind="intro", subject_ref="r1", key="k", policy=POLICY, now=NOW
    )
    with pytest.raises(InvalidInput):
        service.create_pledge(
            db, m, 11, subject_kind="intro", subject_ref="r1", key="k", policy=POLICY, now=NOW
        )
    assert queries.available(db, m.id) == 90


def test_three_hop_split_guarantee_window_and_release(db: Session, members: Members) -> None:
    pledger = _funded(db, members)
    a, b, c = members.create("A"), members.create("B"), members.create("C")
    pledge = service.create_pledge(
        db,
        pledger,
        41,
        subject_kind="intro",
        subject_ref="intro:7",
        key="p1",
        money_terms=service.MoneyTerms(500000, "eur"),
        policy=POLICY,
        now=NOW,
    )
    assert pledge.state == rules.ESCROWED and pledge.money_currency == "EUR"
    assert queries.available(db, pledger.id) == 59
    assert queries.reconcile(db).in_escrow == 41
    service.split_pledge(db, pledge, [a.id, b.id, c.id], key="hire:7", now=NOW + timedelta(days=10))
    assert pledge.state == rules.SPLIT_PENDING
    assert [(s.member_id, s.amount) for s in pledge.shares] == [(a.id, 10), (b.id, 10), (c.id, 21)]
    assert queries.reconcile(db).pending == 41
    view = queries.pledge_out(db, pledge, viewer_id=b.id)
    assert view.my_share == 10 and view.release_at == NOW + timedelta(days=100)
    # not due yet
    assert service.release_due(db, NOW + timedelta(days=99)).done == 0
    assert service.release_due(db, NOW + timedelta(days=100)).done == 1
    assert service.release_due(db, NOW + timedelta(days=101)).done == 0  # idempotent
    assert pledge.state == rules.PAID
    assert [queries.available(db, x.id) for x in (a, b, c)] == [10, 10, 21]
    with pytest.raises(Conflict):
        service.report_fall_off(db, pledge, key="late", now=NOW + timedelta(days=102))
    _books_balance(db)


def test_fall_off_returns_and_no_early_refund_after_split(db: Session, members: Members) -> None:
    pledger = _funded(db, members)
    a = members.create()
    pledge = service.create_pledge(
        db,
        pledger,
        30,
        subject_kind="opportunity",
        subject_ref="op:1",
        key="p",
        policy=POLICY,
        now=NOW,
    )
    service.split_pledge(db, pledge, [a.id], key="deal", now=NOW)
    with pytest.raises(Conflict):  # once split, the pledger cannot take it back as "nothing"
        service.refund_pledge(db, pledge, reason="withdrawn", key="w", now=NOW)
    service.report_fall_off(db, pledge, key="fell", now=NOW + timedelta(days=30))
    service.report_fall_off(db, pledge, key="fell", now=NOW + timedelta(days=31))  # replay
    assert pledge.state == rules.FELL_OFF and queries.available(db, pledger.id) == 100
    assert queries.available(db, a.id) == 0
    assert service.release_due(db, NOW + timedelta(days=365)).done == 0
    _books_balance(db)


def test_refund_thanks_and_attribution_expiry(db: Session, members: Members) -> None:
    pledger = _funded(db, members)
    a, b = members.create(), members.create()
    declined = service.create_pledge(
        db, pledger, 10, subject_kind="intro", subject_ref="i1", key="p1", policy=POLICY, now=NOW
    )
    thanked = service.create_pledge(
        db, pledger, 11, subject_kind="intro", subject_ref="i2", key="p2", policy=POLICY, now=NOW
    )
    lapsed = service.create_pledge(
        db, pledger, 12, subject_kind="intro", subject_ref="i3", key="p3", policy=POLICY, now=NOW
    )
    service.refund_pledge(db, declined, reason="declined", key="decline:1", now=NOW)
    with pytest.raises(InvalidInput):
        service.refund_pledge(db, lapsed, reason="nothing", key="x", now=NOW)
    with pytest.raises(InvalidInput):  # thanks on an escrowed pledge needs the chain
        service.release_as_thanks(db, thanked, key="t", now=NOW)
    service.release_as_thanks(db, thanked, [a.id, b.id], key="t", now=NOW)
    assert thanked.state == rules.THANKED
    assert (queries.available(db, a.id), queries.available(db, b.id)) == (5, 6)
    assert service.expire_attribution(db, NOW + timedelta(days=364)).done == 0
    assert service.expire_attribution(db, NOW + timedelta(days=365)).done == 1
    assert service.expire_attribution(db, NOW + timedelta(days=366)).done == 0
    assert lapsed.state == rules.REFUNDED and lapsed.close_reason == "attribution_ended"
    with pytest.raises(Conflict):  # a split after the window is refused: it returned
        service.split_pledge(db, lapsed, [a.id], key="late", now=NOW + timedelta(days=400))
    assert queries.available(db, pledger.id) == 100 - 11
    _books_balance(db)


def test_thanks_from_pending_pays_at_once(db: Session, members: Members) -> None:
    pledger, a = _funded(db, members), members.create()
    p = service.create_pledge(
        db, pledger, 20, subject_kind="intro", subject_ref="i", key="p", policy=POLICY, now=NOW
    )
    service.split_pledge(db, p, [a.id], key="s", now=NOW)
    service.release_as_thanks(db, p, key="t", now=NOW + timedelta(days=1))
    assert p.state == rules.THANKED and queries.available(db, a.id) == 20
    assert service.release_due(db, NOW + timedelta(days=200)).done == 0
    _books_balance(db)


def test_pledge_needs_the_available_balance_and_valid_input(db: Session, members: Members) -> None:
    m = _funded(db, members)
    with pytest.raises(Conflict):
        service.create_pledge(
            db, m, 101, subject_kind="intro", subject_ref="i", key="big", policy=POLICY, now=NOW
        )
    for bad in (
        {"amount": 0},
        {"subject_kind": "job"},
        {"subject_ref": " "},
        {"rule": "fifty"},
        {"money_terms": service.MoneyTerms(100, "euro")},
    ):
        args: dict[str, object] = {"amount": 5, "subject_kind": "intro", "subject_ref": "i"} | bad
        amount = args.pop("amount")
        with pytest.raises(InvalidInput):
            service.create_pledge(db, m, amount, key="bad", policy=POLICY, now=NOW, **args)  # type: ignore[arg-type]
    p = service.create_pledge(
        db, m, 5, subject_kind="intro", subject_ref="i", key="ok", policy=POLICY, now=NOW
    )
    with pytest.raises(InvalidInput):
        service.split_pledge(db, p, [m.id], key="self", now=NOW)
    with pytest.raises(InvalidInput):
        service.split_pledge(db, p, [], key="empty", now=NOW)
    with pytest.raises(InvalidInput):
        service.split_pledge(db, p, [999_999], key="ghost", now=NOW)
    assert queries.available(db, m.id) == 95 and p.state == rules.ESCROWED
    assert (
        db.scalar(select(LedgerTransaction).where(LedgerTransaction.idempotency_key == "big"))
        is None
    )
    _books_balance(db)


def test_tally_once_per_key_series_and_suggestion(db: Session, members: Members) -> None:
    m = members.create()
    for i in range(3):
        service.record_give(
            db, m, "intro_forwarded", key=f"g{i}", ref="intro:1", now=NOW - timedelta(weeks=i)
        )
    service.record_give(db, m, "intro_forwarded", key="g0", now=NOW)  # replay
    for i in range(5):
        service.record_take(db, m, "intro_received", key=f"t{i}", now=NOW - timedelta(weeks=10))
    with pytest.raises(InvalidInput):
        service.record_give(db, m, "shared_contacts", key="nope")
    summary = queries.summary(db, m)
    assert (summary.gives, summary.takes, summary.ratio) == (3, 5, 0.6)
    assert "Forward" in summary.suggestion.title
    series = queries.tally_series(db, m, now=NOW, weeks=8)
    assert len(series) == 8 and sum(p.gives for p in series) == 3
    assert series[0].cumulative_takes == 5 and series[-1].balance == -2


def test_statement_running_balance_and_cursor(db: Session, members: Members) -> None:
    m = _funded(db, members)
    for i in range(5):
        service.create_pledge(
            db,
            m,
            i + 1,
            subject_kind="intro",
            subject_ref=f"i{i}",
            key=f"p{i}",
            policy=POLICY,
            now=NOW,
        )
    first = queries.statement(db, m, limit=4)
    second = queries.statement(db, m, limit=4, cursor=first.next_cursor)
    lines = first.items + second.items
    assert second.next_cursor is None and len(lines) == 6
    assert lines[0].balance_after == 100 - 15 and lines[-1].balance_after == 100
    for newer, older in itertools.pairwise(lines):
        assert older.balance_after == newer.balance_after - newer.amount


def test_reversal_mirrors_and_only_once(db: Session, members: Members) -> None:
    m = members.create()
    award = service.award_give(db, m, "intro_accepted", key="a", policy=POLICY, now=NOW)
    rev = service.reverse_transaction(db, award.id, key="rev-a", memo="fraud", now=NOW)
    assert sorted(e.amount for e in rev.entries) == sorted(-e.amount for e in award.entries)
    assert queries.available(db, m.id) == 0
    with pytest.raises(Conflict):
        service.reverse_transaction(db, award.id, key="rev-a-2", memo="again", now=NOW)
    _books_balance(db)


def test_unbalanced_or_edited_entries_never_reach_the_database(
    db: Session, members: Members
) -> None:
    m = _funded(db, members)
    db.commit()  # to the test's savepoint, so the rollbacks below keep the grant
    tx = LedgerTransaction(kind="bogus", idempotency_key="bogus", memo="", ref="", created_at=NOW)
    db.add(tx)
    acct = service.member_account(db, m.id)
    db.add(LedgerEntry(transaction=tx, account_id=acct.id, amount=5))
    with pytest.raises(UnbalancedTransaction):
        db.flush()
    db.rollback()
    entry = db.scalars(select(LedgerEntry)).first()
    assert entry is not None
    entry.amount = 1_000
    with pytest.raises(UnbalancedTransaction):
        db.flush()
    db.rollback()


def test_database_refuses_edits_negative_balances_and_unbalanced_commits(
    db: Session, members: Members
) -> None:
    m = _funded(db, members)
    with pytest.raises(DBAPIError), db.begin_nested():
        db.execute(text("UPDATE ledger_entries SET amount = amount + 1"))
    with pytest.raises(DBAPIError), db.begin_nested():
        db.execute(text("DELETE FROM ledger_transactions"))
    with pytest.raises(IntegrityError), db.begin_nested():
        db.execute(
            text("UPDATE ledger_accounts SET balance = -1 WHERE member_id = :m"), {"m": m.id}
        )
    if db.get_bind().dialect.name == "postgresql":
        with pytest.raises(DBAPIError), db.begin_nested():
            tx_id = db.execute(
                text(
                    "INSERT INTO ledger_transactions "
                    "(kind, idempotency_key, memo, ref, created_at) "
                    "VALUES ('bogus', 'raw', '', '', now()) RETURNING id"
                )
            ).scalar_one()
            acct = service.member_account(db, m.id)
            db.execute(
                text(
                    "INSERT INTO ledger_entries (transaction_id, account_id, amount) "
                    "VALUES (:t, :a, 5)"
                ),
                {"t": tx_id, "a": acct.id},
            )
            db.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    _books_balance(db)
