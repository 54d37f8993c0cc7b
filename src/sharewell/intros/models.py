"""Tables of introductions: one row per request, one per hop, the audit timeline, signed
links for non-member targets, outcomes, the private thread, and in-app notifications.

Privacy: a non-member target's name, email and phone stay in the last connector's contact
book. They are copied into ``intros.target_details`` only at acceptance (that copy *is* the
consented exchange) and shown only to the requester; nothing before acceptance carries them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharewell.db import Base, utcnow


class Intro(Base):
    __tablename__ = "intros"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # member | card | aggregate | offer (an intro_offer comment: the holder picks anyone)
    target_kind: Mapped[str] = mapped_column(String(10))
    target_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    # The contact in the last connector's book (a card's, or the one picked for an aggregate).
    target_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    target_filter: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # What everyone on the chain may read about the target: a member's name, a card's
    # description as its holder shares it, or an aggregate's description. Never a hidden field.
    target_description: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(12), default="requested")
    current_hop: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=0)  # bumped by every locked change
    why: Mapped[str] = mapped_column(Text, default="")
    offer: Mapped[str] = mapped_column(Text, default="")
    source_kind: Mapped[str] = mapped_column(String(12), default="path")
    source_ref: Mapped[str] = mapped_column(String(40), default="")
    topic_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_pledges.id"))
    # Chosen contact details, shown to the other end only after acceptance.
    requester_contact: Mapped[str] = mapped_column(String(300), default="")
    target_details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    consent_method: Mapped[str | None] = mapped_column(String(10))  # member | link | attested
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    decline_reason_shared: Mapped[bool] = mapped_column(default=False)
    declined_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    target_left_thread: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    hops: Mapped[list[IntroHop]] = relationship(order_by="IntroHop.position", lazy="selectin")

    __table_args__ = (
        Index("ix_intros_requester", "requester_id", "state"),
        Index("ix_intros_target_member", "target_member_id", "state"),
        Index("ix_intros_state_expires", "state", "expires_at"),
        Index("ix_intros_accepted_at", "accepted_at"),
    )


class IntroHop(Base):
    """One connector on the chain (position 0 is next to the requester), with its own state."""

    __tablename__ = "intro_hops"

    id: Mapped[int] = mapped_column(primary_key=True)
    intro_id: Mapped[int] = mapped_column(ForeignKey("intros.id", ondelete="CASCADE"))
    position: Mapped[int]
    connector_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    note: Mapped[str] = mapped_column(Text, default="")  # passed on with the request
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    acted_at: Mapped[datetime | None]
    left_thread: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        UniqueConstraint("intro_id", "position", name="uq_intro_hops_position"),
        Index("ix_intro_hops_connector", "connector_id", "state"),
    )


class IntroEvent(Base):
    """The audit trail and the timeline: one row per step, never updated.

    ``audience``: ``all`` (every participant), ``requester`` (the requester and the actor),
    ``actor`` (only the one who acted, e.g. a decline reason not shared)."""

    __tablename__ = "intro_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    intro_id: Mapped[int] = mapped_column(ForeignKey("intros.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(String(10), default="all")

    __table_args__ = (Index("ix_intro_events_intro", "intro_id", "id"),)


class IntroToken(Base):
    """A signed, single-use, expiring link for a non-member target: consent to the
    introduction (``consent``) or confirmation of an outcome (``outcome``). SHA-256 only."""

    __tablename__ = "intro_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    intro_id: Mapped[int] = mapped_column(ForeignKey("intros.id", ondelete="CASCADE"))
    outcome_id: Mapped[int | None] = mapped_column(
        ForeignKey("intro_outcomes.id", ondelete="CASCADE")
    )
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_intro_tokens_intro", "intro_id"),)


class IntroOutcome(Base):
    """What came of an accepted introduction; counts once both ends confirmed it."""

    __tablename__ = "intro_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    intro_id: Mapped[int] = mapped_column(ForeignKey("intros.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="proposed")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    requester_confirmed_at: Mapped[datetime | None]
    target_confirmed_at: Mapped[datetime | None]
    target_confirm_method: Mapped[str | None] = mapped_column(String(10))  # member|link|attested
    attested: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    disputed_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    fell_off_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("intro_id", "kind", name="uq_intro_outcomes_kind"),
        Index("ix_intro_outcomes_state", "state", "target_confirmed_at"),
        Index("ix_intro_outcomes_confirmed", "confirmed_at"),
    )


class IntroMessage(Base):
    """The private thread opened at acceptance (requester, member target, connectors who
    stayed)."""

    __tablename__ = "intro_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    intro_id: Mapped[int] = mapped_column(ForeignKey("intros.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_intro_messages_intro", "intro_id", "id"),)


class Notification(Base):
    """The in-app inbox: one row per step someone should hear about."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_notifications_member", "member_id", "read_at", "id"),
        Index("ix_notifications_mail", "mailed_at", "member_id"),
    )


class NotificationSettings(Base):
    """How a member hears of new notifications by mail: each, daily (digest) or off."""

    __tablename__ = "notification_settings"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    mail: Mapped[str] = mapped_column(String(8), default="each")
