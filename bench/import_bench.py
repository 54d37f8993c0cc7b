"""Whole-import speed: a 30,000-row file into an empty book, then re-imported, through the
real import service (parse, match, merge, bulk write of contacts, network terms and search
documents, commit) for every format (LinkedIn, vCard, Google, Outlook) on SQLite and, given
``--database-url`` (or SHAREWELL_TEST_POSTGRES_URL), PostgreSQL: a scratch database
(``--scratch-db``, default ``sw_import_bench``) is created on that server and dropped
afterwards.

    .venv/bin/python bench/import_bench.py [--rows 30000] [--runs 3] [--formats linkedin ...]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Each step records wall time and in-process CPU time (``time.process_time``) and the load
average: the reference machine is shared, so wall time is inflated by other work, while the
CPU time of the SQLite runs (the database engine runs in-process) is a fair proxy for a quiet
machine. For PostgreSQL the server's CPU is not in the process's CPU time.

Goal (issue 4): each LinkedIn step under 3 s on the 2-core reference machine.
Writes bench/results/import.json and bench/results/import.md.

``--phases`` instead times each step of one SQLite import and re-import per format (the CPU
time spent in parsing, matching, each bulk write and the derived indexes; the database's
share of each bulk write is listed after them) and writes bench/results/import_profile.json/.md.
"""

from __future__ import annotations

import argparse
import functools
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


SCRATCH_DB = "sw_import_bench"


def fresh_engine(backend: str, tmp: Path, pg_url: str = ""):  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'import-bench.sqlite3'}"
        Path(tmp / "import-bench.sqlite3").unlink(missing_ok=True)
    else:
        base = pg_url or os.environ["SHAREWELL_TEST_POSTGRES_URL"]
        admin = make_engine(base)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{SCRATCH_DB}"'))
        admin.dispose()
        url = base.rsplit("/", 1)[0] + "/" + SCRATCH_DB
    engine = make_engine(url)
    upgrade(engine)
    return engine


def fresh_book(backend: str, tmp: Path, pg_url: str = ""):  # type: ignore[no-untyped-def]
    """A fresh database with one member, whose empty book the imports fill."""
    engine = fresh_engine(backend, tmp, pg_url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        holder = Member(handle="bench", email="bench@example.org", display_name="Bench")
        session.add(holder)
        session.flush()
        return engine, factory, holder.id


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
            engine, factory, holder_id = fresh_book(backend, tmp, pg_url)
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
    global SCRATCH_DB
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--formats", nargs="*", default=[], help="e.g. linkedin vcard (default: all)")
    ap.add_argument(
        "--database-url",
        default=os.environ.get("SHAREWELL_TEST_POSTGRES_URL", ""),
        help="a PostgreSQL server to also measure on (a scratch database is created there)",
    )
    ap.add_argument(
        "--scratch-db",
        default=SCRATCH_DB,
        help="name of the scratch PostgreSQL database (created, then dropped)",
    )
    ap.add_argument(
        "--phases",
        action="store_true",
        help="time each step of one SQLite import instead (writes import_profile.json/.md)",
    )
    args = ap.parse_args()
    SCRATCH_DB = args.scratch_db
    if args.phases:
        RESULTS.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            write_phase_profile(args.rows, phase_profile(args.rows, Path(tmp), args.formats))
        return
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


# (module, attribute, label): the steps of an import, timed in CPU seconds by --phases.
PHASES = (
    ("importers", "parse", "parse the file"),
    ("importing", "_load_book", "load the book (contacts, emails, phones, tags, keys)"),
    ("rules", "keys_for", "match keys of the file's rows"),
    ("optouts", "opted_out_keys", "opt-out registry lookup"),
    ("index", "classify", "classify rows (email → phone → LinkedIn → name+company)"),
    ("index", "add", "add new rows to the match index"),
    ("rules", "merge_fields", "merge matched rows"),
    ("importing", "_insert_new", "insert new contacts, emails, phones, tags"),
    ("importing", "_apply_updates", "update changed contacts"),
    ("importing", "write_imported_contact_terms", "network terms of new contacts"),
    ("importing", "write_imported_contact_documents", "search documents of new contacts"),
    ("importing", "refresh_contact_terms", "network terms of updated contacts"),
    ("importing", "refresh_contact_documents", "search documents of updated contacts"),
    ("importing", "_record_duplicates", "possible duplicates"),
    ("importing", "_match_members", "member matching"),
    ("session", "commit", "commit"),
)


def phase_profile(rows: int, tmp: Path, formats: list[str]) -> dict[str, object]:
    """CPU seconds per step of one import into an empty SQLite book and its re-import."""
    from sqlalchemy.orm import Session

    from sharewell import bulk
    from sharewell.contacts import importing, optouts, rules

    spent: dict[str, float] = {}
    inside = [0]

    def timed(label: str, f):  # type: ignore[no-untyped-def]
        @functools.wraps(f)
        def run(*args, **kwargs):  # type: ignore[no-untyped-def]
            if inside[0]:  # a step called from another step counts for the outer one
                return f(*args, **kwargs)
            inside[0] += 1
            c0 = time.process_time()
            try:
                return f(*args, **kwargs)
            finally:
                inside[0] -= 1
                spent[label] = spent.get(label, 0.0) + time.process_time() - c0

        return run

    def db_timed(f):  # type: ignore[no-untyped-def]
        @functools.wraps(f)
        def run(session, tbl, *args, **kwargs):  # type: ignore[no-untyped-def]
            c0 = time.process_time()
            try:
                return f(session, tbl, *args, **kwargs)
            finally:
                label = f"  (inside the steps above) database, writing {tbl.name}"
                spent[label] = spent.get(label, 0.0) + time.process_time() - c0

        return run

    owners = {
        "importers": importing.importers,
        "importing": importing,
        "rules": importing.rules,
        "optouts": importing,
        "index": rules.MatchIndex,
        "session": Session,
    }
    saved = []
    for owner_name, attr, label in PHASES:
        owner: object = owners[owner_name]
        if owner_name == "optouts" and not hasattr(owner, attr):
            owner = optouts
        saved.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, timed(label, getattr(owner, attr)))
    saved.append((bulk, "_write", bulk._write))
    bulk._write = db_timed(bulk._write)  # type: ignore[assignment]
    out: dict[str, object] = {}
    try:
        people = files.people(rows)
        for name, generate in files.GENERATORS.items():
            if formats and name.value not in formats:
                continue
            data = generate(people)
            engine, factory, holder_id = fresh_book("sqlite", tmp)
            steps: dict[str, object] = {}
            for step in ("empty_book", "reimport"):
                spent.clear()
                wall, cpu, _ = run_import(factory, holder_id, data)
                steps[step] = {
                    "wall_s": round(wall, 3),
                    "cpu_s": round(cpu, 3),
                    "load_average": round(os.getloadavg()[0], 1),
                    "cpu_s_by_step": {k: round(v, 3) for k, v in spent.items() if v >= 0.0005},
                }
            engine.dispose()
            out[name.value] = steps
            print(name.value, steps, flush=True)
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)
    return out


