"""Search speed: p50/p99 of a two-word query with filters, through the whole search service
(full text, visibility, cards, aggregates, closeness from the graph index, and the quota and
audit bookkeeping of ``record_displays``), on the bulk demo.

Generate the network first (into an empty database; the demo's last phase builds the search
index), e.g.:
    SHAREWELL_DATA_DIR=/tmp/bench5k sharewell demo --members 5000 --contacts-per-member 50
then: python bench/search_bench.py --database-url sqlite:////tmp/bench5k/sharewell.sqlite3
Queries are drawn from the demo's own vocabulary: a title word and a topic word, with a city
or a company filter. Each query runs in its own transaction, committed (so the display audit
is really written); the quota is counted but set high enough never to refuse.
Results: bench/results/search.{json,md} (one entry per backend, merged).

Per query both the wall time and this process's CPU time (``time.process_time``) are kept:
the machine is shared, and for SQLite (in-process) the CPU time is a load-robust stand-in for
the latency on a quiet machine; the load average is recorded with every run. Before the
first query the process freezes its startup objects out of the garbage collector's sight, as
the server does at startup (``sharewell.heap``). ``--profile N``
runs N more queries under cProfile (timed by this process's CPU clock) and reports where the
time goes, per stage.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select, text

from sharewell.config import Settings
from sharewell.contacts.models import Contact, ContactDisplay
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.demo import vocabulary as v
from sharewell.heap import freeze_startup_objects
from sharewell.members.models import Member
from sharewell.network.index import GraphHolder
from sharewell.search import queries
from sharewell.search.models import SearchDocument
from sharewell.search.schemas import SearchOut

RESULTS = Path(__file__).parent / "results"


def server_cpu(pids: set[int]) -> float:
    """CPU seconds used so far by these PostgreSQL backend processes (same machine)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def pct(xs: list[float]) -> dict[str, float]:
    a = np.array(xs) * 1000
    return {
        "n": len(xs),
        "p50_ms": round(float(np.percentile(a, 50)), 2),
        "p95_ms": round(float(np.percentile(a, 95)), 2),
        "p99_ms": round(float(np.percentile(a, 99)), 2),
        "mean_ms": round(float(a.mean()), 2),
    }


