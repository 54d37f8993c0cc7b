"""Attack-resistance and real-data evaluation of standing, shared by the tests and the bench.

Pure numpy/scipy on the public graphs in ``../shared/data`` (see :mod:`sharewell.datasets`);
no database. Every experiment is deterministic for a given ``rng_seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

from sharewell.datasets import dataset_path, load_advogato, load_bitcoin_otc
from sharewell.standing.rules import (
    DEFAULT_DAMPING,
    DEFAULT_SEED_COUNT,
    compute_standing,
    default_seeds,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SYBIL_KS = (100, 1000)
SYBIL_GS = (1, 5, 20)
FAKE_OUT_DEGREE = 10  # each fake endorses this many other fakes (k - 1 when smaller)
FAKE_WEIGHT_FACTOR = 100.0  # fakes assign 100x the largest honest weight: normalisation must hold
RING_SIZE = 20


@dataclass(frozen=True)
class Graph:
    sources: IntArray
    targets: IntArray
    weights: FloatArray
    n: int


def auc(positive: npt.ArrayLike, negative: npt.ArrayLike) -> float:
    """P(score of a positive > score of a negative), ties counting one half (Mann-Whitney U)."""
    pos = np.asarray(positive, dtype=np.float64)
    neg = np.asarray(negative, dtype=np.float64)
    if pos.size == 0 or neg.size == 0:
        raise ValueError("auc needs at least one positive and one negative")
    ranks = rankdata(np.concatenate([pos, neg]))
    u = ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2.0
    return float(u / (pos.size * neg.size))


def plain_pagerank(graph: Graph, damping: float = 0.85) -> FloatArray:
    """Classic unweighted PageRank (uniform teleport, dangling mass spread uniformly)."""
    everyone = np.arange(graph.n)
    ones = np.ones(graph.sources.size)
    return compute_standing(
        graph.sources, graph.targets, ones, graph.n, everyone, damping=damping, tol=1e-10
    )


def well_connected(graph: Graph, count: int = DEFAULT_SEED_COUNT) -> IntArray:
    """The seeds an admin would pick on an honest graph: most received impact weight.

    Evaluation only: raw weighted in-degree is gameable by weight inflation, which is why the
    library's own :func:`default_seeds` normalises each source first. Here the seeds are
    chosen on the honest graph, before any attack edge exists.
    """
    valid = graph.sources != graph.targets
    received = np.bincount(graph.targets[valid], weights=graph.weights[valid], minlength=graph.n)
    return np.sort(np.lexsort((np.arange(graph.n), -received))[:count]).astype(np.int64)


def in_degree(graph: Graph) -> FloatArray:
    valid = graph.sources != graph.targets
    return np.bincount(graph.targets[valid], minlength=graph.n).astype(np.float64)


def bitcoin_otc_positive() -> tuple[Graph, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Positive ratings as edges rater -> rated (weight = rating), and the good/bad labels.

    Labels use all ratings: users with >= 3 ratings received whose mean is > 0 (good) or
    < 0 (bad).
    """
    data = load_bitcoin_otc()
    n = data.n
    count = np.bincount(data.targets, minlength=n)
    total = np.bincount(data.targets, weights=data.weights, minlength=n)
    mean = np.divide(total, count, out=np.zeros(n), where=count > 0)
    good = (count >= 3) & (mean > 0)
    bad = (count >= 3) & (mean < 0)
    keep = data.weights > 0
    graph = Graph(data.sources[keep], data.targets[keep], data.weights[keep], n)
    return graph, good, bad


@dataclass(frozen=True)
class OtcAuc:
    standing: float
    in_degree: float
    pagerank: float
    n_good: int
    n_bad: int
    damping: float

    @property
    def margin(self) -> float:
        """How far standing's AUC is above the better baseline."""
        return self.standing - max(self.in_degree, self.pagerank)


def bitcoin_otc_auc(
    damping: float = DEFAULT_DAMPING, seed_count: int = DEFAULT_SEED_COUNT
) -> OtcAuc:
    graph, good, bad = bitcoin_otc_positive()
    seeds = well_connected(graph, seed_count)
    standing = compute_standing(
        graph.sources, graph.targets, graph.weights, graph.n, seeds, damping=damping
    )
    degree = in_degree(graph)
    pagerank = plain_pagerank(graph)
    return OtcAuc(
        standing=auc(standing[good], standing[bad]),
        in_degree=auc(degree[good], degree[bad]),
        pagerank=auc(pagerank[good], pagerank[bad]),
        n_good=int(good.sum()),
        n_bad=int(bad.sum()),
        damping=damping,
    )


