"""The CSR index itself: building, the change overlay, compaction and snapshots."""

from __future__ import annotations

import pathlib
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharewell.network.graph import ChangeKind, EdgeChange, GraphIndex


def _index(n: int, edges: list[tuple[int, int, int]], **kw: Any) -> GraphIndex:
    if not edges:
        return GraphIndex.from_edges(n, [], [], [], **kw)
    u, v, w = zip(*edges, strict=True)
    return GraphIndex.from_edges(n, u, v, w, **kw)


def _edge_set(index: GraphIndex) -> set[tuple[int, int, int]]:
    u, v, w = index.edges()
    return set(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))


def test_build_is_an_undirected_csr_with_compact_dtypes() -> None:
    index = _index(4, [(0, 1, 5), (2, 1, 3), (1, 1, 4), (0, 1, 2), (3, 2, 1)])
    csr = index._csr
    assert csr.indices.dtype == np.int32 and csr.weights.dtype == np.int8
    assert csr.indptr.tolist() == [0, 1, 3, 5, 6]
    # rows sorted; the self-loop is gone; the duplicate 0–1 keeps its strongest rating
    assert csr.indices.tolist() == [1, 0, 2, 1, 3, 2]
    assert csr.weights.tolist() == [5, 5, 3, 3, 1, 1]
    assert index.strength(1, 0) == 5 and index.strength(0, 3) == 0
    assert index.degree().tolist() == [1, 2, 2, 1]
    assert index.entry_count == 6
    assert index.memory_bytes() >= csr.indices.nbytes + csr.weights.nbytes


def test_build_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="between 1 and 5"):
        GraphIndex.from_edges(3, [0], [1], [6])
    with pytest.raises(ValueError, match="node ids"):
        GraphIndex.from_edges(3, [0], [3], [2])
    with pytest.raises(ValueError, match="same length"):
        GraphIndex.from_edges(3, [0, 1], [2], [2, 2])


def test_changes_apply_once_and_record_the_high_water_mark() -> None:
    index = _index(3, [(0, 1, 3)], applied_seq=10)
    batch = [
        EdgeChange(12, ChangeKind.CONNECT, 1, 2, 4),
        EdgeChange(11, "strength", 0, 1, 5),
        EdgeChange(9, ChangeKind.DISCONNECT, 0, 1),  # re-read from before the build: replayed
    ]
    after = index.apply_changes(batch)
    assert after.applied_seq == 12
    assert _edge_set(after) == {(0, 1, 5), (1, 2, 4)}
    assert index.strength(0, 1) == 3, "the old index is untouched"
    # A late commit (seq 13 arrives after 14) plus a re-read margin: only 13 is new.
    later = after.apply_changes([EdgeChange(14, "disconnect", 1, 2)])
    later = later.apply_changes(
        [
            EdgeChange(12, "disconnect", 0, 1),
            EdgeChange(13, "connect", 0, 2, 2),
            EdgeChange(14, "connect", 1, 2, 1),
        ]
    )
    assert later.applied_seq == 14
    assert _edge_set(later) == {(0, 1, 5), (0, 2, 2)}
    assert later.apply_changes([EdgeChange(13, "disconnect", 0, 2)]) is later


def test_new_members_grow_the_index() -> None:
    index = _index(2, [(0, 1, 3)])
    grown = index.apply_changes([EdgeChange(1, "member", 4), EdgeChange(2, "connect", 1, 3, 4)])
    assert grown.n == 5
    assert grown.distances_from(0, 3).tolist() == [0, 1, -1, 2, -1]
    assert grown.compact().distances_from(0, 3).tolist() == [0, 1, -1, 2, -1]
    # a member the index has not heard of yet is simply out of network
    assert index.degrees_of(7, [0, 1]).tolist() == [-1, -1]
    assert index.best_paths_to_holders(0, [9], k=3) == []


