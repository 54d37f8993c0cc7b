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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sharewell import arrays

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
    idx = arrays.unique(np.asarray(seeds, dtype=np.int64))
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


# --- the impact graph as the database side hands it over (still pure) -------------------------


class Impact(NamedTuple):
    """One confirmed impact, as an impact source reports it.

    ``beneficiary_id`` benefited from ``giver_id`` (member ids); ``kind`` is a key of
    :data:`IMPACT_KIND_WEIGHTS`; ``at`` when it was confirmed (timezone-aware UTC);
    ``topic_ids`` the topics of what was given; ``attested`` when only one end confirmed it
    (counted at :data:`ATTESTED_FACTOR`); ``ref`` a short reference such as ``"reaction:12"``
    for logs and debugging (never shown to members).
    """

    beneficiary_id: int
    giver_id: int
    kind: str
    at: datetime
    topic_ids: tuple[int, ...] = ()
    attested: bool = False
    ref: str = ""


KIND_ORDER: tuple[str, ...] = tuple(IMPACT_KIND_WEIGHTS)
"""Kinds in a fixed order: ``ImpactGraph.kinds`` holds indexes into this tuple."""

IMPACT_HORIZON_HALF_LIVES = 10
"""Impacts older than this many half-lives weigh under 0.1 % and are not read at all."""


@dataclass(frozen=True)
class ImpactGraph:
    """Edge arrays ready for :func:`compute_standing`, with the node order they use.

    ``member_ids[i]`` is the member at node ``i`` (sorted). Edge ``j`` goes from
    ``sources[j]`` (who benefited) to ``targets[j]`` (who gave) with the decayed ``weights[j]``
    and kind ``KIND_ORDER[kinds[j]]``; ``(edge_index[k], edge_topic[k])`` says edge
    ``edge_index[k]`` carries topic ``edge_topic[k]``. ``dropped`` counts the impacts left out,
    by reason (``self``, ``inactive``).
    """

    member_ids: IntArray
    sources: IntArray
    targets: IntArray
    weights: FloatArray
    kinds: IntArray
    edge_index: IntArray
    edge_topic: IntArray
    dropped: Mapping[str, int]

    @property
    def n(self) -> int:
        return int(self.member_ids.size)

    def nodes_of(self, member_ids: ArrayLike) -> IntArray:
        """Node index of each member id, ``-1`` for members not in the graph."""
        ids = np.asarray(member_ids, dtype=np.int64)
        if self.n == 0:
            return np.full(ids.shape, -1, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.member_ids, ids), 0, self.n - 1)
        return np.where(self.member_ids[pos] == ids, pos, -1).astype(np.int64)


