"""Shapes of search results, suggestions and saved searches (shared by API and pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PersonRef(BaseModel):
    handle: str
    display_name: str


class Explanation(BaseModel):
    text: float = Field(
        description="Text relevance, 0-1 (for cards: share of the query their visible fields match)"
    )
    closeness: float = Field(description="Closeness to you, 0-1, from degree and path strength")
    standing: float | None = Field(
        description="Standing of the member behind it, 0-1 (null: neutral)"
    )
    degree: str | None = None
    path_strength: float | None = None
    semantic_rank: int | None = Field(None, description="Rank in the semantic match, when used")
    parts: dict[str, float] = Field(description="Each signal's weighted part of the score")


class SearchHit(BaseModel):
    kind: str = Field(description="member, card, aggregate, insight or comment")
    score: float
    title: str
    snippet: str = ""
    url: str | None = None
    member: PersonRef | None = Field(None, description="The member, holder or author")
    degree: str | None = None
    card: dict[str, Any] | None = None
    card_id: str | None = None
    count: int | None = None
    explain: Explanation | None = None
    doc_id: int | None = Field(None, exclude=True)  # internal: saved-search alerts only


class SearchOut(BaseModel):
    query: str
    items: list[SearchHit]
    corrections: dict[str, list[str]] = Field(
        default_factory=dict, description="Words read as possible typos, and what they matched"
    )
    semantic: bool = Field(False, description="Whether semantic matching took part")


class Suggestion(BaseModel):
    kind: str = Field(description="member or topic")
    label: str
    url: str


class SavedSearchIn(BaseModel):
    # Unknown fields are refused (422), as on every other input: no mass assignment.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    q: str = Field("", max_length=200)
    kind: list[str] = Field(default_factory=list)
    topic: str | None = Field(None, max_length=60)
    company: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=100)
    degree: int | None = None
    mail: bool = True


class SavedSearchOut(BaseModel):
    id: str
    name: str
    q: str
    filters: dict[str, Any]
    mail: bool
    created_at: datetime
    checked_at: datetime | None
    unread: int = 0


class AlertOut(BaseModel):
    id: int
    search: str
    search_name: str
    kind: str
    label: str
    url: str
    created_at: datetime
    read: bool
