"""Pure rules of introductions: the state machine, who may do what, and the limits.

No database, no web. The service applies :func:`next_state` (and :func:`next_hop_state` for a
connector's own hop) under a row lock, so an illegal move raises :class:`IllegalTransition`
(a 409) before anything is written.

Request states::

    requested ──forward──▶ forwarded ──forward──▶ forwarded …
        │                      │
        └──────ask_target──────┴──▶ asked ──accept──▶ accepted
    requested | forwarded ──attest──▶ accepted   (connector: "they agreed", no address)
    requested | forwarded ──decline (connector)──▶ declined
    asked ──decline (target)──▶ declined ; asked ──attest──▶ accepted
    requested | forwarded | asked ──withdraw (requester)──▶ withdrawn
    requested | forwarded | asked ──expire (system)──▶ expired

``requested``: the first connector has it. ``forwarded``: at least one connector passed it on
and the next one has it. ``asked``: the target has been asked (a member in Sharewell, or a
non-member through an emailed link). Accepted, declined, withdrawn and expired are final.
A connector's question to the requester and the answer change the hop, not the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sharewell.errors import Conflict, InvalidInput


class State(StrEnum):
    REQUESTED = "requested"
    FORWARDED = "forwarded"
    ASKED = "asked"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Role(StrEnum):
    REQUESTER = "requester"
    CONNECTOR = "connector"  # the connector whose turn it is
    TARGET = "target"  # a member target, or a non-member through a signed link
    SYSTEM = "system"  # jobs


class Action(StrEnum):
    FORWARD = "forward"  # pass to the next connector
    ASK_TARGET = "ask_target"  # the last connector asks the target
    ATTEST = "attest"  # the last connector attests the non-member target agreed
    DECLINE = "decline"
    ASK_QUESTION = "ask_question"  # a connector asks the requester something
    ANSWER = "answer"  # the requester answers
    ACCEPT = "accept"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"


class HopState(StrEnum):
    WAITING = "waiting"  # an earlier connector has not acted yet
    PENDING = "pending"  # this connector's turn
    QUESTIONED = "questioned"  # this connector asked the requester a question
    FORWARDED = "forwarded"  # passed on (or asked the target, for the last hop)
    DECLINED = "declined"
    CLOSED = "closed"  # the request ended before this hop acted


OPEN_STATES = frozenset({State.REQUESTED, State.FORWARDED, State.ASKED})
FINAL_STATES = frozenset({State.ACCEPTED, State.DECLINED, State.WITHDRAWN, State.EXPIRED})
AT_CONNECTOR = frozenset({State.REQUESTED, State.FORWARDED})

_TABLE: dict[tuple[State, Role, Action], State] = {}


def _allow(states: Iterable[State], role: Role, action: Action, to: State | None) -> None:
    for s in states:
        _TABLE[(s, role, action)] = to if to is not None else s


_allow(AT_CONNECTOR, Role.CONNECTOR, Action.FORWARD, State.FORWARDED)
_allow(AT_CONNECTOR, Role.CONNECTOR, Action.ASK_TARGET, State.ASKED)
_allow(AT_CONNECTOR, Role.CONNECTOR, Action.ATTEST, State.ACCEPTED)
_allow({State.ASKED}, Role.CONNECTOR, Action.ATTEST, State.ACCEPTED)
_allow(AT_CONNECTOR, Role.CONNECTOR, Action.DECLINE, State.DECLINED)
_allow(AT_CONNECTOR, Role.CONNECTOR, Action.ASK_QUESTION, None)
_allow(AT_CONNECTOR, Role.REQUESTER, Action.ANSWER, None)
_allow({State.ASKED}, Role.TARGET, Action.ACCEPT, State.ACCEPTED)
_allow({State.ASKED}, Role.TARGET, Action.DECLINE, State.DECLINED)
_allow(OPEN_STATES, Role.REQUESTER, Action.WITHDRAW, State.WITHDRAWN)
_allow(OPEN_STATES, Role.SYSTEM, Action.EXPIRE, State.EXPIRED)

LEGAL: frozenset[tuple[State, Role, Action]] = frozenset(_TABLE)


class IllegalTransition(Conflict):
    """A move the state machine does not allow (HTTP 409); nothing is changed."""


_WORDS = {
    State.ACCEPTED: "has been accepted",
    State.DECLINED: "was declined",
    State.WITHDRAWN: "was withdrawn",
    State.EXPIRED: "has expired",
}


def next_state(state: str, role: str, action: str) -> State:
    """The request's state after ``role`` does ``action`` in ``state``, or raise."""
    try:
        key = (State(state), Role(role), Action(action))
    except ValueError:
        raise IllegalTransition(f"Unknown move '{action}' by '{role}' in '{state}'.") from None
    if key not in _TABLE:
        s = key[0]
        if s in FINAL_STATES:
            raise IllegalTransition(f"This introduction {_WORDS[s]}; nothing more can happen.")
        raise IllegalTransition(
            f"A {role} cannot {action.replace('_', ' ')} an introduction that is {state} now."
        )
    return _TABLE[key]


