"""Rate limiter (in-process, and Redis when SHAREWELL_TEST_REDIS_URL is set), job and mail
rules."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sharewell.config import Settings
from sharewell.errors import InvalidInput, RateLimited
from sharewell.jobs import rules as job_rules
from sharewell.mail import rules as mail_rules
from sharewell.ratelimit import (
    Limit,
    MemoryLimiter,
    NoLimiter,
    RedisLimiter,
    hit_all,
    key,
    limiter_for,
)

REDIS_ENV = "SHAREWELL_TEST_REDIS_URL"


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_memory_limiter_counts_per_window_and_says_when_to_retry() -> None:
    clock = Clock(1_000_020.0)
    limiter = MemoryLimiter(clock=clock)
    for _ in range(3):
        limiter.hit("k", 3, 60)
    with pytest.raises(RateLimited) as caught:
        limiter.hit("k", 3, 60)
    window_start = int(clock.t // 60) * 60
    assert caught.value.retry_after == window_start + 60 - int(clock.t)
    assert caught.value.status == 429
    limiter.hit("other", 3, 60)  # other keys are unaffected
    clock.t = window_start + 60  # the next window starts afresh
    limiter.hit("k", 3, 60)
    limiter.reset("k")
    for _ in range(3):
        limiter.hit("k", 3, 60)


def test_hit_all_counts_every_key_and_reports_the_longest_wait() -> None:
    limiter = MemoryLimiter(clock=Clock())
    checks = [("a", Limit(1, 60)), ("b", Limit(1, 3600))]
    hit_all(limiter, checks)
    with pytest.raises(RateLimited) as caught:
        hit_all(limiter, checks)
    assert caught.value.retry_after > 60


def test_keys_hash_the_value_and_settings_pick_the_backend() -> None:
    k = key("accounts", "signin", "account", "Ann@Example.org ")
    assert "ann" not in k.lower().split(":")[-1] and k == key(
        "accounts", "signin", "account", "ann@example.org"
    )
    assert isinstance(limiter_for(Settings(rate_limits=False)), NoLimiter)
    assert isinstance(limiter_for(Settings()), MemoryLimiter)
    unlimited = NoLimiter()
    for _ in range(1000):
        unlimited.hit("k", 1, 60)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(
            f"Redis rate-limit tests skipped: set {REDIS_ENV} (e.g. redis://127.0.0.1:6379/15)"
        )
    return url


def test_redis_limits_hold_across_processes(redis_url: str) -> None:
    name = f"test:{uuid.uuid4().hex}"
    script = (
        "import sys; from sharewell.ratelimit import RedisLimiter\n"
        "from sharewell.errors import RateLimited\n"
        "lim = RedisLimiter(sys.argv[1]); refused = 0\n"
        "for _ in range(3):\n"
        "    try: lim.hit(sys.argv[2], 4, 10**9)\n"
        "    except RateLimited: refused += 1\n"
        "print(refused)\n"
    )
    outs = [
        subprocess.run(
            [sys.executable, "-c", script, redis_url, name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    # 6 hits by two processes against a limit of 4: the second process is refused twice.
    # (A window of ~30 years: no window boundary can fall between the two processes.)
    assert outs == ["0", "2"]
    limiter = RedisLimiter(redis_url)
    with pytest.raises(RateLimited):
        limiter.hit(name, 4, 10**9)
    limiter.reset(name)
    limiter.hit(name, 4, 10**9)


def test_job_rules() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert job_rules.is_due(now, None, now)
    assert not job_rules.is_due(now + timedelta(seconds=1), None, now)
    assert not job_rules.is_due(now, now + timedelta(seconds=1), now)  # someone holds it
    assert job_rules.is_due(now, now, now)  # a lease that ran out is free
    assert job_rules.next_due(now, timedelta(hours=1), ok=True) == now + timedelta(hours=1)
    assert job_rules.next_due(now, timedelta(hours=1), ok=False) == now + timedelta(minutes=6)
    assert job_rules.next_due(now, timedelta(seconds=15), ok=False) == now + timedelta(seconds=15)
    assert len(job_rules.clip_detail("x" * 5000)) == job_rules.MAX_DETAIL


def test_mail_rules() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert mail_rules.after_failure(1, 3, now) == ("queued", now + timedelta(minutes=1))
    assert mail_rules.after_failure(2, 3, now) == ("queued", now + timedelta(minutes=2))
    assert mail_rules.after_failure(3, 3, now) == ("failed", now)
    assert mail_rules.retry_delay(30) == timedelta(hours=6)
    for bad in ("a@b.org, c@d.org", "x", "a@b.org\r\nBcc: e@f.org"):
        with pytest.raises(InvalidInput):
            mail_rules.check_address(bad)
    with pytest.raises(InvalidInput):
        mail_rules.check_header("", "subject")
    msg = mail_rules.compose(
        sender="Sharewell <no@x.org>",
        to="a@b.org",
        subject="Hi",
        body="Text\n",
        message_id_domain="x.org",
    )
    assert msg["From"] == "Sharewell <no@x.org>" and msg["Message-ID"].endswith("@x.org>")


def test_redis_limiter_fails_open_when_redis_is_unreachable() -> None:
    from tests.support import free_port

    limiter = RedisLimiter(f"redis://127.0.0.1:{free_port()}/0")
    for _ in range(3):
        limiter.hit("k", 1, 60)  # nothing listens there: allowed, logged