def test_blocks_and_pauses() -> None:
    index = _index(4, [(0, 1, 5), (1, 2, 5), (2, 3, 5), (0, 3, 1)])
    blocked = index.apply_changes([EdgeChange(1, "block", 3, 0)])
    assert blocked.strength(0, 3) == 0
    assert blocked.blocked_with(0) == {3}
    # 3 blocked 0: never a target or a step on 0's paths, even though 0–1–2–3 exists
    assert blocked.best_paths(0, 3) == []
    assert blocked.distances_from(0, 3).tolist() == [0, 1, 2, -1]
    unblocked = blocked.apply_changes([EdgeChange(2, "unblock", 0, 3)])
    assert unblocked.strength(0, 3) == 0, "the connection does not come back by itself"
    assert [p.nodes for p in unblocked.best_paths(0, 3)] == [(0, 1, 2, 3)]
    paused = unblocked.apply_changes([EdgeChange(3, "pause", 1)])
    assert paused.is_paused(1)
    assert paused.best_paths(0, 3) == [], "a paused member is not offered as a connector"
    assert [p.nodes for p in paused.best_paths(0, 1)] == [(0, 1)], "but is still a target"
    assert paused.degrees_of(0, [3]).tolist() == [3], "degrees count paused members"
    resumed = paused.apply_changes([EdgeChange(4, "resume", 1)])
    assert not resumed.is_paused(1)
    assert resumed.compact().blocked_with(3) == frozenset()


def test_bad_changes_are_refused() -> None:
    index = _index(2, [])
    with pytest.raises(ValueError, match="strength"):
        index.apply_changes([EdgeChange(1, "connect", 0, 1, 0)])
    with pytest.raises(ValueError, match="two different"):
        index.apply_changes([EdgeChange(1, "connect", 1, 1, 3)])
    with pytest.raises(ValueError):
        index.apply_changes([EdgeChange(1, "befriend", 0, 1, 3)])


_change = st.tuples(
    st.sampled_from(["connect", "strength", "disconnect", "block", "unblock", "pause"]),
    st.integers(0, 9),
    st.integers(0, 9),
    st.integers(1, 5),
)


@settings(max_examples=150, deadline=None)
@given(
    base=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(1, 5)), max_size=20),
    batches=st.lists(st.lists(_change, max_size=8), max_size=4),
    replay=st.integers(0, 5),
)
def test_overlay_equals_a_rebuilt_csr(
    base: list[tuple[int, int, int]],
    batches: list[list[tuple[str, int, int, int]]],
    replay: int,
) -> None:
    index = _index(8, base)
    # The model: what the database tables say after each change.
    state = {(min(a, b), max(a, b)): w for a, b, w in base if a != b}
    for (a, b), w in list(state.items()):
        state[(a, b)] = max(w, *(x for p, q, x in base if {p, q} == {a, b}))
    n, seq, log = 8, 0, []
    for batch in batches:
        changes = []
        for kind, a, b, w in batch:
            if kind != "pause" and a == b:
                continue
            seq += 1
            changes.append(EdgeChange(seq, kind, a, b, w))
            n = max(n, a + 1, b + 1 if kind != "pause" else 0)
            pair = (min(a, b), max(a, b))
            if kind in ("connect", "strength"):
                state[pair] = w
            elif kind in ("disconnect", "block"):
                state.pop(pair, None)
        log += changes
        # re-read a safety margin: the last few rows again, with this batch
        index = index.apply_changes(log[-(len(changes) + replay) :])
    rebuilt = _index(n, [(a, b, w) for (a, b), w in state.items()])
    assert index.n == n and index.applied_seq == seq
    assert _edge_set(index) == _edge_set(rebuilt) == {(a, b, w) for (a, b), w in state.items()}
    compacted = index.compact()
    assert compacted.overlay_size == 0
    for name in ("indptr", "indices", "weights"):
        assert np.array_equal(getattr(compacted._csr, name), getattr(rebuilt._csr, name))
    holders = [1, 4, 7, 9]
    for s in range(n):
        mine = sorted(index.blocked_with(s))
        assert np.array_equal(
            index.distances_from(s, 4), rebuilt.distances_from(s, 4, blocked=mine)
        )
        ours = index.best_paths_to_holders(s, holders, k=3, blocked=[9])
        # blocks with the source and pauses live in the index; hand them to the rebuild
        theirs = rebuilt.best_paths_to_holders(
            s,
            holders,
            k=3,
            blocked=sorted(index.blocked_with(s) | {9}),
            no_connect=np.flatnonzero(index._paused),
        )
        assert ours == theirs
        assert compacted.best_paths_to_holders(s, holders, k=3, blocked=[9]) == ours


