"""The engine on a real social graph: SNAP ego-Facebook (4,039 people, 88,234 friendships)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sharewell.datasets import dataset_path, load_facebook
from sharewell.network.graph import GraphIndex

pytestmark = pytest.mark.skipif(
    dataset_path("facebook_combined.txt.gz") is None,
    reason="ego-Facebook not found: put facebook_combined.txt.gz in ../shared/data "
    "or point SHAREWELL_SHARED_DATA at the folder holding it",
)


@pytest.fixture(scope="module")
def facebook() -> tuple[GraphIndex, nx.Graph]:
    fb = load_facebook()
    rng = np.random.default_rng(2024)
    strengths = rng.integers(1, 6, fb.sources.size)
    index = GraphIndex.from_edges(fb.n, fb.sources, fb.targets, strengths)
    g = nx.Graph()
    g.add_nodes_from(range(fb.n))
    g.add_edges_from(zip(fb.sources.tolist(), fb.targets.tolist(), strict=True))
    return index, g


def test_the_whole_graph_is_indexed(facebook: tuple[GraphIndex, nx.Graph]) -> None:
    index, g = facebook
    assert index.n == g.number_of_nodes() == 4039
    assert index.entry_count == 2 * g.number_of_edges() == 2 * 88234


def test_hop_distances_of_sampled_pairs_equal_networkx_bfs(
    facebook: tuple[GraphIndex, nx.Graph],
) -> None:
    index, g = facebook
    rng = np.random.default_rng(7)
    sources = rng.choice(index.n, 40, replace=False)
    checked = 0
    for s in sources.tolist():
        targets = rng.choice(index.n, 100, replace=False)
        want = nx.single_source_shortest_path_length(g, s)
        full = index.distances_from(s, max_hops=127)
        labels = index.degrees_of(s, targets, max_hops=3)
        for t, label in zip(targets.tolist(), labels.tolist(), strict=True):
            assert int(full[t]) == want[t]  # the graph is connected: every pair has a distance
            assert label == (want[t] if want[t] <= 3 else -1)
            checked += 1
    assert checked == 4000


def test_paths_on_facebook_reach_the_holders_networkx_says_are_close(
    facebook: tuple[GraphIndex, nx.Graph],
) -> None:
    index, g = facebook
    rng = np.random.default_rng(11)
    for s in rng.choice(index.n, 10, replace=False).tolist():
        holders = rng.choice(index.n, 25, replace=False)
        near = nx.single_source_shortest_path_length(g, s, cutoff=3)
        reachable = {int(h) for h in holders if h in near and h != s}
        paths = index.best_paths_to_holders(s, holders, k=len(holders), max_hops=3)
        assert {p.nodes[-1] for p in paths} == reachable
        for p in paths:
            assert all(g.has_edge(a, b) for a, b in zip(p.nodes, p.nodes[1:], strict=False))
        scores = [p.score for p in paths]
        assert scores == sorted(scores, reverse=True)
