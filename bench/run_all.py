"""Run every benchmark at one scale and write the results table and bench/README.md.

    .venv/bin/python bench/run_all.py --scale 2k|10k|100k [--only NAME ...] [--skip NAME ...]
        [--sqlite-url URL] [--postgres-url URL] [--data-dir DIR] [--timeout SECONDS]
    make bench SCALE=100k [BENCH_ARGS="--postgres-url postgresql+psycopg://…/bench100k"]

One demo network is generated per backend and reused by every database benchmark of the run
(and by later runs: it lives in ``--data-dir``, default ``bench/.data/<scale>``, and is reused
when it is complete). ``--sqlite-url``/``--postgres-url`` point at an existing database instead
(a PostgreSQL database that is empty gets the demo generated into it). Benchmarks run one at a
time (the machine has two cores); one that fails or times out is reported as failed with the
end of its output, and the others still run. Afterwards every ``bench/results/*.json`` is read
and each figure that has a median, a p99 or a throughput goes into one table:
``bench/results/summary.json`` and ``summary.md``, prepended to ``bench/README.md`` together
with each benchmark's own Markdown. The engine benchmarks (paths at 1M members, standing at
1M nodes) always run at their issue-defined sizes; peers (networkx, igraph) run inside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
SCALES = {"2k": 2_000, "10k": 10_000, "100k": 100_000}
# The benchmark network: denser than `make run`'s demo, as measured in the issues.
DEMO_ARGS = ["--connections-per-member", "100", "--contacts-per-member", "50"]
SUMMARY = ("summary.json", "summary.md")


@dataclass
class Outcome:
    name: str
    backend: str
    status: str  # ok, failed, timeout, skipped
    seconds: float
    cpu_seconds: float
    detail: str = ""


def _sharewell(args: list[str], env: dict[str, str], log: Path, timeout: float) -> None:
    with log.open("w") as out:
        subprocess.run(
            [sys.executable, "-m", "sharewell.cli.main", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=timeout,
        )


def sqlite_database(members: int, data_dir: Path, timeout: float) -> tuple[str, dict[str, Any]]:
    """The run's SQLite demo network: reused when a previous run completed it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    done = data_dir / "DONE"
    url = f"sqlite:///{data_dir / 'sharewell.sqlite3'}"
    if done.exists():
        return url, json.loads(done.read_text())
    for stale in data_dir.glob("sharewell.sqlite3*"):
        stale.unlink()
    env = {**os.environ, "SHAREWELL_DATA_DIR": str(data_dir)}
    env.pop("SHAREWELL_DATABASE_URL", None)
    info = _generate(members, env, data_dir / "demo.log", timeout)
    done.write_text(json.dumps(info))
    return url, info


