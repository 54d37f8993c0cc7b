"""The introduction state machine: every (state, role, action) is either legal, with the
documented result, or raises IllegalTransition (409)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from sharewell.intros import rules
from sharewell.intros.rules import Action, HopState, IllegalTransition, Role, State

EXPECTED = {
    (State.REQUESTED, Role.CONNECTOR, Action.FORWARD): State.FORWARDED,
    (State.FORWARDED, Role.CONNECTOR, Action.FORWARD): State.FORWARDED,
    (State.REQUESTED, Role.CONNECTOR, Action.ASK_TARGET): State.ASKED,
    (State.FORWARDED, Role.CONNECTOR, Action.ASK_TARGET): State.ASKED,
    (State.REQUESTED, Role.CONNECTOR, Action.ATTEST): State.ACCEPTED,
    (State.FORWARDED, Role.CONNECTOR, Action.ATTEST): State.ACCEPTED,
    (State.ASKED, Role.CONNECTOR, Action.ATTEST): State.ACCEPTED,
    (State.REQUESTED, Role.CONNECTOR, Action.DECLINE): State.DECLINED,
    (State.FORWARDED, Role.CONNECTOR, Action.DECLINE): State.DECLINED,
    (State.REQUESTED, Role.CONNECTOR, Action.ASK_QUESTION): State.REQUESTED,
    (State.FORWARDED, Role.CONNECTOR, Action.ASK_QUESTION): State.FORWARDED,
    (State.REQUESTED, Role.REQUESTER, Action.ANSWER): State.REQUESTED,
    (State.FORWARDED, Role.REQUESTER, Action.ANSWER): State.FORWARDED,
    (State.ASKED, Role.TARGET, Action.ACCEPT): State.ACCEPTED,
    (State.ASKED, Role.TARGET, Action.DECLINE): State.DECLINED,
    (State.REQUESTED, Role.REQUESTER, Action.WITHDRAW): State.WITHDRAWN,
    (State.FORWARDED, Role.REQUESTER, Action.WITHDRAW): State.WITHDRAWN,
    (State.ASKED, Role.REQUESTER, Action.WITHDRAW): State.WITHDRAWN,
    (State.REQUESTED, Role.SYSTEM, Action.EXPIRE): State.EXPIRED,
    (State.FORWARDED, Role.SYSTEM, Action.EXPIRE): State.EXPIRED,
    (State.ASKED, Role.SYSTEM, Action.EXPIRE): State.EXPIRED,
}
ALL = list(itertools.product(State, Role, Action))


@pytest.mark.parametrize(("state", "role", "action"), sorted(EXPECTED))
def test_legal_transitions(state: State, role: Role, action: Action) -> None:
    assert rules.next_state(state, role, action) == EXPECTED[(state, role, action)]


@pytest.mark.parametrize(("state", "role", "action"), [k for k in ALL if k not in EXPECTED])
def test_every_other_transition_is_illegal(state: State, role: Role, action: Action) -> None:
    with pytest.raises(IllegalTransition) as info:
        rules.next_state(state, role, action)
    assert info.value.status == 409


def test_the_table_is_exactly_the_documented_one() -> None:
    assert set(rules.LEGAL) == set(EXPECTED)


@pytest.mark.parametrize("state", sorted(rules.FINAL_STATES))
def test_final_states_allow_nothing(state: State) -> None:
    for role, action in itertools.product(Role, Action):
        with pytest.raises(IllegalTransition):
            rules.next_state(state, role, action)


def test_unknown_words_are_illegal_not_crashes() -> None:
    with pytest.raises(IllegalTransition):
        rules.next_state("nonsense", "requester", "withdraw")
    with pytest.raises(IllegalTransition):
        rules.next_hop_state("pending", "fly")


HOP_EXPECTED = {
    (HopState.PENDING, Action.FORWARD): HopState.FORWARDED,
    (HopState.QUESTIONED, Action.FORWARD): HopState.FORWARDED,
    (HopState.PENDING, Action.ASK_TARGET): HopState.FORWARDED,
    (HopState.QUESTIONED, Action.ASK_TARGET): HopState.FORWARDED,
    (HopState.PENDING, Action.ATTEST): HopState.FORWARDED,
    (HopState.QUESTIONED, Action.ATTEST): HopState.FORWARDED,
    (HopState.FORWARDED, Action.ATTEST): HopState.FORWARDED,
    (HopState.PENDING, Action.DECLINE): HopState.DECLINED,
    (HopState.QUESTIONED, Action.DECLINE): HopState.DECLINED,
    (HopState.PENDING, Action.ASK_QUESTION): HopState.QUESTIONED,
    (HopState.QUESTIONED, Action.ANSWER): HopState.PENDING,
}


@pytest.mark.parametrize(("hop", "action"), list(itertools.product(HopState, Action)))
def test_hop_transitions(hop: HopState, action: Action) -> None:
    if (hop, action) in HOP_EXPECTED:
        assert rules.next_hop_state(hop, action) == HOP_EXPECTED[(hop, action)]
    else:
        with pytest.raises(IllegalTransition):
            rules.next_hop_state(hop, action)


def test_limits_and_words() -> None:
    limits = rules.Limits(max_open=2)
    rules.check_open_limit(1, limits)
    with pytest.raises(rules.Conflict):
        rules.check_open_limit(2, limits)
    assert rules.in_cooloff(2, limits) and not rules.in_cooloff(1, limits)
    assert rules.decline_text("busy", False) == rules.GENERIC_DECLINE
    assert rules.decline_text("busy", True) == "busy"
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert rules.dispute_due("hire", now - timedelta(days=30), None, now, 30)
    assert not rules.dispute_due("met", now - timedelta(days=30), None, now, 30)
    assert not rules.dispute_due("hire", now - timedelta(days=29), None, now, 30)
    assert not rules.dispute_due("deal", now - timedelta(days=40), now, now, 30)
    assert rules.within_attribution(now, now + timedelta(days=365), 365)
    assert not rules.within_attribution(now, now + timedelta(days=366), 365)
    with pytest.raises(rules.InvalidInput):
        rules.check_outcome_kind("promotion")
