"""Tables of the insights area: posts, their revisions, threaded comments, reactions (the
impact signals standing reads), follows, feed tokens and reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sharewell.db import Base, utcnow


class Insight(Base):
    __tablename__ = "insights"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    useful_count: Mapped[int] = mapped_column(default=0)
    acted_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_insights_author", "author_id", "id"),
        Index("ix_insights_useful", "useful_count", "id"),
    )


class InsightTopic(Base):
    """An insight's topic. ``useful_count`` mirrors ``insights.useful_count`` (written in the
    same transaction by every reaction) so a followed topic's "most useful" insights come from
    one walk of ``ix_insight_topics_useful`` instead of probing every insight by usefulness."""

    __tablename__ = "insight_topics"

    insight_id: Mapped[int] = mapped_column(
        ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    useful_count: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (
        Index("ix_insight_topics_topic", "topic_id", "insight_id"),
        Index("ix_insight_topics_useful", "topic_id", "useful_count", "insight_id"),
    )


class Comment(Base):
    """A comment at any depth. ``path`` is the materialized path: the ids of the ancestors and
    of the comment itself, each zero-padded to ``rules.PATH_WIDTH`` digits, so ``ORDER BY path``
    yields a whole thread in display order from one index range scan."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    insight_id: Mapped[int] = mapped_column(ForeignKey("insights.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12), default="comment")
    path: Mapped[str] = mapped_column(String(1100), default="")
    depth: Mapped[int] = mapped_column(default=0)
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    pointed_insight_id: Mapped[int | None] = mapped_column(
        ForeignKey("insights.id", ondelete="SET NULL")
    )
    accepted_at: Mapped[datetime | None]
    useful_count: Mapped[int] = mapped_column(default=0)
    acted_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_comments_thread", "insight_id", "path"),
        Index("ix_comments_parent", "parent_id"),
        Index("ix_comments_author", "author_id", "id"),
    )


class Revision(Base):
    """An earlier version of an insight or a comment, kept when its author edits it."""

    __tablename__ = "insight_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    insight_id: Mapped[int | None] = mapped_column(ForeignKey("insights.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_insight_revisions_insight", "insight_id", "id"),
        Index("ix_insight_revisions_comment", "comment_id", "id"),
    )


class Reaction(Base):
    """ "useful" or "acted_on", one of each per member per item. The impact signals: standing
    reads ``(member_id → recipient_id, kind, created_at)``; withdrawing deletes the row."""

    __tablename__ = "reactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    insight_id: Mapped[int | None] = mapped_column(ForeignKey("insights.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("member_id", "kind", "insight_id", name="uq_reactions_insight"),
        UniqueConstraint("member_id", "kind", "comment_id", name="uq_reactions_comment"),
        CheckConstraint("(insight_id IS NULL) <> (comment_id IS NULL)", name="one_target"),
        Index("ix_reactions_recipient", "recipient_id", "created_at"),
        Index("ix_reactions_insight", "insight_id"),
        Index("ix_reactions_comment", "comment_id"),
    )


class MemberFollow(Base):
    __tablename__ = "member_follows"

    follower_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    followed_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_member_follows_followed", "followed_id", "follower_id"),)


class TopicFollow(Base):
    __tablename__ = "topic_follows"

    follower_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_topic_follows_topic", "topic_id", "follower_id"),)


class FeedToken(Base):
    """The secret in a private network-feed URL. Only its SHA-256 is kept; revocable."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_feed_tokens_member", "member_id"),)


class Report(Base):
    __tablename__ = "insight_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    insight_id: Mapped[int | None] = mapped_column(ForeignKey("insights.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    resolution: Mapped[str | None] = mapped_column(String(12))

    __table_args__ = (Index("ix_insight_reports_open", "resolved_at", "id"),)
