"""Read side of the mail area: the outbox and queue counts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharewell.errors import InvalidInput
from sharewell.mail import rules
from sharewell.mail.models import MailMessage
from sharewell.mail.schemas import MailOut, MailQueueStats


def _out(m: MailMessage) -> MailOut:
    return MailOut(
        id=m.id, kind=m.kind, to=m.to_addr, subject=m.subject, body=m.body, status=m.status,
        attempts=m.attempts, next_attempt_at=m.next_attempt_at, last_error=m.last_error,
        created_at=m.created_at, sent_at=m.sent_at,
    )  # fmt: skip


def list_messages(
    session: Session, *, status: str | None = None, to: str | None = None, limit: int = 20
) -> list[MailOut]:
    """Newest first."""
    if status is not None and status not in rules.STATUSES:
        raise InvalidInput(
            f"Status is one of {', '.join(rules.STATUSES)}, not '{status[:20]}'.", field="status"
        )
    query = select(MailMessage).order_by(MailMessage.id.desc()).limit(max(1, min(limit, 500)))
    if status:
        query = query.where(MailMessage.status == status)
    if to:
        query = query.where(MailMessage.to_addr == to.strip().lower())
    return [_out(m) for m in session.scalars(query)]


def queue_stats(session: Session) -> MailQueueStats:
    rows = session.execute(
        select(MailMessage.status, func.count()).group_by(MailMessage.status)
    ).all()
    return MailQueueStats(**{status: int(n) for status, n in rows if status in rules.STATUSES})