def build_impact_graph(
    impacts: Iterable[Impact],
    member_ids: ArrayLike,
    now: datetime,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> ImpactGraph:
    """Turn impacts into weighted edges over the given (active) members.

    The rules: an impact counts once, from beneficiary to giver, weighted by its kind
    (:func:`impact_weight`, attested at the reduced factor) and decayed by age
    (:func:`decay_weights`). Self-impacts are dropped, and so is any impact with an end outside
    ``member_ids`` (suspended or deleted members). An unknown kind is a programming error in a
    source and raises ``ValueError``. Only the impact itself is an input: nothing about the
    members (titles, seniority, followers, how much they post) is looked at.
    """
    ids = arrays.unique(np.asarray(member_ids, dtype=np.int64))
    node_of = {int(m): i for i, m in enumerate(ids.tolist())}
    kind_index = {k: i for i, k in enumerate(KIND_ORDER)}
    src: list[int] = []
    dst: list[int] = []
    kinds: list[int] = []
    ages: list[float] = []
    attested: list[bool] = []
    t_edge: list[int] = []
    t_topic: list[int] = []
    dropped = {"self": 0, "inactive": 0}
    for impact in impacts:
        k = kind_index.get(impact.kind)
        if k is None:
            raise ValueError(f"unknown impact kind {impact.kind!r} (from {impact.ref or '?'})")
        if impact.beneficiary_id == impact.giver_id:
            dropped["self"] += 1
            continue
        u = node_of.get(impact.beneficiary_id)
        v = node_of.get(impact.giver_id)
        if u is None or v is None:
            dropped["inactive"] += 1
            continue
        j = len(src)
        src.append(u)
        dst.append(v)
        kinds.append(k)
        ages.append((now - impact.at).total_seconds() / 86400.0)
        attested.append(bool(impact.attested))
        for topic in impact.topic_ids:
            t_edge.append(j)
            t_topic.append(int(topic))
    kind_arr = np.asarray(kinds, dtype=np.int64)
    base = np.asarray([IMPACT_KIND_WEIGHTS[k] for k in KIND_ORDER], dtype=np.float64)
    weights = base[kind_arr] if kind_arr.size else np.zeros(0)
    weights = weights * np.where(np.asarray(attested, dtype=bool), ATTESTED_FACTOR, 1.0)
    weights = weights * decay_weights(np.asarray(ages, dtype=np.float64), half_life_days)
    return ImpactGraph(
        member_ids=ids,
        sources=np.asarray(src, dtype=np.int64),
        targets=np.asarray(dst, dtype=np.int64),
        weights=np.asarray(weights, dtype=np.float64),
        kinds=kind_arr,
        edge_index=np.asarray(t_edge, dtype=np.int64),
        edge_topic=np.asarray(t_topic, dtype=np.int64),
        dropped=MappingProxyType(dropped),
    )


def rank_scores(scores: ArrayLike) -> tuple[IntArray, FloatArray]:
    """Competition rank (1 = highest; ties share a rank) and percentile (the percentage of
    members with a strictly lower score) of every score."""
    s = np.asarray(scores, dtype=np.float64)
    if s.size == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    ordered = np.sort(s)
    below = np.searchsorted(ordered, s, side="left")
    not_above = np.searchsorted(ordered, s, side="right")
    rank = 1 + (s.size - not_above)
    return rank.astype(np.int64), 100.0 * below / s.size


@dataclass(frozen=True)
class KindShares:
    """What each (giver, kind) pair contributed, over the whole graph, as parallel arrays:
    ``amount`` is the standing that reached ``node`` through impacts of ``kind`` (the same
    ``a * s[u] * P[u, node]`` as :func:`explain_contributions`, split by kind), from ``people``
    distinct beneficiaries of whom ``regarded`` are well regarded."""

    nodes: IntArray
    kinds: IntArray
    people: IntArray
    regarded: IntArray
    amount: FloatArray


def contributions_by_kind(
    graph: ImpactGraph,
    standing: ArrayLike,
    well_regarded: ArrayLike,
    *,
    damping: float = DEFAULT_DAMPING,
) -> KindShares:
    """For every member and impact kind at once, how much standing arrived that way.

    Vectorised twin of :func:`explain_contributions` (which looks at one node): edge ``e``
    from ``u`` carries ``a * s[u] * w_e / sum_x w(u, x)``; amounts are summed per (giver,
    kind) and distinct beneficiaries counted. ``well_regarded`` is a boolean per node.
    """
    s = np.asarray(standing, dtype=np.float64)
    regarded_node = np.asarray(well_regarded, dtype=bool)
    n, k = graph.n, len(KIND_ORDER)
    none = np.zeros(0, np.int64)
    empty = KindShares(none, none, none, none, np.zeros(0, dtype=np.float64))
    if graph.sources.size == 0:
        return empty
    out_w = np.bincount(graph.sources, weights=graph.weights, minlength=n)
    amount = damping * s[graph.sources] * graph.weights / out_w[graph.sources]
    group = graph.targets * k + graph.kinds
    groups, inverse = np.unique(group, return_inverse=True)
    total = np.bincount(inverse, weights=amount, minlength=groups.size)
    triple = arrays.unique(inverse.astype(np.int64) * n + graph.sources)
    triple_group = triple // n
    people = np.bincount(triple_group, minlength=groups.size)
    regarded = np.bincount(
        triple_group, weights=regarded_node[triple % n].astype(np.float64), minlength=groups.size
    )
    return KindShares(
        nodes=(groups // k).astype(np.int64),
        kinds=(groups % k).astype(np.int64),
        people=people.astype(np.int64),
        regarded=np.rint(regarded).astype(np.int64),
        amount=np.asarray(total, dtype=np.float64),
    )


# --- words ------------------------------------------------------------------------------------

KIND_PHRASES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {  # (one person ..., several people ...)
        "intro_accepted": (
            "accepted an introduction you helped make",
            "accepted introductions you helped make",
        ),
        "outcome_met": ("met someone through you", "met someone through you"),
        "outcome_advice": ("got advice through you", "got advice through you"),
        "outcome_deal": ("closed a deal through you", "closed deals through you"),
        "outcome_hire": ("hired or got hired through you", "hired or got hired through you"),
        "insight_useful": ("marked your insights useful", "marked your insights useful"),
        "insight_acted_on": ("acted on your insights", "acted on your insights"),
        "answer_accepted": ("accepted your answer", "accepted your answers"),
    }
)


@dataclass(frozen=True)
class KindPart:
    kind: str
    people: int
    regarded: int
    fraction: float  # of the member's standing


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n:,} people"


