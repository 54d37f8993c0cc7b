"""Abuse limits: searches, shared-entry displays, introduction requests, comments and
invitations are counted per member and per client address; over the allowance the answer is
429 with Retry-After. With Redis the counts are shared by every worker process: two app
instances (two workers) draw on one allowance."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sharewell.abuse import COUNTED_PER_MEMBER_ELSEWHERE
from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.deps import get_db
from sharewell.ratelimit import MemoryLimiter, RedisLimiter
from tests.factories import Members, auth

REDIS_ENV = "SHAREWELL_TEST_REDIS_URL"
ALLOWANCE = 3

# action -> (method, path) of one API request that counts it; the body is left empty: the
# limit is counted before the request is read, whatever the answer would have been.
ACTIONS: dict[str, tuple[str, str]] = {
    "search": ("GET", "/api/v1/search?q=engineer"),
    "display": ("GET", "/api/v1/members/{handle}/knows"),
    "intro": ("POST", "/api/v1/intros"),
    "comment": ("POST", "/api/v1/insights/no-such-insight/comments"),
    "invite": ("POST", "/api/v1/me/invitations"),
}


def frozen_clock() -> float:
    """One instant for the whole test: the counts are what is tested, not where a fixed
    window happens to end (a slow run crossing a minute boundary used to reset the search
    count halfway and fail); window roll-over has its own tests in tests/unit."""
    return 1_800_000_030.0  # mid-window for every window length used here


@pytest.fixture(params=["memory", "redis"])
def limiter_factory(request: pytest.FixtureRequest) -> Callable[[], object]:
    if request.param == "memory":
        return lambda: MemoryLimiter(clock=frozen_clock)
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"Redis leg skipped: set {REDIS_ENV} to run it")
    prefix = f"sw:test:{uuid.uuid4().hex}:"  # counts of earlier runs never reach this one
    shared = RedisLimiter(url, prefix=prefix, clock=frozen_clock)
    return lambda: shared  # every "worker" talks to the same Redis


@pytest.fixture
def make_app(
    engine: Engine, db: Session, settings: Settings, limiter_factory: Callable[[], object]
) -> Iterator[Callable[[], FastAPI]]:
    limited = settings.model_copy(
        update={
            "search_per_minute": ALLOWANCE,
            "display_quota_hour": ALLOWANCE,
            "intro_requests_per_hour": ALLOWANCE,
            "comments_per_hour": ALLOWANCE,
            "invitations_per_day": ALLOWANCE,
            "abuse_address_factor": 2,
        }
    )

    def test_db() -> Iterator[Session]:
        yield db
        db.commit()

    def make() -> FastAPI:
        app = create_app(limited, engine=engine)
        app.dependency_overrides[get_db] = test_db
        app.state.limiter = limiter_factory()
        return app

    yield make


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_is_limited_per_member_and_per_address(
    action: str, make_app: Callable[[], FastAPI], members: Members
) -> None:
    method, template = ACTIONS[action]
    holder = members.create("Holder Person")
    path = template.replace("{handle}", holder.handle)
    first, second, third = (members.create() for _ in range(3))
    office = ("203.0.113.7", 1000)
    worker_a = TestClient(make_app(), client=office)
    worker_b = TestClient(make_app(), client=office)
    shared = isinstance(worker_a.app.state.limiter, RedisLimiter)  # type: ignore[attr-defined]
    # With Redis a member alternating between two workers draws on one allowance; in memory
    # each process counts on its own (documented), so that leg stays on one worker.
    workers = [worker_a, worker_b] if shared else [worker_b, worker_b]

    def send(client: TestClient, who: object) -> Response:
        body = {"json": {}} if method == "POST" else {}
        return client.request(method, path, headers=auth(members.token(who)), **body)  # type: ignore[arg-type]

    if action not in COUNTED_PER_MEMBER_ELSEWHERE:  # else the display quota / intro service
        statuses = [send(workers[i % 2], first).status_code for i in range(ALLOWANCE)]
        assert 429 not in statuses and all(s < 500 for s in statuses), statuses
        refused = send(workers[ALLOWANCE % 2], first)
        assert refused.status_code == 429, refused.text
        assert int(refused.headers["retry-after"]) >= 1
        assert "Wait" in refused.json()["detail"]
        # Another member at the same address still has their own allowance.
        assert send(worker_b, second).status_code != 429

    # One member each, all from one address: past the address's allowance (twice a
    # member's here), a member who has done nothing yet is refused there…
    for i in range(2 * ALLOWANCE):
        send(workers[i % 2], members.create())
    assert send(worker_b, third).status_code == 429
    # …and not elsewhere.
    elsewhere = TestClient(worker_b.app, client=("198.51.100.9", 1000))
    assert send(elsewhere, members.create()).status_code != 429