def write_phase_profile(rows: int, results: dict[str, object]) -> None:
    meta = {
        "benchmark": "import_profile",
        "command": f"python bench/import_bench.py --phases --rows {rows}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "results": results,
    }
    (RESULTS / "import_profile.json").write_text(json.dumps(meta, indent=2) + "\n")
    lines = [
        "# Contact import: where the time goes (SQLite, CPU seconds per step)",
        "",
        f"`{meta['command']}` — {meta['machine']}, {meta['measured_at']}, "
        f"load average at the end {meta['load_average'][0]:.1f}.",
        "",
        "Each step of `contacts.importing.import_file`, timed in process CPU time (a step called "
        "from another one counts for the outer one; the database's share of a bulk write, "
        "in-process on SQLite, is listed after them). New contacts, their emails, phones and tags, "
        "network terms and search documents are written through `sharewell.bulk` "
        "(executemany on the raw SQLite connection, COPY on PostgreSQL); the book's match keys "
        "are read from the stored normalised columns. What is left is mostly the database's own "
        "work (the FTS5 index of the search documents, the trigger that derives each network "
        "term's flags, the contacts' six indexes) and, for vCard, vobject: it builds a "
        "content-line object per property through a Python `__setattr__`, which costs more than "
        "all the rest of the import.",
        "",
    ]
    for fmt, steps in results.items():
        assert isinstance(steps, dict)
        for step, r in steps.items():
            lines += [
                f"## {fmt}, {step.replace('_', ' ')}: {r['cpu_s']} s CPU "
                f"({r['wall_s']} s wall, load {r['load_average']})",
                "",
                "| step | CPU s |",
                "|---|---:|",
            ]
            by_step = r["cpu_s_by_step"].items()
            # The database's share of the bulk writes after the steps (it is inside them).
            lines += [f"| {k} | {v} |" for k, v in by_step if not k.startswith(" ")]
            lines += [f"| {k} | {v} |" for k, v in by_step if k.startswith(" ")]
            lines.append("")
    (RESULTS / "import_profile.md").write_text("\n".join(lines))
    print("\n".join(lines))


def drop_scratch(base: str) -> None:
    admin = make_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
