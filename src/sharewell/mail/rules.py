"""Pure rules of outgoing mail: addresses, headers, when to try again."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from sharewell.errors import InvalidInput

STATUSES = ("queued", "sent", "failed", "outbox")
KEEP_SENT_DAYS = 30


def check_address(addr: str) -> str:
    value = addr.strip()
    _, parsed = parseaddr(value)
    if not parsed or "@" not in parsed or parsed != value or any(c in value for c in "\r\n,;"):
        raise InvalidInput(f"'{value[:80]}' is not a single mail address.", field="to")
    return value


def check_header(text: str, field: str) -> str:
    value = " ".join(text.split())
    if not value or len(value) > 200:
        raise InvalidInput(f"A mail {field} has 1 to 200 characters.", field=field)
    return value


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), timedelta(hours=6))


def after_failure(attempts: int, max_attempts: int, now: datetime) -> tuple[str, datetime]:
    """(new status, next attempt) after the ``attempts``-th failed attempt."""
    if attempts >= max_attempts:
        return "failed", now
    return "queued", now + retry_delay(attempts)


def compose(
    *, sender: str, to: str, subject: str, body: str, message_id_domain: str
) -> EmailMessage:
    msg = EmailMessage()
    name, addr = parseaddr(sender)
    msg["From"] = formataddr((name, addr)) if name else addr
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=message_id_domain or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    return msg
