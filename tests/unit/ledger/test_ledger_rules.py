"""Pure ledger rules: split rules never create or lose a point, award decisions, states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharewell.errors import Conflict, InvalidInput
from sharewell.ledger import rules

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)


def test_default_rule_examples() -> None:
    assert rules.split_amount(100, 1, rules.RULE_CONNECTOR_HALF) == [100]
    assert rules.split_amount(100, 2, rules.RULE_CONNECTOR_HALF) == [50, 50]
    assert rules.split_amount(100, 3, rules.RULE_CONNECTOR_HALF) == [25, 25, 50]
    assert rules.split_amount(101, 3, rules.RULE_CONNECTOR_HALF) == [25, 25, 51]
    assert rules.split_amount(7, 4, rules.RULE_CONNECTOR_HALF) == [1, 1, 1, 4]
    assert rules.split_amount(5, 4, rules.RULE_CONNECTOR_HALF) == [0, 1, 1, 3]
    assert rules.split_amount(10, 3, rules.RULE_EQUAL) == [3, 3, 4]
    assert rules.split_amount(10, 3, rules.RULE_CLOSENESS) == [2, 3, 5]


@given(
    amount=st.integers(0, 10**12),
    n=st.integers(1, rules.MAX_CHAIN),
    rule=st.sampled_from(sorted(rules.SPLIT_RULES)),
)
def test_splits_conserve_points_and_favour_the_target_side(amount: int, n: int, rule: str) -> None:
    shares = rules.split_amount(amount, n, rule)
    assert sum(shares) == amount and len(shares) == n and min(shares) >= 0
    assert shares[-1] == max(shares)  # the connector who knew the target never gets less
    assert shares == rules.split_amount(amount, n, rule)  # deterministic


def test_award_decisions() -> None:
    week = timedelta(days=7)
    base = {
        "weight": 5,
        "minted_today": 0,
        "daily_cap": 8,
        "attested": False,
        "has_counterpart": True,
        "connected_since": NOW - 3 * week,
        "min_connection": 2 * week,
        "now": NOW,
    }
    assert rules.decide_award(**base).amount == 5  # type: ignore[arg-type]
    assert rules.decide_award(**base | {"minted_today": 6}).amount == 2  # type: ignore[arg-type]
    assert rules.decide_award(**base | {"minted_today": 8}).amount == 0  # type: ignore[arg-type]
    assert rules.decide_award(**base | {"attested": True}).amount == 0  # type: ignore[arg-type]
    assert rules.decide_award(**base | {"connected_since": NOW - week}).amount == 0  # type: ignore[arg-type]
    assert rules.decide_award(**base | {"connected_since": None}).amount == 0  # type: ignore[arg-type]
    no_counterpart = base | {"has_counterpart": False, "connected_since": None}
    assert rules.decide_award(**no_counterpart).amount == 5  # type: ignore[arg-type]


def test_state_machine() -> None:
    assert rules.next_state(rules.ESCROWED, "split") == rules.SPLIT_PENDING
    assert rules.next_state(rules.SPLIT_PENDING, "release") == rules.PAID
    assert rules.next_state(rules.SPLIT_PENDING, "thanks") == rules.THANKED
    for state, action in [
        (rules.SPLIT_PENDING, "refund"),
        (rules.PAID, "fall_off"),
        (rules.REFUNDED, "split"),
        (rules.ESCROWED, "release"),
        (rules.THANKED, "thanks"),
        (rules.FELL_OFF, "release"),
    ]:
        with pytest.raises(Conflict):
            rules.next_state(state, action)


def test_chain_and_input_checks() -> None:
    assert rules.check_chain([2, 3], pledger_id=1) == [2, 3]
    for chain in ([], [2, 2], [1, 2], list(range(2, 12))):
        with pytest.raises(InvalidInput):
            rules.check_chain(chain, pledger_id=1)
    assert rules.check_currency(" eur ") == "EUR"
    for bad in ("EURO", "E1R", "€€€"):
        with pytest.raises(InvalidInput):
            rules.check_currency(bad)
    with pytest.raises(InvalidInput):
        rules.check_amount(True)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        rules.check_idempotency_key("a\nb")


def test_csv_cells_are_defused() -> None:
    assert rules.csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert rules.csv_safe("+1") == "'+1" and rules.csv_safe("@x") == "'@x"
    assert rules.csv_safe("-2") == "'-2" and rules.csv_safe("\tx") == "'\tx"
    assert rules.csv_safe(-5) == -5 and rules.csv_safe("plain") == "plain"


def test_weekly_series_and_suggestions() -> None:
    events = [(NOW, "give"), (NOW - timedelta(days=7), "take"), (NOW - timedelta(days=70), "give")]
    series = rules.weekly_series(events, now=NOW, weeks=4, before=(2, 1))
    assert [p.gives for p in series] == [0, 0, 0, 1] and [p.takes for p in series] == [0, 0, 1, 0]
    assert series[0].balance == 1 and series[-1].balance == 1
    assert rules.ratio(3, 0) is None and rules.ratio(3, 2) == 1.5
    assert "insight" in rules.suggest_next_give({}, 0, available=0)[0]
    assert "Forward" in rules.suggest_next_give({"intro_forwarded": 1}, 4, available=0)[0]
