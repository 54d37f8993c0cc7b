"""Pydantic shapes of the standing area, shared by the API and the pages."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from sharewell.members.schemas import Strict, TopicOut


class TopicRankOut(TopicOut):
    rank: int
    share: float = Field(description="The member's share of the topic's standing (0-1).")
    go_to: bool


class StandingBrief(BaseModel):
    """What member lists show: standing as a level (1.0 = an average member's share), a rank
    and the topics the member is a go-to person for."""

    score: float = Field(description="Share of all standing (scores sum to 1 over members).")
    level: float = Field(description="score x active members: 1.0 is an average member.")
    rank: int | None = Field(description="1 = highest; null without standing.")
    percentile: float = Field(description="Percentage of active members with lower standing.")
    top_percent: int | None = Field(description="'Top N %' as shown on pages; null when 0.")
    go_to: list[TopicOut]


class StandingOut(StandingBrief):
    handle: str
    members: int = Field(description="Active members in the last recompute.")
    computed_at: datetime | None
    topics: list[TopicRankOut] = Field(description="Topic leaderboards the member is on.")


class KindShareOut(BaseModel):
    kind: str
    people: int
    regarded: int = Field(description="How many of those people are in the top 10 %.")
    fraction: float = Field(description="Share of the member's standing (0-1).")


class ExplanationOut(BaseModel):
    text: str
    parts: list[KindShareOut]
    is_seed: bool = Field(description="Administrators and marked members are seeds.")


class HistoryPointOut(BaseModel):
    day: date
    level: float
    rank: int
    percentile: float


class MyStandingOut(StandingOut):
    explanation: ExplanationOut
    history: list[HistoryPointOut]


class LeaderOut(BaseModel):
    rank: int
    handle: str
    display_name: str
    headline: str
    score: float = Field(description="Overall: share of all standing; topic: share of the topic's.")
    level: float
    go_to: bool


class TopicBoardOut(TopicOut):
    members: int = Field(description="Members with standing in this topic.")


class SeedOut(BaseModel):
    handle: str
    display_name: str
    admin: bool = Field(description="Administrators are always seeds.")
    marked: bool = Field(description="Marked as a seed by an administrator.")


class SeedIn(Strict):
    who: str = Field(min_length=1, max_length=254, description="Handle or email address.")


class RunOut(BaseModel):
    id: int
    started_at: datetime
    finished_at: datetime | None
    trigger: str
    members: int
    scored: int
    impacts: int
    seeds: int
    default_seeds: bool
    topics: int
    seconds: float
