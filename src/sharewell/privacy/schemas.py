"""Shapes of the privacy area shared by the API and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErasureIn(Strict):
    confirm: str = Field(description='Type "delete my account".', max_length=100)
    content: Literal["anonymize", "remove"] = Field(
        "anonymize",
        description="Your insights and comments: keep them signed “A former member”, or remove.",
    )
    password: str = Field("", max_length=200, description="Your password (if you have one).")
    code: str = Field("", max_length=40, description="Two-factor code (if it is on).")


class ErasureOut(BaseModel):
    erased: bool
    detail: str


class ErasureRequestIn(Strict):
    kind: Literal["email", "phone", "linkedin"]
    identifier: str = Field(min_length=3, max_length=300)
    reply_to: str = Field(
        "", max_length=254, description="For phone or LinkedIn: an address to answer at."
    )


class ConfirmIn(Strict):
    token: str = Field(min_length=10, max_length=2000)


class MessageOut(BaseModel):
    detail: str


class PendingRequestOut(BaseModel):
    id: int
    kind: str
    identifier: str
    reply_to: str
    created_at: datetime


class HandleIn(Strict):
    note: str = Field("", max_length=1000)


class NoticePolicyOut(BaseModel):
    template: str
    required: bool
    is_default: bool
    placeholders: list[str]


class NoticePolicyIn(Strict):
    template: str | None = Field(None, max_length=4000)
    required: bool | None = None
    reset_template: bool = False


class PendingNoticeOut(BaseModel):
    contact_id: str
    name: str
    visibility: str
    created_at: datetime