def postgres_database(
    members: int, url: str, log: Path, timeout: float
) -> tuple[str, dict[str, Any]]:
    """Fill an empty PostgreSQL database with the demo, or reuse one that has members."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            has_table = conn.execute(text("SELECT to_regclass('members') IS NOT NULL")).scalar()
            count = conn.execute(text("SELECT count(*) FROM members")).scalar() if has_table else 0
    finally:
        engine.dispose()
    if count:
        return url, {"reused": True, "members": int(count or 0)}
    env = {**os.environ, "SHAREWELL_DATABASE_URL": url}
    return url, _generate(members, env, log, timeout)


def _generate(members: int, env: dict[str, str], log: Path, timeout: float) -> dict[str, Any]:
    print(f"== generating the demo network ({members:,} members) → {log}", flush=True)
    started = time.perf_counter()
    before = os.times()
    _sharewell(["demo", "--members", str(members), *DEMO_ARGS], env, log, timeout)
    after = os.times()
    return {
        "members": members,
        "options": DEMO_ARGS,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(
            (after.children_user + after.children_system)
            - (before.children_user + before.children_system),
            1,
        ),
        "phases": log.read_text()[-2500:],
    }


def commands(members: int, backend: str, url: str) -> dict[str, list[str]]:
    """Benchmark name → command. Database benchmarks run once per backend on the shared
    network; the others (parsing, engines, an empty-database import) only with SQLite."""
    py = sys.executable
    label = f"{members:,} members ({backend})"
    db = {
        "paths_db": [py, str(HERE / "paths_db_bench.py"), "--database-url", url, "--label", label],
        "search": [py, str(HERE / "search_bench.py"), "--database-url", url, "--profile", "50"],
        "feed": [
            py,
            str(HERE / "feed_bench.py"),
            "--reuse",
            "--members",
            str(members),
            "--database-url",
            url,
        ],
        "standing_db": [
            py,
            str(HERE / "standing_db_bench.py"),
            "--reuse",
            "--members",
            str(members),
            "--database-url",
            url,
        ],
        "http": [py, str(HERE / "http_bench.py"), "--database-url", url],
        "home": [py, str(HERE / "home_bench.py"), "--database-url", url],
        "http_cpu": [py, str(HERE / "http_profile.py"), "--database-url", url, "--label", "latest"],
    }
    if backend != "sqlite":
        return db
    return {
        "import_parse": [py, str(HERE / "import_parse_bench.py")],
        "import": [py, str(HERE / "import_bench.py")],
        "paths_engine": [py, str(HERE / "paths_engine_bench.py")],
        "standing": [py, str(HERE / "standing_bench.py")],
        "search_quality": [py, str(HERE / "search_quality.py")],
        **db,
    }


def run_one(name: str, backend: str, cmd: list[str], timeout: float) -> Outcome:
    print(f"== {name} [{backend}]: {' '.join(cmd)}", flush=True)
    started, before = time.perf_counter(), os.times()
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, timeout=timeout, capture_output=True, text=True, check=False
        )
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-600:] if isinstance(exc.stderr, bytes) else ""
        return Outcome(
            name,
            backend,
            "timeout",
            time.perf_counter() - started,
            0.0,
            f"after {timeout:.0f} s" + (f": {tail!r}" if tail else ""),
        )
    after = os.times()
    cpu = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    sys.stdout.write(proc.stdout[-3000:])
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-8:]
        print(f"!! {name} [{backend}] failed with exit code {proc.returncode}", flush=True)
        return Outcome(
            name, backend, "failed", time.perf_counter() - started, cpu,
            f"exit {proc.returncode}: " + " ⏎ ".join(tail),
        )  # fmt: skip
    return Outcome(name, backend, "ok", time.perf_counter() - started, cpu)


# --- the results table -------------------------------------------------------------------------

_P50 = ("p50_ms", "p50_s", "p50_seconds", "empty_book_p50_s", "latency_p50_ms")
_P99 = ("p99_ms", "p99_s", "p99_seconds", "latency_p99_ms")
_RATE = ("qps", "rps", "requests_per_second", "rows_per_second", "per_second", "throughput")


def _ms(key: str, value: float) -> float:
    return value * 1000 if key.endswith(("_s", "_seconds")) else value


def figures(data: Any, path: str = "") -> list[dict[str, Any]]:
    """Every dict in a benchmark's JSON that reports a median, a p99 or a throughput."""
    out: list[dict[str, Any]] = []
    if isinstance(data, dict):
        p50 = next((k for k in _P50 if isinstance(data.get(k), int | float)), None) or next(
            (k for k in data if k.endswith(("median_s", "median_ms")) and "cpu" not in k), None
        )
        p99 = next((k for k in _P99 if isinstance(data.get(k), int | float)), None)
        rate = next((k for k in _RATE if isinstance(data.get(k), int | float)), None)
        if p50 or p99 or rate:
            n = next((data[k] for k in ("n", "runs", "queries", "rows") if k in data), None)
            mean = data.get("mean_ms")
            if not rate and isinstance(mean, int | float) and mean > 0:
                # Queries one after another: one client's throughput is 1000 / mean ms.
                rate, value = "per_s_one_client", 1000 / mean
            else:
                value = data[rate] if rate else None
            out.append({
                "figure": path.strip("."),
                "n": n,
                "p50_ms": round(_ms(p50, data[p50]), 3) if p50 else None,
                "p99_ms": round(_ms(p99, data[p99]), 3) if p99 else None,
                "throughput": round(float(value), 1) if value is not None else None,
                "throughput_unit": rate,
            })  # fmt: skip
            return out
        if not any(isinstance(v, dict | list) for v in data.values()):
            # A one-shot measurement (a full recompute, a build): each timing is its own row.
            for key, value in data.items():
                if key.endswith(("_seconds", "_s", "_ms")) and isinstance(value, int | float):
                    out.append({
                        "figure": f"{path.strip('.')}.{key}", "n": 1,
                        "p50_ms": round(_ms(key, value), 1), "p99_ms": None,
                        "throughput": None, "throughput_unit": None,
                    })  # fmt: skip
            return out
        for key, value in data.items():
            out += figures(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            label = value.get("label") if isinstance(value, dict) else None
            out += figures(value, f"{path}[{label or i}]")
    return out


def machine() -> dict[str, Any]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _cell(value: object) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def write_summary(
    scale: str, started: float, outcomes: list[Outcome], networks: dict[str, Any]
) -> str:
    table: list[dict[str, Any]] = []
    for path in sorted(RESULTS.glob("*.json")):
        if path.name in SUMMARY:
            continue
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            table.append({"benchmark": path.stem, "error": str(exc)})
            continue
        fresh = path.stat().st_mtime >= started
        for f in figures(data):
            table.append({"benchmark": path.stem, "this_run": fresh, **f})
    summary = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "machine": machine(),
        "networks": networks,
        "runs": [o.__dict__ for o in outcomes],
        "figures": table,
    }
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    m = summary["machine"]
    lines = [
        "# Results table",
        "",
        f"{summary['date']} · scale {scale} · {m['cores']} cores, {m['memory_gib']} GiB, "
        f"{m['arch']}, Python {m['python']} · load average at the end {m['load_average']} "
        "(the machine is shared: wall-clock figures are upper bounds; benchmarks that record "
        "CPU time say so in their own section).",
        "",
        "| benchmark | backend | status | wall s | cpu s | detail |",
        "|---|---|---|---:|---:|---|",
    ]
    lines += [
        f"| {o.name} | {o.backend} | {o.status} | {o.seconds:.0f} | {o.cpu_seconds:.0f} | "
        f"{o.detail.replace('|', '/')[:300]} |"
        for o in outcomes
    ]
    for backend, info in networks.items():
        lines.append(
            f"\nNetwork ({backend}): {info.get('members', '?'):,} members"
            + (
                f", generated in {info['seconds']} s ({info['cpu_seconds']} s CPU)"
                if "seconds" in info
                else " (reused)"
            )
        )
    lines += [
        "",
        "| benchmark | figure | n | p50 ms | p99 ms | throughput | unit | this run |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for f in table:
        if "error" in f:
            lines.append(f"| {f['benchmark']} | unreadable: {f['error']} | | | | | | |")
            continue
        lines.append(
            f"| {f['benchmark']} | {f['figure']} | {_cell(f['n'])} | {_cell(f['p50_ms'])} | "
            f"{_cell(f['p99_ms'])} | {_cell(f['throughput'])} | "
            f"{f['throughput_unit'] or ''} | {'yes' if f['this_run'] else 'earlier'} |"
        )
    text = "\n".join(lines) + "\n"
    (RESULTS / "summary.md").write_text(text)
    return text


def readme(summary_md: str) -> str:
    parts = [
        "# Benchmarks",
        "",
        "`make bench SCALE=2k|10k|100k` (or `.venv/bin/python bench/run_all.py --scale …`) "
        "generates one demo network per backend (SQLite always; PostgreSQL with "
        "`--postgres-url`, passed through `make bench BENCH_ARGS=…`), runs every benchmark on it "
        "one at a time, and writes the table below (`bench/results/summary.json` and "
        "`summary.md`). A failed or timed-out benchmark shows as such and the rest still run; "
        "`--only`/`--skip` pick benchmarks by name; the networks are kept in `bench/.data/` and "
        "reused by the next run (delete the folder to regenerate). Each section after the table "
        "is the Markdown its benchmark wrote to `bench/results/` (JSON beside it), with its own "
        "date, command and load average.",
        "",
        summary_md.replace("# Results table", "## Results table", 1).strip(),
    ]
    for md in sorted(RESULTS.glob("*.md")):
        if md.name in SUMMARY:
            continue
        text = md.read_text().strip()
        parts += [
            "",
            text.replace("\n# ", "\n## ").replace("# ", "## ", 1)
            if text.startswith("# ")
            else text,
        ]
    return "\n".join(parts) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=SCALES, default="2k")
    ap.add_argument("--only", nargs="*", default=[], help="benchmark names to run (default all)")
    ap.add_argument("--skip", nargs="*", default=[], help="benchmark names not to run")
    ap.add_argument("--sqlite-url", help="an existing SQLite demo database to reuse")
    ap.add_argument("--postgres-url", help="a PostgreSQL database (empty: the demo goes in)")
    ap.add_argument("--no-sqlite", action="store_true", help="PostgreSQL leg only")
    ap.add_argument("--data-dir", type=Path, help="where the SQLite network is kept")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per benchmark")
    ap.add_argument("--summary-only", action="store_true", help="only rebuild the table/README")
    args = ap.parse_args()
    members = SCALES[args.scale]
    started = time.time()
    outcomes: list[Outcome] = []
    networks: dict[str, Any] = {}
    if not args.summary_only:
        backends: list[tuple[str, str]] = []
        data_dir = args.data_dir or HERE / ".data" / args.scale
        wanted: list[tuple[str, Any]] = []
        if not args.no_sqlite:
            wanted.append(("sqlite", lambda: sqlite_database(members, data_dir, args.timeout * 4)))
        if args.postgres_url:
            log = data_dir / "demo-postgresql.log"
            data_dir.mkdir(parents=True, exist_ok=True)
            wanted.append(
                (
                    "postgresql",
                    lambda: postgres_database(members, args.postgres_url, log, args.timeout * 4),
                )
            )
        for backend, make in wanted:
            if backend == "sqlite" and args.sqlite_url:
                networks[backend] = {"reused": True, "members": members}
                backends.append((backend, args.sqlite_url))
                continue
            t0 = time.perf_counter()
            try:
                url, networks[backend] = make()
            except (subprocess.SubprocessError, OSError, ValueError) as exc:
                # Without its network no database benchmark of this backend can run.
                outcomes.append(
                    Outcome("demo network", backend, "failed", time.perf_counter() - t0, 0.0,
                            f"{type(exc).__name__}: {exc}")
                )  # fmt: skip
                continue
            backends.append((backend, url))
        for backend, url in backends:
            for name, cmd in commands(members, backend, url).items():
                if (args.only and name not in args.only) or name in args.skip:
                    continue
                outcomes.append(run_one(name, backend, cmd, args.timeout))
    scale = "none run (--summary-only)" if args.summary_only else args.scale
    text = write_summary(scale, started, outcomes, networks)
    (HERE / "README.md").write_text(readme(text))
    print(text)
    print(f"wrote {RESULTS / 'summary.md'}, {RESULTS / 'summary.json'} and {HERE / 'README.md'}")
    if any(o.status != "ok" for o in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
