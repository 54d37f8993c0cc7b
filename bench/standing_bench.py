"""Standing benchmark and evaluation record (issue 10).

    .venv/bin/python bench/standing_bench.py            # full: 1,000,000 nodes / 20,000,000 edges
    .venv/bin/python bench/standing_bench.py --quick    # 100,000 / 2,000,000, for a smoke run

Writes bench/results/standing.json and bench/results/standing.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from sharewell.datasets import dataset_path, load_advogato, load_facebook
from sharewell.standing import compute_standing, compute_topic_standing
from sharewell.standing import evaluation as ev

RESULTS = Path(__file__).resolve().parent / "results"
T = TypeVar("T")


def synthetic_graph(n: int, m: int, seed: int = 0) -> ev.Graph:
    """Heavy-tailed impact graph: a few members give (and benefit) far more than most.

    ``floor(n * u**3)`` puts ~ x**(-2/3) density on low ids; a random relabelling spreads the hubs.
    """
    rng = np.random.default_rng(seed)
    relabel = rng.permutation(n).astype(np.int32)
    src = relabel[(n * rng.random(m, dtype=np.float32) ** 2).astype(np.int64).clip(0, n - 1)]
    dst = relabel[(n * rng.random(m, dtype=np.float32) ** 3).astype(np.int64).clip(0, n - 1)]
    kinds = np.array([1.0, 1.0, 1.5, 4.0, 5.0, 0.5, 1.5, 1.0], dtype=np.float32)
    ages = rng.exponential(365.0, m).astype(np.float32)
    weights = kinds[rng.integers(0, kinds.size, m)] * np.exp2(-ages / 365.0)
    return ev.Graph(src, dst, weights.astype(np.float32), n)


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """(result, seconds, peak MiB of Python/numpy allocations during the call)."""
    tracemalloc.start()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_full(n: int, m: int) -> dict[str, Any]:
    (graph, gen_s, _) = timed(lambda: synthetic_graph(n, m))
    seeds = np.arange(10) * (n // 10)
    scores, seconds, peak = timed(
        lambda: compute_standing(graph.sources, graph.targets, graph.weights, n, seeds)
    )
    default, default_s, _ = timed(
        lambda: compute_standing(graph.sources, graph.targets, graph.weights, n)
    )
    topics = _topic_assignment(m)
    topic_result, topic_s, topic_peak = timed(
        lambda: compute_topic_standing(
            graph.sources, graph.targets, graph.weights, n, np.arange(m), topics, scores
        )
    )
    return {
        "nodes": n,
        "edges": m,
        "generate_seconds": round(gen_s, 2),
        "standing_seconds": round(seconds, 2),
        "standing_peak_traced_mib": round(peak, 1),
        "standing_default_seeds_seconds": round(default_s, 2),
        "scores_sum": float(scores.sum()),
        "nonzero_scores": int((scores > 0).sum()),
        "default_seed_scores_sum": float(default.sum()),
        "topics": int(np.unique(topics).size),
        "topic_seconds": round(topic_s, 2),
        "topic_peak_traced_mib": round(topic_peak, 1),
        "topic_scores_listed": int(topic_result.scores.size),
        "process_max_rss_mib": round(max_rss_mib(), 1),
    }


def _topic_assignment(m: int) -> npt.NDArray[np.int64]:
    """One topic per edge, Zipf-like over 50 topics (a few big topics, a long tail)."""
    rng = np.random.default_rng(1)
    return (50 * rng.random(m) ** 2).astype(np.int64)


def bench_networkx(n: int, m: int) -> dict[str, Any]:
    import networkx as nx

    graph = synthetic_graph(n, m, seed=2)
    _, ours_s, _ = timed(
        lambda: compute_standing(
            graph.sources, graph.targets, graph.weights, n, np.arange(n), damping=0.85
        )
    )
    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(
        zip(graph.sources.tolist(), graph.targets.tolist(), graph.weights.tolist(), strict=True)
    )
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nx.pagerank(g, alpha=0.85, weight="weight")
    pr_s = time.perf_counter() - t0
    return {
        "nodes": n,
        "edges": m,
        "networkx_build_seconds": round(build_s, 2),
        "networkx_pagerank_seconds": round(pr_s, 2),
        "ours_same_graph_seconds": round(ours_s, 2),
        "note": "networkx.pagerank uses its scipy backend; times scale ~linearly with edges",
    }


def evaluation() -> dict[str, Any]:
    out: dict[str, Any] = {}
    if dataset_path("soc-sign-bitcoinotc.csv.gz") is None:
        return {"skipped": "../shared/data not found"}
    out["bitcoin_otc_auc"] = {
        str(d): _auc_row(ev.bitcoin_otc_auc(damping=d)) for d in (0.5, 0.7, 0.85)
    }
    otc = ev.bitcoin_otc_positive()[0]
    graphs = {"bitcoin_otc": otc, "facebook": _facebook(), "advogato": _advogato()}
    out["sybil"] = {
        name: {str(d): [asdict(r) for r in ev.sybil_table(g, damping=d)] for d in (0.5, 0.85)}
        for name, g in graphs.items()
    }
    out["ring_ratio"] = {
        str(d): [round(ev.ring_attack(otc, damping=d, rng_seed=s), 3) for s in range(5)]
        for d in (0.5, 0.7, 0.85)
    }
    out["whitewash_new_account_standing"] = [ev.whitewash(otc, rng_seed=s) for s in range(3)]
    out["advogato"] = {str(d): asdict(ev.advogato_ordering(d)) for d in (0.5, 0.85)}
    return out


def _auc_row(r: ev.OtcAuc) -> dict[str, float]:
    return {**asdict(r), "margin_over_better_baseline": round(r.margin, 4)}


def _facebook() -> ev.Graph:
    f = load_facebook()
    both_s = np.concatenate([f.sources, f.targets])
    both_t = np.concatenate([f.targets, f.sources])
    return ev.Graph(both_s, both_t, np.ones(both_s.size), f.n)


def _advogato() -> ev.Graph:
    a = load_advogato()
    return ev.Graph(a.sources, a.targets, a.weights, a.n)


def machine() -> dict[str, Any]:
    mem_kib = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        mem_kib = int(meminfo.read_text().split("\n")[0].split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 2**20, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def markdown(result: dict[str, Any]) -> str:
    full, nxr, evl = result["full"], result["networkx"], result["evaluation"]
    lines = [
        f"# Standing benchmark — {result['date']}",
        "",
        f"Machine: {result['machine']['cores']} cores, {result['machine']['memory_gib']} GiB, "
        f"Python {result['machine']['python']}, numpy {result['machine']['numpy']}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| full recompute, {full['nodes']:,} nodes / {full['edges']:,} edges, 10 seeds "
        f"| {full['standing_seconds']} s (peak traced {full['standing_peak_traced_mib']} MiB) |",
        f"| same with default seeds (seeds=None) | {full['standing_default_seeds_seconds']} s |",
        f"| per-topic standing, {full['topics']} topics (batched) "
        f"| {full['topic_seconds']} s (peak traced {full['topic_peak_traced_mib']} MiB) |",
        f"| process max RSS (incl. graph generation) | {full['process_max_rss_mib']} MiB |",
        f"| networkx {nxr['nodes']:,} nodes / {nxr['edges']:,} edges: build + pagerank "
        f"| {nxr['networkx_build_seconds']} s + {nxr['networkx_pagerank_seconds']} s |",
        f"| ours on that same graph | {nxr['ours_same_graph_seconds']} s |",
        "",
    ]
    if "bitcoin_otc_auc" in evl:
        lines += [
            "## Bitcoin OTC AUC (bad < good)",
            "",
            "| damping | standing | in-degree | PageRank | margin |",
            "|---|---|---|---|---|",
        ]
        for d, r in evl["bitcoin_otc_auc"].items():
            lines.append(
                f"| {d} | {r['standing']:.4f} | {r['in_degree']:.4f} | "
                f"{r['pagerank']:.4f} | {r['margin_over_better_baseline']:+.4f} |"
            )
        lines += [
            "",
            "## Sybil regions (share of all standing; fakes' mean / honest median)",
            "",
            "| graph | damping | k | g | fakes in top 100 | fake mean / honest median "
            "| region share |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, per_d in evl["sybil"].items():
            for d, rows in per_d.items():
                for r in rows:
                    ratio = r["fake_mean"] / r["honest_median"] if r["honest_median"] else 0
                    lines.append(
                        f"| {name} | {d} | {r['k']} | {r['g']} | {r['fakes_in_top100']} "
                        f"| {ratio:.3f} | {r['share']:.2e} |"
                    )
        lines += ["", "## Rings (total after / before, 5 random rings of 20)", ""]
        for d, ratios in evl["ring_ratio"].items():
            lines.append(f"- damping {d}: {ratios}")
        lines += [
            "",
            f"Whitewashed account standing: {evl['whitewash_new_account_standing']}",
            "",
            "## Advogato (mean / median standing per group)",
            "",
        ]
        for d, r in evl["advogato"].items():
            cells = ", ".join(
                f"{g} {r['means'][g]:.2e} / {r['medians'][g]:.2e} (n={r['counts'][g]})"
                for g in ("apprentice", "journeyer", "master")
            )
            lines.append(
                f"- damping {d}: {cells}; AUC journeyer>apprentice "
                f"{r['auc_journeyer_over_apprentice']:.3f}, master>journeyer "
                f"{r['auc_master_over_journeyer']:.3f}"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10x smaller graph")
    args = parser.parse_args()
    n, m = (100_000, 2_000_000) if args.quick else (1_000_000, 20_000_000)
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "evaluation": evaluation(),
        "full": bench_full(n, m),
        "networkx": bench_networkx(100_000, 2_000_000),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "_quick" if args.quick else ""
    (RESULTS / f"standing{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"standing{suffix}.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
