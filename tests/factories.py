"""Test data factories: members with sensible defaults, tokens and signed-in clients."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sharewell.members import service
from sharewell.members.models import Member
from sharewell.members.schemas import ProfileUpdate, SignUpIn

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@dataclass
class Members:
    db: Session

    def create(self, name: str | None = None, *, admin: bool = False, **profile: object) -> Member:
        n = next(_seq)
        name = name or f"Member {n}"
        member = service.sign_up(
            self.db,
            SignUpIn(
                email=f"member{n}-{id(self)}@example.org", password=PASSWORD, display_name=name
            ),
            password_hash=_PASSWORD_HASH,
        )
        assert member is not None
        member.is_admin = admin
        if profile:
            service.update_profile(self.db, member, ProfileUpdate(**profile))  # type: ignore[arg-type]
        # Committed (to the test's savepoint) like data that existed before a request, so a
        # request that fails and rolls back does not take the fixture data with it.
        self.db.commit()
        return member

    def token(self, member: Member, scope: str = "write") -> str:
        _, secret = service.create_api_token(
            self.db, member, name="test", scope=scope, lifetime=timedelta(days=1)
        )
        self.db.commit()
        return secret


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def web_sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_from(page.text),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


from sharewell.members.passwords import hash_password  # noqa: E402 - hashed once per run

_PASSWORD_HASH = hash_password(PASSWORD)
