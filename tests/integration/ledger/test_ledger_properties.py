"""A stateful property test of the ledger: random sequences of grants, awards, pledges,
splits, refunds, thanks, fall-offs, window expiries, payouts and duplicate deliveries, on
SQLite and (when configured) PostgreSQL. After every step the books balance, no balance is
negative, no pledge pays out more than once or more than its amount, a refused step changes
nothing, and replaying any earlier event changes nothing."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.errors import Conflict, InvalidInput
from sharewell.ledger import queries, rules, service
from sharewell.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction, Pledge

EXAMPLES = int(os.environ.get("SHAREWELL_LEDGER_PROPERTY_EXAMPLES", "30"))
STEPS = 50
T0 = datetime(2025, 1, 6, 9, tzinfo=UTC)
POLICY = rules.LedgerPolicy(
    starter_grant=40,
    award_weights=(("intro_accepted", 5), ("outcome_confirmed", 9), ("insight_useful", 1)),
    daily_award_cap=12,
    min_connection=timedelta(days=10),
    attribution_days=60,
    guarantee_days=30,
)
N_MEMBERS = 5
KEYS = st.integers(0, 7)  # a small key space: collisions are duplicate deliveries
REACHED: dict[str, int] = {}  # transaction kinds (and replays) posted over all examples


def ledger_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.connection = engine.connect()
            self.outer = self.connection.begin()
            self.db = Session(bind=self.connection, join_transaction_mode="create_savepoint")
            factory = Members(self.db)
            self.members = [factory.create(f"M{i}") for i in range(N_MEMBERS)]
            for member in self.members[:3]:  # most start with points; the others must earn them
                service.grant_starter(
                    self.db, member, key=f"verify:{member.id}:0", policy=POLICY, now=T0
                )
            self.db.commit()
            self.now = T0
            self.replays = 0
            self.events: list[Callable[[], Any]] = []

        def teardown(self) -> None:
            kinds = select(LedgerTransaction.kind, func.count()).group_by(LedgerTransaction.kind)
            for kind, n in self.db.execute(kinds).tuples():
                REACHED[kind] = REACHED.get(kind, 0) + n
            REACHED["replays"] = REACHED.get("replays", 0) + self.replays
            self.db.close()
            self.outer.rollback()
            self.connection.close()

        # --- helpers ------------------------------------------------------------------------

        def snapshot(self) -> tuple[Any, ...]:
            self.db.expire_all()
            accounts = tuple(
                self.db.execute(
                    select(LedgerAccount.code, LedgerAccount.balance).order_by(LedgerAccount.code)
                ).tuples()
            )
            states = tuple(
                self.db.execute(select(Pledge.id, Pledge.state).order_by(Pledge.id)).tuples()
            )
            count = self.db.scalar(select(func.count(LedgerTransaction.id)))
            return accounts, states, count

        def attempt(self, action: Callable[[], Any]) -> None:
            """Run one event: it succeeds (and is remembered for replay) or is refused with a
            typed error and changes nothing."""
            before = self.snapshot()
            try:
                action()
            except (Conflict, InvalidInput):
                self.db.rollback()  # back to the last step's state, as a request would
                assert self.snapshot() == before, "a refused event changed the books"
                return
            self.db.commit()
            self.events.append(action)

        def pledge(self, index: int, state: str | None = None) -> Pledge | None:
            query = select(Pledge.id).order_by(Pledge.id)
            if state is not None:
                query = query.where(Pledge.state == state)
            ids = list(self.db.scalars(query))
            if not ids:
                return None
            return self.db.get(Pledge, ids[index % len(ids)])

        def chain(self, pledge: Pledge, picks: list[int]) -> list[int]:
            others = [m.id for m in self.members if m.id != pledge.pledger_id]
            chain: list[int] = []
            for p in picks:
                if others[p % len(others)] not in chain:
                    chain.append(others[p % len(others)])
            return chain

        # --- rules --------------------------------------------------------------------------

        @rule(who=st.integers(0, N_MEMBERS - 1), key=KEYS)
        def grant(self, who: int, key: int) -> None:
            member, now = self.members[who], self.now
            self.attempt(
                lambda: service.grant_starter(
                    self.db, member, key=f"verify:{member.id}:{key}", policy=POLICY, now=now
                )
            )

        @rule(
            who=st.integers(0, N_MEMBERS - 1),
            kind=st.sampled_from(sorted(rules.GIVE_KINDS)),
            key=KEYS,
            attested=st.booleans(),
            connected_days=st.none() | st.integers(0, 30),
            other=st.none() | st.integers(0, N_MEMBERS - 1),
        )
        def award(
            self,
            who: int,
            kind: str,
            key: int,
            attested: bool,
            connected_days: int | None,
            other: int | None,
        ) -> None:
            member, now = self.members[who], self.now
            counterpart = None if other is None or other == who else self.members[other].id
            since = None if connected_days is None else now - timedelta(days=connected_days)
            self.attempt(
                lambda: service.award_give(
                    self.db,
                    member,
                    kind,
                    key=f"give:{who}:{kind}:{key}",
                    counterpart_id=counterpart,
                    connected_since=since,
                    attested=attested,
                    policy=POLICY,
                    now=now,
                )
            )

        @rule(
            who=st.integers(0, N_MEMBERS - 1),
            amount=st.integers(1, 30),
            key=KEYS,
            rule_name=st.sampled_from(sorted(rules.SPLIT_RULES)),
        )
        def create_pledge(self, who: int, amount: int, key: int, rule_name: str) -> None:
            member, now = self.members[who], self.now
            self.attempt(
                lambda: service.create_pledge(
                    self.db,
                    member,
                    amount,
                    subject_kind="intro",
                    subject_ref=f"intro:{key}",
                    rule=rule_name,
                    key=f"pledge:{who}:{key}:{amount}:{rule_name}",
                    policy=POLICY,
                    now=now,
                )
            )

        @rule(
            index=st.integers(0, 50),
            picks=st.lists(st.integers(0, N_MEMBERS - 1), min_size=1, max_size=4),
            key=KEYS,
        )
        def split(self, index: int, picks: list[int], key: int) -> None:
            pledge = self.pledge(index, rules.ESCROWED if index % 2 else None)
            if pledge is None:
                return
            chain, now = self.chain(pledge, picks), self.now
            self.attempt(
                lambda: service.split_pledge(
                    self.db, pledge, chain, key=f"hire:{pledge.id}:{key}", now=now
                )
            )

        @rule(
            index=st.integers(0, 50), reason=st.sampled_from(sorted(rules.REFUND_REASONS)), key=KEYS
        )
        def refund(self, index: int, reason: str, key: int) -> None:
            pledge = self.pledge(index)
            if pledge is None:
                return
            now = self.now
            self.attempt(
                lambda: service.refund_pledge(
                    self.db, pledge, reason=reason, key=f"refund:{pledge.id}:{key}", now=now
                )
            )

        @rule(
            index=st.integers(0, 50),
            picks=st.none() | st.lists(st.integers(0, N_MEMBERS - 1), min_size=1, max_size=3),
            key=KEYS,
        )
        def thanks(self, index: int, picks: list[int] | None, key: int) -> None:
            pledge = self.pledge(index)
            if pledge is None:
                return
            chain = None if picks is None else self.chain(pledge, picks)
            now = self.now
            self.attempt(
                lambda: service.release_as_thanks(
                    self.db, pledge, chain, key=f"thanks:{pledge.id}:{key}", now=now
                )
            )

        @rule(index=st.integers(0, 50), key=KEYS)
        def fall_off(self, index: int, key: int) -> None:
            pledge = self.pledge(index)
            if pledge is None:
                return
            now = self.now
            self.attempt(
                lambda: service.report_fall_off(
                    self.db, pledge, key=f"fall:{pledge.id}:{key}", now=now
                )
            )

        @rule(
            index=st.integers(0, 50),
            picks=st.lists(st.integers(0, N_MEMBERS - 1), min_size=1, max_size=4),
            key=KEYS,
            days=st.integers(0, 60),
        )
        def hire_then_fall_off(self, index: int, picks: list[int], key: int, days: int) -> None:
            """A hire, then days later a fall-off report or the payout job (inside or after the
            guarantee window)."""
            pledge = self.pledge(index, rules.ESCROWED)
            if pledge is None:
                return
            chain, now = self.chain(pledge, picks), self.now
            self.attempt(
                lambda: service.split_pledge(
                    self.db, pledge, chain, key=f"hire:{pledge.id}:{key}", now=now
                )
            )
            self.now = later = now + timedelta(days=days)
            if days < POLICY.guarantee_days:
                self.attempt(
                    lambda: service.report_fall_off(
                        self.db, pledge, key=f"fall:{pledge.id}:{key}", now=later
                    )
                )
            else:
                self.attempt(lambda: service.release_due(self.db, later))

        @rule(days=st.integers(1, 25))
        def advance_time(self, days: int) -> None:
            self.now += timedelta(days=days)

        @rule(days=st.integers(20, 70))
        def time_passes_and_jobs_run(self, days: int) -> None:
            """The daily jobs after a while: guarantee windows and attribution windows end."""
            self.now += timedelta(days=days)
            now = self.now
            self.attempt(lambda: service.release_due(self.db, now))
            self.attempt(lambda: service.expire_attribution(self.db, now))

        @rule()
        def release_due(self) -> None:
            now = self.now
            self.attempt(lambda: service.release_due(self.db, now))

        @rule()
        def expire_attribution(self) -> None:
            now = self.now
            self.attempt(lambda: service.expire_attribution(self.db, now))

        @precondition(lambda self: bool(self.events))
        @rule(pick=st.integers(0, 10**6))
        def replay(self, pick: int) -> None:
            """A duplicate delivery of any earlier event changes nothing."""
            event = self.events[pick % len(self.events)]
            before = self.snapshot()
            try:
                event()
            except (Conflict, InvalidInput) as exc:  # pragma: no cover - would be a bug
                raise AssertionError(f"a replay was refused: {exc.detail}") from exc
            self.db.commit()
            self.replays += 1
            assert self.snapshot() == before, "replaying an event changed the books"

        # --- invariants ---------------------------------------------------------------------

        @invariant()
        def books_balance(self) -> None:
            rec = queries.reconcile(self.db)
            assert rec.reconciles, rec
            assert rec.minted == rec.in_escrow + rec.pending + rec.held_by_members

        @invariant()
        def nothing_negative(self) -> None:
            negative = self.db.scalar(
                select(func.count()).where(
                    LedgerAccount.balance < 0, LedgerAccount.code != rules.ISSUANCE
                )
            )
            assert negative == 0

        @invariant()
        def no_pledge_pays_twice(self) -> None:
            out = (
                select(LedgerTransaction.pledge_id, LedgerTransaction.kind, func.count())
                .where(LedgerTransaction.pledge_id.is_not(None))
                .group_by(LedgerTransaction.pledge_id, LedgerTransaction.kind)
            )
            per_pledge: dict[int, dict[str, int]] = {}
            for pledge_id, kind, n in self.db.execute(out).tuples():
                per_pledge.setdefault(pledge_id, {})[kind] = n
            for pledge_id, kinds in per_pledge.items():
                assert all(n == 1 for n in kinds.values()), kinds
                closes = sum(kinds.get(k, 0) for k in (rules.TX_SPLIT, rules.TX_REFUND)) + (
                    kinds.get(rules.TX_THANKS, 0) if rules.TX_SPLIT not in kinds else 0
                )
                payouts = sum(kinds.get(k, 0) for k in (rules.TX_RELEASE, rules.TX_FALL_OFF)) + (
                    kinds.get(rules.TX_THANKS, 0) if rules.TX_SPLIT in kinds else 0
                )
                assert closes <= 1 and payouts <= 1, kinds
                pledge = self.db.get(Pledge, pledge_id)
                assert pledge is not None
                paid_to_members = self.db.scalar(
                    select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                    .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
                    .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
                    .where(
                        LedgerTransaction.pledge_id == pledge_id,
                        LedgerAccount.member_id.is_not(None),
                        LedgerEntry.amount > 0,
                    )
                )
                assert paid_to_members <= pledge.amount
                if pledge.state in (rules.PAID, rules.THANKED):
                    assert sum(s.amount for s in pledge.shares) == pledge.amount

    return LedgerMachine


def test_ledger_state_machine(engine: Engine, backend: str) -> None:
    machine = ledger_machine(engine)
    machine.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=True,
    )
    REACHED.clear()
    machine.TestCase().runTest()
    # the random walks really went everywhere: every pledge state, and many replays
    missing = set(rules.TX_LABELS) - {rules.TX_REVERSAL} - set(REACHED)
    assert not missing, f"never reached {missing}: {sorted(REACHED.items())}"
    assert REACHED["replays"] >= EXAMPLES // 2, REACHED
    print(f"ledger state machine ({backend}): {EXAMPLES} examples x {STEPS} steps; {REACHED}")


pytestmark = pytest.mark.slow
