"""Shapes of the contact book for the API and pages. ``ContactOut`` is the holder's own view
and must never be returned to anyone else."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Visibility = Literal["private", "counted", "blind", "open"]
CardField = Literal["title", "company", "industry", "city", "region", "skills", "how_known"]


class TypedValueIO(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    value: str = Field(min_length=1, max_length=254)
    type: str = Field("", max_length=30)


class ContactIn(BaseModel):
    """A contact written by hand. On update, only the fields sent change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: str | None = Field(None, max_length=200)
    given_name: str | None = Field(None, max_length=100)
    family_name: str | None = Field(None, max_length=100)
    emails: list[TypedValueIO] | None = Field(None, max_length=20)
    phones: list[TypedValueIO] | None = Field(None, max_length=20)
    company: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=100)
    linkedin_url: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=20_000)
    skills: list[str] | None = Field(None, max_length=30)
    tags: list[str] | None = Field(None, max_length=30)


class ContactOut(BaseModel):
    """The holder's own, complete view of a contact."""

    id: str  # the public id: internal ids never leave the server
    full_name: str
    given_name: str
    family_name: str
    emails: list[TypedValueIO]
    phones: list[TypedValueIO]
    company: str
    title: str
    industry: str
    city: str
    region: str
    country: str
    linkedin_url: str
    urls: list[str]
    notes: str
    skills: list[str]
    tags: list[str]
    connected_on: date | None
    source: str
    visibility: Visibility
    card_fields: list[CardField]
    how_known: str
    opted_out: bool
    member_handle: str | None = Field(None, description="Set when this person is a member.")
    views: int = Field(0, description="How often others were shown this entry (never who).")
    created_at: datetime
    updated_at: datetime


class ImportProblem(BaseModel):
    line: int
    card: int | None = None
    reason: str


class ImportReport(BaseModel):
    format: str
    created: int
    updated: int
    unchanged: int
    possible_duplicates: int
    errors: list[ImportProblem]
    warnings: list[ImportProblem] = []
    changed_fields: dict[str, int] = Field(
        default_factory=dict, description="How many existing contacts gained each field."
    )


class DuplicatePair(BaseModel):
    id: int
    reason: str
    contact: ContactOut
    candidate: ContactOut


class SharingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    visibility: Visibility
    card_fields: list[CardField] | None = Field(None, max_length=7)
    how_known: str | None = Field(None, max_length=140)


class BulkSharingIn(BaseModel):
    """Set the visibility of many entries: give exactly one of ids, tag, company or all."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    visibility: Visibility
    card_fields: list[CardField] | None = Field(None, max_length=7)
    ids: list[str] | None = Field(None, max_length=5000)
    tag: str | None = Field(None, max_length=60)
    company: str | None = Field(None, max_length=200)
    all: bool = False


class BulkSharingOut(BaseModel):
    changed: int


class SharingDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_visibility: Visibility
    default_card_fields: list[CardField] = []


class PreviewOut(BaseModel):
    visibility: Visibility
    card: dict[str, object] | None = Field(
        description="Exactly what others see one by one; null when nothing."
    )
    description: str
    counts_towards: list[str]
    warning: str | None
    suggestions: dict[str, str]


class CardOut(BaseModel):
    """A shared entry as another member sees it: never email, phone or notes."""

    id: str
    holder: str
    visibility: Literal["blind", "open"]
    card: dict[str, object]
    description: str


class AggregateOut(BaseModel):
    company: str
    count: int
    by_skill: list[tuple[str, int]]
    description: str


class OptOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: Literal["email", "phone", "linkedin"]
    identifier: str = Field(min_length=3, max_length=300)


class OptOutConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    token: str = Field(min_length=10, max_length=500)


class DisplayOut(BaseModel):
    viewer: str
    surface: str
    at: datetime
