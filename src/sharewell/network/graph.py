"""The graph index: member–member connections as an in-memory CSR, with a change overlay.

The database is the source of truth; this index is derived from it and holds nothing else.
Node ids are dense ``0..n-1`` ints: the database side keeps the member-id ↔ node-id mapping
(e.g. a ``node`` column assigned in sign-up order, or ``np.searchsorted`` over sorted member
ids at build time) and translates at the edge of every query.

Life cycle (all objects are immutable, so readers never see a half-applied batch):

* :meth:`GraphIndex.from_edges` builds the index from the current tables (start-up, rebuild);
* :meth:`GraphIndex.apply_changes` takes a batch of change-log rows and returns a *new* index
  that shares the CSR arrays and carries a small overlay (added / removed entries); swapping
  the reference held by a worker is a single atomic assignment;
* :meth:`GraphIndex.compact` folds the overlay into a fresh CSR (seconds at 50M entries, so
  run it off the request path, e.g. in a background thread, then swap);
* :meth:`GraphIndex.save` / :meth:`GraphIndex.load` write and memory-map ``.npy`` snapshots so
  several worker processes share one copy of the arrays in the page cache.

Queries run on CSR + overlay with numpy: frontiers expand through ``indptr``/``indices``
slices gathered in one vectorised step per hop, and per-node results live in dense arrays
updated with ``ufunc.at``. Python loops only run over hops or over the k returned paths.

Path strength is the **product** of normalised edge strengths (strength / 5). Why product and
not minimum: every hand-off is a chance for the introduction to stall, so a path should get
weaker with each hop that is not maximal (the product models independent forwarding
probabilities); the minimum takes only five values and cannot tell a direct strong tie from
three strong hops, so it ranks almost nothing. With factors ≤ 1 the best hop-limited walk is
always a simple path, which keeps the search exact. Ties are broken by fewer hops, then by
smaller node ids (see each query), so results are deterministic.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from sharewell import arrays
from sharewell.network.rules import MAX_STRENGTH, MIN_STRENGTH, normalised_strength

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
#: A set of nodes: a boolean mask (any length; missing tail counts as False) or node ids.
NodeSet = npt.NDArray[Any] | Sequence[int] | None

FORMAT_VERSION: Final = 1
MAX_PATH_HOPS: Final = 3
_KEY_SHIFT: Final = 32  # directed entry key = src << 32 | dst; node ids stay below 2**31
_LOW32: Final = 0xFFFFFFFF
_FACTOR: Final[FloatArray] = np.array(
    [0.0] + [normalised_strength(s) for s in range(MIN_STRENGTH, MAX_STRENGTH + 1)],
    dtype=np.float64,
)
_EMPTY_I64: Final[IntArray] = np.zeros(0, dtype=np.int64)


class ChangeKind(StrEnum):
    """Kinds of rows in the change log; the strings are what the table stores."""

    CONNECT = "connect"  # a–b connected with `strength` (also a strength update)
    STRENGTH = "strength"  # a–b strength changed (same effect as CONNECT)
    DISCONNECT = "disconnect"  # a–b no longer connected
    BLOCK = "block"  # a blocked b: the connection goes, and paths from either avoid the other
    UNBLOCK = "unblock"  # the block is lifted; the connection does not come back by itself
    PAUSE = "pause"  # a paused introductions: never offered as a connector
    RESUME = "resume"  # a takes introductions again
    MEMBER = "member"  # a new member with node id a (grows n; edges may come later)
    SUSPEND = "suspend"  # a was suspended or erased: never on a path, never a target
    RESTORE = "restore"  # a is active again (their connections were kept)


@dataclass(frozen=True, slots=True)
class EdgeChange:
    """One change-log row. ``b`` and ``strength`` are unused by node-level kinds."""

    seq: int
    kind: ChangeKind | str
    a: int
    b: int = -1
    strength: int = 0


@dataclass(frozen=True, slots=True)
class Path:
    """A path ``nodes[0] → … → nodes[-1]`` with the strength (1–5) of each hop."""

    nodes: tuple[int, ...]
    strengths: tuple[int, ...]
    score: float  # product of normalised strengths, in (0, 1]

    @property
    def hops(self) -> int:
        return len(self.strengths)

    @property
    def connectors(self) -> tuple[int, ...]:
        """The members between the source and the end of the path."""
        return self.nodes[1:-1]


@dataclass(frozen=True, slots=True)
class Recommendation:
    node: int
    score: float  # sum over common connections of the product of both normalised strengths
    common: int  # number of common connections


@dataclass(frozen=True, slots=True)
class _CSR:
    n: int
    indptr: IntArray  # int64: 50M entries overflow nothing, and it costs only 8 bytes a node
    indices: Int32Array
    weights: Int8Array

    def nbytes(self) -> int:
        return int(self.indptr.nbytes + self.indices.nbytes + self.weights.nbytes)


@dataclass(frozen=True, slots=True)
class _Overlay:
    """Edge changes not yet folded into the CSR, as canonical pairs and as directed arrays.

    ``edges`` maps ``(min, max)`` to the pair's current strength (0: not connected) where that
    differs from the CSR. ``rm_keys`` are CSR entries (both directions) that no longer hold;
    ``add_keys``/``add_w`` are entries (both directions) to add, sorted, so a frontier finds
    its overlay entries with two ``searchsorted`` calls. ``rm_rows`` marks rows with removals
    so untouched rows skip the membership test.
    """

    edges: Mapping[tuple[int, int], int] = field(default_factory=dict)
    rm_keys: IntArray = field(default_factory=lambda: _EMPTY_I64)
    rm_rows: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    add_keys: IntArray = field(default_factory=lambda: _EMPTY_I64)
    add_w: Int8Array = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    @property
    def empty(self) -> bool:
        return not self.edges

    def nbytes(self) -> int:
        arrays = (self.rm_keys, self.rm_rows, self.add_keys, self.add_w)
        return int(sum(a.nbytes for a in arrays)) + 64 * len(self.edges)


# --------------------------------------------------------------------------------------------
# Array helpers


def _gather(indptr: IntArray, rows: IntArray) -> tuple[IntArray, IntArray]:
    """Positions of all entries of ``rows`` in a CSR, and the row each one belongs to."""
    starts = indptr[rows]
    ends = indptr[rows + 1]
    pos = _ranges(starts, ends)
    if pos.size == 0:
        return _EMPTY_I64, _EMPTY_I64
    return pos, np.repeat(rows, ends - starts)


def _find(indptr: IntArray, indices: Int32Array, u: IntArray, v: IntArray) -> IntArray:
    """Positions of entries ``u→v`` in a CSR with sorted rows, ``-1`` where absent.

    A vectorised binary search: one numpy step per halving of the longest row, no loop over
    the pairs.
    """
    lo = indptr[u].copy()
    end = indptr[u + 1]
    hi = end.copy()
    while True:
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        below = np.zeros_like(active)
        below[active] = indices[mid[active]] < v[active]
        lo = np.where(active & below, mid + 1, lo)
        hi = np.where(active & ~below, mid, hi)
    found = lo < end
    found[found] = indices[lo[found]] == v[found]
    return np.where(found, lo, -1)


def _as_mask(nodes: NodeSet, n: int, name: str) -> BoolArray:
    """A boolean mask of length ``n`` from a mask or an id array (ids ≥ n are ignored)."""
    mask = np.zeros(n, dtype=np.bool_)
    if nodes is None:
        return mask
    arr = np.asarray(nodes)
    if arr.dtype == np.bool_:
        m = min(n, arr.shape[0])
        mask[:m] = arr[:m]
        return mask
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be a boolean mask or integer node ids")
    ids = arr.astype(np.int64, copy=False).ravel()
    if ids.size and ids.min() < 0:
        raise ValueError(f"{name} contains a negative node id")
    mask[ids[ids < n]] = True
    return mask


def _check_strengths(strength: npt.NDArray[Any]) -> Int8Array:
    s = np.asarray(strength)
    if s.size and (s.min() < MIN_STRENGTH or s.max() > MAX_STRENGTH):
        raise ValueError("connection strengths must be between 1 and 5")
    return s.astype(np.int8)


def _build_csr(n: int, u: IntArray, v: IntArray, w: Int8Array) -> _CSR:
    """Undirected CSR with sorted rows from one entry per edge (either orientation).

    Self-loops are dropped; a pair listed twice keeps its largest strength (order-free, so the
    result never depends on row order). Cost: two argsorts of the edge count; rows need no
    final sort because row r is [neighbours < r] then [neighbours > r], each already sorted.
    """
    a = np.minimum(u, v).astype(np.int64)
    b = np.maximum(u, v).astype(np.int64)
    keep = a != b
    a, b, w = a[keep], b[keep], w[keep]
    key = a * n + b
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    del order
    if key.size:
        first = np.ones(key.size, dtype=np.bool_)
        first[1:] = key[1:] != key[:-1]
        starts = np.flatnonzero(first)
        w = np.maximum.reduceat(w, starts).astype(np.int8)
        key = key[starts]
    a, b = key // n, key % n
    del key
    # Forward half (a→b) is sorted by (a, b); the mirror half (b→a) needs sorting by (b, a).
    morder = np.argsort(b * n + a, kind="stable")
    mb, ma, mw = b[morder], a[morder], w[morder]
    del morder
    cf = np.bincount(a, minlength=n).astype(np.int64)
    cm = np.bincount(mb, minlength=n).astype(np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(cf + cm, out=indptr[1:])
    total = int(indptr[-1])
    indices = np.empty(total, dtype=np.int32)
    weights = np.empty(total, dtype=np.int8)
    m = a.size
    rank = np.arange(m, dtype=np.int64)
    # Mirror entries (neighbour < row) go first in each row, then forward entries.
    pos_m = indptr[mb] + rank - (np.cumsum(cm) - cm)[mb]
    indices[pos_m], weights[pos_m] = ma, mw
    del pos_m, mb, ma, mw
    pos_f = indptr[a] + cm[a] + rank - (np.cumsum(cf) - cf)[a]
    indices[pos_f], weights[pos_f] = b, w
    return _CSR(n=n, indptr=indptr, indices=indices, weights=weights)


# --------------------------------------------------------------------------------------------
# The index


class GraphIndex:
    """An immutable snapshot of the connection graph: CSR + overlay + node flags.

    Build with :meth:`from_edges` or :meth:`load`; evolve with :meth:`apply_changes`,
    :meth:`with_nodes` and :meth:`compact`, each returning a new index.
    """

    __slots__ = (
        "_blocks",
        "_csr",
        "_gone",
        "_ov",
        "_paused",
        "_seen",
        "applied_seq",
        "n",
        "seq_window",
    )

    def __init__(
        self,
        csr: _CSR,
        *,
        n: int | None = None,
        overlay: _Overlay | None = None,
        paused: BoolArray | None = None,
        blocks: Mapping[int, frozenset[int]] | None = None,
        gone: IntArray | None = None,
        applied_seq: int = 0,
        seen: frozenset[int] = frozenset(),
        seq_window: int = 100_000,
    ) -> None:
        self._csr = csr
        self.n: int = csr.n if n is None else n
        self._ov = overlay if overlay is not None else _Overlay()
        paused = np.zeros(self.n, dtype=np.bool_) if paused is None else paused
        self._paused: BoolArray = paused
        self._blocks: Mapping[int, frozenset[int]] = blocks or {}
        #: suspended or erased members, sorted (few): treated as blocked by everyone
        self._gone: IntArray = _EMPTY_I64 if gone is None else gone
        #: the highest change-log sequence number applied (0: none)
        self.applied_seq: int = applied_seq
        self._seen = seen
        #: sequence numbers within this distance of ``applied_seq`` are remembered, so a
        #: re-read safety margin up to this size never applies a change twice
        self.seq_window: int = seq_window

    # ---- construction ---------------------------------------------------------------------

    @classmethod
    def from_edges(
        cls,
        n: int,
        sources: npt.ArrayLike,
        targets: npt.ArrayLike,
        strengths: npt.ArrayLike | None = None,
        *,
        paused: NodeSet = None,
        blocks: npt.ArrayLike | None = None,
        gone: npt.ArrayLike | None = None,
        applied_seq: int = 0,
        seq_window: int = 100_000,
    ) -> GraphIndex:
        """Build from the current tables: one row per connection (either orientation).

        ``strengths`` default to 3. ``paused`` are members who paused introductions;
        ``blocks`` is a ``(k, 2)`` array of blocked pairs (either order); ``gone`` are
        suspended or erased members (never on a path, never a target). ``applied_seq`` is
        the highest change-log ``seq`` already reflected in the tables read (read it in the
        same transaction), so the first :meth:`apply_changes` starts after it.
        """
        if n < 0 or n >= 2**31:
            raise ValueError(f"node count must be in 0..2**31-1, got {n}")
        u = np.asarray(sources, dtype=np.int64).ravel()
        v = np.asarray(targets, dtype=np.int64).ravel()
        if u.shape != v.shape:
            raise ValueError("sources and targets must have the same length")
        if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
            raise ValueError(f"edge endpoints must be node ids in 0..{n - 1}")
        w = (
            np.full(u.size, 3, dtype=np.int8)
            if strengths is None
            else _check_strengths(np.asarray(strengths).ravel())
        )
        if w.shape != u.shape:
            raise ValueError("strengths must have one value per edge")
        csr = _build_csr(n, u, v, w)
        block_map = _blocks_from_pairs(np.asarray(blocks if blocks is not None else []))
        return cls(
            csr,
            paused=_as_mask(paused, n, "paused"),
            blocks=block_map,
            gone=_gone_array(gone),
            applied_seq=applied_seq,
            seq_window=seq_window,
        )

    def with_nodes(self, n: int) -> GraphIndex:
        """The same graph with room for ``n`` nodes (new members start isolated)."""
        if n <= self.n:
            return self
        return self._evolve(n=n, paused=np.concatenate([self._paused, np.zeros(n - self.n, bool)]))

    def _evolve(self, **changes: Any) -> GraphIndex:
        state: dict[str, Any] = {
            "n": self.n,
            "overlay": self._ov,
            "paused": self._paused,
            "blocks": self._blocks,
            "gone": self._gone,
            "applied_seq": self.applied_seq,
            "seen": self._seen,
            "seq_window": self.seq_window,
        }
        csr = changes.pop("csr", self._csr)
        state.update(changes)
        return GraphIndex(csr, **state)

    # ---- the change log -------------------------------------------------------------------

    def apply_changes(self, changes: Iterable[EdgeChange]) -> GraphIndex:
        """Apply a batch of change-log rows; returns a new index (``self`` if nothing new).

        Rows are applied in ``seq`` order. A row whose ``seq`` was already applied is skipped,
        so the database side may re-read ``seq > applied_seq - margin`` to catch changes that
        committed late (PostgreSQL assigns sequence values before commit), as long as the
        margin is below :attr:`seq_window`. Each row carries absolute state ("a–b connected
        with strength 4", "a–b not connected"), so replaying a suffix of the log in order is
        harmless — also right after a build, when nothing is remembered as seen yet. Rows
        older than ``applied_seq - seq_window`` are ignored. Ids beyond ``n`` grow the index.
        """
        floor = self.applied_seq - self.seq_window
        fresh = sorted(
            (c for c in changes if c.seq not in self._seen and c.seq > floor),
            key=lambda c: c.seq,
        )
        if not fresh:
            return self
        edges = dict(self._ov.edges)
        blocks = {k: set(v) for k, v in self._blocks.items()}
        pause_set: dict[int, bool] = {}
        gone = set(self._gone.tolist())
        n = self.n
        for change in fresh:
            n = max(n, _apply_one(change, edges, blocks, pause_set, gone))
        paused = self._paused
        if n > self.n or pause_set:
            paused = np.zeros(n, dtype=np.bool_)
            paused[: self.n] = self._paused
            for node, flag in pause_set.items():
                paused[node] = flag
        top = max(self.applied_seq, fresh[-1].seq)
        seen = frozenset(
            s for s in self._seen.union(c.seq for c in fresh) if s > top - self.seq_window
        )
        return self._evolve(
            n=n,
            overlay=self._derive_overlay(edges),
            paused=paused,
            blocks={k: frozenset(v) for k, v in blocks.items() if v},
            gone=_gone_array(sorted(gone)),
            applied_seq=top,
            seen=seen,
        )

    def _derive_overlay(self, edges: dict[tuple[int, int], int]) -> _Overlay:
        """Turn canonical pair states into directed add/remove arrays against the CSR."""
        if not edges:
            return _Overlay()
        pairs = np.array(list(edges.keys()), dtype=np.int64).reshape(-1, 2)
        want = np.array(list(edges.values()), dtype=np.int8)
        base = self._base_strength(pairs[:, 0], pairs[:, 1])
        differs = base != want
        # Pairs whose state equals the CSR again (e.g. added then removed) are dropped.
        pairs, want, base = pairs[differs], want[differs], base[differs]
        kept = {(int(a), int(b)): int(s) for (a, b), s in zip(pairs, want, strict=True)}
        rm = pairs[base > 0]
        add, add_w = pairs[want > 0], want[want > 0]
        rm_keys = np.sort(
            np.concatenate(
                [(rm[:, 0] << _KEY_SHIFT) | rm[:, 1], (rm[:, 1] << _KEY_SHIFT) | rm[:, 0]]
            )
        )
        rm_rows = np.zeros(self._csr.n, dtype=np.bool_)
        rm_rows[rm.ravel()] = True
        add_keys = np.concatenate(
            [(add[:, 0] << _KEY_SHIFT) | add[:, 1], (add[:, 1] << _KEY_SHIFT) | add[:, 0]]
        )
        add_wall = np.concatenate([add_w, add_w])
        order = np.argsort(add_keys)
        return _Overlay(
            edges=kept,
            rm_keys=rm_keys,
            rm_rows=rm_rows,
            add_keys=add_keys[order],
            add_w=add_wall[order],
        )

    def _base_strength(self, u: IntArray, v: IntArray) -> Int8Array:
        """Strength of ``u–v`` in the CSR alone (0 where absent or beyond its nodes)."""
        out = np.zeros(u.size, dtype=np.int8)
        inside = (u < self._csr.n) & (v < self._csr.n)
        if inside.any():
            pos = _find(self._csr.indptr, self._csr.indices, u[inside], v[inside])
            vals = np.zeros(pos.size, dtype=np.int8)
            vals[pos >= 0] = self._csr.weights[pos[pos >= 0]]
            out[inside] = vals
        return out

    def compact(self) -> GraphIndex:
        """Fold the overlay into a fresh CSR; returns a new index with an empty overlay.

        Linear in the entry count (one masked copy plus one ``np.insert``), no re-sort; meant
        for a background thread or a quiet moment, never a request.
        """
        n = self.n
        csr = self._csr
        if self._ov.empty and n == csr.n:
            return self
        indptr = np.concatenate([csr.indptr, np.full(n - csr.n, csr.indptr[-1], np.int64)])
        ov = self._ov
        keep = np.ones(csr.indices.size, dtype=np.bool_)
        rm_pos = _EMPTY_I64
        if ov.rm_keys.size:
            rm_pos = _find(indptr, csr.indices, ov.rm_keys >> _KEY_SHIFT, ov.rm_keys & _LOW32)
            rm_pos = np.sort(rm_pos[rm_pos >= 0])
            keep[rm_pos] = False
        indices, weights = csr.indices[keep], csr.weights[keep]
        counts = np.diff(indptr)
        if ov.rm_keys.size:
            counts = counts - np.bincount(ov.rm_keys >> _KEY_SHIFT, minlength=n)
        if ov.add_keys.size:
            src = ov.add_keys >> _KEY_SHIFT
            dst = ov.add_keys & _LOW32
            # Insertion point in the old CSR (first entry ≥ dst in row src), shifted left by
            # the removals before it, is the insertion point in the kept arrays.
            at = _lower_bound(indptr, csr.indices, src, dst)
            at = at - np.searchsorted(rm_pos, at, side="left")
            indices = np.insert(indices, at, dst.astype(np.int32))
            weights = np.insert(weights, at, ov.add_w)
            counts = counts + np.bincount(src, minlength=n)
        new_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=new_indptr[1:])
        fresh = _CSR(n=n, indptr=new_indptr, indices=indices, weights=weights)
        return self._evolve(csr=fresh, overlay=_Overlay())

    # ---- snapshots ------------------------------------------------------------------------

    def save(self, directory: str | os.PathLike[str]) -> pathlib.Path:
        """Write a compacted snapshot as ``.npy`` files; the directory appears atomically.

        Readers that memory-mapped an older snapshot at the same path keep working: the old
        files are unlinked, not truncated.
        """
        target = pathlib.Path(directory)
        index = self.compact()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        csr = index._csr
        np.save(tmp / "indptr.npy", csr.indptr)
        np.save(tmp / "indices.npy", csr.indices)
        np.save(tmp / "weights.npy", csr.weights)
        np.save(tmp / "paused.npy", index._paused)
        np.save(tmp / "blocks.npy", _pairs_from_blocks(index._blocks))
        np.save(tmp / "gone.npy", index._gone)
        meta = {
            "format": FORMAT_VERSION,
            "n": index.n,
            "applied_seq": index.applied_seq,
            "seen": sorted(index._seen),
            "seq_window": index.seq_window,
        }
        (tmp / "meta.json").write_text(json.dumps(meta))
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return target

    @classmethod
    def load(cls, directory: str | os.PathLike[str], *, mmap: bool = True) -> GraphIndex:
        """Open a snapshot; with ``mmap`` the arrays are shared read-only page-cache maps."""
        path = pathlib.Path(directory)
        meta = json.loads((path / "meta.json").read_text())
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported graph snapshot format {meta.get('format')!r}")
        mode: Any = "r" if mmap else None
        csr = _CSR(
            n=int(meta["n"]),
            indptr=np.load(path / "indptr.npy", mmap_mode=mode),
            indices=np.load(path / "indices.npy", mmap_mode=mode),
            weights=np.load(path / "weights.npy", mmap_mode=mode),
        )
        return cls(
            csr,
            paused=np.load(path / "paused.npy", mmap_mode=mode),
            blocks=_blocks_from_pairs(np.load(path / "blocks.npy")),
            # Snapshots written before suspensions were logged have no gone.npy: none then.
            gone=np.load(path / "gone.npy") if (path / "gone.npy").exists() else None,
            applied_seq=int(meta["applied_seq"]),
            seen=frozenset(int(s) for s in meta["seen"]),
            seq_window=int(meta["seq_window"]),
        )

    # ---- inspection -----------------------------------------------------------------------

    def memory_bytes(self) -> int:
        """Bytes held by the index arrays (memory-mapped arrays count their mapped size)."""
        return (
            self._csr.nbytes()
            + self._ov.nbytes()
            + int(self._paused.nbytes)
            + int(self._gone.nbytes)
        )

    @property
    def overlay_size(self) -> int:
        """Connections changed since the last compaction; compact when this grows large."""
        return len(self._ov.edges)

    @property
    def entry_count(self) -> int:
        """Directed entries (twice the connections), overlay included."""
        ov = self._ov
        return int(self._csr.indices.size - ov.rm_keys.size + ov.add_keys.size)

    def is_paused(self, node: int) -> bool:
        return bool(node < self.n and self._paused[node])

    @property
    def gone(self) -> IntArray:
        """Suspended (or erased) members this index has heard of, sorted."""
        return self._gone

    def is_gone(self, node: int) -> bool:
        """Suspended or erased (as far as the change log has told this index)."""
        at = int(np.searchsorted(self._gone, node))
        return at < self._gone.size and int(self._gone[at]) == node

    def blocked_with(self, node: int) -> frozenset[int]:
        """Members ``node`` blocked or was blocked by: never on a path from ``node``."""
        return self._blocks.get(node, frozenset())

    def neighbours(self, node: int) -> tuple[IntArray, Int8Array]:
        """Neighbours of ``node`` (sorted) and the strengths of those connections."""
        self._check_node(node)
        _, dst, w = self._expand(np.array([node], dtype=np.int64))
        order = np.argsort(dst)
        return dst[order], w[order]

    def best_through_common(self, source: int, targets: npt.ArrayLike) -> FloatArray:
        """For each of ``targets``: the best product ``(s(source, c) / 5) · (s(c, t) / 5)`` over
        the connections ``c`` they share with ``source`` (0 when none), in one pass over the
        targets' entries rather than one per target."""
        tg = np.asarray(targets, dtype=np.int64).ravel()
        out = np.zeros(tg.size, dtype=np.float64)
        if source >= self.n or tg.size == 0:
            return out
        mine, mine_w = self.neighbours(source)
        known = tg < self.n
        if mine.size == 0 or not known.any():
            return out
        rows = arrays.unique(tg[known])
        row_of, nbr, w = self._expand(rows)
        at = np.minimum(np.searchsorted(mine, nbr), mine.size - 1)
        shared = mine[at] == nbr
        value = mine_w[at[shared]].astype(np.float64) * w[shared] / 25.0
        best = np.zeros(rows.size, dtype=np.float64)
        np.maximum.at(best, np.searchsorted(rows, row_of[shared]), value)
        out[known] = best[np.searchsorted(rows, tg[known])]
        return out

    def strength(self, a: int, b: int) -> int:
        """Strength of the connection ``a–b``, 0 when not connected."""
        return int(self._strengths(np.array([a], np.int64), np.array([b], np.int64))[0])

    def degree(self) -> IntArray:
        """Number of connections of every node (overlay included)."""
        deg = np.zeros(self.n, dtype=np.int64)
        deg[: self._csr.n] = np.diff(self._csr.indptr)
        ov = self._ov
        if ov.rm_keys.size:
            deg -= np.bincount(ov.rm_keys >> _KEY_SHIFT, minlength=self.n)
        if ov.add_keys.size:
            deg += np.bincount(ov.add_keys >> _KEY_SHIFT, minlength=self.n)
        return deg

    def edges(self) -> tuple[IntArray, IntArray, Int8Array]:
        """Every connection once, as ``(u, v, strength)`` with ``u < v`` (sorted)."""
        src, dst, w = self._expand(np.arange(self.n, dtype=np.int64))
        keep = src < dst
        order = np.lexsort((dst[keep], src[keep]))
        return src[keep][order], dst[keep][order], w[keep][order]

    # ---- core expansion -------------------------------------------------------------------

    def _check_node(self, node: int) -> None:
        if not 0 <= node < 2**31:
            raise ValueError(f"node id must be a non-negative int32, got {node}")

    def _expand(self, rows: IntArray) -> tuple[IntArray, IntArray, Int8Array]:
        """All entries ``row → neighbour`` of ``rows``: CSR minus removals plus additions."""
        csr, ov = self._csr, self._ov
        base_rows = rows[rows < csr.n]
        pos, src = _gather(csr.indptr, base_rows)
        dst = csr.indices[pos].astype(np.int64)
        w = csr.weights[pos]
        if ov.rm_keys.size and ov.rm_rows[base_rows].any():
            hit = ov.rm_rows[src]
            gone = np.zeros(src.size, dtype=np.bool_)
            gone[hit] = np.isin((src[hit] << _KEY_SHIFT) | dst[hit], ov.rm_keys)
            src, dst, w = src[~gone], dst[~gone], w[~gone]
        if ov.add_keys.size:
            # The sorted overlay keys form a tiny CSR: each row's entries lie between the
            # keys (row << 32) and ((row + 1) << 32).
            lo = np.searchsorted(ov.add_keys, rows << _KEY_SHIFT, side="left")
            hi = np.searchsorted(ov.add_keys, (rows + 1) << _KEY_SHIFT, side="left")
            apos = _ranges(lo, hi)
            if apos.size:
                keys = ov.add_keys[apos]
                src = np.concatenate([src, keys >> _KEY_SHIFT])
                dst = np.concatenate([dst, keys & _LOW32])
                w = np.concatenate([w, ov.add_w[apos]])
        return src, dst, w

    def _strengths(self, u: IntArray, v: IntArray) -> Int8Array:
        """Vectorised connection strength lookup, overlay first."""
        out = self._base_strength(u, v)
        ov = self._ov
        if ov.rm_keys.size or ov.add_keys.size:
            keys = (u << _KEY_SHIFT) | v
            if ov.rm_keys.size:
                out[np.isin(keys, ov.rm_keys)] = 0
            if ov.add_keys.size:
                at = np.minimum(np.searchsorted(ov.add_keys, keys), ov.add_keys.size - 1)
                hit = ov.add_keys[at] == keys
                out[hit] = ov.add_w[at[hit]]
        return out

    def _masks(
        self, source: int, blocked: NodeSet, no_connect: NodeSet
    ) -> tuple[BoolArray, BoolArray]:
        """(blocked, not-a-connector) masks for a query from ``source``.

        Blocked: the caller's set, everyone ``source`` has a block with and every suspended or
        erased member. Not a connector:
        blocked, paused (index flag or caller's set), and ``source`` itself (it starts the
        path, it cannot reappear inside it).
        """
        bmask = _as_mask(blocked, self.n, "blocked")
        mine = self._blocks.get(source)
        if mine:
            bmask[np.fromiter(mine, dtype=np.int64)] = True
        if self._gone.size:
            bmask[self._gone[self._gone < self.n]] = True
        bmask[source] = False  # the requester is never excluded from their own query
        conn_off = bmask | _as_mask(no_connect, self.n, "no_connect") | self._paused[: self.n]
        conn_off[source] = True
        return bmask, conn_off

    # ---- queries: distances ---------------------------------------------------------------

    def _source(self, source: int) -> GraphIndex:
        """``self``, grown to include ``source`` if it is a member the index has not seen."""
        self._check_node(source)
        return self.with_nodes(source + 1) if source >= self.n else self

    def distances_from(
        self,
        source: int,
        max_hops: int = 3,
        *,
        blocked: NodeSet = None,
        no_through: NodeSet = None,
    ) -> Int8Array:
        """Hop distance from ``source`` to every node (``-1``: beyond ``max_hops``).

        ``blocked`` nodes (plus everyone with a block with ``source``) are neither reached
        nor passed through; ``no_through`` nodes are reached but not passed through. Degree
        labels pass no ``no_through``: a member who paused introductions is still a 2nd.
        """
        g = self._source(source)
        if not 0 <= max_hops <= 127:
            raise ValueError("max_hops must be between 0 and 127")
        bmask, _ = g._masks(source, blocked, None)
        stop = _as_mask(no_through, g.n, "no_through")
        stop[source] = False
        dist = np.full(g.n, -1, dtype=np.int8)
        dist[source] = 0
        g._bfs(np.array([source], dtype=np.int64), dist, max_hops, bmask, stop)
        return dist

    def _bfs(
        self,
        frontier: IntArray,
        dist: Int8Array,
        max_hops: int,
        bmask: BoolArray,
        stop: BoolArray,
    ) -> None:
        """Level-synchronous BFS filling ``dist`` in place; one numpy pass per hop."""
        for hop in range(1, max_hops + 1):
            frontier = frontier[~stop[frontier]]
            if frontier.size == 0:
                return
            _, dst, _ = self._expand(frontier)
            dst = dst[(dist[dst] < 0) & ~bmask[dst]]
            if dst.size == 0:
                return
            frontier = _unique(dst, self.n)
            dist[frontier] = hop

    def degrees_of(
        self,
        source: int,
        targets: npt.ArrayLike,
        max_hops: int = 3,
        *,
        blocked: NodeSet = None,
    ) -> Int8Array:
        """Hop distance (``-1``: out of network) from ``source`` to each of ``targets``.

        Meets in the middle: a BFS ball of ``max_hops - 1`` around the source, then one hop
        back from the targets, so labelling a page of members never walks three full hops.
        """
        g = self._source(source)
        tg = np.asarray(targets, dtype=np.int64).ravel()
        if tg.size and tg.min() < 0:
            raise ValueError("targets must be non-negative node ids")
        if max_hops < 1:
            return np.where(tg == source, 0, -1).astype(np.int8)
        bmask, _ = g._masks(source, blocked, None)
        dist = np.full(g.n, -1, dtype=np.int8)
        dist[source] = 0
        g._bfs(np.array([source], dtype=np.int64), dist, max_hops - 1, bmask, np.zeros(g.n, bool))
        out = np.full(tg.size, -1, dtype=np.int8)
        known = tg < g.n
        out[known] = dist[tg[known]]
        todo = np.flatnonzero(known & (out < 0))
        todo = todo[~bmask[tg[todo]]]
        if todo.size:
            # One hop back from the targets still unlabelled: min over neighbours in the ball.
            rows, inv = np.unique(tg[todo], return_inverse=True)
            src, dst, _ = g._expand(rows)
            near = dist[dst] >= 0
            best = np.full(rows.size, np.iinfo(np.int16).max, dtype=np.int16)
            row_ix = np.searchsorted(rows, src[near])
            np.minimum.at(best, row_ix, dist[dst[near]].astype(np.int16) + 1)
            found = best <= max_hops
            out[todo] = np.where(found, best, -1)[inv].astype(np.int8)
        return out

    # ---- queries: paths -------------------------------------------------------------------

    def _prefixes(
        self, source: int, depth: int, conn_off: BoolArray
    ) -> tuple[FloatArray, Int8Array, FloatArray, IntArray]:
        """Best path strength from ``source`` to every connector within ``depth`` hops.

        Returns ``(best, hops, layer1, ball)``: ``best[c]`` is the strongest path of at most
        ``depth`` hops whose nodes after the source are all connectors (ties: fewer hops),
        ``best[source] = 1`` with 0 hops; ``layer1`` is the one-hop value, kept to recover
        the middle node of two-hop prefixes; ``ball`` lists the nodes with ``best > 0``.
        Layers are kept apart (not one relaxed array) so a two-hop value never feeds on a
        longer one. Dense arrays come from ``np.zeros`` (lazily zeroed pages) and are only
        touched at the ball's nodes, so a query costs what its ball costs, not ``n``.
        """
        n = self.n
        layer1 = np.zeros(n, dtype=np.float64)
        best = np.zeros(n, dtype=np.float64)
        hops = np.zeros(n, dtype=np.int8)
        ball = np.array([source], dtype=np.int64)
        if depth >= 1:
            _, first, w = self._expand(ball)
            ok = ~conn_off[first]
            first = first[ok]
            layer1[first] = best[first] = _FACTOR[w[ok]]
            hops[first] = 1
            ball = np.concatenate([ball, first])
        if depth >= 2 and first.size:
            src, dst, w = self._expand(first)
            ok = ~conn_off[dst]
            src, dst, w = src[ok], dst[ok], w[ok]
            layer2 = np.zeros(n, dtype=np.float64)
            np.maximum.at(layer2, dst, layer1[src] * _FACTOR[w])
            second = _unique(dst, n)
            better = second[layer2[second] > best[second]]
            best[better] = layer2[better]
            hops[better] = 2
            ball = np.concatenate([ball, better[layer1[better] == 0]])
        best[source] = 1.0
        hops[source] = 0
        return best, hops, layer1, ball

    def _paths(
        self,
        source: int,
        meets: Sequence[int],
        meet_hops: Sequence[int],
        ends: Sequence[int],
        layer1: FloatArray,
        best: FloatArray,
    ) -> list[Path]:
        """Spell out the chosen paths; edge strengths are looked up in one batch."""
        found: list[tuple[int, ...]] = []
        for meet, hops, end in zip(meets, meet_hops, ends, strict=True):
            if hops == 0:
                found.append((source, end))
            elif hops == 1:
                found.append((source, meet, end))
            else:  # the middle: smallest c with source → c → meet worth exactly best[meet]
                _, dst, w = self._expand(np.array([meet], dtype=np.int64))
                hit = (layer1[dst] > 0) & (layer1[dst] * _FACTOR[w] == best[meet])
                found.append((source, int(dst[hit].min()), meet, end))
        if not found:
            return []
        u = np.array([x for nodes in found for x in nodes[:-1]], dtype=np.int64)
        v = np.array([x for nodes in found for x in nodes[1:]], dtype=np.int64)
        strengths = self._strengths(u, v).tolist()
        out, at = [], 0
        for nodes in found:
            hop_s = strengths[at : at + len(nodes) - 1]
            at += len(nodes) - 1
            score = 1.0
            for x in hop_s:  # left to right, the same order as the search: scores match exactly
                score *= float(_FACTOR[x])
            out.append(Path(nodes=nodes, strengths=tuple(hop_s), score=score))
        return out

    def best_paths(
        self,
        source: int,
        target: int,
        k: int = 5,
        max_hops: int = 3,
        *,
        blocked: NodeSet = None,
        no_connect: NodeSet = None,
    ) -> list[Path]:
        """The best path to ``target`` through each of up to ``k`` different last connectors.

        Different last connectors (the member who would introduce you) make the k paths
        real alternatives rather than k variations of one route. A direct connection counts
        as one of the k. Ranked by score, then fewer hops, then smaller last-connector id.
        ``blocked`` nodes are never on a path (nor a target); ``no_connect`` (and paused)
        nodes are never connectors.
        """
        g = self._source(source)
        _check_path_args(k, max_hops)
        if target < 0 or target == source:
            raise ValueError("target must be another member's node id")
        if target >= g.n:
            return []
        bmask, conn_off = g._masks(source, blocked, no_connect)
        if bmask[target]:
            return []
        conn_off[target] = True  # the target ends the path; it is never in the middle
        best, hops, layer1, _ = g._prefixes(source, max_hops - 1, conn_off)
        _, meet, w = g._expand(np.array([target], dtype=np.int64))
        ok = best[meet] > 0
        meet, w = meet[ok], w[ok]
        val = best[meet] * _FACTOR[w]
        top = meet[_top_k(k, val, hops[meet].astype(np.int64), meet)]
        return g._paths(source, top.tolist(), hops[top].tolist(), [target] * top.size, layer1, best)

    def best_paths_to_holders(
        self,
        source: int,
        holders: NodeSet,
        k: int = 5,
        max_hops: int = 3,
        *,
        blocked: NodeSet = None,
        no_connect: NodeSet = None,
        direction: str = "auto",
        first_chunk: int = 128,
    ) -> list[Path]:
        """The best path to each of up to ``k`` different holders (the path ends at the holder).

        ``holders`` are the members whose shared entries match a filter (from the database).
        Forward from the source up to ``max_hops - 1`` hops over connectors, then one hop
        between that ball and the holder set, meeting in the middle; the last hop is taken
        from the ball forward, best first, until the answer is settled, unless that would read
        more entries than the holders have, in which case from the holders backward
        (``direction`` forces "forward"/"backward", for tests). One path per holder, ranked
        by score, then fewer hops, then smaller last connector id, then smaller holder id.
        The source is never its own holder; blocked holders are dropped; paused holders stay
        (they are the end, not a connector).
        Forward, the ball is expanded strongest prefixes first (``first_chunk`` of them, then
        four times as many each round, or exactly those still able to matter once the k-th
        holder is known) and stops once the answer is settled (see
        ``_expand_best_first``); the chunk size changes speed only, never the answer.
        """
        g = self._source(source)
        _check_path_args(k, max_hops)
        if direction not in ("auto", "forward", "backward"):
            raise ValueError("direction must be 'auto', 'forward' or 'backward'")
        bmask, conn_off = g._masks(source, blocked, no_connect)
        hmask = _as_mask(holders, g.n, "holders") & ~bmask
        hmask[source] = False
        hrows = _ids(holders, g.n)
        hrows = hrows[hmask[hrows]]
        if hrows.size == 0:
            return []
        best, hops, layer1, ball = g._prefixes(source, max_hops - 1, conn_off)
        forward = None
        if direction != "backward":
            # Auto: forward within the budget of the backward side's entries, so a query
            # reads at most about twice what the cheaper side would (a few holders: backward
            # at once; a broad filter: the strongest few prefixes settle it).
            budget = g._cost(hrows) if direction == "auto" else None
            forward = g._expand_best_first(ball, best, hops, hmask, k, first_chunk, budget)
        if forward is not None:
            meet, end, w = forward
            ok = np.ones(end.size, dtype=np.bool_)
        else:
            end, meet, w = g._expand(hrows)
            ok = best[meet] > 0
        meet, end, w = meet[ok], end[ok], w[ok]
        val = best[meet] * _FACTOR[w]
        mhops = hops[meet].astype(np.int64)
        # Per holder keep one entry: max value, then fewest hops, then smallest meeting node.
        # Both reductions scatter into lazily zeroed arrays (the tie key is stored inverted so
        # that zero, not a fill value, is the neutral start).
        top_val = np.zeros(g.n, dtype=np.float64)
        np.maximum.at(top_val, end, val)
        tied = val == top_val[end]
        meet, end, val, mhops = meet[tied], end[tied], val[tied], mhops[tied]
        inv_key = (MAX_PATH_HOPS + 1) * g.n - (mhops * g.n + meet)
        top_key = np.zeros(g.n, dtype=np.int64)
        np.maximum.at(top_key, end, inv_key)
        win = inv_key == top_key[end]
        meet, end, val, mhops = meet[win], end[win], val[win], mhops[win]
        top = _top_k(k, val, mhops, meet, end)
        return g._paths(
            source, meet[top].tolist(), mhops[top].tolist(), end[top].tolist(), layer1, best
        )

    def _expand_best_first(
        self,
        ball: IntArray,
        best: FloatArray,
        hops: Int8Array,
        hmask: BoolArray,
        k: int,
        first_chunk: int,
        budget: int | None = None,
    ) -> tuple[IntArray, IntArray, Int8Array] | None:
        """Entries ``meet → holder`` from the ball, expanding the strongest prefixes first;
        None when settling would read more than ``budget`` entries.

        Prefixes are taken in the order the answer ranks paths (higher ``best``, then fewer
        hops, then smaller id). After each round, ``kth`` is the key of the k-th best holder
        found so far (value, hops, meeting node, as ``best_paths_to_holders`` ranks them) and
        the next unexpanded prefix ``p`` can give at most ``(best[p] · top factor, hops[p],
        p)``. Once that is worse than ``kth`` the rest can be skipped: every entry they would
        add ranks below the k-th holder, so it can neither enter the top k nor improve a
        holder already in it. Comparing the tie keys too, not only the value, matters with
        five strengths: hundreds of prefixes share the best value, and those with more hops
        or larger ids than the k-th can never come first.
        """
        order = ball[np.lexsort((ball, hops[ball], -best[ball]))]
        top_factor = float(_FACTOR.max())
        metas: list[IntArray] = []
        ends: list[IntArray] = []
        ws: list[Int8Array] = []
        done, chunk, spent = 0, max(1, first_chunk), 0
        while done < order.size:
            rows = order[done : done + chunk]
            spent += self._cost(rows)
            if budget is not None and spent > budget:
                return None
            m, e, w = self._expand(rows)
            ok = hmask[e]
            metas.append(m[ok])
            ends.append(e[ok])
            ws.append(w[ok])
            done += chunk
            chunk *= 4
            if done >= order.size:
                break
            meet, end = np.concatenate(metas), np.concatenate(ends)
            kth = _kth_key(meet, end, best[meet] * _FACTOR[np.concatenate(ws)], hops, k, self.n)
            if kth is None:
                continue
            # Prefixes still able to beat the k-th: a contiguous run at the head of the rest.
            rest = order[done:]
            bound = best[rest] * top_factor
            able = (bound > kth[0]) | (
                (bound == kth[0])
                & ((hops[rest] < kth[1]) | ((hops[rest] == kth[1]) & (rest < kth[2])))
            )
            needed = int(np.argmin(able)) if not able.all() else rest.size
            if needed == 0:
                break
            chunk = needed  # exactly those, then the rest can be skipped
        if not metas:
            return _EMPTY_I64, _EMPTY_I64, np.zeros(0, dtype=np.int8)
        return np.concatenate(metas), np.concatenate(ends), np.concatenate(ws)

    def _cost(self, rows: IntArray) -> int:
        """CSR entries a frontier would expand (overlay ignored: it is only an estimate)."""
        rows = rows[rows < self._csr.n]
        return int((self._csr.indptr[rows + 1] - self._csr.indptr[rows]).sum())

    # ---- queries: recommendations ---------------------------------------------------------

    def recommend(
        self, source: int, k: int = 10, *, blocked: NodeSet = None
    ) -> list[Recommendation]:
        """People you may want to know": non-connections sharing the most, strongest ties.

        Score = Σ over common connections c of f(source–c) · f(c–candidate), with f the
        normalised strength; ties by more common connections, then smaller id. Excludes the
        source, existing connections and blocked members (who count neither as candidates
        nor as common connections). Topics are matched in the database and can be
        blended in by the caller.
        """
        g = self._source(source)
        if k < 1:
            raise ValueError("k must be at least 1")
        bmask, _ = g._masks(source, blocked, None)
        _, first, w1 = g._expand(np.array([source], dtype=np.int64))
        ok = ~bmask[first]
        first, w1 = first[ok], w1[ok]
        f1 = np.zeros(g.n, dtype=np.float64)
        f1[first] = _FACTOR[w1]
        src, cand, w2 = g._expand(first)
        ok = ~bmask[cand] & (f1[cand] == 0) & (cand != source)
        src, cand, w2 = src[ok], cand[ok], w2[ok]
        if cand.size == 0:
            return []
        nodes, inv = np.unique(cand, return_inverse=True)
        score = np.bincount(inv, weights=f1[src] * _FACTOR[w2]).astype(np.float64)
        common = np.bincount(inv).astype(np.int64)
        top = _top_k(k, score, -common, nodes)
        return [
            Recommendation(node=int(nodes[i]), score=float(score[i]), common=int(common[i]))
            for i in top
        ]


# --------------------------------------------------------------------------------------------
# Module helpers


def _check_path_args(k: int, max_hops: int) -> None:
    if k < 1:
        raise ValueError("k must be at least 1")
    if not 1 <= max_hops <= MAX_PATH_HOPS:
        raise ValueError(f"max_hops must be between 1 and {MAX_PATH_HOPS}")


def _kth_key(
    meet: IntArray, end: IntArray, val: FloatArray, hops: Int8Array, k: int, n: int
) -> tuple[float, int, int] | None:
    """The (value, hops, meeting node) of the k-th best holder among entries ``meet → end``
    (each holder by its best entry: higher value, then fewer hops, then smaller meeting
    node), or None when fewer than k holders are there. Ends are node ids below ``n``."""
    if val.size < k:
        return None
    top = np.zeros(n, dtype=np.float64)  # lazily zeroed: touched at the ends only
    np.maximum.at(top, end, val)
    per_end = top[arrays.unique(end)]
    if per_end.size < k:
        return None
    kth_value = float(-np.partition(-per_end, k - 1)[k - 1])
    # Only entries at or above the k-th value can be the k-th holder's: rank those fully.
    near = np.flatnonzero(val >= kth_value)
    m, e, v = meet[near], end[near], val[near]
    h = hops[m].astype(np.int64)
    ranked = np.lexsort((m, h, -v))
    seen: set[int] = set()
    for i in ranked.tolist():  # the holders' best entries in rank order, up to the k-th
        holder = int(e[i])
        if holder not in seen:
            seen.add(holder)
            if len(seen) == k:
                return float(v[i]), int(h[i]), int(m[i])
    return None


def _top_k(k: int, score: FloatArray, *tie_keys: IntArray) -> IntArray:
    """Indices of the k best by score (desc), then each tie key (asc), deterministically.

    ``argpartition`` narrows to the candidates at or above the k-th score first, so only a
    handful (plus boundary ties) are sorted.
    """
    if score.size == 0:
        return _EMPTY_I64
    if score.size > k:
        kth = np.partition(score, score.size - k)[score.size - k]
        cand = np.flatnonzero(score >= kth)
    else:
        cand = np.arange(score.size)
    keys = [t[cand] for t in reversed(tie_keys)] + [-score[cand]]
    order = np.lexsort(keys)
    return cand[order[:k]]


def _ids(nodes: NodeSet, n: int) -> IntArray:
    """Distinct node ids below ``n`` from a mask or an id array (validated by ``_as_mask``)."""
    if nodes is None:
        return _EMPTY_I64
    arr = np.asarray(nodes)
    if arr.dtype == np.bool_:
        return np.flatnonzero(arr[:n]).astype(np.int64)
    ids = arrays.unique(arr.astype(np.int64, copy=False).ravel())
    return ids[ids < n]


def _unique(values: IntArray, n: int) -> IntArray:
    """Sorted distinct node ids: a sort for small inputs, a mask scan for big ones."""
    if values.size * 16 < n:
        return arrays.unique(values)
    mask = np.zeros(n, dtype=np.bool_)
    mask[values] = True
    return np.flatnonzero(mask)


def _ranges(lo: IntArray, hi: IntArray) -> IntArray:
    """Positions ``lo[i]..hi[i]-1`` for all i, concatenated."""
    lens = hi - lo
    total = int(lens.sum())
    if total == 0:
        return _EMPTY_I64
    shift: IntArray = lo - (np.cumsum(lens) - lens)
    pos: IntArray = np.arange(total, dtype=np.int64) + np.repeat(shift, lens)
    return pos


def _lower_bound(indptr: IntArray, indices: Int32Array, u: IntArray, v: IntArray) -> IntArray:
    """Position of the first entry ≥ ``v`` in row ``u`` of a sorted-row CSR, vectorised."""
    lo = indptr[u].copy()
    hi = indptr[u + 1].copy()
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        below = np.zeros_like(active)
        below[active] = indices[mid[active]] < v[active]
        lo = np.where(active & below, mid + 1, lo)
        hi = np.where(active & ~below, mid, hi)


def _apply_one(
    change: EdgeChange,
    edges: dict[tuple[int, int], int],
    blocks: dict[int, set[int]],
    paused: dict[int, bool],
    gone: set[int],
) -> int:
    """Apply one change to the mutable working state; returns the node count it needs."""
    kind = ChangeKind(change.kind)
    a, b = change.a, change.b
    if not 0 <= a < 2**31:
        raise ValueError(f"change {change.seq}: node id {a} out of range")
    if kind in (ChangeKind.SUSPEND, ChangeKind.RESTORE):
        if kind is ChangeKind.SUSPEND:
            gone.add(a)
        else:
            gone.discard(a)
        return a + 1
    if kind in (ChangeKind.PAUSE, ChangeKind.RESUME, ChangeKind.MEMBER):
        if kind is not ChangeKind.MEMBER:
            paused[a] = kind is ChangeKind.PAUSE
        return a + 1
    if not 0 <= b < 2**31 or a == b:
        raise ValueError(f"change {change.seq}: {kind.value} needs two different node ids")
    pair = (min(a, b), max(a, b))
    if kind in (ChangeKind.CONNECT, ChangeKind.STRENGTH):
        if not MIN_STRENGTH <= change.strength <= MAX_STRENGTH:
            raise ValueError(f"change {change.seq}: strength must be 1–5")
        edges[pair] = change.strength
    elif kind is ChangeKind.DISCONNECT:
        edges[pair] = 0
    elif kind is ChangeKind.BLOCK:
        edges[pair] = 0
        blocks.setdefault(a, set()).add(b)
        blocks.setdefault(b, set()).add(a)
    else:  # UNBLOCK
        blocks.get(a, set()).discard(b)
        blocks.get(b, set()).discard(a)
    return max(a, b) + 1


def _gone_array(nodes: npt.ArrayLike | None) -> IntArray:
    """Sorted distinct node ids (searchable with ``searchsorted``)."""
    if nodes is None:
        return _EMPTY_I64
    arr = arrays.unique(np.asarray(nodes, dtype=np.int64).ravel())
    if arr.size and (arr[0] < 0 or arr[-1] >= 2**31):
        raise ValueError("gone node ids must be non-negative int32")
    return arr


def _blocks_from_pairs(pairs: npt.NDArray[Any]) -> dict[int, frozenset[int]]:
    arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out: dict[int, set[int]] = {}
    for a, b in arr.tolist():  # blocks are few; this runs at build time only
        if a != b:
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in out.items()}


def _pairs_from_blocks(blocks: Mapping[int, frozenset[int]]) -> IntArray:
    pairs = sorted({(min(a, b), max(a, b)) for a, bs in blocks.items() for b in bs})
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)
