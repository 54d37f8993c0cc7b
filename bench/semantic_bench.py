"""The semantic extra's costs: encoding speed, the vector backfill of a demo network, and the
query-time cost of the semantic leg. Needs ``pip install -e '.[semantic]'``.

    python bench/semantic_bench.py                       # 2,000-member demo, SQLite
    python bench/semantic_bench.py --members 2000 --data-dir /tmp/sem2k --queries 300

1. ``sharewell demo --members N`` into an empty data folder (skipped when it already holds
   one), then ``sharewell search reindex --vectors`` as a separate process — the backfill an
   operator runs after installing the extra: its wall time and its CPU time (user + system,
   from ``getrusage`` of the child) are recorded.
2. In this process: model load time; encoding speed (texts/s, wall and CPU) over the
   network's own profile, insight and comment texts, in the batches the writer uses;
3. the semantic leg of a query (``semantic.nearest``: encode the query, dot product with the
   matrix, the similarity floor): p50/p99 wall and CPU; and a whole search
   (``queries.search``) with and without it, so its share of a search is seen.

CPU time is this process's (``time.process_time``, every thread: torch uses both cores) and
is the figure to compare on a shared machine; the load average is recorded with each part.
Results: bench/results/semantic.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from search_bench import pct
from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.members.models import Member
from sharewell.network.index import GraphHolder
from sharewell.search import queries, semantic
from sharewell.search.models import SearchDocument, SearchVector

RESULTS = Path(__file__).parent / "results"
HERE = Path(__file__).resolve().parent

# Phrasings a member would type; none is a word-for-word copy of the demo's texts.
PHRASES = [
    "help scaling a data team",
    "advice on hiring engineers",
    "someone who knows pricing strategy",
    "mentor for a first time manager",
    "kubernetes migration experience",
    "how to raise a seed round",
    "compensation ranges for designers",
    "people who ran remote teams",
    "getting started with machine learning in production",
    "negotiating enterprise contracts",
    "product discovery interviews",
    "security audit before launch",
]


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cli(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``sharewell ARGS`` in its own process: wall time and the child's CPU time."""
    exe = str(Path(sys.executable).with_name("sharewell"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    la = load()
    t0 = time.perf_counter()
    done = subprocess.run([exe, *args], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "command": "sharewell " + " ".join(args),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "loadavg_before": la,
        "output": done.stdout.strip().splitlines()[-1:],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--data-dir", default=str(HERE / ".data" / "semantic-2k"))
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--encode-sample", type=int, default=1024)
    args = ap.parse_args()
    if not semantic.available():
        sys.exit(f"the semantic extra is not installed: {semantic.INSTALL_HINT}")
    data = Path(args.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SHAREWELL_DATA_DIR": str(data), "SHAREWELL_ENV": "development"}
    db_file = data / "sharewell.sqlite3"
    report: dict[str, Any] = {
        "run": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "members": args.members,
    }
    if not db_file.exists():
        report["generate"] = cli(["demo", "--members", str(args.members)], env)
    report["backfill"] = cli(["search", "reindex", "--vectors"], env)
    engine = make_engine(f"sqlite:///{db_file}")
    factory = make_session_factory(engine)
    settings = Settings(env="test", data_dir=data, display_quota_enabled=False)
    with session_scope(factory) as session:
        report["documents"] = {
            kind: int(n)
            for kind, n in session.execute(
                select(SearchDocument.kind, func.count(SearchDocument.id))
                .where(SearchDocument.kind.in_(semantic.KINDS))
                .group_by(SearchDocument.kind)
            ).tuples()
        }
        report["vectors"] = int(session.scalar(select(func.count(SearchVector.doc_id))) or 0)
        texts = [
            semantic.text_of({"name": n, "title": t, "body": b})
            for n, t, b in session.execute(
                select(SearchDocument.name, SearchDocument.title, SearchDocument.body)
                .where(SearchDocument.kind.in_(semantic.KINDS))
                .order_by(SearchDocument.id.desc())
                .limit(args.encode_sample)
            ).tuples()
        ]
    backfill = report["backfill"]
    n_docs = sum(report["documents"].values())
    backfill["vectors_per_s_wall"] = round(n_docs / backfill["wall_s"], 1)
    backfill["vectors_per_s_cpu"] = round(n_docs / backfill["cpu_s"], 1)

    assert semantic.configure(True)
    la = load()
    t0, c0 = time.perf_counter(), time.process_time()
    semantic.encode(["warm up"])
    report["model_load"] = {
        "wall_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(time.process_time() - c0, 2),
        "loadavg_before": la,
    }
    la = load()
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), 64):  # the writer's batch size
        semantic.encode(texts[start : start + 64])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    report["encoding"] = {
        "texts": len(texts),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
        "texts_per_s_wall": round(len(texts) / wall, 1),
        "texts_per_s_cpu": round(len(texts) / cpu, 1),
        "loadavg_before": la,
    }

    rng = np.random.default_rng(5)
    qs = [PHRASES[int(rng.integers(len(PHRASES)))] for _ in range(args.queries)]
    with session_scope(factory) as session:
        semantic.nearest(session, "warm up")  # loads the matrix once
        walls, cpus, kept = [], [], []
        la = load()
        for q in qs:
            t0, c0 = time.perf_counter(), time.process_time()
            near = semantic.nearest(
                session,
                q,
                k=settings.search_candidates,
                min_similarity=settings.search_semantic_min_similarity,
            )
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            kept.append(len(near))
        report["semantic_leg"] = {
            "wall": pct(walls),
            "cpu": pct(cpus),
            "neighbours_kept_mean": round(float(np.mean(kept)), 1),
            "loadavg_before": la,
        }
        index = GraphHolder(settings).current(session)
        max_id = int(session.scalar(select(func.max(Member.id))) or 1)
        viewers = [session.get(Member, int(rng.integers(1, max_id + 1))) for _ in qs]
        for label, on in (("search_without_semantic", False), ("search_with_semantic", True)):
            walls, cpus = [], []
            la = load()
            for q, viewer in zip(qs, viewers, strict=True):
                if viewer is None:
                    continue
                t0, c0 = time.perf_counter(), time.process_time()
                queries.search(
                    session,
                    viewer,
                    queries.SearchParams(q=q, semantic=on),
                    settings,
                    index,
                    record=False,
                )
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            report[label] = {"wall": pct(walls), "cpu": pct(cpus), "loadavg_before": la}
        session.rollback()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "semantic.json").write_text(json.dumps(report, indent=2) + "\n")
    b, e, s = report["backfill"], report["encoding"], report["semantic_leg"]
    w, o = report["search_without_semantic"], report["search_with_semantic"]
    lines = [
        "# Semantic extra: encoding, backfill, query cost (bench/semantic_bench.py)",
        "",
        f"Demo network of {args.members:,} members on SQLite (run {report['run']}, "
        f"{report['machine']}); documents encoded: "
        + ", ".join(f"{n:,} {k}s" for k, n in report["documents"].items())
        + f" ({report['vectors']:,} vectors).",
        "",
        "| what | wall | CPU | load avg (1/5/15 min) before |",
        "|---|---|---|---|",
        f"| backfill `{b['command']}` (full text + vectors) | {b['wall_s']} s "
        f"({b['vectors_per_s_wall']} docs/s) | {b['cpu_s']} s ({b['vectors_per_s_cpu']} docs/s) "
        f"| {b['loadavg_before']} |",
        f"| model load (first encode) | {report['model_load']['wall_s']} s | "
        f"{report['model_load']['cpu_s']} s | {report['model_load']['loadavg_before']} |",
        f"| encoding, batches of 64 ({e['texts']} texts, {e['mean_chars']} chars mean) | "
        f"{e['texts_per_s_wall']} texts/s | {e['texts_per_s_cpu']} texts/s (CPU s) | "
        f"{e['loadavg_before']} |",
        f"| semantic leg of a query (encode + dot product + floor), p50 / p99 | "
        f"{s['wall']['p50_ms']} / {s['wall']['p99_ms']} ms | "
        f"{s['cpu']['p50_ms']} / {s['cpu']['p99_ms']} ms | {s['loadavg_before']} |",
        f"| whole search without the semantic leg, p50 / p99 | {w['wall']['p50_ms']} / "
        f"{w['wall']['p99_ms']} ms | {w['cpu']['p50_ms']} / {w['cpu']['p99_ms']} ms | "
        f"{w['loadavg_before']} |",
        f"| whole search with it, p50 / p99 | {o['wall']['p50_ms']} / {o['wall']['p99_ms']} ms "
        f"| {o['cpu']['p50_ms']} / {o['cpu']['p99_ms']} ms | {o['loadavg_before']} |",
        "",
        f"{s['neighbours_kept_mean']} neighbours on average pass the similarity floor "
        f"({settings.search_semantic_min_similarity}). CPU time counts every thread of this "
        "process (torch encodes on both cores), so CPU can exceed wall.",
        "",
    ]
    (RESULTS / "semantic.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