@dataclass(frozen=True)
class SybilResult:
    k: int
    g: int
    fakes_in_top100: int
    fake_mean: float
    honest_median: float
    share: float  # the fake region's share of all standing


def add_sybil_region(graph: Graph, k: int, g: int, rng_seed: int) -> Graph:
    """k fakes (ids n..n+k-1) endorsing each other with huge weights, g attack edges.

    Attack edges go from g distinct random honest members to random fakes (the honest member
    "benefited" from a fake), each with the median honest weight.
    """
    n = graph.n
    # A controlled experiment: the attacking honest members are the first g of one random
    # order that depends on rng_seed only, so k = 100 and k = 1,000 face the very same attack
    # edges and g = 5 adds four attackers to g = 1 (the region's size and g are what vary).
    honest = np.random.default_rng(rng_seed).permutation(n)[:g]
    rng = np.random.default_rng([rng_seed, k])
    victims = rng.permutation(k)[np.arange(g) % k]
    degree = min(k - 1, FAKE_OUT_DEGREE)
    owner = np.repeat(np.arange(k), degree)
    # offsets 1..k-1 never point at oneself; duplicates are summed, which only helps the attacker
    endorsed = (owner + rng.integers(1, k, size=owner.size)) % k
    fake_w = FAKE_WEIGHT_FACTOR * float(graph.weights.max())
    return Graph(
        sources=np.concatenate([graph.sources, n + owner, honest]).astype(np.int64),
        targets=np.concatenate([graph.targets, n + endorsed, n + victims]).astype(np.int64),
        weights=np.concatenate(
            [graph.weights, np.full(owner.size, fake_w), np.full(g, np.median(graph.weights))]
        ),
        n=n + k,
    )


def sybil_attack(
    graph: Graph, k: int, g: int, *, damping: float = DEFAULT_DAMPING, rng_seed: int = 0
) -> SybilResult:
    """Seeds: the 10 best-connected honest members (:func:`well_connected`), before the attack."""
    seeds = well_connected(graph)
    attacked = add_sybil_region(graph, k, g, rng_seed)
    s = compute_standing(
        attacked.sources, attacked.targets, attacked.weights, attacked.n, seeds, damping=damping
    )
    top = np.argsort(-s, kind="stable")[:100]
    return SybilResult(
        k=k,
        g=g,
        fakes_in_top100=int((top >= graph.n).sum()),
        fake_mean=float(s[graph.n :].mean()),
        honest_median=float(np.median(s[: graph.n])),
        share=float(s[graph.n :].sum() / s.sum()),
    )


def sybil_table(
    graph: Graph, *, damping: float = DEFAULT_DAMPING, rng_seed: int = 0
) -> list[SybilResult]:
    return [
        sybil_attack(graph, k, g, damping=damping, rng_seed=rng_seed)
        for k in SYBIL_KS
        for g in SYBIL_GS
    ]


def ring_attack(graph: Graph, *, damping: float = DEFAULT_DAMPING, rng_seed: int = 0) -> float:
    """Total standing of a 20-member ring after / before it trades only among itself.

    The ring: 20 random non-seed members who already benefited from someone and gave to
    someone (joined like ordinary members). Then every member records an impact from every
    other with 100x the largest honest weight, so nearly all of their out-trust stays inside.
    """
    seeds = well_connected(graph)
    rng = np.random.default_rng(rng_seed)
    has_in = np.bincount(graph.targets, minlength=graph.n) > 0
    has_out = np.bincount(graph.sources, minlength=graph.n) > 0
    ordinary = np.setdiff1d(np.flatnonzero(has_in & has_out), seeds)
    ring = rng.choice(ordinary, size=RING_SIZE, replace=False)
    a, b = np.meshgrid(ring, ring, indexing="ij")
    pairs = a != b
    ring_w = FAKE_WEIGHT_FACTOR * float(graph.weights.max())
    before = compute_standing(
        graph.sources, graph.targets, graph.weights, graph.n, seeds, damping=damping
    )
    after = compute_standing(
        np.concatenate([graph.sources, a[pairs]]),
        np.concatenate([graph.targets, b[pairs]]),
        np.concatenate([graph.weights, np.full(int(pairs.sum()), ring_w)]),
        graph.n,
        seeds,
        damping=damping,
    )
    return float(after[ring].sum() / before[ring].sum())


