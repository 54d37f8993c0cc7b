"""Unit and property tests of the pure standing rules (no data sets, milliseconds)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharewell.standing import (
    IMPACT_KIND_WEIGHTS,
    compute_standing,
    compute_topic_standing,
    decay_weights,
    default_seeds,
    explain_contributions,
    impact_weight,
)


def _random_graph(seed: int, n: int = 60, m: int = 300):
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, m), rng.integers(0, n, m), rng.uniform(0.1, 5.0, m), n


graphs = st.builds(
    lambda seed, n, m: _random_graph(seed, n, m),
    st.integers(0, 10_000),
    st.integers(2, 40),
    st.integers(0, 200),
)


@settings(max_examples=60, deadline=None)
@given(graphs)
def test_scores_are_a_non_negative_distribution(graph):
    src, dst, w, n = graph
    s = compute_standing(src, dst, w, n, seeds=[0])
    assert s.shape == (n,)
    assert s.dtype == np.float64
    assert (s >= 0).all()
    assert s.sum() == pytest.approx(1.0, abs=1e-5)


@settings(max_examples=60, deadline=None)
@given(graphs, st.integers(0, 10_000), st.floats(1.5, 1000.0))
def test_inflating_own_weights_cannot_raise_what_one_gives(graph, pick, factor):
    """Row normalisation: scaling all of u's outgoing weights changes nothing at all."""
    src, dst, w, n = graph
    u = pick % n
    w2 = np.where(src == u, w * factor, w)
    before = compute_standing(src, dst, w, n, seeds=[0], tol=1e-10)
    after = compute_standing(src, dst, w2, n, seeds=[0], tol=1e-10)
    np.testing.assert_allclose(after, before, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(graphs, st.integers(0, 10_000), st.floats(1.5, 1000.0))
def test_total_given_is_fixed_by_ones_own_standing(graph, pick, factor):
    """Whatever weights u assigns, u gives away exactly damping * s[u] in total: weights only
    split that fixed budget between the members u benefited from."""
    src, dst, w, n = graph
    mine = np.flatnonzero((src == pick % n) & (src != dst))
    if mine.size == 0:
        return
    u = int(src[mine[0]])
    w2 = w.copy()
    w2[mine[0]] *= factor
    for weights in (w, w2):
        s = compute_standing(src, dst, weights, n, seeds=[0], tol=1e-10)
        given = sum(c.amount for c in _all_given(src, dst, weights, n, s, u))
        assert given == pytest.approx(0.5 * s[u], rel=1e-5, abs=1e-9)


def _all_given(src, dst, w, n, s, u):
    out = []
    for v in np.unique(dst[src == u]):
        out += [c for c in explain_contributions(src, dst, w, n, s, int(v), top=n) if c.source == u]
    return out


@settings(max_examples=40, deadline=None)
@given(graphs)
def test_deterministic_and_order_independent(graph):
    src, dst, w, n = graph
    a = compute_standing(src, dst, w, n, seeds=[0, 1])
    perm = np.random.default_rng(1).permutation(src.size)
    b = compute_standing(src[perm], dst[perm], w[perm], n, seeds=[1, 0, 1])
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_array_equal(a, compute_standing(src, dst, w, n, seeds=[0, 1]))


def test_self_loops_and_non_positive_weights_are_ignored():
    src, dst, w = np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([1.0, 1.0, 1.0])
    base = compute_standing(src, dst, w, 4, seeds=[0])
    noisy = compute_standing(
        np.r_[src, 1, 0, 3, 2], np.r_[dst, 1, 3, 0, 1], np.r_[w, 9.0, 0.0, -5.0, np.nan], 4, [0]
    )
    np.testing.assert_allclose(base, noisy, atol=1e-7)


def test_isolated_nodes_and_those_nobody_benefited_from_score_zero():
    # 0 (seed) benefited from 1; 1 benefited from 2; 3 is isolated; 4 only benefited.
    src, dst, w = np.array([0, 1, 4]), np.array([1, 2, 1]), np.ones(3)
    s = compute_standing(src, dst, w, 5, seeds=[0])
    assert s[3] == 0.0
    assert s[4] == 0.0
    assert s[1] > s[2] > 0


def test_seed_without_impacts_keeps_all_standing():
    s = compute_standing(np.array([1]), np.array([2]), np.ones(1), 3, seeds=[0])
    np.testing.assert_allclose(s, [1.0, 0.0, 0.0], atol=1e-7)


def test_empty_graph_and_default_seeds():
    assert compute_standing(np.array([]), np.array([]), np.array([]), 0).shape == (0,)
    s = compute_standing(np.array([], int), np.array([], int), np.array([]), 3)
    assert s.sum() == pytest.approx(1.0)
    src, dst, w, n = _random_graph(3)
    seeds = default_seeds(src, dst, w, n)
    explicit = compute_standing(src, dst, w, n, seeds)
    np.testing.assert_allclose(compute_standing(src, dst, w, n), explicit)


def test_default_seeds_weigh_each_benefiter_at_most_once():
    # node 5 gets a huge weight from one benefiter, node 6 small weights from three
    src, dst, w = np.array([0, 1, 2, 3]), np.array([5, 6, 6, 6]), np.array([1e6, 1.0, 1.0, 1.0])
    assert list(default_seeds(src, dst, w, 7, count=1)) == [6]


def test_seeds_change_who_is_trusted():
    # two disjoint chains; trust only reaches the chain that contains the seed
    src, dst, w = np.array([0, 1, 3, 4]), np.array([1, 2, 4, 5]), np.ones(4)
    s = compute_standing(src, dst, w, 6, seeds=[0])
    assert s[3:].sum() == 0.0
    assert s[2] > 0


@pytest.mark.parametrize("bad", [[-1], [3], []])
def test_invalid_seeds_are_refused(bad):
    with pytest.raises(ValueError):
        compute_standing(np.array([0]), np.array([1]), np.ones(1), 3, seeds=bad)


def test_invalid_edges_are_refused():
    with pytest.raises(ValueError):
        compute_standing(np.array([0]), np.array([5]), np.ones(1), 3)
    with pytest.raises(ValueError):
        compute_standing(np.array([0, 1]), np.array([1]), np.ones(1), 3)
    with pytest.raises(ValueError):
        compute_standing(np.array([0]), np.array([1]), np.ones(1), 3, damping=1.0)


def test_uniform_seeds_match_networkx_pagerank():
    src, dst, w, n = _random_graph(7, n=50, m=250)
    mine = compute_standing(src, dst, w, n, seeds=np.arange(n), damping=0.85, tol=1e-10)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    for u, v, x in zip(src.tolist(), dst.tolist(), w.tolist()):
        if u != v:
            old = graph.get_edge_data(u, v, {"weight": 0.0})["weight"]
            graph.add_edge(u, v, weight=old + x)
    ref = nx.pagerank(graph, alpha=0.85, tol=1e-12)
    np.testing.assert_allclose(mine, [ref[i] for i in range(n)], atol=1e-6)


def test_decay_halves_per_half_life_and_clips_future():
    np.testing.assert_allclose(decay_weights([0, 30, 60, -5], 30), [1, 0.5, 0.25, 1])
    with pytest.raises(ValueError):
        decay_weights([1], 0)


@given(st.lists(st.floats(0, 1e4), min_size=2, max_size=20), st.floats(1, 1e3))
def test_decay_is_monotone_and_bounded(ages, half_life):
    ordered = np.sort(np.asarray(ages))
    d = decay_weights(ordered, half_life)
    assert ((d > 0) | (ordered > half_life * 1000)).all()
    assert (d <= 1).all()
    assert (np.diff(d) <= 0).all()


def test_impact_weights():
    assert impact_weight("outcome_hire") > impact_weight("outcome_met")
    assert impact_weight("outcome_hire", attested=True) < impact_weight("outcome_hire")
    assert all(v > 0 for v in IMPACT_KIND_WEIGHTS.values())
    with pytest.raises(TypeError):
        IMPACT_KIND_WEIGHTS["x"] = 1.0  # type: ignore[index]
    with pytest.raises(KeyError):
        impact_weight("follower")


def test_explanations_sum_to_received_standing():
    src, dst, w, n = _random_graph(11)
    s = compute_standing(src, dst, w, n, seeds=[0], tol=1e-10)
    node = int(np.argmax(np.where(np.arange(n) == 0, 0, s)))
    parts = explain_contributions(src, dst, w, n, s, node, top=n)
    assert sum(c.amount for c in parts) == pytest.approx(s[node], rel=1e-4)
    assert [c.amount for c in parts] == sorted((c.amount for c in parts), reverse=True)
    assert explain_contributions(src, dst, w, n, s, node, top=2) == parts[:2]
    assert explain_contributions(np.array([0]), np.array([1]), np.ones(1), 3, s[:3], 2) == []


def test_topic_standing_is_restricted_to_topic_edges():
    # topic 0: 1 and 2 gave to seed 0; topic 1: only 3 gave. 4 gave with no topic.
    src = np.array([0, 0, 0, 0, 1])
    dst = np.array([1, 2, 3, 4, 2])
    w = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    s = compute_standing(src, dst, w, 5, seeds=[0])
    ts = compute_topic_standing(
        src, dst, w, 5, edge_index=[0, 1, 4, 2], edge_topic=[0, 0, 0, 1], standing=s
    )
    nodes0, scores0 = ts.for_topic(0)
    assert set(nodes0.tolist()) == {1, 2}
    assert scores0.sum() == pytest.approx(1.0)
    assert ts.top(0, 1)[0][0] == 2  # 2 helped the seed and 1 on topic 0
    assert ts.top(1) == [(3, pytest.approx(1.0))]
    assert 4 not in ts.nodes


def test_topic_batch_equals_one_topic_at_a_time():
    src, dst, w, n = _random_graph(5, n=80, m=600)
    s = compute_standing(src, dst, w, n, seeds=[0, 1, 2])
    rng = np.random.default_rng(0)
    eidx = np.concatenate([np.arange(src.size), rng.integers(0, src.size, 200)])
    topic = rng.integers(0, 4, eidx.size)
    batch = compute_topic_standing(src, dst, w, n, eidx, topic, s, tol=1e-10)
    for t in range(4):
        alone = compute_topic_standing(
            src, dst, w, n, eidx[topic == t], topic[topic == t], s, tol=1e-10
        )
        b_nodes, b_scores = batch.for_topic(t)
        a_nodes, a_scores = alone.for_topic(t)
        np.testing.assert_array_equal(b_nodes, a_nodes)
        np.testing.assert_allclose(b_scores, a_scores, atol=1e-6)


def test_topic_min_edges_skips_thin_topics():
    src, dst, w = np.array([0, 0, 0]), np.array([1, 2, 3]), np.ones(3)
    s = compute_standing(src, dst, w, 4, seeds=[0])
    ts = compute_topic_standing(src, dst, w, 4, [0, 1, 2], [7, 7, 8], s, min_edges=2)
    assert set(ts.topics.tolist()) == {7}
