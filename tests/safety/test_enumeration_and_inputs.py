"""No account enumeration, and no mass assignment.

Sign-up, sign-in, password reset, verification mail and opt-out answer alike for a known and
an unknown address (status and body). Timing is asserted structurally rather than with a
clock: both paths do the same password-hash work, which dominates the answer's time.

Every JSON input refuses fields it does not declare (422, nothing changed): owner ids,
visibility bypasses, balances, standing, admin flags cannot be slipped into a write.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from sharewell.members import passwords
from sharewell.members.models import Member
from tests.factories import Members, auth

UNKNOWN = "nobody-here@unknown.example"


def _same(response: Response, typed: str) -> tuple[int, str, str]:
    """An answer without the parts that differ between any two requests (request ids, CSRF
    tokens) and with the address the person typed, which a page may echo back, masked."""
    location = response.headers.get("location", "")
    text = response.text + location
    for echo in (typed, quote(typed), quote(typed, safe="")):
        text = text.replace(echo, "<typed>")
    text = re.sub(r'"request_id":\s*"[^"]*"', "", text)
    text = re.sub(r'"X-CSRF-Token":\s*"[^"]*"', "", text)
    text = re.sub(r'(value|content)="[^"]{20,}"', "", text)
    return response.status_code, text, ""


@pytest.fixture
def known(members: Members) -> Member:
    return members.create("Known Person")


@pytest.fixture
def hash_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Counts argon2 hash and verify calls: the work that dominates these answers' time."""
    calls: list[str] = []
    real = passwords._hasher

    class Counting:
        def hash(self, password: str) -> str:
            calls.append("hash")
            return real.hash(password)

        def verify(self, stored: str, password: str) -> bool:
            calls.append("verify")
            return real.verify(stored, password)

        def check_needs_rehash(self, stored: str) -> bool:
            return real.check_needs_rehash(stored)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    yield calls


API_CASES = {
    "sign-up": lambda email: (
        "/api/v1/auth/signup",
        {"json": {"email": email, "password": "a long enough password", "display_name": "X Y"}},
    ),
    "password reset": lambda email: ("/api/v1/auth/password-reset", {"json": {"email": email}}),
    "verification mail": lambda email: (
        "/api/v1/auth/verify-email/resend",
        {"json": {"email": email}},
    ),
    "opt-out": lambda email: ("/api/v1/optouts", {"json": {"identifier": email}}),
    "sign-in": lambda email: (
        "/api/v1/auth/token",
        {"data": {"username": email, "password": "wrong password here"}},
    ),
}


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_api_answers_alike_for_known_and_unknown_addresses(
    case: str, client: TestClient, known: Member, hash_calls: list[str]
) -> None:
    answers, work = [], []
    for email in (known.email, UNKNOWN):
        path, kwargs = API_CASES[case](email)
        hash_calls.clear()
        answers.append(_same(client.post(path, **kwargs), email))  # type: ignore[arg-type]
        work.append(sorted(hash_calls))
    assert answers[0] == answers[1], f"{case} tells a known address from an unknown one"
    assert answers[0][0] < 500
    assert work[0] == work[1], f"{case}: password-hash work differs: {work}"


WEB_CASES = {
    "sign-up": (
        "/signup",
        lambda email: {"email": email, "password": "a long enough password", "display_name": "Xy"},
    ),
    "sign-in": ("/signin", lambda email: {"email": email, "password": "wrong password here"}),
    "password reset": ("/reset-password", lambda email: {"email": email}),
    "verification mail": ("/verify-email/resend", lambda email: {"email": email}),
    "opt-out": ("/optout", lambda email: {"identifier": email}),
}


@pytest.mark.parametrize("case", sorted(WEB_CASES))
def test_pages_answer_alike_for_known_and_unknown_addresses(
    case: str, app: FastAPI, known: Member, hash_calls: list[str]
) -> None:
    path, form = WEB_CASES[case]
    answers, work = [], []
    for email in (known.email, UNKNOWN):
        browser = TestClient(app, raise_server_exceptions=False)
        page = browser.get(path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, f"{path} has no form"
        hash_calls.clear()
        response = browser.post(
            path, data={**form(email), "csrf_token": token.group(1)}, follow_redirects=False
        )
        answers.append(_same(response, email))
        work.append(sorted(hash_calls))
    assert answers[0] == answers[1], f"{case} page tells a known address from an unknown one"
    assert work[0] == work[1], f"{case}: password-hash work differs: {work}"


# Fields a member must never set on their own writes, whatever the route.
FORBIDDEN_FIELDS = {
    "holder_id": 1,
    "owner_id": 1,
    "member_id": 1,
    "author_id": 1,
    "is_admin": True,
    "balance": 10**6,
    "standing": 99.0,
    "score": 99.0,
    "email_verified_at": "2020-01-01T00:00:00Z",
    "suspended_at": None,
    "bypass_visibility": True,
}


def test_every_json_input_refuses_undeclared_fields(app: FastAPI) -> None:
    """Structural: every JSON request body in the OpenAPI document is closed
    (``additionalProperties: false``, i.e. ``extra="forbid"``)."""
    schema = app.openapi()
    components = schema["components"]["schemas"]
    open_bodies = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            if body is None:
                continue
            name = body.get("$ref", "").rsplit("/", 1)[-1]
            model = components.get(name, body)
            if (
                model.get("type", "object") == "object"
                and model.get("additionalProperties") is not False
            ):
                open_bodies.append(f"{method.upper()} {path} ({name})")
    assert not open_bodies, f"inputs that accept undeclared fields: {open_bodies}"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("PATCH", "/api/v1/me", {"display_name": "New Name"}),
        ("POST", "/api/v1/contacts", {"full_name": "Some One"}),
        ("POST", "/api/v1/insights", {"kind": "insight", "title": "t"}),
        (
            "POST",
            "/api/v1/ledger/pledges",
            {"amount": 1, "subject_kind": "opportunity", "subject_ref": "x"},
        ),
        ("POST", "/api/v1/search/saved", {"name": "s", "q": "x"}),
        ("PUT", "/api/v1/contacts/settings", {"default_visibility": "private"}),
    ],
)
def test_writes_refuse_owner_admin_balance_and_standing_fields(
    method: str, path: str, body: dict[str, object], client: TestClient, members: Members,
    db: Session,
) -> None:  # fmt: skip
    member = members.create("Writer Person")
    token = members.token(member)
    for field, value in FORBIDDEN_FIELDS.items():
        response = client.request(method, path, json={**body, field: value}, headers=auth(token))
        assert response.status_code == 422, (path, field, response.text)
        assert field in response.text, "the answer names the field to remove"
    db.refresh(member)
    assert not member.is_admin
    assert member.display_name == "Writer Person"
