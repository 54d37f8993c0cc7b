"""Whole-import speed: a 30,000-row LinkedIn export into an empty book, then re-imported,
through the real import service (parse, match, merge, bulk write, commit) on SQLite and,
when SHAREWELL_TEST_POSTGRES_URL is set, PostgreSQL. Also the other formats' end-to-end rate.

    .venv/bin/python bench/import_bench.py [--rows 30000] [--runs 3]

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


def fresh_engine(backend: str, tmp: Path):  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'import-bench.sqlite3'}"
        Path(tmp / "import-bench.sqlite3").unlink(missing_ok=True)
    else:
        base = os.environ["SHAREWELL_TEST_POSTGRES_URL"]
        admin = make_engine(base)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "sw_import_bench" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "sw_import_bench"'))
        admin.dispose()
        url = base.rsplit("/", 1)[0] + "/sw_import_bench"
    engine = make_engine(url)
    upgrade(engine)
    return engine


def run_import(factory, holder_id: int, data: bytes) -> tuple[float, dict[str, int]]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
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
    elapsed = time.perf_counter() - t0
    return elapsed, {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }


def bench_backend(
    backend: str, rows: int, runs: int, tmp: Path, formats: list[str]
) -> dict[str, object]:
    people = files.people(rows)
    out: dict[str, object] = {}
    for name, generate in files.GENERATORS.items():
        if formats and name.value not in formats:
            continue
        data = generate(people)
        first, second = [], []
        counts: dict[str, int] = {}
        for _ in range(runs if name.value == "linkedin" else 1):
            engine = fresh_engine(backend, tmp)
            factory = make_session_factory(engine)
            with session_scope(factory) as session:
                holder = Member(handle="bench", email="bench@example.org", display_name="Bench")
                session.add(holder)
                session.flush()
                holder_id = holder.id
            t, counts = run_import(factory, holder_id, data)
            first.append(t)
            t, again = run_import(factory, holder_id, data)
            second.append(t)
            # A few generated rows share an email, so they merge: every row is accounted for.
            assert sum(counts.values()) >= rows - 10 and again["created"] == 0, (counts, again)
            engine.dispose()
        out[name.value] = {
            "rows": rows,
            "empty_book_p50_s": round(statistics.median(first), 3),
            "reimport_p50_s": round(statistics.median(second), 3),
            "rows_per_second": round(rows / statistics.median(first)),
            "runs": len(first),
        }
        print(backend, name.value, out[name.value], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--formats", nargs="*", default=[], help="e.g. linkedin vcard (default: all)")
    args = ap.parse_args()
    backends = ["sqlite"] + (
        ["postgresql"] if os.environ.get("SHAREWELL_TEST_POSTGRES_URL") else []
    )
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            b: bench_backend(b, args.rows, args.runs, Path(tmp), args.formats) for b in backends
        }
    meta = {
        "benchmark": "import",
        "command": f"python bench/import_bench.py --rows {args.rows} --runs {args.runs}"
        + (f" --formats {' '.join(args.formats)}" if args.formats else ""),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "import.json").write_text(json.dumps(meta, indent=2) + "\n")
    lines = [
        "# Contact import, end to end (parse + match + write + commit)",
        "",
        f"`{meta['command']}` — {meta['machine']}, {meta['measured_at']}, "
        f"load average {meta['load_average'][0]:.1f}. Goal: LinkedIn 30k rows < 3 s each step.",
        "",
        "| backend | format | rows | empty book p50 s | re-import p50 s | rows/s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for backend, per_format in results.items():
        for fmt, r in per_format.items():
            assert isinstance(r, dict)
            lines.append(
                f"| {backend} | {fmt} | {r['rows']:,} | {r['empty_book_p50_s']} "
                f"| {r['reimport_p50_s']} | {r['rows_per_second']:,} |"
            )
    (RESULTS / "import.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