def two_word_queries(rng: np.random.Generator, n: int) -> list[dict[str, str]]:
    out = []
    functions = list(v.FUNCTIONS.values())
    for _ in range(n):
        titles, topics, _, _ = functions[int(rng.integers(len(functions)))]
        title_word = titles[int(rng.integers(len(titles)))].split()[-1]
        topic_word = topics[int(rng.integers(len(topics)))].split()[0]
        q = {"q": f"{title_word} {topic_word}"}
        if rng.random() < 0.5:
            q["city"] = v.CITIES[int(rng.integers(len(v.CITIES)))][0]
        else:
            q["company"] = v.COMPANIES[int(rng.integers(min(20, len(v.COMPANIES))))][0]
        out.append(q)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--note", default="")
    ap.add_argument("--warmup", type=int, default=100, help="queries run before measuring")
    ap.add_argument("--profile", type=int, default=0, help="queries to profile by stage")
    args = ap.parse_args()
    engine = make_engine(args.database_url)
    backend = engine.dialect.name
    settings = Settings(
        env="test", display_quota_hour=10**9, display_quota_day=10**9, search_semantic=False
    )
    factory = make_session_factory(engine)
    rng = np.random.default_rng(7)
    with session_scope(factory) as session:
        sizes = {
            "members": int(session.scalar(select(func.count(Member.id))) or 0),
            "contacts": int(session.scalar(select(func.count(Contact.id))) or 0),
            "shared_contacts": int(
                session.scalar(
                    select(func.count(Contact.id)).where(Contact.visibility != "private")
                )
                or 0
            ),
            "search_documents": int(session.scalar(select(func.count(SearchDocument.id))) or 0),
        }
        max_id = int(session.scalar(select(func.max(Member.id))) or 1)
        audit_before = int(session.scalar(select(func.count(ContactDisplay.id))) or 0)
    holder = GraphHolder(settings)
    started = time.perf_counter()
    with session_scope(factory) as session:
        holder.current(session)
    graph_s = time.perf_counter() - started

    server_pids: set[int] = set()

    def one(spec: dict[str, str], viewer_id: int) -> SearchOut | None:
        with session_scope(factory) as session:
            if backend == "postgresql":
                server_pids.add(int(session.scalar(text("SELECT pg_backend_pid()")) or 0))
            viewer = session.get(Member, viewer_id)
            if viewer is None:
                return None
            index = holder.current(session)
            return queries.search(
                session,
                viewer,
                queries.SearchParams(
                    q=spec["q"], city=spec.get("city"), company=spec.get("company"), limit=20
                ),
                settings,
                index,
            )

    freeze_startup_objects()  # as the server's startup does (sharewell.heap)
    specs = two_word_queries(rng, args.queries + args.warmup + args.profile)
    viewers = [int(rng.integers(1, max_id + 1)) for _ in specs]
    for spec, viewer_id in zip(specs[: args.warmup], viewers, strict=False):
        one(spec, viewer_id)  # page cache and statement caches, as on a running server
    timings: list[float] = []
    cpu: list[float] = []
    server: list[float] = []
    shown = 0
    empty = 0
    load_before = os.getloadavg()
    measured = list(zip(specs, viewers, strict=True))[args.warmup : args.warmup + args.queries]
    for spec, viewer_id in measured:
        t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu(server_pids)
        out = one(spec, viewer_id)
        if out is None:
            continue
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        server.append(server_cpu(server_pids) - s0)
        shown += sum(1 for i in out.items if i.kind in ("card", "aggregate"))
        empty += not out.items
    load_after = os.getloadavg()
    stages: dict[str, float] = {}
    if args.profile:
        stages = profile_stages(one, list(zip(specs, viewers, strict=True))[-args.profile :])
    with session_scope(factory) as session:
        audit_after = int(session.scalar(select(func.count(ContactDisplay.id))) or 0)
    result = {
        "run": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": backend,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "sizes": sizes,
        "graph_index_s": round(graph_s, 2),
        "two_word_query_with_filter": pct(timings),
        "two_word_query_with_filter_cpu": pct(cpu),
        # PostgreSQL's own CPU (its backend processes, from /proc; 10 ms ticks, so the mean
        # over all queries is the figure to read): client CPU + this is the load-robust total.
        "server_cpu_mean_ms": round(1000 * sum(server) / max(1, len(server)), 2)
        if backend == "postgresql"
        else None,
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in load_after],
        },
        "profile_ms_per_query": stages,
        "cards_and_aggregates_shown": shown,
        "audit_rows_written": audit_after - audit_before,
        "queries_with_no_result": empty,
        "note": args.note,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "search.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[backend] = result
    path.write_text(json.dumps(data, indent=2) + "\n")
    (RESULTS / "search.md").write_text(render(data))
    print(json.dumps(result, indent=2))


# Where the time goes: the outermost call of each stage function, summed over the profile.
STAGES = {
    "parse": "parse (words, facets; typo candidates when asked)",
    "trigram_candidates": "typo candidates (trigram index + rapidfuzz)",
    "_members": "full text + visibility: members",
    "_cards": "full text + visibility + card rebuild: cards",
    "_aggregates": "full text + visibility + count: aggregates",
    "_insights": "full text + visibility: insights",
    "_comments": "full text + visibility: comments",
    "closeness_of": "closeness / degree (graph index)",
    "_degree_ball": "degree filter ball (graph index)",
    "_standing_scores": "standing lookup",
    "record_displays": "quota + audit writes",
    "_present": "card / aggregate / result assembly",
    "blocks_of": "blocks lookup",
    "viewer_for": "insight viewer (follows, blocks)",
    "sql": "SQL (driver execute + fetch, all stages)",
}


