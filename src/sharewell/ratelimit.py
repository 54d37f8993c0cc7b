"""Rate limits: one small facility every area reuses.

``limiter.hit(key, limit, window)`` counts one event for ``key`` in a fixed window of
``window`` seconds and raises :class:`~sharewell.errors.RateLimited` (with ``retry_after``)
once more than ``limit`` events fall in the current window. Keys are plain strings; by
convention ``"<area>:<action>:<what>:<value>"``, e.g. ``"accounts:signin:ip:203.0.113.9"``.

Three backends behind one interface:

* :class:`RedisLimiter` when ``SHAREWELL_REDIS_URL`` is set: ``INCR`` + ``EXPIRE`` in one
  pipeline, so every worker process (and machine) shares the same counts. If Redis cannot be
  reached the limiter lets requests through and logs a warning (fail open).
* :class:`DatabaseLimiter` on PostgreSQL without Redis: one upsert per hit into
  ``rate_limit_counters``, in its own short transaction (a refused request rolls its own work
  back, never the count), so every worker and machine on that database shares the counts.
* :class:`MemoryLimiter` otherwise (SQLite, the embedded mode's one process): a dict guarded by
  a lock. A separate SQLite transaction per hit would wait for the request's own write lock.

``SHAREWELL_RATE_LIMITS=false`` swaps in :class:`NoLimiter`, for benchmarks and load tests.
Values in keys are hashed, so addresses never land in Redis in clear text.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, Integer, String, delete, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from sharewell.config import Settings
from sharewell.db import Base
from sharewell.errors import RateLimited

log = logging.getLogger("sharewell.ratelimit")


@dataclass(frozen=True)
class Limit:
    """``limit`` events per ``window`` seconds."""

    limit: int
    window: int


def key(*parts: str) -> str:
    """A limiter key from its parts; the last part (an address, an email) is hashed."""
    *scope, value = parts
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:24]
    return ":".join([*scope, digest])


def _message(retry_after: int) -> str:
    minutes = max(1, round(retry_after / 60))
    wait = f"{retry_after} seconds" if retry_after < 120 else f"{minutes} minutes"
    return f"Too many attempts. Wait {wait} and try again."


class Limiter(Protocol):
    def hit(self, key: str, limit: int, window: int) -> None:
        """Count one event; raise RateLimited when the window's count goes over ``limit``."""

    def reset(self, key: str) -> None:
        """Forget the counts of ``key`` (e.g. after a successful sign-in)."""


def hit_all(limiter: Limiter, checks: list[tuple[str, Limit]]) -> None:
    """Count one event against several keys; all are counted even when one is over."""
    worst: RateLimited | None = None
    for k, lim in checks:
        try:
            limiter.hit(k, lim.limit, lim.window)
        except RateLimited as exc:
            if worst is None or exc.retry_after > worst.retry_after:
                worst = exc
    if worst is not None:
        raise worst


class NoLimiter:
    def hit(self, key: str, limit: int, window: int) -> None:
        return None

    def reset(self, key: str) -> None:
        return None


class MemoryLimiter:
    """Fixed windows in a dict. ``clock`` is injectable so tests need no sleeping."""

    def __init__(self, clock: Callable[[], float] = time.time, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window start, count)
        self._max_keys = max_keys

    def hit(self, key: str, limit: int, window: int) -> None:
        now = self._clock()
        start = int(now // window) * window
        with self._lock:
            if len(self._counts) >= self._max_keys:
                self._evict(now)
            held_start, count = self._counts.get(f"{key}:{window}", (start, 0))
            if held_start != start:
                count = 0
            count += 1
            self._counts[f"{key}:{window}"] = (start, count)
        if count > limit:
            raise RateLimited(
                _message(retry := max(1, int(start + window - now))), retry_after=retry
            )

    def reset(self, key: str) -> None:
        with self._lock:
            for k in [k for k in self._counts if k.rsplit(":", 1)[0] == key]:
                del self._counts[k]

    def _evict(self, now: float) -> None:
        for k, (start, _) in list(self._counts.items()):
            if start + int(k.rsplit(":", 1)[1]) <= now:
                del self._counts[k]
        if len(self._counts) >= self._max_keys:  # still full: drop the oldest half
            for k in sorted(self._counts, key=lambda k: self._counts[k][0])[: self._max_keys // 2]:
                del self._counts[k]


class RedisLimiter:
    """Fixed windows in Redis: shared by every worker process and machine. ``clock`` only
    names the window (Redis expires it), so tests can hold one window still."""

    def __init__(
        self, url: str, prefix: str = "sw:rl:", clock: Callable[[], float] = time.time
    ) -> None:
        import redis

        self._clock = clock
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix
        self._errors = (redis.RedisError, OSError)

    def hit(self, key: str, limit: int, window: int) -> None:
        now = self._clock()
        start = int(now // window) * window
        name = f"{self._prefix}{key}:{window}:{start}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, window + 1)
            count, _ = pipe.execute()
        except self._errors:
            # Redis away: let the request through (a sign-in outage would be worse) and say so.
            log.warning("rate limiter: Redis unreachable, not limiting %s", key.split(":")[0])
            return
        if int(count) > limit:
            raise RateLimited(
                _message(retry := max(1, int(start + window - now))), retry_after=retry
            )

    def reset(self, key: str) -> None:
        for name in self._redis.scan_iter(match=f"{self._prefix}{key}:*", count=100):
            self._redis.delete(name)


class RateLimitCounter(Base):
    """One fixed window's count for one key (``<key>:<window>:<start>``); swept once expired."""

    __tablename__ = "rate_limit_counters"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[int] = mapped_column(Integer, index=True)  # epoch seconds


_UPSERT = text(
    "INSERT INTO rate_limit_counters (name, count, expires_at) VALUES (:name, 1, :expires) "
    "ON CONFLICT (name) DO UPDATE SET count = rate_limit_counters.count + 1 RETURNING count"
)


class DatabaseLimiter:
    """Fixed windows in the shared database (PostgreSQL): every worker sees the same counts."""

    SWEEP_EVERY = 1000  # hits between deletions of expired windows (per process)

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock
        self._hits = 0

    def hit(self, key: str, limit: int, window: int) -> None:
        now = self._clock()
        start = int(now // window) * window
        try:
            with self._engine.begin() as conn:
                count = conn.execute(
                    _UPSERT, {"name": f"{key}:{window}:{start}"[:200], "expires": start + window}
                ).scalar_one()
                self._hits += 1
                if self._hits % self.SWEEP_EVERY == 0:
                    conn.execute(
                        delete(RateLimitCounter).where(RateLimitCounter.expires_at < int(now))
                    )
        except SQLAlchemyError:
            # As with Redis: a limiter outage must not lock everyone out; the request's own
            # database work will fail anyway if the database is really away.
            log.warning("rate limiter: database unreachable, not limiting %s", key.split(":")[0])
            return
        if int(count) > limit:
            raise RateLimited(
                _message(retry := max(1, int(start + window - now))), retry_after=retry
            )

    def reset(self, key: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                delete(RateLimitCounter).where(
                    RateLimitCounter.name.startswith(f"{key}:", autoescape=True)
                )
            )


def limiter_for(settings: Settings, engine: Engine | None = None) -> Limiter:
    """Redis when configured; else the database when it is shared (PostgreSQL); else memory."""
    if not settings.rate_limits:
        return NoLimiter()
    if settings.redis_url:
        return RedisLimiter(settings.redis_url)
    if engine is not None and engine.dialect.name == "postgresql":
        return DatabaseLimiter(engine)
    return MemoryLimiter()
