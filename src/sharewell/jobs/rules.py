"""Pure scheduling rules: when a job is due, when a lease has run out, how long to back off."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_DETAIL = 2000


def lease_free(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is None or locked_until <= now


def is_due(due_at: datetime, locked_until: datetime | None, now: datetime) -> bool:
    return due_at <= now and lease_free(locked_until, now)


def next_due(finished_at: datetime, interval: timedelta, ok: bool) -> datetime:
    """After a failure retry sooner (a tenth of the interval, at least 30 s, at most 10 min)
    but never busy-loop; after success wait the full interval."""
    if ok:
        return finished_at + interval
    pause = min(max(interval / 10, timedelta(seconds=30)), timedelta(minutes=10))
    return finished_at + min(pause, interval)


def clip_detail(text: str) -> str:
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"