def profile_stages(one: Any, work: list[tuple[dict[str, str], int]]) -> dict[str, float]:
    """CPU milliseconds per query in each stage (cumulative, so a stage includes the stages it
    calls: parse includes the typo candidates), from a cProfile of ``work`` timed with this
    process's CPU clock (the machine is shared: wall time would mostly measure the other
    helpers). "SQL (driver execute + fetch)" is the database driver's own time, which for
    SQLite is the database engine's work; for PostgreSQL it is psycopg's client side (the
    server's work is not in it: see the server CPU column). The profiler's own overhead
    inflates every figure a little."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    started = time.process_time()
    profiler.enable()
    for spec, viewer_id in work:
        one(spec, viewer_id)
    profiler.disable()
    total = time.process_time() - started
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    totals: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    sql = 0.0
    driver_calls = ("execute", "executemany", "fetchall", "fetchone", "fetchmany")
    for (filename, _line, name), (_cc, _nc, tottime, cumtime, _callers) in stats.items():
        if name in STAGES and "sharewell" in filename:
            totals[name] += cumtime
        elif filename == "~" and any(f"'{m}' of 'sqlite3." in name for m in driver_calls):
            sql += tottime  # the C driver: SQLite's own work
        elif filename.endswith(("psycopg/cursor.py", "psycopg/_cursor_base.py")) and (
            name in driver_calls
        ):
            sql += cumtime  # psycopg in Python: building, sending and reading on the client
    n = max(1, len(work))
    out = {k: round(v * 1000 / n, 2) for k, v in totals.items() if v}
    out["sql"] = round(sql * 1000 / n, 2)
    out["total (whole request, profiled)"] = round(total * 1000 / n, 2)
    return out


def render(data: dict[str, dict]) -> str:  # type: ignore[type-arg]
    lines = [
        "# Search speed (bench/search_bench.py)",
        "",
        "Two-word query (title word + topic word) with a city or company filter, over every kind,",
        "through `search.queries.search` including closeness from the graph index and the quota",
        "and audit bookkeeping (`record_displays`), each in its own committed transaction.",
        "",
        "Wall time is inflated by the shared 2-core machine (load average in the notes); CPU is",
        "this process's CPU time per query (`time.process_time`), which for SQLite (in-process)",
        "is a load-robust stand-in for a quiet machine's latency. For PostgreSQL the server's",
        "own work is not in the CPU column: its backends' CPU (from /proc, mean per query) is",
        "the last column, and client CPU + server CPU is the load-robust total.",
        "",
        "| backend | members | contacts (shared) | documents | n | p50 ms | p95 ms | p99 ms "
        "| CPU p50 ms | CPU p99 ms | PostgreSQL CPU mean ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in sorted(data.items()):
        s, t = r["sizes"], r["two_word_query_with_filter"]
        c = r.get("two_word_query_with_filter_cpu", {})
        lines.append(
            f"| {name} | {s['members']:,} | {s['contacts']:,} ({s['shared_contacts']:,}) | "
            f"{s['search_documents']:,} | {t['n']} | {t['p50_ms']} | {t['p95_ms']} | "
            f"{t['p99_ms']} | {c.get('p50_ms', '–')} | {c.get('p99_ms', '–')} | "
            f"{r.get('server_cpu_mean_ms') or '–'} |"
        )
    lines += ["", "Notes per run:", ""]
    for name, r in sorted(data.items()):
        load = r.get("load_average", {})
        lines.append(
            f"- {name} ({r['run']}): {r['cards_and_aggregates_shown']} cards/aggregates shown and "
            f"{r['audit_rows_written']} audit rows written; {r['queries_with_no_result']} queries "
            f"found nothing; graph index {r['graph_index_s']} s; load average (1/5/15 min) "
            f"{load.get('before')} before, {load.get('after')} after. {r['note']}"
        )
    for name, r in sorted(data.items()):
        before = r.get("before")
        if not before:
            continue
        c, w = before["cpu"], before["wall"]
        lines.append(
            f"- {name} before ({before['commit']}, same network, {before['run']}): CPU p50 "
            f"{c['p50_ms']} / p99 {c['p99_ms']} ms, wall p50 {w['p50_ms']} / p99 "
            f"{w['p99_ms']} ms"
            + (
                f", PostgreSQL CPU mean {before['server_cpu_mean_ms']} ms"
                if before.get("server_cpu_mean_ms")
                else ""
            )
            + f"; load average {before['load_average']}."
        )
    for name, r in sorted(data.items()):
        stages = r.get("profile_ms_per_query") or {}
        if not stages:
            continue
        lines += [
            "",
            f"Where the time goes on {name} (cProfile, CPU ms per query, cumulative):",
            "",
            "| stage | ms/query |",
            "|---|---|",
        ]
        lines += [f"| {STAGES.get(k, k)} | {v} |" for k, v in stages.items()]
    lines += [
        "",
        "Goal (issue 11): p99 < 50 ms at 100,000 members with ~50 shared contacts each. "
        + "; ".join(
            f"{name}: wall p99 {r['two_word_query_with_filter']['p99_ms']} ms, CPU p99 "
            f"{r.get('two_word_query_with_filter_cpu', {}).get('p99_ms', '–')} ms"
            f" at {r['sizes']['members']:,} members"
            for name, r in sorted(data.items())
        )
        + ".",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--render"]:
        (RESULTS / "search.md").write_text(
            render(json.loads((RESULTS / "search.json").read_text()))
        )
    else:
        main()
