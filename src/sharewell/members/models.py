"""Tables of the members area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharewell.db import Base, utcnow


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(30), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    email_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(100))
    headline: Mapped[str] = mapped_column(String(160), default="")
    bio_md: Mapped[str] = mapped_column(Text, default="")
    bio_html: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(100), default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    suspended_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    topics: Mapped[list[Topic]] = relationship(
        secondary="member_topics", order_by="Topic.slug", lazy="selectin"
    )
    items: Mapped[list[ProfileItem]] = relationship(
        order_by="ProfileItem.position", cascade="all, delete-orphan", lazy="selectin"
    )
    links: Mapped[list[ProfileLink]] = relationship(
        order_by="ProfileLink.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        # Only suspended members are in it, so reading them all (standing_of, per search and
        # path query) is a tiny index-only read, not a scan of every member.
        Index(
            "ix_members_suspended",
            "suspended_at",
            sqlite_where=text("suspended_at IS NOT NULL"),
            postgresql_where=text("suspended_at IS NOT NULL"),
        ),
    )

    @property
    def is_active(self) -> bool:
        return self.suspended_at is None


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(60))


class MemberTopic(Base):
    __tablename__ = "member_topics"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_member_topics_topic", "topic_id", "member_id"),)


class ProfileItem(Base):
    """An offer ("I can help with") or an ask ("I'm looking for") on a profile."""

    __tablename__ = "profile_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # "offer" | "ask"
    text: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_profile_items_member", "member_id", "kind"),)


class ProfileLink(Base):
    __tablename__ = "profile_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(60))
    url: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_profile_links_member", "member_id"),)


class ApiToken(Base):
    """A personal API token. Only a SHA-256 of the secret is stored; the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so members can tell them apart
    scope: Mapped[str] = mapped_column(String(10), default="write")  # "read" | "write"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_api_tokens_member", "member_id"),)


class WebSession(Base):
    """A signed-in browser. The cookie carries a random secret; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_web_sessions_member", "member_id"),)


class MemberBlock(Base):
    """``blocker`` no longer sees ``blocked``'s items and ``blocked`` cannot reply to them.
    Kept in the members area because insights, the network and introductions all honour it."""

    __tablename__ = "member_blocks"

    blocker_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_member_blocks_blocked", "blocked_id", "blocker_id"),)