def test_snapshot_roundtrip_is_memory_mapped(tmp_path: pathlib.Path) -> None:
    rng = np.random.default_rng(7)
    u, v, w = rng.integers(0, 300, 2000), rng.integers(0, 300, 2000), rng.integers(1, 6, 2000)
    index = GraphIndex.from_edges(300, u, v, w, paused=[5, 6], blocks=[[1, 2]], applied_seq=40)
    index = index.apply_changes(
        [EdgeChange(41, "connect", 3, 299, 5), EdgeChange(42, "member", 301)]
    )
    target = index.save(tmp_path / "graph")
    loaded = GraphIndex.load(target)
    assert isinstance(loaded._csr.indices, np.memmap)
    assert loaded.n == 302 and loaded.applied_seq == 42 and loaded.overlay_size == 0
    assert _edge_set(loaded) == _edge_set(index)
    assert loaded.is_paused(5) and loaded.blocked_with(2) == {1}
    assert loaded.apply_changes([EdgeChange(41, "disconnect", 3, 299)]) is loaded
    for s in (0, 3, 150):
        assert index.best_paths_to_holders(s, range(0, 300, 7), k=5) == (
            loaded.best_paths_to_holders(s, range(0, 300, 7), k=5)
        )
    # a loaded index takes changes (overlay on top of the read-only maps) and saves again
    changed = loaded.apply_changes([EdgeChange(43, "disconnect", 3, 299)])
    assert changed.strength(3, 299) == 0
    changed.save(target)  # replaces the snapshot atomically under the old readers
    assert GraphIndex.load(target, mmap=False).strength(3, 299) == 0
    assert loaded.strength(3, 299) == 5, "the old map still reads the old snapshot"


def test_suspended_members_are_neither_connectors_nor_ends(tmp_path: pathlib.Path) -> None:
    # 0 – 1 – 2, and 0 – 3 – 2 (weaker): suspending 1 reroutes through 3; restoring brings 1 back.
    index = _index(4, [(0, 1, 5), (1, 2, 5), (0, 3, 2), (3, 2, 2)])
    assert [p.nodes for p in index.best_paths(0, 2, k=1)] == [(0, 1, 2)]
    gone = index.apply_changes([EdgeChange(1, ChangeKind.SUSPEND, 1)])
    assert gone.is_gone(1) and not index.is_gone(1)
    assert [p.nodes for p in gone.best_paths(0, 2, k=2)] == [(0, 3, 2)]
    assert gone.best_paths_to_holders(0, [1], k=1) == []
    assert gone.degrees_of(0, np.array([1]))[0] == -1
    # The state survives compaction and a snapshot (which memory-maps it back).
    loaded = GraphIndex.load(gone.compact().save(tmp_path / "graph"))
    assert loaded.is_gone(1)
    assert [p.nodes for p in loaded.best_paths(0, 2, k=2)] == [(0, 3, 2)]
    back = loaded.apply_changes([EdgeChange(2, ChangeKind.RESTORE, 1)])
    assert not back.is_gone(1)
    assert [p.nodes for p in back.best_paths(0, 2, k=1)] == [(0, 1, 2)]
    # Built from the tables with suspended members: the same as learning it from the log.
    built = _index(4, [(0, 1, 5), (1, 2, 5), (0, 3, 2), (3, 2, 2)], gone=[1])
    assert [p.nodes for p in built.best_paths(0, 2, k=2)] == [(0, 3, 2)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(1, 5)),
        min_size=1,
        max_size=40,
    ),
    st.integers(0, 11),
)
def test_best_through_common_is_the_best_product_over_shared_connections(
    edges: list[tuple[int, int, int]], source: int
) -> None:
    """What search shows as a 2nd's path strength, against a brute force over the ties."""
    ties: dict[tuple[int, int], int] = {}
    for u, v, w in edges:
        if u != v:
            ties[(min(u, v), max(u, v))] = w
    if not ties:
        return
    u, v, w = (np.array(x) for x in zip(*((a, b, s) for (a, b), s in ties.items()), strict=True))
    g = GraphIndex.from_edges(14, u, v, w)  # nodes 12 and 13 have no ties at all

    def s(a: int, b: int) -> int:
        return ties.get((min(a, b), max(a, b)), 0)

    targets = list(range(14))
    got = g.best_through_common(source, targets)
    for t, value in zip(targets, got.tolist(), strict=True):
        want = max(
            (s(source, c) * s(c, t) / 25.0 for c in range(12) if s(source, c) and s(c, t)),
            default=0.0,
        )
        assert value == pytest.approx(want), (t, value, want)
