"""Pydantic shapes of the insights area, shared by the API and the pages. Fields ending in
``_html`` are sanitized HTML (``sharewell.markup``); every other text is plain and escaped by
whoever displays it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sharewell.members.schemas import TopicOut

Kind = Literal["information", "insight", "capability", "ask", "opportunity"]
Visibility = Literal["public", "members", "connections"]
CommentKind = Literal["comment", "answer", "pointer", "intro_offer"]
ReactionKind = Literal["useful", "acted_on"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InsightIn(Strict):
    kind: Kind
    title: str = Field(max_length=400)
    body: str = ""
    topics: list[str] = Field(default_factory=list, max_length=50)
    visibility: Visibility = "public"


class InsightUpdate(Strict):
    """Only the fields sent change; the previous title and body go to the history."""

    kind: Kind | None = None
    title: str | None = Field(None, max_length=400)
    body: str | None = None
    topics: list[str] | None = Field(None, max_length=50)
    visibility: Visibility | None = None


class CommentIn(Strict):
    body: str = ""
    parent: str | None = Field(
        None, max_length=16, description="Public id of the comment replied to"
    )
    kind: CommentKind = Field(
        "comment",
        description="On asks: `answer`, `pointer` (set points_to) or `intro_offer` — an offer "
        "to introduce the asker, which the introductions feature turns into a request.",
    )
    points_to: str | None = Field(None, max_length=16, description="Public id of an insight")


class CommentUpdate(Strict):
    body: str


class ReportIn(Strict):
    reason: str = Field(max_length=2000)


class AuthorOut(BaseModel):
    handle: str
    display_name: str


class InsightRef(BaseModel):
    id: str
    title: str
    url: str


class InsightOut(BaseModel):
    id: str
    url: str
    kind: Kind
    title: str
    body_html: str
    body: str | None = Field(None, description="The Markdown source; only for its author")
    author: AuthorOut
    topics: list[TopicOut]
    visibility: Visibility
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    hidden: bool
    useful_count: int
    acted_count: int
    comment_count: int
    my_reactions: list[ReactionKind] = Field(default_factory=list)


class CommentOut(BaseModel):
    id: str
    url: str
    insight: str
    parent: str | None
    kind: CommentKind
    depth: int
    author: AuthorOut | None = Field(None, description="None for a tombstone")
    body_html: str
    body: str | None = Field(None, description="The Markdown source; only for its author")
    points_to: InsightRef | None
    accepted: bool
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    hidden: bool
    blocked: bool = Field(False, description="Written by a member you blocked; content withheld")
    useful_count: int
    acted_count: int
    my_reactions: list[ReactionKind] = Field(default_factory=list)


class RevisionOut(BaseModel):
    title: str
    body_html: str
    written_at: datetime
    replaced_at: datetime


class FollowsOut(BaseModel):
    members: list[AuthorOut]
    topics: list[TopicOut]


class FeedTokenOut(BaseModel):
    id: int
    prefix: str
    created_at: datetime


class FeedTokenCreatedOut(FeedTokenOut):
    url: str = Field(description="Your private feed address: shown once, keep it secret.")


class ReportOut(BaseModel):
    id: int
    reason: str
    created_at: datetime
    reporter: AuthorOut
    insight: InsightRef | None
    comment: str | None
    comment_url: str | None
    item_hidden: bool
