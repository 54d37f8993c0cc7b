"""Benchmark: standing recompute on the database (issue 10), on a generated demo network.

    .venv/bin/python bench/standing_db_bench.py --members 20000 [--database-url URL] [--runs 3]

Generates the demo (its final phase already recomputes once) into a fresh SQLite file (or an
empty PostgreSQL database given by --database-url), then times ``sharewell standing
recompute``'s work — read every impact source, compute overall and per-topic standing, write
scores, explanations and history, commit — ``--runs`` times, each its own transaction.
Results go to bench/results/standing_db.json and standing_db.md (one entry per backend).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope, utcnow
from sharewell.demo.generator import DemoOptions, generate
from sharewell.members.models import Member
from sharewell.migrations import upgrade
from sharewell.standing import service
from sharewell.standing.models import StandingHistory, StandingScore, StandingTopicScore

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the demo already in --database-url"
    )
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        parser.error("--reuse needs --database-url")

    tmp = tempfile.mkdtemp(prefix="sw-standing-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    settings = Settings(env="test", data_dir=Path(tmp), database_url=url)
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    t0 = time.perf_counter()
    counts: dict[str, int] = {}
    if args.reuse:  # bench/run_all.py shares one generated network between benchmarks
        with session_scope(factory) as session:
            args.members = int(session.scalar(select(func.count(Member.id))) or 0)
    else:
        with session_scope(factory) as session:
            counts = generate(session, DemoOptions(members=args.members), settings=settings).counts
    demo_seconds = time.perf_counter() - t0
    runs = []
    for _ in range(args.runs):
        t, cpu = time.perf_counter(), time.process_time()
        with session_scope(factory) as session:
            run = service.recompute(session, settings, utcnow(), trigger="bench")
        runs.append({
            "total_s": time.perf_counter() - t, "inside_s": run.seconds,
            "cpu_s": time.process_time() - cpu,  # this process only: the load-robust figure
        })  # fmt: skip
    with session_scope(factory) as session:
        rows = {
            "scores": session.scalar(select(func.count()).select_from(StandingScore)),
            "topic_scores": session.scalar(select(func.count()).select_from(StandingTopicScore)),
            "history": session.scalar(select(func.count()).select_from(StandingHistory)),
        }
    result = {
        "backend": engine.dialect.name,
        "members": args.members,
        "impacts": run.impacts,
        "scored": run.scored,
        "topics": run.topics,
        "rows_written": rows,
        "demo_generation_s": None if args.reuse else round(demo_seconds, 1),
        "demo_counts": counts,
        "reused_network": args.reuse,
        "recompute_s": [round(r["total_s"], 2) for r in runs],
        "recompute_median_s": round(statistics.median(r["total_s"] for r in runs), 2),
        "recompute_cpu_median_s": round(statistics.median(r["cpu_s"] for r in runs), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "date": time.strftime("%Y-%m-%d"),
    }
    engine.dispose()
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "standing_db.json"
    existing = json.loads(path.read_text()) if path.exists() else {}
    existing[result["backend"]] = result
    path.write_text(json.dumps(existing, indent=2) + "\n")
    lines = [
        "# Standing recompute on the database",
        "",
        "`bench/standing_db_bench.py`: demo network, then full recomputes (read every impact "
        "source, overall + per-topic standing, explanations, history; one transaction each).",
        "",
        "| backend | members | impacts | with standing | topic boards | rows written "
        "(scores / topic / history) | recompute median (runs) | demo build | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in existing.values():
        w = r["rows_written"]
        lines.append(
            f"| {r['backend']} | {r['members']:,} | {r['impacts']:,} | {r['scored']:,} | "
            f"{r['topics']} | {w['scores']:,} / {w['topic_scores']:,} / {w['history']:,} | "
            f"{r['recompute_median_s']} s ({', '.join(str(x) for x in r['recompute_s'])}) | "
            f"{'reused' if r.get('reused_network') else str(r['demo_generation_s']) + ' s'} | "
            f"{r['peak_rss_mib']} MiB |"
        )
    lines += [
        "",
        f"Machine: {result['machine']}; {result['date']}; load average at the end "
        f"{result['load_average']}. Wall time on a shared machine; this process's CPU time "
        f"(median {result['recompute_cpu_median_s']} s) is the load-robust figure (SQLite runs "
        "in-process; on PostgreSQL the server's share is not included).",
        "",
    ]
    (RESULTS / "standing_db.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
