"""The authorization matrix: every route (the OpenAPI document's and every page) walked as
nobody, another member, the owner and an admin, against ``tests/safety/matrix.py``.

Objects a caller may not see must answer exactly like objects that do not exist. Every row
runs inside a savepoint that is rolled back, so the owner's and the admin's writes (a delete,
a suspension) never change what the next row sees. The answers are also searched for the
world's canaries: no private, counted or blind contact's details may reach anyone but the
owner, in a response or a log line.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from httpx import Response

from tests.routes import all_routes
from tests.safety.conftest import Harness
from tests.safety.matrix import HIDDEN, LOGIN, OK, ROLES, ROWS, Row
from tests.safety.world import ALL_CANARIES, canaries

SKIP_METHODS = {"HEAD", "OPTIONS"}


def declared_routes() -> set[str]:
    return {r.key for r in ROWS}


def served_routes(harness: Harness) -> set[str]:
    return {f"{m} {r.path}" for r in all_routes(harness.app) for m in r.methods - SKIP_METHODS}


def concrete(row: Row, values: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[row.params.get(name, name)]

    path = re.sub(r"{(\w+)}", sub, row.path)
    return f"{path}?{row.query}" if row.query else path


def _shape(response: Response, ids: dict[str, str]) -> object:
    """An answer without what differs between two requests (request ids, CSRF tokens, the
    id the caller typed, which a page may echo back in a form's action)."""
    text = response.text
    for typed, placeholder in ids.items():
        text = text.replace(typed, placeholder)
    if response.headers.get("content-type", "").startswith("application/"):
        try:
            body = json.loads(text)
        except ValueError:
            return text
        if isinstance(body, dict):
            body.pop("request_id", None)
            body.pop("instance", None)
        return body
    text = re.sub(r'(value|content)="[^"]{20,}"', "", text)
    return re.sub(r"[0-9a-f]{16}", "", text)


def check(harness: Harness, row: Row, role: str, response: Response) -> str | None:
    expect = row.expect[role]
    status = response.status_code
    is_api = row.path.startswith("/api/")
    got = f"{role} got {status}: {response.text[:200]!r}"
    if status >= 500:
        return got
    if expect == OK:
        if row.method == "GET":
            return None if status == 200 else got
        return None if status not in (401, 403, 404) else got
    if expect == LOGIN:
        if is_api:
            return None if status == 401 else got
        location = response.headers.get("location", "")
        return None if status == 303 and location.startswith("/signin") else got
    if expect == HIDDEN:
        # 404, or the 422 a request body gets before any lookup: either way the very answer
        # an id that names nothing gets.
        if status not in (404, 422):
            return got
        twin = harness.request(role, row.method, concrete(row, harness.world.missing))
        assert isinstance(twin, Response)
        # Only ids long enough not to occur by chance are masked (not "3", say).
        used = [
            k
            for k, v in harness.world.params.items()
            if (k in row.path or k in row.params.values()) and len(v) >= 8
        ]
        real = {harness.world.params[k]: f"<{k}>" for k in used}
        fake = {harness.world.missing[k]: f"<{k}>" for k in used}
        if twin.status_code != status or _shape(twin, fake) != _shape(response, real):
            return f"{role}: a hidden object answers unlike a missing one ({status} vs {twin.status_code})"
        return None
    if isinstance(expect, int):
        return None if status == expect else got
    raise AssertionError(f"unknown expectation {expect!r}")


def leaks(role: str, response: Response) -> list[str]:
    if role == "owner":
        return []
    body = response.text
    return [c for c in ALL_CANARIES if c in body]


def test_every_route_has_a_row(harness: Harness) -> None:
    missing = sorted(served_routes(harness) - declared_routes())
    stale = sorted(declared_routes() - served_routes(harness))
    assert not missing, "routes without a row in tests/safety/matrix.py; add e.g.:\n" + "\n".join(
        f'    member("{m}"),' for m in missing
    )
    assert not stale, f"rows for routes that no longer exist: {stale}"
    assert len({r.key for r in ROWS}) == len(ROWS), "a route has two rows"


def test_authorization_matrix(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    problems: list[str] = []
    checked = 0
    for row in ROWS:
        path = concrete(row, harness.world.params)
        savepoint = harness.connection.begin_nested()
        try:
            for role in ROLES:
                response = harness.request(role, row.method, path)
                assert isinstance(response, Response)
                checked += 1
                if harness.connection.get_nested_transaction() is not savepoint:
                    problems.append(f"{row.key}: {role}'s request left a transaction open")
                problem = check(harness, row, role, response)
                if problem:
                    problems.append(f"{row.key}: {problem}")
                for leaked in leaks(role, response):
                    problems.append(f"{row.key}: {leaked!r} leaked to {role}")
        finally:
            savepoint.rollback()
    print(f"\nauthorization matrix: {len(ROWS)} routes x {len(ROLES)} roles = {checked} checks")
    logs = "\n".join(r.getMessage() for r in caplog.records)
    problems += [f"log line carries {c!r}" for c in ALL_CANARIES if c in logs]
    assert checked == len(ROWS) * len(ROLES)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_owner_sees_their_own_details(harness: Harness) -> None:
    """The canaries are real: the holder's own view carries them (else the leak check is
    vacuous)."""
    contact = harness.world.params["contact_id"]
    response = harness.request("owner", "GET", f"/api/v1/contacts/{contact}")
    assert isinstance(response, Response)
    assert response.status_code == 200
    for canary in canaries("private"):
        assert canary in response.text or canary.startswith("4155550"), canary
