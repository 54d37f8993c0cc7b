"""Whole-import speed: a 30,000-row file into an empty book, then re-imported, through the
real import service (parse, match, merge, bulk write of contacts, network terms and search
documents, commit) for every format (LinkedIn, vCard, Google, Outlook) on SQLite and, given
``--database-url`` (or SHAREWELL_TEST_POSTGRES_URL), PostgreSQL: a scratch database
``sw_import_bench`` is created on that server and dropped afterwards.

    .venv/bin/python bench/import_bench.py [--rows 30000] [--runs 3] [--formats linkedin ...]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Each step records wall time and in-process CPU time (``time.process_time``) and the load
average: the reference machine is shared, so wall time is inflated by other work, while the
CPU time of the SQLite runs (the database engine runs in-process) is a fair proxy for a quiet
machine. For PostgreSQL the server's CPU is not in the process's CPU time.

Goal (issue 4): each LinkedIn step under 3 s on the 2-core reference machine.
Writes bench/results/import.json and bench/results/import.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_parse_bench as files
from sharewell.contacts.importing import import_file
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.members.models import Member
from sharewell.migrations import upgrade

RESULTS = Path(__file__).resolve().parent / "results"


def fresh_engine(backend: str, tmp: Path, pg_url: str = ""):  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'import-bench.sqlite3'}"
        Path(tmp / "import-bench.sqlite3").unlink(missing_ok=True)
    else:
        base = pg_url or os.environ["SHAREWELL_TEST_POSTGRES_URL"]
        admin = make_engine(base)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "sw_import_bench" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "sw_import_bench"'))
        admin.dispose()
        url = base.rsplit("/", 1)[0] + "/sw_import_bench"
    engine = make_engine(url)
    upgrade(engine)
    return engine


def run_import(factory, holder_id: int, data: bytes) -> tuple[float, float, dict[str, int]]:  # type: ignore[no-untyped-def]
    """One import in its own transaction: (wall s, CPU s, counts)."""
    t0, c0 = time.perf_counter(), time.process_time()
    with session_scope(factory) as session:
        holder = session.get(Member, holder_id)
        report = import_file(
            session,
            holder,
            data,
            filename="bench",
            max_bytes=200_000_000,  # type: ignore[arg-type]
            secret_key="bench",
        )
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return (
        elapsed,
        cpu,
        {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
    )


def bench_backend(
    backend: str, rows: int, runs: int, tmp: Path, formats: list[str], pg_url: str = ""
) -> dict[str, object]:
    people = files.people(rows)
    out: dict[str, object] = {}
    for name, generate in files.GENERATORS.items():
        if formats and name.value not in formats:
            continue
        data = generate(people)
        first: list[tuple[float, float]] = []
        second: list[tuple[float, float]] = []
        loads: list[float] = []
        for _ in range(runs):
            engine = fresh_engine(backend, tmp, pg_url)
            factory = make_session_factory(engine)
            with session_scope(factory) as session:
                holder = Member(handle="bench", email="bench@example.org", display_name="Bench")
                session.add(holder)
                session.flush()
                holder_id = holder.id
            wall, cpu, counts = run_import(factory, holder_id, data)
            first.append((wall, cpu))
            wall, cpu, again = run_import(factory, holder_id, data)
            second.append((wall, cpu))
            loads.append(os.getloadavg()[0])
            # A few generated rows share an email, so they merge: every row is accounted for.
            assert sum(counts.values()) >= rows - 10 and again["created"] == 0, (counts, again)
            engine.dispose()
        e_wall = statistics.median(w for w, _ in first)
        e_cpu = statistics.median(c for _, c in first)
        r_wall = statistics.median(w for w, _ in second)
        r_cpu = statistics.median(c for _, c in second)
        out[name.value] = {
            "rows": rows,
            "empty_book_p50_s": round(e_wall, 3),
            "empty_book_cpu_p50_s": round(e_cpu, 3),
            "reimport_p50_s": round(r_wall, 3),
            "reimport_cpu_p50_s": round(r_cpu, 3),
            "rows_per_second": round(rows / e_wall),
            "rows_per_cpu_second": round(rows / e_cpu),
            "reimport_rows_per_second": round(rows / r_wall),
            "reimport_rows_per_cpu_second": round(rows / r_cpu),
            "load_average": round(statistics.median(loads), 1),
            "runs": runs,
        }
        print(backend, name.value, out[name.value], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--formats", nargs="*", default=[], help="e.g. linkedin vcard (default: all)")
    ap.add_argument(
        "--database-url",
        default=os.environ.get("SHAREWELL_TEST_POSTGRES_URL", ""),
        help="a PostgreSQL server to also measure on (a scratch database is created there)",
    )
    args = ap.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.database_url else [])
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            b: bench_backend(b, args.rows, args.runs, Path(tmp), args.formats, args.database_url)
            for b in backends
        }
    if args.database_url:
        drop_scratch(args.database_url)
    meta = {
        "benchmark": "import",
        "command": f"python bench/import_bench.py --rows {args.rows} --runs {args.runs}"
        + (f" --formats {' '.join(args.formats)}" if args.formats else "")
        + (" --database-url <postgresql>" if args.database_url else ""),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "import.json").write_text(json.dumps(meta, indent=2) + "\n")
    lines = [
        "# Contact import, end to end (parse + match + write + derived indexes + commit)",
        "",
        f"`{meta['command']}` — {meta['machine']}, {meta['measured_at']}, "
        f"load average at the end {meta['load_average'][0]:.1f}. "
        "Goal: LinkedIn 30k rows < 3 s each step.",
        "",
        "Wall time is inflated by the other work on this shared 2-core machine (see the load "
        "average per row); the in-process CPU time is the load-robust figure and, for SQLite "
        "(which runs in-process), a fair proxy for a quiet machine's latency. PostgreSQL's CPU "
        "time leaves out the server's share. Medians over the runs; rows/s from the median.",
        "",
        "| backend | format | rows | empty book s (CPU s) | re-import s (CPU s) "
        "| rows/s empty (per CPU s) | rows/s re-import (per CPU s) | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, per_format in results.items():
        for fmt, r in per_format.items():
            assert isinstance(r, dict)
            lines.append(
                f"| {backend} | {fmt} | {r['rows']:,} "
                f"| {r['empty_book_p50_s']} ({r['empty_book_cpu_p50_s']}) "
                f"| {r['reimport_p50_s']} ({r['reimport_cpu_p50_s']}) "
                f"| {r['rows_per_second']:,} ({r['rows_per_cpu_second']:,}) "
                f"| {r['reimport_rows_per_second']:,} ({r['reimport_rows_per_cpu_second']:,}) "
                f"| {r['load_average']} |"
            )
    (RESULTS / "import.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def drop_scratch(base: str) -> None:
    admin = make_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "sw_import_bench" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
