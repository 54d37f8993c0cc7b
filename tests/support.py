"""Real local servers the accounts tests talk to: an SMTP server (aiosmtpd) and an OpenID
Connect provider (oidc-provider-mock), each on a free loopback port."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def link_in(text: str, path: str) -> str:
    found = re.search(rf"https?://\S+{re.escape(path)}\?token=(\S+)", text)
    assert found, f"no {path} link in: {text}"
    return found.group(1)


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def oidc_dance(
    client: TestClient, provider_url: str, sub: str, start: str, claims: dict[str, Any] | None
) -> httpx.Response:
    """Start at Sharewell, "log in" at the real provider as ``sub``, come back to the callback."""
    if claims is not None:
        r = httpx.put(f"{provider_url}/users/{sub}", json=claims)
        assert r.status_code == 204, r.text
    r = client.get(start, follow_redirects=False)
    assert r.status_code == 303, r.text
    authorize = r.headers["location"]
    assert authorize.startswith(provider_url)
    r = httpx.post(authorize, data={"sub": sub}, follow_redirects=False)
    assert r.status_code == 302, r.text
    back = urlsplit(r.headers["location"])
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)
