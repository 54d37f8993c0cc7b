"""Mail on SQLite and PostgreSQL, delivered to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from tests.support import body_of, free_port, smtp_server

from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.errors import InvalidInput
from sharewell.mail import queries, service
from sharewell.mail.transport import SmtpTransport, transport_for


def smtp_settings(settings: Settings, port: int, attempts: int = 3) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
            "smtp_timeout": 5.0,
            "mail_max_attempts": attempts,
        }
    )


def test_without_smtp_mail_goes_to_the_outbox(db: Session, settings: Settings) -> None:
    assert transport_for(settings) is None
    service.queue(db, settings, to="a@example.org", subject="Hello", body="Hi\n", kind="test")
    (message,) = queries.list_messages(db, to="a@example.org")
    assert message.status == "outbox" and message.body == "Hi\n"
    assert queries.queue_stats(db).outbox >= 1
    with pytest.raises(InvalidInput):
        service.queue(db, settings, to="a@x.org, b@y.org", subject="x", body="", kind="test")
    with pytest.raises(InvalidInput):
        queries.list_messages(db, status="lost")


def test_delivery_retries_until_the_server_answers_and_loses_nothing(
    db: Session, settings: Settings
) -> None:
    port = free_port()  # nothing listens here yet
    conf = smtp_settings(settings, port)
    message = service.queue(
        db, conf, to="b@example.org", subject="Retry me", body="Body\n", kind="test"
    )
    now = utcnow()
    assert service.deliver_one(db, conf, SmtpTransport(conf), message.id, now) == "retry"
    assert message.status == "queued" and message.attempts == 1 and message.last_error
    assert message.id not in service.due_ids(db, now)  # waits before the next attempt
    later = message.next_attempt_at
    assert message.id in service.due_ids(db, later)
    with smtp_server(port) as (_, inbox):
        assert service.deliver_one(db, conf, SmtpTransport(conf), message.id, later) == "sent"
    assert message.status == "sent" and message.sent_at == later
    (received,) = inbox.messages
    assert received["Subject"] == "Retry me" and received["To"] == "b@example.org"
    assert body_of(received).strip() == "Body"
    # Sent is sent: a repeated (interrupted) run skips it.
    assert service.deliver_one(db, conf, SmtpTransport(conf), message.id, later) == "skipped"


def test_after_the_last_attempt_a_message_is_failed_and_can_be_retried(
    db: Session, settings: Settings
) -> None:
    conf = smtp_settings(settings, free_port(), attempts=2)
    message = service.queue(db, conf, to="c@example.org", subject="Doomed", body="x", kind="test")
    now = utcnow()
    assert service.deliver_one(db, conf, SmtpTransport(conf), message.id, now) == "retry"
    assert service.deliver_one(db, conf, SmtpTransport(conf), message.id, now) == "failed"
    assert message.status == "failed"
    assert service.retry_failed(db, now) >= 1
    assert message.status == "failed"  # the ORM copy is stale; the row is queued again:
    db.expire(message)
    assert message.status == "queued" and message.attempts == 0
    assert service.prune(db, now + timedelta(days=31)) >= 0
