"""The mail table: every message any area sends, queued in the sender's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sharewell.db import Base, utcnow


class MailMessage(Base):
    """``queued`` → ``sent`` (or ``failed`` after the last attempt) when SMTP is configured;
    ``outbox`` when it is not: the admin reads those with ``sharewell mail outbox``."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_mail_messages_status_next", "status", "next_attempt_at"),
        Index("ix_mail_messages_to", "to_addr"),
    )