def whitewash(graph: Graph, *, damping: float = DEFAULT_DAMPING, rng_seed: int = 0) -> float:
    """Standing of a fresh account that replaces a bad one.

    The bad account: a random non-seed member with standing; it is abandoned, and a new
    account (id n) copies everything the bad one can control itself, i.e. its outgoing edges
    (the impacts it claims to have received), but no one has yet confirmed an impact *from*
    it. Returns the new account's standing (the guarantee: exactly 0).
    """
    seeds = well_connected(graph)
    before = compute_standing(
        graph.sources, graph.targets, graph.weights, graph.n, seeds, damping=damping
    )
    rng = np.random.default_rng(rng_seed)
    candidates = np.setdiff1d(np.flatnonzero(before > 0), seeds)
    bad = int(rng.choice(candidates))
    outgoing = graph.sources == bad
    after = compute_standing(
        np.concatenate([graph.sources, np.full(int(outgoing.sum()), graph.n)]),
        np.concatenate([graph.targets, graph.targets[outgoing]]),
        np.concatenate([graph.weights, graph.weights[outgoing]]),
        graph.n + 1,
        seeds,
        damping=damping,
    )
    return float(after[graph.n])


ADVOGATO_LEVELS = {0.6: "apprentice", 0.8: "journeyer", 1.0: "master"}
ADVOGATO_FOUNDERS = ("raph", "miguel", "federico", "alan")  # Advogato's own trust roots


@dataclass(frozen=True)
class AdvogatoResult:
    means: dict[str, float]
    medians: dict[str, float]
    counts: dict[str, int]
    auc_journeyer_over_apprentice: float
    auc_master_over_journeyer: float
    seeds: str


def advogato_ordering(damping: float = DEFAULT_DAMPING) -> AdvogatoResult:
    """Standing per certification group; a member's group is the median level certified to them.

    Seeds are Advogato's founders when the names file is present (they were its real trust
    roots), otherwise the default seeds. Standing uses the certification levels as weights.
    """
    data = load_advogato()
    graph = Graph(data.sources, data.targets, data.weights, data.n)
    seeds, seed_note = _advogato_seeds(graph, data.original_ids)
    s = compute_standing(
        graph.sources, graph.targets, graph.weights, graph.n, seeds, damping=damping
    )
    level = _median_in_level(graph)
    groups = {name: (np.isclose(level, value)) for value, name in ADVOGATO_LEVELS.items()}
    return AdvogatoResult(
        means={k: float(s[m].mean()) for k, m in groups.items()},
        medians={k: float(np.median(s[m])) for k, m in groups.items()},
        counts={k: int(m.sum()) for k, m in groups.items()},
        auc_journeyer_over_apprentice=auc(s[groups["journeyer"]], s[groups["apprentice"]]),
        auc_master_over_journeyer=auc(s[groups["master"]], s[groups["journeyer"]]),
        seeds=seed_note,
    )


def _median_in_level(graph: Graph) -> FloatArray:
    """Lower median of the certification levels each node received (NaN when none)."""
    valid = graph.sources != graph.targets
    dst, w = graph.targets[valid], graph.weights[valid]
    order = np.lexsort((w, dst))
    dst, w = dst[order], w[order]
    starts = np.searchsorted(dst, np.arange(graph.n))
    counts = np.bincount(dst, minlength=graph.n)
    level = np.full(graph.n, np.nan)
    has = counts > 0
    level[has] = w[starts[has] + (counts[has] - 1) // 2]
    return level


def _advogato_seeds(graph: Graph, original_ids: IntArray) -> tuple[IntArray, str]:
    names_path = dataset_path("advogato/ent.advogato.user.name")
    if names_path is not None:
        names = names_path.read_text(encoding="utf-8", errors="replace").splitlines()
        wanted = {i + 1 for i, name in enumerate(names) if name.strip() in ADVOGATO_FOUNDERS}
        found = np.flatnonzero(np.isin(original_ids, sorted(wanted)))
        if found.size:
            return found.astype(np.int64), "founders " + ",".join(ADVOGATO_FOUNDERS)
    seeds = default_seeds(graph.sources, graph.targets, graph.weights, graph.n)
    return seeds, "default (top normalised in-trust)"
