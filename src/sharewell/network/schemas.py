"""Pydantic shapes of the network area, shared by the API and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sharewell.members.schemas import MemberSummary


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ConnectIn(_In):
    handle: str = Field(min_length=1, max_length=40)
    message: str = Field("", max_length=300)


class StrengthIn(_In):
    strength: int = Field(ge=1, le=5, description="1 (weak) to 5 (strong)")


class HandleIn(_In):
    handle: str = Field(min_length=1, max_length=40)


class PauseIn(_In):
    paused: bool


class PauseOut(BaseModel):
    paused: bool


class ConnectionOut(BaseModel):
    member: MemberSummary
    strength: int = Field(description="What paths use: the weaker of both ratings")
    my_rating: int | None
    origin: str
    since: datetime | None


class RequestOut(BaseModel):
    member: MemberSummary
    direction: Literal["incoming", "outgoing"]
    message: str
    requested_at: datetime


class PathStepOut(BaseModel):
    handle: str
    display_name: str
    strength: int = Field(description="Strength (1–5) of the tie into this member")
    paused: bool = False


class PathTargetOut(BaseModel):
    kind: Literal["member", "card", "aggregate"]
    member: MemberSummary | None = None
    card: dict[str, object] | None = Field(
        None, description="A shared card exactly as its holder shows it (blind or open)"
    )
    card_id: str | None = Field(None, description="Public id of the card (for introductions)")
    count: int | None = Field(None, description="People counted by an aggregate")
    description: str
    more_cards: int = 0


class PathOut(BaseModel):
    steps: list[PathStepOut]
    hops: int
    strength: float = Field(description="Product of the normalised hop strengths, (0, 1]")
    strength_word: str
    degree: str = Field(description="Degree of the last member on the path")
    target: PathTargetOut
    explanation: str


class PathsOut(BaseModel):
    query: str
    paths: list[PathOut]


class RecommendationOut(BaseModel):
    member: MemberSummary
    score: float
    shared_connections: int
    shared_topics: list[str]
    reason: str
