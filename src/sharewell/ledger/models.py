"""Tables of the ledger area.

* ``ledger_accounts``: one per member (their available points) and three system accounts
  (``system:issuance``, ``system:escrow``, ``system:pending``). ``balance`` is a cache of the
  sum of the account's entries, updated under a row lock in the same transaction; a CHECK keeps
  every account but the mint at zero or above.
* ``ledger_transactions``: one per business event, ``idempotency_key`` UNIQUE (a duplicate
  delivery finds the original), ``guard`` UNIQUE for invariants such as "a pledge closes once".
* ``ledger_entries``: immutable (triggers refuse UPDATE/DELETE); each transaction's entries sum
  to zero (checked before flush, and by a deferred constraint trigger on PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from sharewell.db import Base, utcnow


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), unique=True
    )
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("code = 'system:issuance' OR balance >= 0", name="not_negative"),
    )


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    guard: Mapped[str | None] = mapped_column(String(80), unique=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    pledge_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_pledges.id", ondelete="RESTRICT")
    )
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT")
    )
    memo: Mapped[str] = mapped_column(String(300), default="")
    ref: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", lazy="selectin", order_by="LedgerEntry.id"
    )

    __table_args__ = (
        Index("ix_ledger_transactions_member_kind", "member_id", "kind", "created_at"),
        Index("ix_ledger_transactions_pledge", "pledge_id"),
    )


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT")
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")

    __table_args__ = (
        CheckConstraint("amount <> 0", name="not_zero"),
        Index("ix_ledger_entries_account", "account_id", "id"),
        Index("ix_ledger_entries_transaction", "transaction_id"),
    )


class Pledge(Base):
    __tablename__ = "ledger_pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    pledger_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_ref: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    money_amount: Mapped[int | None] = mapped_column(BigInteger)
    money_currency: Mapped[str | None] = mapped_column(String(3))
    attribution_days: Mapped[int]
    guarantee_days: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attribution_ends_at: Mapped[datetime]
    split_at: Mapped[datetime | None]
    release_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(40))

    shares: Mapped[list[PledgeShare]] = relationship(
        order_by="PledgeShare.position", lazy="selectin"
    )

    __table_args__ = (
        CheckConstraint("amount > 0", name="positive"),
        CheckConstraint(
            "(money_amount IS NULL) = (money_currency IS NULL)", name="money_terms_complete"
        ),
        Index("ix_ledger_pledges_pledger", "pledger_id", "id"),
        Index("ix_ledger_pledges_state_release", "state", "release_at"),
        Index("ix_ledger_pledges_state_attribution", "state", "attribution_ends_at"),
        Index("ix_ledger_pledges_subject", "subject_kind", "subject_ref"),
    )


class PledgeShare(Base):
    """One connector's share of a split, by chain position (0: nearest the requester)."""

    __tablename__ = "ledger_pledge_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("ledger_pledges.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    position: Mapped[int]
    amount: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("pledge_id", "position", name="uq_ledger_pledge_shares_position"),
        CheckConstraint("amount >= 0", name="not_negative"),
        Index("ix_ledger_pledge_shares_member", "member_id", "pledge_id"),
    )


class TallyEntry(Base):
    """Reciprocity, not currency: one row per give or take, posted once per event key."""

    __tablename__ = "ledger_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(4))  # "give" | "take"
    kind: Mapped[str] = mapped_column(String(30))
    ref: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("direction IN ('give', 'take')", name="direction"),
        Index("ix_ledger_tally_member", "member_id", "created_at"),
    )


class UnbalancedTransaction(ValueError):
    """A programming error: a transaction whose entries do not sum to zero, or an attempt to
    change a posted entry. Never reaches the database."""


@event.listens_for(Session, "before_flush")
def _check_books(session: Session, _context: Any, _instances: Any) -> None:
    """Every new transaction's entries sum to zero; posted entries and transactions are never
    changed or deleted (a correction is a new, reversing transaction)."""
    sums: dict[int, tuple[LedgerTransaction, int]] = {}
    for obj in session.new:
        if isinstance(obj, LedgerEntry):
            tx = obj.transaction
            if tx is None:
                raise UnbalancedTransaction("an entry must belong to a transaction")
            current = sums.get(id(tx), (tx, 0))[1]
            sums[id(tx)] = (tx, current + obj.amount)
    for tx, total in sums.values():
        if total != 0:
            raise UnbalancedTransaction(f"transaction {tx.idempotency_key!r} sums to {total}")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, LedgerEntry) or (
            isinstance(obj, LedgerTransaction) and session.is_modified(obj)
        ):
            raise UnbalancedTransaction("posted ledger entries and transactions are immutable")
