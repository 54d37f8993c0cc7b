"""Tables of the privacy area: erasure requests from people who are not members, the record
of erased members, and notices sent to people whose contact entry was shared."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sharewell.db import Base, utcnow


class ErasureRequest(Base):
    """A non-member's request to be erased from every contact book.

    ``email`` requests are confirmed by a signed, single-use, expiring link mailed to the
    address: only a keyed hash of the address (``key_hash``) and of the link's nonce are kept.
    ``phone`` and ``linkedin`` requests are handled by an administrator, who must see the
    identifier and a reply address; both are wiped (``""``) as soon as the request is handled.
    """

    __tablename__ = "privacy_erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # email | phone | linkedin
    key_hash: Mapped[str] = mapped_column(String(64))
    nonce_hash: Mapped[str] = mapped_column(String(64), default="")
    identifier: Mapped[str] = mapped_column(String(300), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|done|rejected
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_privacy_erasure_requests_status", "status", "created_at"),
        Index("ix_privacy_erasure_requests_key", "key_hash"),
    )


class MemberErasure(Base):
    """A member who deleted their account. The ``members`` row stays as an anonymous
    tombstone (``A former member``) because ledger entries, kept so the books balance, point
    at it; this row records when and how the erasure ran."""

    __tablename__ = "privacy_member_erasures"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), primary_key=True
    )
    content: Mapped[str] = mapped_column(String(10))  # anonymize | remove
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactNotice(Base):
    """The notice owed (``pending``), sent (``sent``) or not wanted (``skipped``) to the person
    behind a contact entry that was first shared beyond private. One per contact: a contact is
    shared "for the first time" exactly once."""

    __tablename__ = "privacy_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), unique=True
    )
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_privacy_notices_holder", "holder_id", "status", "sent_at"),
        Index("ix_privacy_notices_status", "status", "id"),
    )
