"""Pydantic shapes of introductions, shared by the API and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sharewell.db import MAX_ROW_ID
from sharewell.members.schemas import MemberSummary


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FilterIn(_In):
    topic: str = Field("", max_length=100)
    company: str = Field("", max_length=100)
    title: str = Field("", max_length=100)
    city: str = Field("", max_length=100)


class IntroCreate(_In):
    target_kind: Literal["member", "card", "aggregate", "offer"]
    why: str = Field(min_length=1, max_length=2000, description="Why you want to meet them")
    offer: str = Field("", max_length=2000, description="What you offer in return")
    target_handle: str | None = Field(None, max_length=40, description="member targets")
    card_id: str | None = Field(None, max_length=40, description="public id of a shared card")
    holder_handle: str | None = Field(None, max_length=40, description="aggregate targets")
    filter: FilterIn | None = Field(None, description="what the aggregate counted")
    path: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="Handles after you, as a path shows them (ending at a member target or at "
        "the holder of a card or aggregate). Empty: the best path is used.",
    )
    pledge_amount: int | None = Field(None, ge=1, le=1_000_000)
    pledge_rule: str = Field("connector_half", max_length=30)
    requester_contact: str | None = Field(
        None,
        max_length=300,
        description="What the target sees of you on acceptance (default: your email address)",
    )
    source_kind: Literal["path", "profile", "card", "aggregate", "insight", "comment"] = "path"
    source_ref: str = Field("", max_length=40, description="insight or comment public id")


class NoteIn(_In):
    note: str = Field("", max_length=1000)


class TargetStepIn(_In):
    note: str = Field("", max_length=1000)
    contact_id: str | None = Field(
        None, max_length=40, description="For an aggregate or offer: which contact you approach"
    )


class DeclineIn(_In):
    reason: str = Field("", max_length=1000)
    share_reason: bool = Field(False, description="Show your reason to the requester")


class TextIn(_In):
    text: str = Field(min_length=1, max_length=1000)


class AcceptIn(_In):
    contact: str | None = Field(
        None, max_length=300, description="What the requester sees of you (default: email)"
    )


class MessageIn(_In):
    body: str = Field(min_length=1, max_length=5000)


class OutcomeIn(_In):
    kind: Literal["met", "advice", "hire", "deal", "nothing"]


class LinkAnswerIn(_In):
    token: str = Field(min_length=10, max_length=100)
    answer: Literal["accept", "decline", "confirm", "deny"]


class ResolveIn(_In):
    decision: Literal["confirm", "reject"]


class ReadIn(_In):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] | None = Field(
        None, max_length=500, description="None: all"
    )


class MailModeIn(_In):
    mail: Literal["each", "daily", "off"]


class HopOut(BaseModel):
    position: int
    connector: MemberSummary
    state: str
    note: str = ""
    question: str = ""
    answer: str = ""


class EventOut(BaseModel):
    at: datetime
    actor: str = Field(description="Display name, or 'the target' / 'Sharewell'")
    role: str
    action: str
    to_state: str
    note: str = ""


class OutcomeOut(BaseModel):
    id: int
    kind: str
    state: str
    requester_confirmed: bool
    target_confirmed: bool
    target_confirm_method: str | None
    attested: bool
    created_at: datetime
    confirmed_at: datetime | None


class PledgeShareOut(BaseModel):
    handle: str
    amount: int


class PledgeOut(BaseModel):
    public_id: str
    amount: int
    rule: str
    state: str
    shares: list[PledgeShareOut]


class MessageOut(BaseModel):
    author: MemberSummary
    body: str
    created_at: datetime


class IntroSummary(BaseModel):
    public_id: str
    my_role: str
    state: str
    requester: MemberSummary
    target_kind: str
    target_description: str
    waiting_on_me: bool
    created_at: datetime
    updated_at: datetime
    expires_at: datetime


class IntroOut(IntroSummary):
    why: str
    offer: str
    hops: list[HopOut]
    target_member: MemberSummary | None
    decline_text: str | None = None
    consent_method: str | None
    accepted_at: datetime | None
    # Exchanged details: only for the two ends, only once accepted.
    target_details: dict[str, Any] | None = None
    requester_contact: str | None = None
    timeline: list[EventOut]
    outcomes: list[OutcomeOut]
    pledge: PledgeOut | None
    can: list[str] = Field(description="Steps the caller may take now")
    in_thread: bool


class CandidateOut(BaseModel):
    contact_id: str
    name: str
    title: str
    company: str
    has_email: bool


class NotificationOut(BaseModel):
    id: int
    kind: str
    text: str
    url: str
    created_at: datetime
    read: bool


class NotificationsOut(BaseModel):
    unread: int
    mail: str
    items: list[NotificationOut]


class LinkOut(BaseModel):
    purpose: str
    requester_name: str
    requester_headline: str
    connector_name: str
    why: str
    offer: str
    outcome_kind: str | None
    expires_at: datetime


class LinkAnsweredOut(BaseModel):
    state: str


class DisputeOut(BaseModel):
    outcome_id: int
    intro_id: str
    kind: str
    requester: MemberSummary
    target_description: str
    target_confirmed_at: datetime | None
    disputed_at: datetime | None


class Impact(BaseModel):
    """One confirmed benefit, for the standing area."""

    beneficiary_id: int
    giver_id: int
    kind: str
    at: datetime
    topic_ids: list[int]
    attested: bool
    ref: str
