"""Abuse limits on what a member can repeat to harvest or spam others: searches, displays of
shared entries, introduction requests, comments and invitations.

Each action is counted per member and per client address in the shared limiter
(:mod:`sharewell.ratelimit`: Redis when ``SHAREWELL_REDIS_URL`` is set, so the counts hold
across worker processes and machines). An address gets ``SHAREWELL_ABUSE_ADDRESS_FACTOR``
times a member's allowance, since an office or a carrier puts many people behind one address.
Counted before the work, whether it then succeeds or not, like the sign-in limits.
"""

from __future__ import annotations

from sharewell import metrics
from sharewell.config import Settings
from sharewell.errors import RateLimited
from sharewell.ratelimit import Limit, Limiter, hit_all, key

MINUTE, HOUR, DAY = 60, 3600, 86400


# Counted per member elsewhere, with their own messages: displays by the display quota kept in
# the database (entries shown, not requests), introduction requests by the introductions
# service. Here they are counted per address only.
COUNTED_PER_MEMBER_ELSEWHERE = frozenset({"display", "intro"})


def limits(settings: Settings) -> dict[str, Limit]:
    """Per-member allowance of each action (an address gets ``abuse_address_factor`` times)."""
    return {
        "search": Limit(settings.search_per_minute, MINUTE),
        "display": Limit(settings.display_quota_hour, HOUR),
        "intro": Limit(settings.intro_requests_per_hour, HOUR),
        "comment": Limit(settings.comments_per_hour, HOUR),
        "invite": Limit(settings.invitations_per_day, DAY),
    }


def check(
    limiter: Limiter, settings: Settings, action: str, *, member_id: int, client: str
) -> None:
    """Count one ``action`` by ``member_id`` from ``client``; raise :class:`RateLimited`
    (429 with Retry-After) once either count is over its allowance."""
    per_member = limits(settings)[action]
    per_client = Limit(per_member.limit * settings.abuse_address_factor, per_member.window)
    checks = [(key("abuse", action, "ip", client), per_client)]
    if action not in COUNTED_PER_MEMBER_ELSEWHERE:
        checks.append((key("abuse", action, "member", str(member_id)), per_member))
    try:
        hit_all(limiter, checks)
    except RateLimited:
        metrics.RATE_LIMITED.inc()
        raise
