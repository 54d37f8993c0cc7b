"""The rate limits of sign-in, sign-up, password reset, verification mail and two-factor
codes: per account (the address typed, known or not, so limits reveal nothing) and per
client address. Counted before the work, whether it then succeeds or not."""

from __future__ import annotations

from sharewell import metrics
from sharewell.errors import RateLimited
from sharewell.ratelimit import Limit, Limiter, hit_all, key

MINUTE, HOUR = 60, 3600

LIMITS: dict[str, tuple[Limit, Limit]] = {
    # action: (per account, per client address)
    "signin": (Limit(10, 15 * MINUTE), Limit(50, 15 * MINUTE)),
    "signup": (Limit(3, HOUR), Limit(20, HOUR)),
    "reset": (Limit(3, HOUR), Limit(20, HOUR)),
    "verify": (Limit(5, HOUR), Limit(30, HOUR)),
    "two_factor": (Limit(5, 15 * MINUTE), Limit(50, 15 * MINUTE)),
    # The public opt-out page mails a confirmation link to the address typed.
    "optout": (Limit(3, HOUR), Limit(20, HOUR)),
}


def check(limiter: Limiter, action: str, *, account: str, client: str) -> None:
    per_account, per_client = LIMITS[action]
    try:
        hit_all(
            limiter,
            [
                (key("accounts", action, "account", account), per_account),
                (key("accounts", action, "ip", client), per_client),
            ],
        )
    except RateLimited:
        metrics.RATE_LIMITED.inc()
        raise
