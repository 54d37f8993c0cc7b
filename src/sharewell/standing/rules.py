"""Standing: an attack-resistant trust metric over the impact graph (pure, no database).

An edge ``u -> v`` means member ``u`` *benefited* from member ``v`` (``v`` gave), so trust flows
along the edge. Standing is personalized PageRank / EigenTrust (Kamvar et al. 2003) from a
pre-trusted seed set:

    s = (1 - a) * p + a * (P^T s + d(s) * p)

where ``P`` is the row-normalised local trust (each member's outgoing weights sum to 1, so a
member cannot raise anyone's standing by assigning *more* weight, only redistribute their own
fixed share), ``p`` is the uniform distribution over the seeds, ``a`` the damping and ``d(s)``
the mass sitting on members who benefited from nobody (returned to the seeds, not spread over
everyone, so it cannot be captured by fake accounts). See ``docs/standing.md`` for the
guarantees (ring bound ``1 / (1 - a)``, Sybil share bounded by attack-edge flow) and why
``a = 0.5`` is the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.signedinteger[Any]]  # int32 below 2**31 nodes: half the memory
ArrayLike = npt.ArrayLike

DEFAULT_DAMPING = 0.5
"""Share of a member's standing passed on along their impacts each step.

0.5 is the largest damping for which the collusion bound ``1 / (1 - a)`` meets the
"a ring can at most double its standing" requirement; see docs/standing.md for the trade-off
against the real-data AUC measured at 0.85."""

DEFAULT_SEED_COUNT = 10
DEFAULT_TOL = 1e-7  # L1 change between iterations; the error shrinks by ``a`` per step
DEFAULT_MAX_ITER = 200
DEFAULT_HALF_LIFE_DAYS = 365.0

# Weights per confirmed impact kind (issue 10). Hires and deals change careers, so they
# weigh most; "useful" marks are cheap to give, so they weigh least. Attested outcomes (one
# end confirmed, the other attested) count at ATTESTED_FACTOR of the full weight.
IMPACT_KIND_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "intro_accepted": 1.0,  # the target accepted an introduction: each connector on the chain
        "outcome_met": 1.0,
        "outcome_advice": 1.5,
        "outcome_deal": 4.0,
        "outcome_hire": 5.0,
        "insight_useful": 0.5,
        "insight_acted_on": 1.5,
        "answer_accepted": 1.0,
    }
)
ATTESTED_FACTOR = 0.5


def impact_weight(kind: str, *, attested: bool = False) -> float:
    """Weight of one confirmed impact of ``kind``; raises ``KeyError`` for an unknown kind."""
    base = IMPACT_KIND_WEIGHTS[kind]
    return base * ATTESTED_FACTOR if attested else base


def decay_weights(
    ages_days: ArrayLike, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> FloatArray:
    """Age decay ``0.5 ** (age / half_life)``; future dates (negative ages) count as age 0."""
    if not half_life_days > 0:
        raise ValueError("half_life_days must be positive")
    ages = np.clip(np.asarray(ages_days, dtype=np.float64), 0.0, None)
    return np.asarray(np.exp2(-ages / half_life_days), dtype=np.float64)


@dataclass(frozen=True)
class _Edges:
    """Validated, filtered edge arrays (self-loops and non-positive weights removed)."""

    sources: IndexArray
    targets: IndexArray
    weights: npt.NDArray[np.float64]
    n: int


def _clean_edges(sources: ArrayLike, targets: ArrayLike, weights: ArrayLike, n: int) -> _Edges:
    src = np.asarray(sources)
    dst = np.asarray(targets)
    w = np.asarray(weights, dtype=np.float64)
    if n < 0:
        raise ValueError("n must be non-negative")
    if not (src.shape == dst.shape == w.shape) or src.ndim != 1:
        raise ValueError("sources, targets and weights must be 1-D arrays of the same length")
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise ValueError("edge endpoints must be in 0..n-1")
    # Self-endorsement carries no information; NaN/negative/zero weights are not impacts.
    keep = (src != dst) & (w > 0) & np.isfinite(w)
    if not keep.all():
        src, dst, w = src[keep], dst[keep], w[keep]
    index_type = np.int32 if n < 2**31 else np.int64
    return _Edges(src.astype(index_type, copy=False), dst.astype(index_type, copy=False), w, n)


def _out_weights(edges: _Edges) -> FloatArray:
    return np.asarray(
        np.bincount(edges.sources, weights=edges.weights, minlength=edges.n), dtype=np.float64
    )


def _transition_transpose(edges: _Edges, out_w: FloatArray) -> sp.csr_matrix:
    """``P^T`` as CSR (row = receiver), float32: duplicates of a pair are summed by tocsr."""
    share = (edges.weights / out_w[edges.sources]).astype(np.float32)
    matrix = sp.coo_matrix((share, (edges.targets, edges.sources)), shape=(edges.n, edges.n))
    return matrix.tocsr()


def _seed_vector(seeds: ArrayLike, n: int) -> npt.NDArray[np.float32]:
    idx = np.unique(np.asarray(seeds, dtype=np.int64))
    if idx.size == 0:
        raise ValueError("seeds must not be empty")
    if idx[0] < 0 or idx[-1] >= n:
        raise ValueError("seed indices must be in 0..n-1")
    vec = np.zeros(n, dtype=np.float32)
    vec[idx] = 1.0 / idx.size
    return vec


def default_seeds(
    sources: ArrayLike,
    targets: ArrayLike,
    weights: ArrayLike,
    n: int,
    count: int = DEFAULT_SEED_COUNT,
) -> IntArray:
    """The documented default seed set: the ``count`` members with most normalised in-trust.

    Each member's outgoing weights are normalised to sum to 1 before counting, so one member
    weighs at most 1 however much weight they assign. This default is NOT Sybil-proof (k fake
    accounts can give one of them k): production passes admin-chosen seeds. Ties break by the
    lower index, so the choice is deterministic.
    """
    edges = _clean_edges(sources, targets, weights, n)
    out_w = _out_weights(edges)
    in_trust = (
        np.bincount(edges.targets, weights=edges.weights / out_w[edges.sources], minlength=n)
        if edges.sources.size
        else np.zeros(n)
    )
    order = np.lexsort((np.arange(n), -in_trust))
    chosen = order[: max(1, min(count, n))]
    return np.sort(chosen.astype(np.int64))


def _power_iteration(
    pt: sp.csr_matrix,
    teleport: npt.NDArray[np.float32],
    dangling: npt.NDArray[np.bool_],
    damping: float,
    tol: float,
    max_iter: int,
) -> npt.NDArray[np.float32]:
    """Iterate ``s <- a P^T s + (a * dangling + 1 - a) * teleport`` until the L1 change < tol."""
    score = teleport.copy()
    alpha = np.float32(damping)
    for _ in range(max_iter):
        lost = float(score[dangling].sum(dtype=np.float64))
        new = pt @ score
        new *= alpha
        new += np.float32(damping * lost + (1.0 - damping)) * teleport
        change = float(np.abs(new - score).sum(dtype=np.float64))
        score = new
        if change < tol:
            break
    return score


def compute_standing(
    sources: ArrayLike,
    targets: ArrayLike,
    weights: ArrayLike,
    n: int,
    seeds: ArrayLike | None = None,
    *,
    damping: float = DEFAULT_DAMPING,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
) -> FloatArray:
    """One non-negative standing score per node (they sum to 1 when ``n > 0``).

    ``sources[i] -> targets[i]`` with ``weights[i]``: the member who benefited -> the member
    who gave. Repeated pairs are summed; self-loops and non-positive weights are ignored.
    ``seeds``: indices of pre-trusted members; ``None`` uses :func:`default_seeds`.
    """
    if not 0.0 <= damping < 1.0:
        raise ValueError("damping must be in [0, 1)")
    edges = _clean_edges(sources, targets, weights, n)
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    if seeds is None:
        seeds = default_seeds(edges.sources, edges.targets, edges.weights, n)
    teleport = _seed_vector(seeds, n)
    out_w = _out_weights(edges)
    pt = _transition_transpose(edges, out_w)
    score = _power_iteration(pt, teleport, out_w == 0, damping, tol, max_iter)
    result = score.astype(np.float64)
    np.clip(result, 0.0, None, out=result)  # float32 round-off never makes a score negative
    return result


@dataclass(frozen=True)
class TopicStanding:
    """Per-topic standing as parallel arrays; only positive scores are listed.

    Each topic's scores sum to 1 (a share of that topic's standing) when the topic has any
    trusted impact, so "go-to for X" is comparable across topics.
    """

    topics: IntArray
    nodes: IntArray
    scores: FloatArray

    def for_topic(self, topic: int) -> tuple[IntArray, FloatArray]:
        mask = self.topics == topic
        return self.nodes[mask], self.scores[mask]

    def top(self, topic: int, k: int = 10) -> list[tuple[int, float]]:
        nodes, scores = self.for_topic(topic)
        order = np.lexsort((nodes, -scores))[:k]
        return [(int(nodes[i]), float(scores[i])) for i in order]


def compute_topic_standing(
    sources: ArrayLike,
    targets: ArrayLike,
    weights: ArrayLike,
    n: int,
    edge_index: ArrayLike,
    edge_topic: ArrayLike,
    standing: ArrayLike,
    *,
    min_edges: int = 1,
    damping: float = DEFAULT_DAMPING,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
) -> TopicStanding:
    """Standing restricted to the edges that carry each topic, all topics in one batch.

    ``(edge_index[j], edge_topic[j])`` says edge ``edge_index[j]`` carries topic
    ``edge_topic[j]`` (an edge may carry several topics). For topic X this is personalized
    PageRank on X's edges only, teleporting to the members' *overall* ``standing`` (so topic
    trust still starts from the seeds, and the overall Sybil and ring bounds carry over), and
    it reports the topic trust each member *received* (the teleport share is not counted, so a
    member with no impacts in X scores 0 in X). Topics with fewer than ``min_edges`` edges are
    skipped. All topics run as one block-diagonal sparse matrix: one matrix-vector product per
    iteration for every topic together, no Python loop over topics or edges.
    """
    src_all = np.asarray(sources)
    dst_all = np.asarray(targets)
    w_all = np.asarray(weights, dtype=np.float64)
    _clean_edges(src_all, dst_all, w_all, n)  # validates shapes and ranges
    base = np.asarray(standing, dtype=np.float64)
    if base.shape != (n,):
        raise ValueError("standing must have one score per node")
    eidx = np.asarray(edge_index, dtype=np.int64)
    etop = np.asarray(edge_topic, dtype=np.int64)
    if eidx.shape != etop.shape or eidx.ndim != 1:
        raise ValueError("edge_index and edge_topic must be 1-D arrays of the same length")
    if eidx.size and (eidx.min() < 0 or eidx.max() >= src_all.size):
        raise ValueError("edge_index out of range")
    empty = TopicStanding(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    src, dst, w = src_all[eidx].astype(np.int64), dst_all[eidx].astype(np.int64), w_all[eidx]
    keep = (src != dst) & (w > 0) & np.isfinite(w)
    src, dst, w, etop = src[keep], dst[keep], w[keep], etop[keep]
    if etop.size == 0:
        return empty
    topic_ids, topic_of_pair, counts = _distinct_topics(etop)
    big = counts[topic_of_pair] >= min_edges
    src, dst, w, block = src[big], dst[big], w[big], topic_of_pair[big]
    if block.size == 0:
        return empty
    # Compact (topic, node) pairs into local ids so each block holds only the nodes its topic
    # touches: memory follows the topic edges, not topics x members.
    keys = np.concatenate([block * n + src, block * n + dst])
    local_keys, local = _compact(keys, int(block.max() + 1) * n)
    m = src.size
    size = local_keys.size
    local_edges = _Edges(local[:m].astype(np.int64), local[m:].astype(np.int64), w, size)
    node_of = local_keys % n
    block_of = local_keys // n
    n_blocks = int(block_of.max()) + 1
    teleport = base[node_of]
    mass = np.bincount(block_of, weights=teleport, minlength=n_blocks)
    trusted = mass[block_of] > 0
    teleport = np.where(trusted, teleport / np.where(mass[block_of] > 0, mass[block_of], 1), 0.0)
    out_w = _out_weights(local_edges)
    pt = _transition_transpose(local_edges, out_w)
    score = _batched_iteration(
        pt, teleport.astype(np.float32), out_w == 0, block_of, n_blocks, damping, tol, max_iter
    )
    received = (pt @ score).astype(np.float64)
    total = np.bincount(block_of, weights=received, minlength=n_blocks)
    received = np.where(
        total[block_of] > 0, received / np.where(total[block_of] > 0, total[block_of], 1), 0.0
    )
    positive = received > 0
    return TopicStanding(
        topics=topic_ids[block_of[positive]].astype(np.int64),
        nodes=node_of[positive].astype(np.int64),
        scores=received[positive],
    )


def _distinct_topics(topics: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """``np.unique(topics, return_inverse=True, return_counts=True)`` without sorting when the
    ids are small non-negative integers (database keys), which is the usual case."""
    if topics.min() >= 0 and topics.max() < 8 * topics.size + 1_000_000:
        all_counts = np.bincount(topics)
        ids = np.flatnonzero(all_counts)
        position = np.cumsum(all_counts > 0) - 1
        return ids.astype(np.int64), position[topics].astype(np.int64), all_counts[ids]
    ids, inverse, counts = np.unique(topics, return_inverse=True, return_counts=True)
    return ids.astype(np.int64), inverse.astype(np.int64), counts.astype(np.int64)


def _compact(keys: IntArray, space: int) -> tuple[IntArray, IntArray]:
    """Sorted distinct keys and each key's index among them, like ``np.unique(inverse=True)``.

    When the key space is small enough, a presence mask and a cumulative sum do it in linear
    time (about 10x faster than sorting 40,000,000 keys); otherwise fall back to sorting.
    """
    if space <= 8 * keys.size + 1_000_000 and space < 2**31:
        present = np.zeros(space, dtype=np.bool_)
        present[keys] = True
        rank = np.cumsum(present, dtype=np.int32) - 1
        return np.flatnonzero(present).astype(np.int64), rank[keys].astype(np.int64)
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct.astype(np.int64), inverse.astype(np.int64)


def _batched_iteration(
    pt: sp.csr_matrix,
    teleport: npt.NDArray[np.float32],
    dangling: npt.NDArray[np.bool_],
    block_of: IntArray,
    n_blocks: int,
    damping: float,
    tol: float,
    max_iter: int,
) -> npt.NDArray[np.float32]:
    """Power iteration for many independent blocks; dangling mass returns within its block.

    Local ids are sorted by block, so blocks are contiguous runs: per-block sums are
    ``np.add.reduceat`` over run starts and the broadcast back is ``np.repeat`` (both linear,
    much cheaper than a gather/scatter per element).
    """
    starts = np.searchsorted(block_of, np.arange(n_blocks))
    sizes = np.diff(np.append(starts, block_of.size))
    occupied = sizes > 0  # reduceat needs non-empty runs; every block has >= 2 nodes anyway
    starts, sizes = starts[occupied], sizes[occupied]
    dangling_score = np.zeros(block_of.size, dtype=np.float32)
    base = np.float32(1.0 - damping) * teleport
    score = teleport.copy()
    alpha = np.float32(damping)
    for _ in range(max_iter):
        np.multiply(score, dangling, out=dangling_score)
        lost = np.add.reduceat(dangling_score, starts)
        new = pt @ score
        new *= alpha
        new += base
        new += np.repeat((damping * lost).astype(np.float32), sizes) * teleport
        score -= new
        np.abs(score, out=score)
        change = np.add.reduceat(score, starts)
        score = new
        if float(change.max(initial=0.0)) < tol:
            break
    return score


@dataclass(frozen=True)
class Contribution:
    """One member's share of another's standing: ``amount`` = a * s[source] * P[source, node]."""

    source: int
    weight: float  # the summed (decayed) impact weight from source to node
    amount: float
    fraction: float  # amount / the node's standing


def explain_contributions(
    sources: ArrayLike,
    targets: ArrayLike,
    weights: ArrayLike,
    n: int,
    standing: ArrayLike,
    node: int,
    *,
    top: int = 5,
    damping: float = DEFAULT_DAMPING,
) -> list[Contribution]:
    """The ``top`` incoming impact edges that contributed most to ``node``'s standing.

    Exact for the fixed point: a node's standing is the sum of these amounts over all its
    benefiters, plus its seed share when it is a seed (not listed here).
    """
    if not 0 <= node < n:
        raise ValueError("node must be in 0..n-1")
    edges = _clean_edges(sources, targets, weights, n)
    scores = np.asarray(standing, dtype=np.float64)
    incoming = edges.targets == node
    if not incoming.any():
        return []
    out_w = _out_weights(edges)
    benefiters, pair = np.unique(edges.sources[incoming], return_inverse=True)
    pair_weight = np.bincount(pair, weights=edges.weights[incoming])
    amount = damping * scores[benefiters] * pair_weight / out_w[benefiters]
    own = float(scores[node])
    order = np.lexsort((benefiters, -amount))[:top]
    return [
        Contribution(
            source=int(benefiters[i]),
            weight=float(pair_weight[i]),
            amount=float(amount[i]),
            fraction=float(amount[i] / own) if own > 0 else 0.0,
        )
        for i in order
    ]
