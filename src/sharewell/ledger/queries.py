"""Read side of the ledger: balances, statements, tally series, pledges and the admin
reconciliation. Everything returns schemas; every list is bounded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sharewell.errors import InvalidInput, NotFound
from sharewell.ledger import rules
from sharewell.ledger.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Pledge,
    PledgeShare,
    TallyEntry,
)
from sharewell.ledger.schemas import (
    LedgerSummary,
    PledgeOut,
    Reconciliation,
    RuleOut,
    ShareOut,
    StatementLine,
    Suggestion,
    TallyPointOut,
    TransactionOut,
)
from sharewell.members.models import Member
from sharewell.pagination import Page, decode_cursor, encode_cursor

MAX_WEEKS = 104


def _account_id(session: Session, member_id: int) -> int | None:
    return session.scalar(select(LedgerAccount.id).where(LedgerAccount.member_id == member_id))


def available(session: Session, member_id: int) -> int:
    """The cached balance (kept equal to the sum of entries; see :func:`reconcile`)."""
    found = session.scalar(
        select(LedgerAccount.balance).where(LedgerAccount.member_id == member_id)
    )
    return int(found or 0)


def derived_balance(session: Session, account_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.account_id == account_id
        )
    )
    return int(total or 0)


def _tally_counts(session: Session, member_id: int) -> tuple[dict[str, int], int]:
    rows = session.execute(
        select(TallyEntry.direction, TallyEntry.kind, func.count())
        .where(TallyEntry.member_id == member_id)
        .group_by(TallyEntry.direction, TallyEntry.kind)
    ).all()
    gives = {kind: n for direction, kind, n in rows if direction == "give"}
    takes = sum(n for direction, _, n in rows if direction == "take")
    return gives, takes


def summary(session: Session, member: Member) -> LedgerSummary:
    by_state = dict(
        session.execute(
            select(Pledge.state, func.coalesce(func.sum(Pledge.amount), 0))
            .where(Pledge.pledger_id == member.id)
            .where(Pledge.state.in_([rules.ESCROWED, rules.SPLIT_PENDING]))
            .group_by(Pledge.state)
        )
        .tuples()
        .all()
    )
    incoming = session.scalar(
        select(func.coalesce(func.sum(PledgeShare.amount), 0))
        .join(Pledge, Pledge.id == PledgeShare.pledge_id)
        .where(PledgeShare.member_id == member.id, Pledge.state == rules.SPLIT_PENDING)
    )
    gives_by_kind, takes = _tally_counts(session, member.id)
    gives = sum(gives_by_kind.values())
    balance = available(session, member.id)
    title, why = rules.suggest_next_give(gives_by_kind, takes, available=balance)
    return LedgerSummary(
        available=balance,
        pledged_in_escrow=int(by_state.get(rules.ESCROWED, 0)),
        pledged_pending=int(by_state.get(rules.SPLIT_PENDING, 0)),
        incoming_pending=int(incoming or 0),
        gives=gives,
        takes=takes,
        ratio=rules.ratio(gives, takes),
        suggestion=Suggestion(title=title, why=why),
    )


def _line(entry_id: int, tx: LedgerTransaction, amount: int, after: int) -> StatementLine:
    return StatementLine(
        entry_id=entry_id,
        at=tx.created_at,
        kind=tx.kind,
        label=rules.TX_LABELS.get(tx.kind, tx.kind),
        memo=tx.memo,
        ref=tx.ref,
        amount=amount,
        balance_after=after,
    )


def statement(
    session: Session, member: Member, *, limit: int, cursor: str | None = None
) -> Page[StatementLine]:
    """The member's entries, newest first, each with the balance after it. The cursor is the
    last entry id shown; the running balance is the cached balance minus everything newer."""
    account_id = _account_id(session, member.id)
    if account_id is None:
        decode_cursor(cursor)  # still refuse a tampered cursor
        return Page(items=[])
    query = (
        select(LedgerEntry.id, LedgerEntry.amount, LedgerTransaction)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account_id == account_id)
        .order_by(LedgerEntry.id.desc())
        .limit(limit + 1)
    )
    after = decode_cursor(cursor)
    balance = available(session, member.id)
    if after:
        before_id = int(after[0])
        query = query.where(LedgerEntry.id < before_id)
        newer = session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.account_id == account_id, LedgerEntry.id >= before_id
            )
        )
        balance -= int(newer or 0)
    rows = session.execute(query).tuples().all()
    items = []
    for entry_id, amount, tx in rows[:limit]:
        items.append(_line(entry_id, tx, amount, balance))
        balance -= amount
    next_cursor = encode_cursor(items[-1].entry_id) if len(rows) > limit and items else None
    return Page(items=items, next_cursor=next_cursor)


def statement_all(session: Session, member: Member, *, batch: int = 500) -> Iterator[StatementLine]:
    """Every line of the statement, newest first, in bounded batches (for the CSV export)."""
    cursor: str | None = None
    while True:
        page = statement(session, member, limit=batch, cursor=cursor)
        yield from page.items
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def tally_series(
    session: Session, member: Member, *, now: datetime, weeks: int = 26
) -> list[TallyPointOut]:
    weeks = max(1, min(weeks, MAX_WEEKS))
    start = rules.week_start(now) - timedelta(weeks=weeks - 1)
    before = session.execute(
        select(
            func.coalesce(func.sum(case((TallyEntry.direction == "give", 1), else_=0)), 0),
            func.coalesce(func.sum(case((TallyEntry.direction == "take", 1), else_=0)), 0),
        ).where(TallyEntry.member_id == member.id, TallyEntry.created_at < start)
    ).one()
    events = session.execute(
        select(TallyEntry.created_at, TallyEntry.direction).where(
            TallyEntry.member_id == member.id, TallyEntry.created_at >= start
        )
    ).tuples()
    series = rules.weekly_series(
        events, now=now, weeks=weeks, before=(int(before[0]), int(before[1]))
    )
    return [
        TallyPointOut(
            week_start=p.week_start, gives=p.gives, takes=p.takes,
            cumulative_gives=p.cumulative_gives, cumulative_takes=p.cumulative_takes,
            balance=p.balance,
        )
        for p in series
    ]  # fmt: skip


# --- pledges --------------------------------------------------------------------------------


def _members_by_id(session: Session, ids: set[int]) -> dict[int, Member]:
    if not ids:
        return {}
    return {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))}


def pledge_out(session: Session, pledge: Pledge, viewer_id: int | None = None) -> PledgeOut:
    people = _members_by_id(session, {pledge.pledger_id} | {s.member_id for s in pledge.shares})
    return _pledge_out(pledge, people, viewer_id)


def _pledge_out(pledge: Pledge, people: dict[int, Member], viewer_id: int | None) -> PledgeOut:
    shares = [
        ShareOut(
            position=s.position,
            handle=people[s.member_id].handle,
            display_name=people[s.member_id].display_name,
            amount=s.amount,
        )
        for s in pledge.shares
    ]
    mine = next((s.amount for s in pledge.shares if s.member_id == viewer_id), None)
    return PledgeOut(
        id=pledge.public_id, pledger=people[pledge.pledger_id].handle, amount=pledge.amount,
        subject_kind=pledge.subject_kind, subject_ref=pledge.subject_ref, rule=pledge.rule,
        rule_text=rules.SPLIT_RULES[pledge.rule], state=pledge.state,
        state_text=rules.PLEDGE_STATES[pledge.state], money_amount=pledge.money_amount,
        money_currency=pledge.money_currency, created_at=pledge.created_at,
        attribution_ends_at=pledge.attribution_ends_at, split_at=pledge.split_at,
        release_at=pledge.release_at, closed_at=pledge.closed_at,
        close_reason=pledge.close_reason, shares=shares, my_share=mine,
    )  # fmt: skip


def visible_pledge(session: Session, public_id: str, viewer: Member) -> Pledge:
    """The pledge if the viewer is its pledger, one of its connectors or an administrator;
    otherwise 404, so pledge ids cannot be probed."""
    pledge = session.scalar(select(Pledge).where(Pledge.public_id == public_id[:24]))
    if pledge is None or not (
        viewer.is_admin
        or pledge.pledger_id == viewer.id
        or any(s.member_id == viewer.id for s in pledge.shares)
    ):
        raise NotFound("No such pledge.")
    return pledge


def pledges_made(
    session: Session, member: Member, *, limit: int, cursor: str | None = None
) -> Page[PledgeOut]:
    return _pledge_page(session, member, limit, cursor, Pledge.pledger_id == member.id)


def pledges_to_me(
    session: Session, member: Member, *, limit: int, cursor: str | None = None
) -> Page[PledgeOut]:
    """Pledges split (pending or paid) to the member as a connector."""
    mine = select(PledgeShare.pledge_id).where(PledgeShare.member_id == member.id)
    return _pledge_page(session, member, limit, cursor, Pledge.id.in_(mine))


def _pledge_page(
    session: Session, member: Member, limit: int, cursor: str | None, condition: object
) -> Page[PledgeOut]:
    query = select(Pledge).where(condition).order_by(Pledge.id.desc()).limit(limit + 1)  # type: ignore[arg-type]
    after = decode_cursor(cursor)
    if after:
        query = query.where(Pledge.id < int(after[0]))
    pledges = list(session.scalars(query))
    people = _members_by_id(
        session, {p.pledger_id for p in pledges} | {s.member_id for p in pledges for s in p.shares}
    )
    items = [_pledge_out(p, people, member.id) for p in pledges[:limit]]
    next_cursor = encode_cursor(pledges[limit - 1].id) if len(pledges) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def split_rules() -> list[RuleOut]:
    return [
        RuleOut(name=name, description=text, example_100_over_3=rules.split_amount(100, 3, name))
        for name, text in rules.SPLIT_RULES.items()
    ]


def transaction_by_key(session: Session, key: str) -> LedgerTransaction | None:
    return session.scalar(select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key))


def transaction_out(session: Session, tx: LedgerTransaction) -> TransactionOut:
    codes = dict(
        session.execute(
            select(LedgerAccount.id, LedgerAccount.code).where(
                LedgerAccount.id.in_([e.account_id for e in tx.entries])
            )
        )
        .tuples()
        .all()
    )
    return TransactionOut(
        id=tx.id, kind=tx.kind, idempotency_key=tx.idempotency_key, memo=tx.memo,
        created_at=tx.created_at, entries=[(codes[e.account_id], e.amount) for e in tx.entries],
    )  # fmt: skip


# --- reconciliation -------------------------------------------------------------------------


def reconcile(session: Session) -> Reconciliation:
    """Points minted = in escrow + pending + held by members, from the entries themselves;
    plus the cross-checks: cached balances equal the sums of entries, escrow equals the
    escrowed pledges, pending equals the pending splits, every transaction sums to zero."""
    derived = dict(
        session.execute(
            select(LedgerEntry.account_id, func.sum(LedgerEntry.amount)).group_by(
                LedgerEntry.account_id
            )
        )
        .tuples()
        .all()
    )
    accounts = session.execute(
        select(LedgerAccount.id, LedgerAccount.code, LedgerAccount.balance)
    ).all()
    by_code = {code: int(derived.get(aid, 0)) for aid, code, _ in accounts}
    held = sum(int(derived.get(aid, 0)) for aid, code, _ in accounts if code.startswith("member:"))
    cache_ok = all(int(bal) == int(derived.get(aid, 0)) for aid, _, bal in accounts)
    minted = -by_code.get(rules.ISSUANCE, 0)
    escrow = by_code.get(rules.ESCROW, 0)
    pending = by_code.get(rules.PENDING, 0)
    unbalanced = session.scalar(
        select(func.count()).select_from(
            select(LedgerEntry.transaction_id)
            .group_by(LedgerEntry.transaction_id)
            .having(func.sum(LedgerEntry.amount) != 0)
            .subquery()
        )
    )
    pledges = dict(
        session.execute(select(Pledge.state, func.count()).group_by(Pledge.state)).tuples().all()
    )
    escrowed_sum = session.scalar(
        select(func.coalesce(func.sum(Pledge.amount), 0)).where(Pledge.state == rules.ESCROWED)
    )
    pending_sum = session.scalar(
        select(func.coalesce(func.sum(Pledge.amount), 0)).where(Pledge.state == rules.SPLIT_PENDING)
    )
    return Reconciliation(
        minted=minted,
        in_escrow=escrow,
        pending=pending,
        held_by_members=held,
        reconciles=(
            minted == escrow + pending + held
            and not unbalanced
            and cache_ok
            and escrow == int(escrowed_sum or 0)
            and pending == int(pending_sum or 0)
        ),
        escrow_matches_pledges=escrow == int(escrowed_sum or 0),
        pending_matches_splits=pending == int(pending_sum or 0),
        cached_balances_match_entries=cache_ok,
        unbalanced_transactions=int(unbalanced or 0),
        transactions=int(session.scalar(select(func.count(LedgerTransaction.id))) or 0),
        entries=int(session.scalar(select(func.count(LedgerEntry.id))) or 0),
        pledges_by_state={state: int(n) for state, n in pledges.items()},
    )


def member_ids_for_handles(session: Session, handles: list[str]) -> list[int]:
    """Chain handles (with or without @) to member ids, in order; an unknown one is a 422."""
    cleaned = [h.strip().lower().lstrip("@") for h in handles]
    found = dict(
        session.execute(
            select(Member.handle, Member.id).where(
                Member.handle.in_(cleaned), Member.suspended_at.is_(None)
            )
        )
        .tuples()
        .all()
    )
    missing = [h for h in cleaned if h not in found]
    if missing:
        raise InvalidInput(f"No member with the handle '{missing[0][:40]}'.", field="chain")
    return [found[h] for h in cleaned]
