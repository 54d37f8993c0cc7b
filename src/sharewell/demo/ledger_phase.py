"""Demo phase of the ledger: starter grants for every member (in bulk), a reciprocity history
of gives and takes over the last half year (in bulk), awards, and pledges in every state
(through the real services, back-dated, so the history is exactly what the code would write).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sharewell.db import utcnow
from sharewell.ledger import rules, service
from sharewell.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction, TallyEntry
from sharewell.members.models import Member

if TYPE_CHECKING:
    from sharewell.demo.generator import DemoContext

BATCH = 5000
AWARDS = 80  # awards and pledges go through the services: a few round trips each
PLEDGES = 36  # six per state


def _bulk(session: Session, table: type, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])


def phase_ledger(ctx: DemoContext) -> None:
    session, rng = ctx.session, ctx.rng
    policy = service.policy_from(ctx.settings)
    now = utcnow()
    ids = [m.id for m in ctx.members]
    if not ids:
        return
    grant = policy.starter_grant
    joined = now - timedelta(days=200)

    # 1. starter grants, in bulk: accounts, transactions, entries, cached balances
    mint = service.account(session, rules.ISSUANCE)
    _bulk(session, LedgerAccount, [
        {"code": rules.member_account_code(i), "member_id": i, "balance": grant,
         "created_at": joined}
        for i in ids
    ])  # fmt: skip
    _bulk(session, LedgerTransaction, [
        {"kind": rules.TX_STARTER, "idempotency_key": f"demo:starter:{i}", "guard": f"starter:{i}",
         "member_id": i, "memo": "Welcome: starter grant for a verified address", "ref": "",
         "created_at": joined}
        for i in ids
    ])  # fmt: skip
    accounts = dict(
        session.execute(
            # The demo's members have consecutive ids: a range, not an IN list of 100,000
            # (PostgreSQL's protocol carries at most 65,535 parameters per statement).
            select(LedgerAccount.member_id, LedgerAccount.id).where(
                LedgerAccount.member_id.between(ids[0], ids[-1])
            )
        )
        .tuples()
        .all()
    )
    txs = dict(
        session.execute(
            select(LedgerTransaction.member_id, LedgerTransaction.id).where(
                LedgerTransaction.kind == rules.TX_STARTER,
                LedgerTransaction.idempotency_key.like("demo:starter:%"),
            )
        )
        .tuples()
        .all()
    )
    if grant:
        entries: list[dict[str, object]] = []
        for i in ids:
            entries.append({"transaction_id": txs[i], "account_id": mint.id, "amount": -grant})
            entries.append({"transaction_id": txs[i], "account_id": accounts[i], "amount": grant})
        _bulk(session, LedgerEntry, entries)
        session.refresh(mint)
        mint.balance -= grant * len(ids)
        session.flush()
    session.expire_all()

    # 2. gives and takes over the last 26 weeks, vectorised
    n = len(ids)
    give_counts = rng.poisson(3.0, size=n)
    take_counts = rng.poisson(2.0, size=n)
    give_kinds, take_kinds = list(rules.GIVE_KINDS), list(rules.TAKE_KINDS)
    tally: list[dict[str, object]] = []
    for direction, counts, kinds in (
        ("give", give_counts, give_kinds), ("take", take_counts, take_kinds)
    ):  # fmt: skip
        owners = np.repeat(np.arange(n), counts)
        days = rng.integers(0, 182, size=len(owners))
        kind_ix = rng.integers(0, len(kinds), size=len(owners))
        for j, (owner, day, k) in enumerate(zip(owners, days, kind_ix, strict=True)):
            tally.append({
                "member_id": ids[int(owner)], "direction": direction, "kind": kinds[int(k)],
                "ref": "demo", "idempotency_key": f"demo:{direction}:{j}",
                "created_at": now - timedelta(days=int(day), hours=int(j % 24)),
            })  # fmt: skip
    _bulk(session, TallyEntry, tally)

    # 3. awards through the service (caps and rules apply), for the first members; each is a
    # few round trips, so they are kept to the number a demo visitor can look at
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids[:400])))}
    awards = 0
    for j, member_id in enumerate(ids[: min(n, AWARDS)]):
        kind = give_kinds[j % len(give_kinds)]
        tx = service.award_give(
            session, members[member_id], kind, key=f"demo:award:{member_id}",
            policy=policy, now=now - timedelta(days=int(rng.integers(1, 120))),
        )  # fmt: skip
        awards += tx.kind == rules.TX_AWARD

    # 4. pledges in every state, Sam (the first member) pledging some and connecting others
    if n < 5:
        ctx.counts.update(ledger_grants=n, tally_rows=len(tally), awards=awards)
        return
    pool = ids[: min(n, 400)]
    pledges = 0
    states = [
        rules.ESCROWED, rules.SPLIT_PENDING, rules.PAID, rules.FELL_OFF, rules.REFUNDED,
        rules.THANKED,
    ]  # fmt: skip
    total = min(PLEDGES, max(len(states), n // 30))
    for j in range(total):
        target_state = states[j % len(states)]
        pledger_id = pool[0] if j % 4 == 0 else int(rng.choice(pool))
        others = [i for i in pool if i != pledger_id]
        hops = int(rng.integers(1, 4))
        chain = [int(c) for c in rng.choice(others, size=hops, replace=False)]
        if j % 4 == 1 and pool[0] not in chain and pool[0] != pledger_id:
            chain[-1] = pool[0]  # Sam knew the target: his pending split shows on his page
        started = now - timedelta(days=int(rng.integers(100, 200)))
        if target_state in (rules.ESCROWED, rules.SPLIT_PENDING, rules.FELL_OFF):
            started = now - timedelta(days=int(rng.integers(5, 40)))
        pledger = members.get(pledger_id) or session.get(Member, pledger_id)
        assert pledger is not None
        amount = int(rng.integers(5, 1 + max(5, min(40, policy.starter_grant // 2))))
        if service.queries_available(session, pledger_id) < amount:
            continue
        pledge = service.create_pledge(
            session, pledger, amount, subject_kind="intro" if j % 3 else "opportunity",
            subject_ref=f"demo:{j + 1}", rule=list(rules.SPLIT_RULES)[j % 3],
            key=f"demo:pledge:{j}", policy=policy, now=started,
        )  # fmt: skip
        pledges += 1
        step = started + timedelta(days=3)
        if target_state in (rules.SPLIT_PENDING, rules.PAID, rules.FELL_OFF):
            service.split_pledge(session, pledge, chain, key=f"demo:split:{j}", now=step)
        if target_state == rules.PAID:
            service.release_due(session, now)
        elif target_state == rules.FELL_OFF:
            service.report_fall_off(
                session, pledge, key=f"demo:fall:{j}", now=step + timedelta(days=1)
            )
        elif target_state == rules.REFUNDED:
            service.refund_pledge(
                session, pledge, reason="declined", key=f"demo:refund:{j}", now=step
            )
        elif target_state == rules.THANKED:
            service.release_as_thanks(session, pledge, chain, key=f"demo:thanks:{j}", now=step)
    ctx.counts.update(ledger_grants=n, tally_rows=len(tally), awards=awards, pledges=pledges)
