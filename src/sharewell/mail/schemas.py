"""Shapes of the mail area."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class MailOut(BaseModel):
    id: int
    kind: str
    to: str
    subject: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class MailQueueStats(BaseModel):
    queued: int = 0
    sent: int = 0
    failed: int = 0
    outbox: int = 0
