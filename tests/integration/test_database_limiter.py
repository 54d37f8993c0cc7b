"""Rate limits without Redis: on PostgreSQL every worker counts in the database, so a limit
holds however requests are spread over processes; SQLite (one process) counts in memory."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine

from sharewell.config import Settings
from sharewell.errors import RateLimited
from sharewell.ratelimit import DatabaseLimiter, MemoryLimiter, limiter_for


def test_the_limiter_follows_the_database(engine: Engine) -> None:
    limiter = limiter_for(Settings(env="test", redis_url=None), engine)
    expected = DatabaseLimiter if engine.dialect.name == "postgresql" else MemoryLimiter
    assert isinstance(limiter, expected)


def test_two_limiters_on_one_database_share_the_count(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the database limiter is for PostgreSQL (SQLite runs one process)")
    key = f"test:signin:ip:{uuid.uuid4().hex}"

    def clock() -> float:
        return 1_800_000_030.0  # one window throughout: a minute boundary would reset the count

    # Two worker processes.
    first, second = DatabaseLimiter(engine, clock=clock), DatabaseLimiter(engine, clock=clock)
    for n in range(4):
        (first if n % 2 else second).hit(key, 5, 60)
    first.hit(key, 5, 60)  # the fifth, across both: still allowed
    with pytest.raises(RateLimited) as refused:
        second.hit(key, 5, 60)
    assert 1 <= refused.value.retry_after <= 60
    first.reset(key)
    second.hit(key, 5, 60)  # a reset (e.g. after a good sign-in) frees the key everywhere
    other = f"test:signin:ip:{uuid.uuid4().hex}"
    second.hit(other, 1, 60)  # another key has its own count
