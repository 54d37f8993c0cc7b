"""Use cases of the ledger. Other areas call these (see docs/ledger.md for the contract):

* accounts: :func:`grant_starter` when a member verifies their email address;
* introductions / insights: :func:`award_give`, :func:`record_give`, :func:`record_take`,
  :func:`create_pledge`, :func:`split_pledge`, :func:`report_fall_off`, :func:`refund_pledge`,
  :func:`release_as_thanks`, :func:`start_attribution`;
* jobs and the CLI: :func:`release_due`, :func:`expire_attribution`.

Every function takes the caller's ``Session`` and never commits. Every posting carries an
idempotency ``key`` naming the business event; the database's UNIQUE index on it makes a
duplicate delivery return the original result, even when two deliveries race (the loser's
INSERT fails inside a SAVEPOINT, which is rolled back, and the original is read instead).
Accounts are locked (``SELECT … FOR UPDATE`` in id order on PostgreSQL; SQLite's single writer
serialises) before any balance is checked, so balances never go negative.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sharewell.config import Settings, get_settings
from sharewell.db import utcnow
from sharewell.errors import Conflict, InvalidInput, NotFound
from sharewell.ledger import rules
from sharewell.ledger.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Pledge,
    PledgeShare,
    TallyEntry,
)
from sharewell.members.models import Member

T = TypeVar("T")


def policy_from(settings: Settings) -> rules.LedgerPolicy:
    return rules.LedgerPolicy(
        starter_grant=settings.ledger_starter_grant,
        award_weights=tuple(sorted(settings.ledger_award_weights.items())),
        daily_award_cap=settings.ledger_daily_award_cap,
        min_connection=timedelta(days=settings.ledger_min_connection_days),
        attribution_days=settings.ledger_attribution_days,
        guarantee_days=settings.ledger_guarantee_days,
    )


def _policy(policy: rules.LedgerPolicy | None) -> rules.LedgerPolicy:
    return policy if policy is not None else policy_from(get_settings())


@dataclass(frozen=True)
class MoneyTerms:
    """A split-fee agreement recorded alongside a pledge; Sharewell processes no payments."""

    amount: int  # minor units (cents)
    currency: str  # ISO 4217 code


class _Replayed(Exception):
    """Raised inside a savepoint when the event turns out to be posted already: the savepoint
    is rolled back and the original is returned."""

    def __init__(self, transaction: LedgerTransaction) -> None:
        self.transaction = transaction


# --- accounts -------------------------------------------------------------------------------


def account(session: Session, code: str, member_id: int | None = None) -> LedgerAccount:
    """The account with this code, created on first use (race-safe)."""
    found = session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if found is not None:
        return found
    created = LedgerAccount(code=code, member_id=member_id, balance=0, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(created)
            session.flush()
    except IntegrityError:  # created by a concurrent transaction: use theirs
        return session.scalars(select(LedgerAccount).where(LedgerAccount.code == code)).one()
    return created


def member_account(session: Session, member_id: int) -> LedgerAccount:
    return account(session, rules.member_account_code(member_id), member_id)


def _lock(session: Session, accounts: Sequence[LedgerAccount]) -> None:
    """Lock the accounts' rows in id order (no deadlocks between postings) and refresh them."""
    ids = sorted({a.id for a in accounts})
    session.execute(
        select(LedgerAccount)
        .where(LedgerAccount.id.in_(ids))
        .order_by(LedgerAccount.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()


def _existing(session: Session, key: str, fingerprint: str | None) -> LedgerTransaction | None:
    tx = session.scalar(select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key))
    if tx is not None and fingerprint and tx.fingerprint and tx.fingerprint != fingerprint:
        raise InvalidInput(
            "This idempotency key was already used for a different request; use a new key.",
            field="idempotency_key",
        )
    return tx


def _recheck(session: Session, key: str, fingerprint: str | None) -> None:
    """After taking a lock: a concurrent delivery of the same event may have committed while
    we waited (READ COMMITTED sees it now)."""
    found = _existing(session, key, fingerprint)
    if found is not None:
        raise _Replayed(found)


def _once(
    session: Session, key: str, fingerprint: str | None, work: Callable[[], T],
    replayed: Callable[[LedgerTransaction], T],
) -> T:  # fmt: skip
    """Run ``work`` at most once per ``key``: a replay (found before, after a lock, or through
    the UNIQUE index when two deliveries race) returns ``replayed(original)`` and changes
    nothing."""
    rules.check_idempotency_key(key)
    found = _existing(session, key, fingerprint)
    if found is not None:
        return replayed(found)
    try:
        with session.begin_nested():
            result = work()
            session.flush()
    except _Replayed as again:
        return replayed(again.transaction)
    except IntegrityError:
        found = _existing(session, key, fingerprint)
        if found is not None:
            return replayed(found)
        raise Conflict(
            "This change collided with another one made at the same moment; nothing was "
            "changed. Try again."
        ) from None
    return result


def _post(
    session: Session,
    *,
    kind: str,
    key: str,
    legs: Sequence[tuple[LedgerAccount, int]],
    fingerprint: str | None = None,
    guard: str | None = None,
    member_id: int | None = None,
    pledge_id: int | None = None,
    reverses_id: int | None = None,
    memo: str = "",
    ref: str = "",
    now: datetime,
) -> LedgerTransaction:
    """Post one balanced transaction: lock its accounts, check no balance goes negative, write
    the entries and move the cached balances. Legs on the same account are merged; a leg of
    zero writes no entry (a transaction may have no entries: a decision recorded once)."""
    merged: dict[int, tuple[LedgerAccount, int]] = {}
    for acct, amount in legs:
        previous = merged.get(acct.id, (acct, 0))[1]
        merged[acct.id] = (acct, previous + amount)
    if sum(amount for _, amount in merged.values()) != 0:
        raise ValueError(f"unbalanced postings for {kind}")  # a bug, never user input
    if merged:
        _lock(session, [acct for acct, _ in merged.values()])
    _recheck(session, key, fingerprint)
    for acct, amount in merged.values():
        if acct.code != rules.ISSUANCE and acct.balance + amount < 0:
            if acct.member_id is not None:
                raise Conflict(
                    f"Not enough points: {acct.balance} available, {-amount} needed.",
                    field="amount",
                )
            raise Conflict(f"The {acct.code} account cannot go below zero; nothing was changed.")
    tx = LedgerTransaction(
        kind=kind, idempotency_key=key, guard=guard, fingerprint=fingerprint,
        member_id=member_id, pledge_id=pledge_id, reverses_id=reverses_id,
        memo=memo[:300], ref=ref[:200], created_at=now,
    )  # fmt: skip
    session.add(tx)
    for acct, amount in sorted(merged.values(), key=lambda pair: pair[0].id):
        if amount == 0:
            continue
        session.add(LedgerEntry(transaction=tx, account_id=acct.id, amount=amount))
        acct.balance += amount
    session.flush()
    return tx


# --- minting --------------------------------------------------------------------------------


def grant_starter(
    session: Session,
    member: Member,
    *,
    key: str,
    policy: rules.LedgerPolicy | None = None,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Mint the starter grant for a member who verified their email address. Once per member:
    a second call (any key) returns the first grant."""
    pol, now = _policy(policy), now or utcnow()
    guard = f"starter:{member.id}"
    fp = rules.fingerprint("starter", member=member.id)

    def first_grant(tx: LedgerTransaction) -> LedgerTransaction:
        return tx

    def work() -> LedgerTransaction:
        earlier = session.scalar(select(LedgerTransaction).where(LedgerTransaction.guard == guard))
        if earlier is not None:
            raise _Replayed(earlier)
        mint, wallet = account(session, rules.ISSUANCE), member_account(session, member.id)
        return _post(
            session, kind=rules.TX_STARTER, key=key, fingerprint=fp, guard=guard,
            legs=[(mint, -pol.starter_grant), (wallet, pol.starter_grant)],
            member_id=member.id, memo="Welcome: starter grant for a verified address", now=now,
        )  # fmt: skip

    try:
        return _once(session, key, fp, work, first_grant)
    except Conflict:  # the guard raced: another key granted it a moment ago
        earlier = session.scalar(select(LedgerTransaction).where(LedgerTransaction.guard == guard))
        if earlier is None:
            raise
        return earlier


def award_give(
    session: Session,
    member: Member,
    kind: str,
    *,
    key: str,
    counterpart_id: int | None = None,
    connected_since: datetime | None = None,
    attested: bool = False,
    policy: rules.LedgerPolicy | None = None,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Mint the award for a confirmed give, once per ``key``. Returns the transaction; it has no
    entries (and kind ``award_declined``, with the reason as memo) when the give mints nothing:
    an attested outcome, a counterpart connected for less than the minimum time (pass
    ``connected_since=None`` when they are not connected; leave ``counterpart_id`` None when the
    give has no member on the other side), a zero weight, or the daily cap reached. The
    decision is recorded, so replaying the event later cannot change it."""
    pol, now = _policy(policy), now or utcnow()
    rules.check_give_kind(kind)
    if counterpart_id == member.id:
        raise InvalidInput("A give needs someone else on the other side.", field="counterpart_id")
    fp = rules.fingerprint(
        "award", member=member.id, kind=kind, counterpart=counterpart_id,
        connected_since=connected_since, attested=attested,
    )  # fmt: skip

    def work() -> LedgerTransaction:
        mint, wallet = account(session, rules.ISSUANCE), member_account(session, member.id)
        _lock(session, [mint, wallet])
        _recheck(session, key, fp)
        minted_today = session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(
                LedgerTransaction.member_id == member.id,
                LedgerTransaction.kind == rules.TX_AWARD,
                LedgerTransaction.created_at >= rules.day_start(now),
                LedgerEntry.account_id == wallet.id,
            )
        )
        decision = rules.decide_award(
            weight=pol.weight(kind), minted_today=int(minted_today or 0),
            daily_cap=pol.daily_award_cap, attested=attested,
            has_counterpart=counterpart_id is not None, connected_since=connected_since,
            min_connection=pol.min_connection, now=now,
        )  # fmt: skip
        label = rules.GIVE_KINDS[kind]
        return _post(
            session, kind=rules.TX_AWARD if decision.amount else rules.TX_AWARD_DECLINED,
            key=key, fingerprint=fp, member_id=member.id,
            legs=[(mint, -decision.amount), (wallet, decision.amount)],
            memo=f"You {label} — {decision.reason}", ref=kind, now=now,
        )  # fmt: skip

    return _once(session, key, fp, work, lambda tx: tx)


def reverse_transaction(
    session: Session, transaction_id: int, *, key: str, memo: str, now: datetime | None = None
) -> LedgerTransaction:
    """Correct a grant or award: a new transaction mirroring the old one (entries are never
    edited). Pledge transactions are corrected through the pledge's own states instead."""
    now = now or utcnow()
    original = session.get(LedgerTransaction, transaction_id)
    if original is None:
        raise NotFound("No such ledger transaction.")
    if original.kind not in (rules.TX_STARTER, rules.TX_AWARD):
        raise Conflict("Only grants and awards can be reversed; pledges have their own states.")
    fp = rules.fingerprint("reverse", tx=transaction_id)

    def work() -> LedgerTransaction:
        accounts = {a.id: a for a in session.scalars(
            select(LedgerAccount).where(
                LedgerAccount.id.in_([e.account_id for e in original.entries])
            )
        )}  # fmt: skip
        return _post(
            session, kind=rules.TX_REVERSAL, key=key, fingerprint=fp,
            guard=f"reversal:{original.id}", member_id=original.member_id,
            reverses_id=original.id,
            legs=[(accounts[e.account_id], -e.amount) for e in original.entries],
            memo=memo or f"Reverses transaction {original.id}", now=now,
        )  # fmt: skip

    return _once(session, key, fp, work, lambda tx: tx)


# --- reciprocity tally ----------------------------------------------------------------------


def _tally(
    session: Session, member: Member, direction: str, kind: str, key: str, ref: str,
    now: datetime | None,
) -> TallyEntry:  # fmt: skip
    rules.check_idempotency_key(key)
    by_key = select(TallyEntry).where(TallyEntry.idempotency_key == key)
    found = session.scalar(by_key)
    if found is not None:
        return found
    row = TallyEntry(
        member_id=member.id, direction=direction, kind=kind, ref=ref[:200],
        idempotency_key=key, created_at=now or utcnow(),
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = session.scalar(by_key)
        if found is None:
            raise
        return found
    return row


def record_give(
    session: Session, member: Member, kind: str, *, key: str, ref: str = "",
    now: datetime | None = None,
) -> TallyEntry:  # fmt: skip
    """Count a give in the member's reciprocity tally (once per ``key``). Mints nothing: call
    :func:`award_give` as well when the give is confirmed."""
    return _tally(session, member, "give", rules.check_give_kind(kind), key, ref, now)


def record_take(
    session: Session, member: Member, kind: str, *, key: str, ref: str = "",
    now: datetime | None = None,
) -> TallyEntry:  # fmt: skip
    """Count a take (an introduction received, an answer accepted) once per ``key``."""
    return _tally(session, member, "take", rules.check_take_kind(kind), key, ref, now)


# --- pledges --------------------------------------------------------------------------------


def _pledge_of(session: Session, tx: LedgerTransaction) -> Pledge:
    if tx.pledge_id is None:
        raise InvalidInput(
            "This idempotency key belongs to another kind of event; use a new key.",
            field="idempotency_key",
        )
    pledge = session.get(Pledge, tx.pledge_id, populate_existing=True)
    assert pledge is not None
    return pledge


def _lock_pledge(session: Session, pledge_id: int) -> Pledge:
    pledge = session.scalar(
        select(Pledge)
        .where(Pledge.id == pledge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if pledge is None:
        raise NotFound("No such pledge.")
    return pledge


def create_pledge(
    session: Session,
    pledger: Member,
    amount: int,
    *,
    subject_kind: str,
    subject_ref: str,
    rule: str = rules.RULE_CONNECTOR_HALF,
    money_terms: MoneyTerms | None = None,
    key: str,
    policy: rules.LedgerPolicy | None = None,
    now: datetime | None = None,
) -> Pledge:
    """Pledge points on an introduction request or an opportunity: they move from the
    pledger's available balance to escrow at once. ``rule`` (shown to everyone before they
    act) decides the split; the attribution and guarantee windows in force now are stored on
    the pledge. A pledge needs the available balance (409 otherwise)."""
    pol, now = _policy(policy), now or utcnow()
    rules.check_amount(amount)
    rules.check_rule(rule)
    if subject_kind not in rules.SUBJECT_KINDS:
        raise InvalidInput("A pledge is on an 'intro' or an 'opportunity'.", field="subject_kind")
    subject_ref = subject_ref.strip()
    if not 1 <= len(subject_ref) <= 200:
        raise InvalidInput("Name what the pledge is on (1–200 characters).", field="subject_ref")
    money_amount = money_currency = None
    if money_terms is not None:
        money_amount = rules.check_amount(money_terms.amount, field="money_amount", maximum=10**13)
        money_currency = rules.check_currency(money_terms.currency)
    fp = rules.fingerprint(
        "pledge", pledger=pledger.id, amount=amount, subject=[subject_kind, subject_ref],
        rule=rule, money=[money_amount, money_currency],
    )  # fmt: skip

    def work() -> Pledge:
        wallet, escrow = member_account(session, pledger.id), account(session, rules.ESCROW)
        _lock(session, [wallet, escrow])
        _recheck(session, key, fp)
        pledge = Pledge(
            public_id=secrets.token_urlsafe(12), pledger_id=pledger.id, amount=amount,
            subject_kind=subject_kind, subject_ref=subject_ref, rule=rule,
            state=rules.ESCROWED, money_amount=money_amount, money_currency=money_currency,
            attribution_days=pol.attribution_days, guarantee_days=pol.guarantee_days,
            created_at=now, attribution_ends_at=now + timedelta(days=pol.attribution_days),
        )  # fmt: skip
        session.add(pledge)
        session.flush()
        _post(
            session, kind=rules.TX_PLEDGE, key=key, fingerprint=fp,
            guard=f"pledge:{pledge.id}:escrow", member_id=pledger.id, pledge_id=pledge.id,
            legs=[(wallet, -amount), (escrow, amount)],
            memo=f"Pledge on {subject_kind} {subject_ref}", ref=pledge.public_id, now=now,
        )  # fmt: skip
        return pledge

    return _once(session, key, fp, work, lambda tx: _pledge_of(session, tx))


def start_attribution(session: Session, pledge: Pledge, accepted_at: datetime) -> Pledge:
    """Anchor the attribution window at the introduction's acceptance (the introductions area
    calls this); without it the window runs from the pledge's creation."""
    locked = _lock_pledge(session, pledge.id)
    if locked.state == rules.ESCROWED:
        locked.attribution_ends_at = accepted_at + timedelta(days=locked.attribution_days)
    return locked


def _members(session: Session, ids: Sequence[int]) -> None:
    found = set(session.scalars(select(Member.id).where(Member.id.in_(list(ids)))))
    if len(found) != len(set(ids)):
        raise InvalidInput("A connector on the chain is not a member.", field="chain")


def _transition(
    session: Session, pledge: Pledge, action: str, key: str, fp: str,
    body: Callable[[Pledge], None],
) -> Pledge:  # fmt: skip
    def work() -> Pledge:
        locked = _lock_pledge(session, pledge.id)
        _recheck(session, key, fp)
        rules.next_state(locked.state, action)  # 409 before anything is written
        body(locked)
        return locked

    return _once(session, key, fp, work, lambda tx: _pledge_of(session, tx))


def _close(pledge: Pledge, state: str, reason: str | None, now: datetime) -> None:
    pledge.state = state
    pledge.close_reason = reason
    pledge.closed_at = now


def split_pledge(
    session: Session,
    pledge: Pledge,
    chain: Sequence[int],
    *,
    key: str,
    now: datetime | None = None,
) -> Pledge:
    """A hire or deal was confirmed: split the pledge along the introduction's chain (member
    ids ordered from the requester's side to the connector who knew the target) by the
    pledge's rule. The shares move from escrow to pending and are paid out by
    :func:`release_due` when the guarantee window ends (a fall-off returns them instead)."""
    now = now or utcnow()
    members = rules.check_chain(chain, pledger_id=pledge.pledger_id)
    _members(session, members)
    fp = rules.fingerprint("split", pledge=pledge.id, chain=members)

    def body(locked: Pledge) -> None:
        if now > locked.attribution_ends_at:
            raise Conflict("The attribution window of this pledge has ended; it returns instead.")
        shares = rules.split_amount(locked.amount, len(members), locked.rule)
        escrow, pending = account(session, rules.ESCROW), account(session, rules.PENDING)
        locked.state = rules.next_state(locked.state, "split")
        locked.split_at = now
        locked.release_at = now + timedelta(days=locked.guarantee_days)
        for position, (member_id, share) in enumerate(zip(members, shares, strict=True)):
            session.add(
                PledgeShare(
                    pledge_id=locked.id, member_id=member_id, position=position, amount=share
                )
            )
        _post(
            session, kind=rules.TX_SPLIT, key=key, fingerprint=fp,
            guard=f"pledge:{locked.id}:close", member_id=locked.pledger_id,
            pledge_id=locked.id, legs=[(escrow, -locked.amount), (pending, locked.amount)],
            memo=f"Split along a chain of {len(members)}", ref=locked.public_id, now=now,
        )  # fmt: skip
        session.expire(locked, ["shares"])

    return _transition(session, pledge, "split", key, fp, body)


def refund_pledge(
    session: Session, pledge: Pledge, *, reason: str, key: str, now: datetime | None = None
) -> Pledge:
    """Return an escrowed pledge to the pledger: the request was declined, withdrawn or expired,
    the opportunity closed without a hire, or the attribution window ended. Recording met,
    advice or nothing is *not* a reason: the payer cannot refund himself by declaring it."""
    now = now or utcnow()
    rules.check_refund_reason(reason)
    fp = rules.fingerprint("refund", pledge=pledge.id, reason=reason)

    def body(locked: Pledge) -> None:
        escrow = account(session, rules.ESCROW)
        wallet = member_account(session, locked.pledger_id)
        _close(locked, rules.next_state(locked.state, "refund"), reason, now)
        _post(
            session, kind=rules.TX_REFUND, key=key, fingerprint=fp,
            guard=f"pledge:{locked.id}:close", member_id=locked.pledger_id,
            pledge_id=locked.id, legs=[(escrow, -locked.amount), (wallet, locked.amount)],
            memo=f"Returned: {rules.REFUND_REASONS[reason]}", ref=locked.public_id, now=now,
        )  # fmt: skip

    return _transition(session, pledge, "refund", key, fp, body)


def report_fall_off(
    session: Session, pledge: Pledge, *, key: str, now: datetime | None = None
) -> Pledge:
    """Either end reports that the hire fell off within the guarantee window: the pending split
    returns to the pledger. After the window it is too late (409): the payout is due."""
    now = now or utcnow()
    fp = rules.fingerprint("fall_off", pledge=pledge.id)

    def body(locked: Pledge) -> None:
        rules.next_state(locked.state, "fall_off")
        assert locked.release_at is not None
        if now >= locked.release_at:
            raise Conflict("The guarantee window has ended; the split is being paid out.")
        pending = account(session, rules.PENDING)
        wallet = member_account(session, locked.pledger_id)
        _close(locked, rules.FELL_OFF, "fell_off", now)
        _post(
            session, kind=rules.TX_FALL_OFF, key=key, fingerprint=fp,
            guard=f"pledge:{locked.id}:payout", member_id=locked.pledger_id,
            pledge_id=locked.id, legs=[(pending, -locked.amount), (wallet, locked.amount)],
            memo="The hire fell off within the guarantee window", ref=locked.public_id, now=now,
        )  # fmt: skip

    return _transition(session, pledge, "fall_off", key, fp, body)


def _pay_shares(
    session: Session, pledge: Pledge, source: LedgerAccount, shares: Sequence[tuple[int, int]]
) -> list[tuple[LedgerAccount, int]]:
    legs: list[tuple[LedgerAccount, int]] = [(source, -pledge.amount)]
    legs += [(member_account(session, member_id), amount) for member_id, amount in shares]
    return legs


def release_as_thanks(
    session: Session,
    pledge: Pledge,
    chain: Sequence[int] | None = None,
    *,
    key: str,
    now: datetime | None = None,
) -> Pledge:
    """The pledger releases the pledge as thanks, at any time: an escrowed pledge is split
    along ``chain`` by its rule and paid at once; a pending split is paid at once without
    waiting for the guarantee window (``chain`` is then ignored)."""
    now = now or utcnow()
    members = rules.check_chain(chain, pledger_id=pledge.pledger_id) if chain is not None else None
    if members is not None:
        _members(session, members)
    fp = rules.fingerprint("thanks", pledge=pledge.id, chain=members)

    def body(locked: Pledge) -> None:
        new_state = rules.next_state(locked.state, "thanks")
        if locked.state == rules.ESCROWED:
            if members is None:
                raise InvalidInput(
                    "Name the connectors to thank (the chain of the introduction).",
                    field="chain",
                )
            amounts = rules.split_amount(locked.amount, len(members), locked.rule)
            shares = list(zip(members, amounts, strict=True))
            for position, (member_id, share) in enumerate(shares):
                session.add(
                    PledgeShare(
                        pledge_id=locked.id, member_id=member_id, position=position, amount=share
                    )
                )
            source, guard = account(session, rules.ESCROW), f"pledge:{locked.id}:close"
            locked.split_at = now
        else:
            shares = [(s.member_id, s.amount) for s in locked.shares]
            source, guard = account(session, rules.PENDING), f"pledge:{locked.id}:payout"
        _close(locked, new_state, "thanks", now)
        _post(
            session, kind=rules.TX_THANKS, key=key, fingerprint=fp, guard=guard,
            member_id=locked.pledger_id, pledge_id=locked.id,
            legs=_pay_shares(session, locked, source, shares),
            memo="Released as thanks", ref=locked.public_id, now=now,
        )  # fmt: skip
        session.expire(locked, ["shares"])

    return _transition(session, pledge, "thanks", key, fp, body)


def _release(session: Session, pledge: Pledge, now: datetime) -> Pledge:
    key = f"pledge:{pledge.id}:release"
    fp = rules.fingerprint("release", pledge=pledge.id)

    def body(locked: Pledge) -> None:
        assert locked.release_at is not None
        if now < locked.release_at:
            raise Conflict("The guarantee window of this pledge has not ended yet.")
        shares = [(s.member_id, s.amount) for s in locked.shares]
        _close(locked, rules.next_state(locked.state, "release"), "released", now)
        _post(
            session, kind=rules.TX_RELEASE, key=key, fingerprint=fp,
            guard=f"pledge:{locked.id}:payout", member_id=locked.pledger_id,
            pledge_id=locked.id,
            legs=_pay_shares(session, locked, account(session, rules.PENDING), shares),
            memo="Guarantee window ended: split paid out", ref=locked.public_id, now=now,
        )  # fmt: skip

    return _transition(session, pledge, "release", key, fp, body)


@dataclass(frozen=True)
class JobResult:
    done: int  # pledges changed by this run
    skipped: int  # pledges that changed state under us (another run got there first)


def release_due(session: Session, now: datetime | None = None, *, limit: int = 1000) -> JobResult:
    """Pay out every split whose guarantee window has ended. Idempotent: each payout posts under
    the key ``pledge:<id>:release``, so running it twice (or in two processes) pays once."""
    now = now or utcnow()
    due = session.scalars(
        select(Pledge)
        .where(Pledge.state == rules.SPLIT_PENDING, Pledge.release_at <= now)
        .order_by(Pledge.id)
        .limit(limit)
    ).all()
    done = skipped = 0
    for pledge in due:
        try:
            _release(session, pledge, now)
            done += 1
        except Conflict:  # a fall-off or a thanks closed it a moment ago
            skipped += 1
    return JobResult(done, skipped)


def expire_attribution(
    session: Session, now: datetime | None = None, *, limit: int = 1000
) -> JobResult:
    """Return every escrowed pledge whose attribution window ended without a hire. Idempotent:
    each return posts under the key ``pledge:<id>:attribution-ended``."""
    now = now or utcnow()
    due = session.scalars(
        select(Pledge)
        .where(Pledge.state == rules.ESCROWED, Pledge.attribution_ends_at <= now)
        .order_by(Pledge.id)
        .limit(limit)
    ).all()
    done = skipped = 0
    for pledge in due:
        try:
            refund_pledge(
                session, pledge, reason="attribution_ended",
                key=f"pledge:{pledge.id}:attribution-ended", now=now,
            )  # fmt: skip
            done += 1
        except Conflict:
            skipped += 1
    return JobResult(done, skipped)


def queries_available(session: Session, member_id: int) -> int:
    """The member's available points (for callers that must decide before pledging)."""
    found = session.scalar(
        select(LedgerAccount.balance).where(LedgerAccount.member_id == member_id)
    )
    return int(found or 0)


def pledge_by_public_id(session: Session, public_id: str) -> Pledge:
    pledge = session.scalar(select(Pledge).where(Pledge.public_id == public_id[:24]))
    if pledge is None:
        raise NotFound("No such pledge.")
    return pledge
