"""Outgoing mail for every area: ``queue()`` in the caller's transaction, so a message exists
exactly when the action that sends it committed; the ``mail.deliver`` job sends it."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.mail import rules
from sharewell.mail.models import MailMessage
from sharewell.mail.transport import Transport


def queue(
    session: Session, settings: Settings, *, to: str, subject: str, body: str, kind: str
) -> MailMessage:
    message = MailMessage(
        kind=kind[:40],
        to_addr=rules.check_address(to),
        subject=rules.check_header(subject, "subject"),
        body=body,
        status="queued" if settings.smtp_host else "outbox",
        next_attempt_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def due_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    return list(
        session.scalars(
            select(MailMessage.id)
            .where(MailMessage.status == "queued", MailMessage.next_attempt_at <= now)
            .order_by(MailMessage.next_attempt_at, MailMessage.id)
            .limit(limit)
        )
    )


def deliver_one(
    session: Session, settings: Settings, transport: Transport, message_id: int, now: datetime
) -> str:
    """Try to send one queued message; returns the outcome (sent, retry, failed, skipped).

    The caller commits right after, one message per transaction: a crash between the SMTP
    answer and the commit sends that one message again (at least once, never lost)."""
    message = session.get(MailMessage, message_id)
    if message is None or message.status != "queued":
        return "skipped"  # already handled by an earlier (interrupted) run
    sender_domain = urlsplit(settings.base_url).hostname or "sharewell.invalid"
    email = rules.compose(
        sender=settings.mail_from, to=message.to_addr, subject=message.subject,
        body=message.body, message_id_domain=sender_domain,
    )  # fmt: skip
    message.attempts += 1
    try:
        transport.send(email)
    except Exception as exc:  # any SMTP or network error is one failed attempt
        message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        message.status, message.next_attempt_at = rules.after_failure(
            message.attempts, settings.mail_max_attempts, now
        )
        return "failed" if message.status == "failed" else "retry"
    message.status = "sent"
    message.sent_at = now
    message.last_error = ""
    return "sent"


def retry_failed(session: Session, now: datetime) -> int:
    """Give failed messages a fresh set of attempts (after fixing the SMTP settings)."""
    result = session.execute(
        update(MailMessage)
        .where(MailMessage.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=now, last_error="")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def prune(session: Session, now: datetime, keep_days: int = rules.KEEP_SENT_DAYS) -> int:
    """Forget sent and outbox messages older than the retention (they hold sign-in links)."""
    result = session.execute(
        delete(MailMessage)
        .where(MailMessage.status.in_(("sent", "outbox")))
        .where(MailMessage.created_at < now - timedelta(days=keep_days))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