_HOP: dict[tuple[HopState, Action], HopState] = {
    (HopState.PENDING, Action.FORWARD): HopState.FORWARDED,
    (HopState.QUESTIONED, Action.FORWARD): HopState.FORWARDED,
    (HopState.PENDING, Action.ASK_TARGET): HopState.FORWARDED,
    (HopState.QUESTIONED, Action.ASK_TARGET): HopState.FORWARDED,
    (HopState.PENDING, Action.ATTEST): HopState.FORWARDED,
    (HopState.QUESTIONED, Action.ATTEST): HopState.FORWARDED,
    (HopState.FORWARDED, Action.ATTEST): HopState.FORWARDED,  # after a link was sent
    (HopState.PENDING, Action.DECLINE): HopState.DECLINED,
    (HopState.QUESTIONED, Action.DECLINE): HopState.DECLINED,
    (HopState.PENDING, Action.ASK_QUESTION): HopState.QUESTIONED,
    (HopState.QUESTIONED, Action.ANSWER): HopState.PENDING,
}


def next_hop_state(hop_state: str, action: str) -> HopState:
    """A connector's own hop after ``action``, or raise."""
    try:
        key = (HopState(hop_state), Action(action))
    except ValueError:
        raise IllegalTransition(f"Unknown move '{action}' on a hop that is {hop_state}.") from None
    if key not in _HOP:
        if key[0] == HopState.QUESTIONED and key[1] == Action.ASK_QUESTION:
            raise IllegalTransition("Wait for the answer to your question first.")
        if key[1] == Action.ANSWER:
            raise IllegalTransition("There is no open question to answer.")
        raise IllegalTransition(
            f"This step is {hop_state}; you cannot {action.replace('_', ' ')} it now."
        )
    return _HOP[key]


# --- outcomes ----------------------------------------------------------------------------------


class OutcomeKind(StrEnum):
    MET = "met"
    ADVICE = "advice"
    HIRE = "hire"
    DEAL = "deal"
    NOTHING = "nothing"


REWARDED = frozenset({OutcomeKind.HIRE, OutcomeKind.DEAL})


class OutcomeState(StrEnum):
    PROPOSED = "proposed"  # one end recorded it; waiting for the other
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"  # hire/deal confirmed by the target, requester silent too long
    REJECTED = "rejected"  # an admin resolved a dispute against it
    FELL_OFF = "fell_off"  # a confirmed hire ended within the guarantee window


def check_outcome_kind(kind: str) -> OutcomeKind:
    try:
        return OutcomeKind(kind)
    except ValueError:
        raise InvalidInput(
            f"An outcome is one of {', '.join(k.value for k in OutcomeKind)}.", field="kind"
        ) from None


def within_attribution(accepted_at: datetime, now: datetime, days: int) -> bool:
    return now <= accepted_at + timedelta(days=days)


def dispute_due(
    kind: str, target_confirmed_at: datetime | None, requester_confirmed_at: datetime | None,
    now: datetime, days: int,
) -> bool:  # fmt: skip
    """A hire or deal the target confirmed and the requester left unconfirmed for ``days``."""
    return (
        kind in REWARDED
        and target_confirmed_at is not None
        and requester_confirmed_at is None
        and now - target_confirmed_at >= timedelta(days=days)
    )


# --- limits and text ---------------------------------------------------------------------------

MAX_CONNECTORS = 3
WHY_MAX = 2000
NOTE_MAX = 1000
CONTACT_MAX = 300
GENERIC_DECLINE = (
    "This introduction could not be made right now. That happens for many reasons — timing, "
    "fit, or simply a full plate — and says nothing about you."
)


def clean_text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"Write a few words in '{field}'.", field=field)
    if len(text) > limit:
        raise InvalidInput(f"Keep '{field}' under {limit} characters.", field=field)
    return text


@dataclass(frozen=True)
class Limits:
    expiry_days: int = 30
    max_open: int = 10
    decline_cooloff_days: int = 90
    declines_before_cooloff: int = 2
    link_days: int = 14
    dispute_days: int = 30


def check_open_limit(open_count: int, limits: Limits) -> None:
    if open_count >= limits.max_open:
        raise Conflict(
            f"You have {open_count} introductions waiting, the most allowed "
            f"({limits.max_open}). Withdraw one or wait for answers first."
        )


def in_cooloff(declines: int, limits: Limits) -> bool:
    return declines >= limits.declines_before_cooloff


def decline_text(reason: str, shared: bool) -> str:
    """What the requester reads when someone declined."""
    return reason if shared and reason else GENERIC_DECLINE
