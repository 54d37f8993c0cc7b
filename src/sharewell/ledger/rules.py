"""Pure rules of the ledger: split rules, award decisions, pledge states, tally series,
suggestions and CSV cell escaping. No database, no web: everything here is tested in
milliseconds (``tests/unit/ledger``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sharewell.errors import Conflict, InvalidInput

# --- accounts -------------------------------------------------------------------------------

ISSUANCE = "system:issuance"  # the mint: its balance is minus everything ever minted
ESCROW = "system:escrow"  # pledged points waiting for an outcome
PENDING = "system:pending"  # split payouts waiting out the guarantee window
SYSTEM_ACCOUNTS = (ISSUANCE, ESCROW, PENDING)


def member_account_code(member_id: int) -> str:
    return f"member:{member_id}"


# --- transaction kinds ----------------------------------------------------------------------

TX_STARTER = "starter_grant"
TX_AWARD = "award"
TX_AWARD_DECLINED = "award_declined"  # a give that minted nothing (cap, attested, too new)
TX_PLEDGE = "pledge_escrow"
TX_SPLIT = "pledge_split"
TX_RELEASE = "pledge_release"
TX_FALL_OFF = "pledge_fall_off"
TX_REFUND = "pledge_refund"
TX_THANKS = "pledge_thanks"
TX_REVERSAL = "reversal"

TX_LABELS = {
    TX_STARTER: "Starter grant",
    TX_AWARD: "Award for a give",
    TX_AWARD_DECLINED: "Give (no points minted)",
    TX_PLEDGE: "Pledge into escrow",
    TX_SPLIT: "Pledge split (pending guarantee window)",
    TX_RELEASE: "Split paid out",
    TX_FALL_OFF: "Hire fell off: pledge returned",
    TX_REFUND: "Pledge returned",
    TX_THANKS: "Pledge released as thanks",
    TX_REVERSAL: "Correction (reversal)",
}

# --- gives and takes ------------------------------------------------------------------------

GIVE_KINDS = {
    "intro_forwarded": "forwarded an introduction",
    "intro_accepted": "made an introduction the target accepted",
    "outcome_confirmed": "made possible a confirmed outcome",
    "answer_accepted": "gave an answer that was accepted",
    "insight_useful": "wrote an insight marked useful",
    "insight_acted_on": "wrote an insight someone acted on",
}
TAKE_KINDS = {
    "intro_received": "received an introduction",
    "answer_received": "accepted an answer to an ask",
}


def check_give_kind(kind: str) -> str:
    if kind not in GIVE_KINDS:
        raise InvalidInput(
            f"Unknown give kind '{kind[:40]}'; use one of: {', '.join(GIVE_KINDS)}.", field="kind"
        )
    return kind


def check_take_kind(kind: str) -> str:
    if kind not in TAKE_KINDS:
        raise InvalidInput(
            f"Unknown take kind '{kind[:40]}'; use one of: {', '.join(TAKE_KINDS)}.", field="kind"
        )
    return kind


# --- awards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardDecision:
    amount: int
    reason: str  # why this amount (shown on the statement / transaction memo)


def decide_award(
    *,
    weight: int,
    minted_today: int,
    daily_cap: int,
    attested: bool,
    has_counterpart: bool,
    connected_since: datetime | None,
    min_connection: timedelta,
    now: datetime,
) -> AwardDecision:
    """How many points a confirmed give mints. Attested outcomes and gives between members
    connected for less than ``min_connection`` (or not connected at all) mint nothing, so fresh
    fake accounts cannot farm points; the rest is capped per member per UTC day."""
    if attested:
        return AwardDecision(0, "attested outcomes mint no points")
    if has_counterpart and (connected_since is None or now - connected_since < min_connection):
        return AwardDecision(0, "the members have not been connected long enough")
    if weight <= 0:
        return AwardDecision(0, "this kind of give carries no points")
    room = max(0, daily_cap - minted_today)
    if room == 0:
        return AwardDecision(0, "daily award cap reached")
    amount = min(weight, room)
    return AwardDecision(amount, "award" if amount == weight else "award (capped for the day)")


def day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


# --- split rules ----------------------------------------------------------------------------

RULE_CONNECTOR_HALF = "connector_half"
RULE_EQUAL = "equal"
RULE_CLOSENESS = "closeness_weighted"
SPLIT_RULES = {
    RULE_CONNECTOR_HALF: (
        "The connector who knew the target gets half (rounded up); the other connectors share "
        "the other half equally. With a single connector, all of it goes to them."
    ),
    RULE_EQUAL: "Every connector on the chain gets an equal share.",
    RULE_CLOSENESS: (
        "Shares grow towards the target: the connector at hop k (1 = nearest the requester) "
        "gets weight k, so the one who knew the target gets the most."
    ),
}
MAX_CHAIN = 8


def check_rule(rule: str) -> str:
    if rule not in SPLIT_RULES:
        raise InvalidInput(
            f"Unknown split rule '{rule[:40]}'; choose one of: {', '.join(SPLIT_RULES)}.",
            field="rule",
        )
    return rule


def check_chain(chain: Sequence[int], *, pledger_id: int) -> list[int]:
    if not chain:
        raise InvalidInput("The chain needs at least one connector.", field="chain")
    if len(chain) > MAX_CHAIN:
        raise InvalidInput(f"A chain has at most {MAX_CHAIN} connectors.", field="chain")
    if len(set(chain)) != len(chain):
        raise InvalidInput("A connector appears twice in the chain.", field="chain")
    if pledger_id in chain:
        raise InvalidInput("The pledger cannot be a connector on their own pledge.", field="chain")
    return list(chain)


def _largest_remainder(amount: int, weights: Sequence[int]) -> list[int]:
    """Integer shares proportional to ``weights`` summing exactly to ``amount``. Leftover
    points go to the largest fractional remainders; ties go to the position nearer the
    target (the later one in the chain). Deterministic, never creates or loses a point."""
    total = sum(weights)
    base = [amount * w // total for w in weights]
    remainders = [(amount * w % total, i) for i, w in enumerate(weights)]
    left = amount - sum(base)
    for _, i in sorted(remainders, key=lambda r: (-r[0], -r[1]))[:left]:
        base[i] += 1
    return base


def split_amount(amount: int, chain_length: int, rule: str) -> list[int]:
    """Shares by chain position (index 0: the connector nearest the requester; the last: the
    connector who knew the target). ``sum(result) == amount`` always."""
    if amount < 0 or chain_length < 1:
        raise InvalidInput("A split needs a non-negative amount and at least one connector.")
    check_rule(rule)
    n = chain_length
    if n == 1:
        return [amount]
    if rule == RULE_CONNECTOR_HALF:
        others_pool = amount // 2
        last = amount - others_pool
        return [*_largest_remainder(others_pool, [1] * (n - 1)), last]
    if rule == RULE_EQUAL:
        return _largest_remainder(amount, [1] * n)
    return _largest_remainder(amount, list(range(1, n + 1)))


# --- pledges --------------------------------------------------------------------------------

ESCROWED = "escrowed"
SPLIT_PENDING = "split_pending"
PAID = "paid"
FELL_OFF = "fell_off"
REFUNDED = "refunded"
THANKED = "thanked"
PLEDGE_STATES = {
    ESCROWED: "in escrow, waiting for an outcome",
    SPLIT_PENDING: "split on a confirmed hire or deal; pending until the guarantee window ends",
    PAID: "paid out to the connectors",
    FELL_OFF: "the hire fell off in the guarantee window; returned to the pledger",
    REFUNDED: "returned to the pledger",
    THANKED: "released by the pledger as thanks",
}
SUBJECT_KINDS = ("intro", "opportunity")
REFUND_REASONS = {
    "declined": "the request was declined",
    "withdrawn": "the request was withdrawn",
    "expired": "the request expired",
    "closed_without_hire": "the opportunity closed without a hire",
    "attribution_ended": "the attribution window ended without a hire",
    "admin": "returned by an administrator",
}

_TRANSITIONS = {
    ("split", ESCROWED): SPLIT_PENDING,
    ("refund", ESCROWED): REFUNDED,
    ("thanks", ESCROWED): THANKED,
    ("thanks", SPLIT_PENDING): THANKED,
    ("release", SPLIT_PENDING): PAID,
    ("fall_off", SPLIT_PENDING): FELL_OFF,
}


def next_state(state: str, action: str) -> str:
    """The pledge state machine; an illegal action is a 409 that changes nothing."""
    found = _TRANSITIONS.get((action, state))
    if found is None:
        raise Conflict(
            f"This pledge is {state.replace('_', ' ')}; it cannot be {_VERB.get(action, action)}."
        )
    return found


_VERB = {
    "split": "split",
    "refund": "returned",
    "thanks": "released as thanks",
    "release": "paid out",
    "fall_off": "reported as fallen off",
}


def check_refund_reason(reason: str) -> str:
    if reason not in REFUND_REASONS:
        raise InvalidInput(
            f"Unknown reason '{reason[:40]}'; use one of: {', '.join(REFUND_REASONS)}.",
            field="reason",
        )
    return reason


def check_amount(amount: int, *, field: str = "amount", maximum: int = 10**9) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("Amounts are whole numbers.", field=field)
    if not 1 <= amount <= maximum:
        raise InvalidInput(f"Choose an amount between 1 and {maximum:,}.", field=field)
    return amount


def check_currency(currency: str) -> str:
    code = currency.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise InvalidInput(
            "Give the currency as a three-letter code such as EUR or USD.", field="money_currency"
        )
    return code


def check_idempotency_key(key: str) -> str:
    if not 1 <= len(key) <= 200 or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            "An idempotency key is 1 to 200 printable ASCII characters.", field="idempotency_key"
        )
    return key


def fingerprint(operation: str, **params: object) -> str:
    """A digest of what a request asked for, so a reused key with other parameters is refused
    instead of silently answered with an unrelated original."""
    raw = json.dumps([operation, params], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


# --- reciprocity ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TallyPoint:
    week_start: datetime
    gives: int
    takes: int
    cumulative_gives: int
    cumulative_takes: int

    @property
    def balance(self) -> int:
        return self.cumulative_gives - self.cumulative_takes


def week_start(at: datetime) -> datetime:
    day = day_start(at)
    return day - timedelta(days=day.weekday())


def weekly_series(
    events: Iterable[tuple[datetime, str]], *, now: datetime, weeks: int, before: tuple[int, int]
) -> list[TallyPoint]:
    """Per-week gives and takes for the last ``weeks`` weeks (oldest first). ``events`` are
    (time, 'give'|'take') inside the period; ``before`` = (gives, takes) earlier, so the
    cumulative lines start where the member really stood."""
    first = week_start(now) - timedelta(weeks=weeks - 1)
    gives = [0] * weeks
    takes = [0] * weeks
    for at, direction in events:
        index = (week_start(at) - first).days // 7
        if 0 <= index < weeks:
            (gives if direction == "give" else takes)[index] += 1
    out: list[TallyPoint] = []
    cum_g, cum_t = before
    for i in range(weeks):
        cum_g += gives[i]
        cum_t += takes[i]
        out.append(TallyPoint(first + timedelta(weeks=i), gives[i], takes[i], cum_g, cum_t))
    return out


def ratio(gives: int, takes: int) -> float | None:
    """Gives per take; ``None`` when nothing was taken yet (an infinite ratio helps no one)."""
    return None if takes == 0 else round(gives / takes, 2)


def suggest_next_give(
    gives_by_kind: dict[str, int], takes: int, *, available: int
) -> tuple[str, str]:
    """A small next give ("start with a little bit"): (title, why). Cheapest, most likely
    helpful first; never "share more contacts" — sharing data earns nothing."""
    gives = sum(gives_by_kind.values())
    if gives == 0:
        return (
            "Mark one insight that helped you as useful",
            "It takes a minute, tells its author it landed and starts your give tally.",
        )
    if takes > gives:
        return (
            "Forward one introduction waiting for you",
            f"You have received {takes} and given {gives}: passing one request on evens it up.",
        )
    if gives_by_kind.get("answer_accepted", 0) == 0:
        return (
            "Answer one ask in a topic you know",
            "A short, concrete answer is the smallest give with the most use.",
        )
    if available > 0:
        return (
            "Pledge a few points on an introduction you want",
            f"You hold {available} points; a pledge rewards the people who connect you.",
        )
    return (
        "Introduce two people who should know each other",
        "You give often; an introduction you make is the give people remember.",
    )


# --- CSV ------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def csv_safe(value: object) -> object:
    """Cells that a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV
    injection). Integers we produce ourselves are written as numbers."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


# --- policy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerPolicy:
    """The configurable economics (from ``SHAREWELL_LEDGER_*`` settings)."""

    starter_grant: int = 50
    award_weights: tuple[tuple[str, int], ...] = ()
    daily_award_cap: int = 25
    min_connection: timedelta = timedelta(days=14)
    attribution_days: int = 365
    guarantee_days: int = 90

    def weight(self, kind: str) -> int:
        return dict(self.award_weights).get(kind, 0)
