"""Delivering one message over SMTP (smtplib), configured by ``SHAREWELL_SMTP_*``."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from sharewell.config import Settings


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver or raise (any exception counts as a failed attempt)."""


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise ValueError("SHAREWELL_SMTP_HOST is not set")
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.security = settings.smtp_security
        self.username = settings.smtp_username
        self.password = settings.smtp_password
        self.timeout = settings.smtp_timeout

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def transport_for(settings: Settings) -> Transport | None:
    """The configured transport, or None when mail goes to the outbox."""
    return SmtpTransport(settings) if settings.smtp_host else None
