"""Rate limits of the privacy area (counted before the work, like ``accounts/limits.py``)."""

from __future__ import annotations

from sharewell import metrics
from sharewell.errors import RateLimited
from sharewell.ratelimit import Limit, Limiter, hit_all, key

HOUR = 3600
EXPORT = Limit(5, HOUR)  # per member: an export reads everything they have
REQUEST = (Limit(3, HOUR), Limit(20, HOUR))  # per identifier, per client address


def check_export(limiter: Limiter, member_id: int) -> None:
    try:
        limiter.hit(key("privacy", "export", "member", str(member_id)), EXPORT.limit, EXPORT.window)
    except RateLimited:
        metrics.RATE_LIMITED.inc()
        raise


def check_request(limiter: Limiter, identifier: str, client: str) -> None:
    try:
        hit_all(
            limiter,
            [
                (key("privacy", "erasure", "id", identifier), REQUEST[0]),
                (key("privacy", "erasure", "ip", client), REQUEST[1]),
            ],
        )
    except RateLimited:
        metrics.RATE_LIMITED.inc()
        raise
