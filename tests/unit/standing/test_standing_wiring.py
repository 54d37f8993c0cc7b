"""Pure rules of the standing wiring: turning impacts into edges, ranks, explanations in
words, the go-to rule and the chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sharewell.standing import rules
from sharewell.standing.rules import Impact, KindPart, build_impact_graph, describe_standing

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def test_impacts_become_edges_from_beneficiary_to_giver_weighted_and_decayed() -> None:
    year_ago = NOW - timedelta(days=365)
    graph = build_impact_graph(
        [
            Impact(10, 20, "insight_useful", NOW, (7,)),
            Impact(30, 20, "answer_accepted", year_ago, (7, 8)),
            Impact(10, 30, "outcome_hire", NOW, attested=True),
        ],
        [30, 20, 10],
        NOW,
        half_life_days=365,
    )
    assert graph.member_ids.tolist() == [10, 20, 30]
    assert graph.sources.tolist() == [0, 2, 0] and graph.targets.tolist() == [1, 1, 2]
    assert graph.weights.tolist() == pytest.approx([0.5, 0.5, 2.5])  # 1.0 halved; 5.0 attested
    assert [rules.KIND_ORDER[k] for k in graph.kinds] == [
        "insight_useful", "answer_accepted", "outcome_hire",
    ]  # fmt: skip
    assert list(zip(graph.edge_index.tolist(), graph.edge_topic.tolist(), strict=True)) == [
        (0, 7), (1, 7), (1, 8),
    ]  # fmt: skip


def test_self_impacts_and_inactive_members_are_dropped() -> None:
    graph = build_impact_graph(
        [
            Impact(1, 1, "insight_useful", NOW),  # self
            Impact(1, 99, "insight_useful", NOW),  # 99 suspended (not in the member list)
            Impact(99, 2, "insight_acted_on", NOW),
            Impact(1, 2, "insight_acted_on", NOW),
        ],
        [1, 2],
        NOW,
    )
    assert dict(graph.dropped) == {"self": 1, "inactive": 2}
    assert graph.sources.tolist() == [0] and graph.targets.tolist() == [1]


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="follower"):
        build_impact_graph([Impact(1, 2, "follower", NOW, ref="x:1")], [1, 2], NOW)


def test_future_impacts_count_as_new() -> None:
    graph = build_impact_graph(
        [Impact(1, 2, "answer_accepted", NOW + timedelta(days=3))], [1, 2], NOW
    )
    assert graph.weights.tolist() == [1.0]


def test_nodes_of_maps_ids_and_marks_unknown() -> None:
    graph = build_impact_graph([], [5, 3, 9], NOW)
    assert graph.nodes_of([9, 4, 3]).tolist() == [2, -1, 0]
    assert build_impact_graph([], [], NOW).nodes_of([1]).tolist() == [-1]


def test_rank_and_percentile() -> None:
    rank, pct = rules.rank_scores([0.5, 0.2, 0.2, 0.0])
    assert rank.tolist() == [1, 2, 2, 4]
    assert pct.tolist() == [75.0, 25.0, 25.0, 0.0]


def test_contributions_by_kind_agree_with_explain_contributions() -> None:
    rng = np.random.default_rng(3)
    impacts = [
        Impact(int(a), int(b), rules.KIND_ORDER[int(k)], NOW - timedelta(days=int(d)))
        for a, b, k, d in zip(
            rng.integers(0, 30, 300), rng.integers(0, 30, 300), rng.integers(0, 8, 300),
            rng.integers(0, 500, 300), strict=True,
        )
    ]  # fmt: skip
    graph = build_impact_graph(impacts, range(30), NOW)
    s = rules.compute_standing(graph.sources, graph.targets, graph.weights, graph.n, [0, 1])
    shares = rules.contributions_by_kind(graph, s, s > np.median(s))
    for node in range(2, 30):
        expected = rules.explain_contributions(
            graph.sources, graph.targets, graph.weights, graph.n, s, node, top=1000
        )
        mine = shares.amount[shares.nodes == node]
        assert mine.sum() == pytest.approx(sum(c.amount for c in expected), rel=1e-9, abs=1e-12)
        people = len({c.source for c in expected})
        assert shares.people[shares.nodes == node].sum() >= people
        # a non-seed's standing is exactly what reached it over its impacts
        assert mine.sum() == pytest.approx(s[node], rel=1e-4, abs=1e-7)


def test_explanation_wording() -> None:
    text = describe_standing(
        [
            KindPart("insight_useful", people=3, regarded=2, fraction=0.7),
            KindPart("answer_accepted", people=1, regarded=0, fraction=0.3),
        ]
    )
    assert text == (
        "Most of your standing comes from 3 people who marked your insights useful, 2 of whom "
        "are well regarded; 30 % from 1 person who accepted your answer."
    )
    text = describe_standing(
        [
            KindPart("intro_accepted", people=2, regarded=2, fraction=0.4),
            KindPart("outcome_hire", people=1, regarded=1, fraction=0.35),
            KindPart("insight_acted_on", people=4, regarded=1, fraction=0.2),
            KindPart("insight_useful", people=9, regarded=0, fraction=0.05),
        ]
    )
    assert text.startswith(
        "40 % of your standing comes from 2 people who accepted introductions you helped make, "
        "both well regarded; 35 % from 1 person who hired or got hired through you, who is "
        "well regarded; 20 % from 4 people who acted on your insights, 1 of whom is well "
        "regarded; 5 % from other kinds of help."
    )


def test_explanation_without_standing_and_for_seeds() -> None:
    assert describe_standing([]).startswith("You have no standing yet.")
    seeded = describe_standing([KindPart("answer_accepted", 1, 0, 1.0)], is_seed=True)
    assert seeded.startswith("Most of your standing comes from 1 person who accepted your answer.")
    assert "As a seed" in seeded


def test_go_to_rule() -> None:
    assert rules.is_go_to(1, 0.3, top=3)
    assert rules.is_go_to(3, rules.GO_TO_MIN_SHARE, top=3)
    assert not rules.is_go_to(4, 0.3, top=3)
    assert not rules.is_go_to(1, 0.01, top=3)  # first of a crowd with no real share
    assert not rules.is_go_to(1, 0.9, top=0)
