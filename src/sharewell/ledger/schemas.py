"""Pydantic shapes of the ledger, shared by the API and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PledgeIn(Strict):
    amount: int = Field(ge=1, le=10**9, description="Points to pledge (whole number).")
    subject_kind: Literal["intro", "opportunity"]
    subject_ref: str = Field(min_length=1, max_length=200, description="What the pledge is on.")
    rule: str = Field("connector_half", description="Split rule; see GET /ledger/rules.")
    money_amount: int | None = Field(
        None, ge=1, le=10**13, description="Optional split-fee agreement, in minor units."
    )
    money_currency: str | None = Field(None, min_length=3, max_length=3)


class ChainIn(Strict):
    chain: list[str] = Field(
        min_length=1,
        max_length=8,
        description="Connector handles, from the requester's side to the one who knew the target.",
    )


class ThanksIn(Strict):
    chain: list[str] | None = Field(None, max_length=8)


class RefundIn(Strict):
    reason: str = Field(description="declined, withdrawn, expired, closed_without_hire, admin")


class ShareOut(BaseModel):
    position: int
    handle: str
    display_name: str
    amount: int


class PledgeOut(BaseModel):
    id: str
    pledger: str
    amount: int
    subject_kind: str
    subject_ref: str
    rule: str
    rule_text: str
    state: str
    state_text: str
    money_amount: int | None
    money_currency: str | None
    created_at: datetime
    attribution_ends_at: datetime
    split_at: datetime | None
    release_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    shares: list[ShareOut]
    my_share: int | None = None  # the viewer's share when they are a connector


class RuleOut(BaseModel):
    name: str
    description: str
    example_100_over_3: list[int]


class Suggestion(BaseModel):
    title: str
    why: str


class LedgerSummary(BaseModel):
    available: int
    pledged_in_escrow: int
    pledged_pending: int
    incoming_pending: int
    gives: int
    takes: int
    ratio: float | None
    suggestion: Suggestion


class StatementLine(BaseModel):
    entry_id: int
    at: datetime
    kind: str
    label: str
    memo: str
    ref: str
    amount: int
    balance_after: int


class TallyPointOut(BaseModel):
    week_start: datetime
    gives: int
    takes: int
    cumulative_gives: int
    cumulative_takes: int
    balance: int


class TransactionOut(BaseModel):
    id: int
    kind: str
    idempotency_key: str
    memo: str
    created_at: datetime
    entries: list[tuple[str, int]]


class Reconciliation(BaseModel):
    minted: int
    in_escrow: int
    pending: int
    held_by_members: int
    reconciles: bool
    escrow_matches_pledges: bool
    pending_matches_splits: bool
    cached_balances_match_entries: bool
    unbalanced_transactions: int
    transactions: int
    entries: int
    pledges_by_state: dict[str, int]


class JobOut(BaseModel):
    done: int
    skipped: int