def _percent(fraction: float) -> str:
    value = round(100 * fraction)
    return "less than 1 %" if value < 1 else f"{value} %"


def _clause(part: KindPart) -> str:
    one, many = KIND_PHRASES.get(part.kind, (part.kind, part.kind))
    text = f"{_people(part.people)} who {one if part.people == 1 else many}"
    if part.regarded:
        if part.people == 1:
            text += ", who is well regarded"
        elif part.regarded == part.people:
            text += ", all well regarded" if part.people > 2 else ", both well regarded"
        else:
            text += (
                f", {part.regarded:,} of whom {'is' if part.regarded == 1 else 'are'} well regarded"
            )
    return text


SEED_NOTE = (
    "As a seed, you also pass on trust that the administrators lent you; that trust is not "
    "counted in your standing."
)
NO_STANDING = (
    "You have no standing yet. It grows when people confirm that something you gave helped "
    "them: they mark your insight useful or act on it, accept your answer, or accept an "
    "introduction you made."
)


def describe_standing(parts: Sequence[KindPart], *, is_seed: bool = False, top: int = 3) -> str:
    """A member's standing in words, largest share first, e.g. "Most of your standing comes
    from 3 people who marked your insights useful, 2 of whom are well regarded; 20 % from 1
    person who accepted your answer." ``fraction`` is each kind's share of the standing."""
    shown = sorted(
        (p for p in parts if p.fraction > 0 and p.people > 0), key=lambda p: (-p.fraction, p.kind)
    )
    clauses: list[str] = []
    for i, part in enumerate(shown[:top]):
        if i == 0:
            lead = (
                "Most of your standing"
                if part.fraction >= 0.5
                else f"{_percent(part.fraction)} of your standing"
            )
            clauses.append(f"{lead} comes from {_clause(part)}")
        else:
            clauses.append(f"{_percent(part.fraction)} from {_clause(part)}")
    rest = sum(p.fraction for p in shown[top:])
    if rest >= 0.005:
        clauses.append(f"{_percent(rest)} from other kinds of help")
    text = "; ".join(clauses) + "." if clauses else NO_STANDING
    return f"{text} {SEED_NOTE}" if is_seed else text


GO_TO_MIN_SHARE = 0.05
"""A "go-to for <topic>" badge needs at least this share of the topic's standing."""


def is_go_to(rank: int, share: float, top: int) -> bool:
    """The badge rule: among the ``top`` of a topic's leaderboard with a real share of it."""
    return 1 <= rank <= top and share >= GO_TO_MIN_SHARE
