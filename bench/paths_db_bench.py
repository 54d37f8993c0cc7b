"""Path queries in the database: "anyone matching a filter within 3 hops" on the bulk demo.

Generate the network first (into an empty database), e.g.:
    SHAREWELL_DATA_DIR=/tmp/bench100k sharewell demo --members 100000 \\
        --connections-per-member 100 --contacts-per-member 50
then: python bench/paths_db_bench.py --database-url sqlite:////tmp/bench100k/sharewell.sqlite3

Filters are drawn from the demo's own shared contacts (title word + company, skill + city,
title word + company + city); broad single-attribute filters (the largest employer) are
reported apart. Every query runs the full service inside a transaction that is rolled back,
step by step so each step is timed on its own: the filter match in the database, the graph
search, the presentation (names, degrees, card details of the top k) and the display audit
(quota check and audit rows). Per query both wall time and the thread's CPU time are
recorded: the machine is shared, so wall time is inflated by load; with SQLite in-process the
CPU time is a fair, load-robust stand-in for quiet-machine latency (PostgreSQL's own CPU time
is in another process and not included). The load average is recorded with each run.

On a sample of sources (``--compare-sources``, default 50) the graph step is also run with
networkx (the same algorithm written the networkx way, results checked equal) and igraph
(C-level meet-in-the-middle reachability, a lower bound: no strengths or ranking) on the same
graph and the same matched holder sets. Results: bench/results/paths_db.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from paths_engine_bench import nx_best_paths_to_holders
from sharewell.config import Settings
from sharewell.contacts import sharing
from sharewell.contacts.models import Contact
from sharewell.db import make_engine, make_session_factory
from sharewell.members.models import Member
from sharewell.network import queries, rules, service
from sharewell.network.index import GraphHolder, build_index
from sharewell.network.poll import PollGate
from sharewell.network.termindex import TermIndex

RESULTS = Path(__file__).parent / "results"
STEPS = ("match", "search", "present", "audit", "total")


def pct(xs: list[float]) -> dict[str, float]:
    a = np.array(xs) * 1000
    return {
        "n": len(xs),
        "p50_ms": round(float(np.percentile(a, 50)), 2),
        "p99_ms": round(float(np.percentile(a, 99)), 2),
        "mean_ms": round(float(a.mean()), 2),
    }


class Clock:
    """Wall and thread-CPU time of each step of one query."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {s: [] for s in STEPS}
        self.cpu: dict[str, list[float]] = {s: [] for s in STEPS}

    def run(self, step: str, fn: Callable[[], Any]) -> Any:
        w, c = time.perf_counter(), time.thread_time()
        out = fn()
        self.wall[step].append(time.perf_counter() - w)
        self.cpu[step].append(time.thread_time() - c)
        return out

    def close_query(self) -> None:
        """``total`` = the sum of the steps of the query just timed."""
        for acc in (self.wall, self.cpu):
            acc["total"].append(sum(acc[s][-1] for s in STEPS[:-1]))

    def summary(self) -> dict[str, Any]:
        return {
            "wall": {s: pct(v) for s, v in self.wall.items() if v},
            "cpu": {s: pct(v) for s, v in self.cpu.items() if v},
        }


def timed_query(
    clock: Clock,
    session: Any,
    holder: GraphHolder,
    me: Member,
    flt: rules.PathFilter,
    settings: Settings,
) -> tuple[queries.HolderMatches, int]:
    """The steps of ``queries.paths_to_filter``, each on the clock; (matches, paths found).
    With the term index on, "match" includes its poll of the change log."""
    index = holder.current(session)
    matches = clock.run(
        "match",
        lambda: queries.match_filter(
            session, flt, settings, me.id, terms=holder.term_index(session), graph=index
        ),
    )
    search = clock.run(
        "search", lambda: queries.search_filter_paths(session, index, me, matches, k=5)
    )
    out, shown = clock.run(
        "present",
        lambda: queries.present_filter_paths(session, index, me, flt, settings, search),
    )
    clock.run("audit", lambda: sharing.record_displays(session, me, shown, "path", settings))
    clock.close_query()
    return matches, len(out)


def draw_filters(session: Any, rng: np.random.Generator, n: int) -> list[rules.PathFilter]:
    """Filters from the demo's own shared contacts, cycling through three shapes."""
    max_id = int(session.scalar(select(func.max(Contact.id))) or 0)
    filters: list[rules.PathFilter] = []
    while len(filters) < n:
        c = session.get(Contact, int(rng.integers(1, max_id + 1)))
        if c is None or c.visibility == "private":
            continue
        words = [t.split(":", 1)[1] for t in rules.title_terms(c.title)]
        if not words:
            continue
        word = str(rng.choice(words))
        kind = len(filters) % 3
        if kind == 0:
            filters.append(rules.check_filter(title=word, company=c.company))
        elif kind == 1 and c.skills:
            filters.append(rules.check_filter(topic=c.skills[0], city=c.city))
        elif kind == 2:
            filters.append(rules.check_filter(title=word, company=c.company, city=c.city))
    return filters


def compare_libraries(
    index: Any, cases: list[tuple[int, np.ndarray]], paused: set[int]
) -> dict[str, Any]:
    """Graph step only, same ends: ours vs networkx (same algorithm) vs igraph (reachability)."""
    import igraph as ig
    import networkx as nx

    eu, ev, ew = index.edges()
    out: dict[str, Any] = {"sources": len(cases)}
    t = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(range(index.n))
    g.add_edges_from(
        (a, b, {"s": s}) for a, b, s in zip(eu.tolist(), ev.tolist(), ew.tolist(), strict=True)
    )
    out["networkx_build_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    ig_g = ig.Graph(n=index.n, edges=np.column_stack([eu, ev]).tolist(), directed=False)
    out["igraph_build_s"] = round(time.perf_counter() - t, 1)
    del eu, ev, ew
    no_connect = sorted(paused)
    sets = [(src, set(ends.tolist())) for src, ends in cases]

    def ours(i: int) -> Any:
        src, ends = cases[i]
        return index.best_paths_to_holders(src, ends, k=5, no_connect=no_connect)

    def theirs(i: int) -> Any:
        return nx_best_paths_to_holders(g, sets[i][0], sets[i][1], 5, paused)

    def ig_mitm(i: int) -> set[int]:
        src, ends = cases[i]
        ball = set(ig_g.neighborhood(src, order=2))
        near = ig_g.neighborhood(ends.tolist(), order=1)
        return {int(h) for h, nb in zip(ends.tolist(), near, strict=True) if ball.intersection(nb)}

    agree = True
    for name, fn in (("sharewell", ours), ("networkx", theirs), ("igraph_mitm", ig_mitm)):
        wall, cpu = [], []
        for i in range(len(cases)):
            w, c = time.perf_counter(), time.thread_time()
            fn(i)
            wall.append(time.perf_counter() - w)
            cpu.append(time.thread_time() - c)
        out[name] = {"wall": pct(wall), "cpu": pct(cpu)}
    for i in range(len(cases)):
        mine = [(p.nodes[-1], p.score) for p in ours(i)]
        agree &= mine == theirs(i)
    out["networkx_same_results"] = bool(agree)
    for lib in ("networkx", "igraph_mitm"):
        out[f"speedup_vs_{lib}_cpu_p50"] = round(
            out[lib]["cpu"]["p50_ms"] / max(out["sharewell"]["cpu"]["p50_ms"], 1e-3), 1
        )
        out[f"speedup_vs_{lib}_cpu_mean"] = round(
            out[lib]["cpu"]["mean_ms"] / max(out["sharewell"]["cpu"]["mean_ms"], 1e-3), 1
        )
    return out


def term_propagation(factory: Any, holder: GraphHolder, rng: np.random.Generator) -> Any:
    """A shared entry made private and shared again, committed in one session: time until the
    term index has applied it in another (one poll: log read + the holder's rows re-read)."""
    lat = []
    with factory() as s1:
        max_id = int(s1.scalar(select(func.max(Contact.id))) or 0)
        contact = None
        while contact is None or contact.visibility in ("private", "counted"):
            contact = s1.get(Contact, int(rng.integers(1, max_id + 1)))
        h = s1.get(Member, contact.holder_id)
        assert h is not None
        was, fields = contact.visibility, list(contact.card_fields or [])
        for i in range(20):
            vis = "private" if i % 2 == 0 else was
            sharing.set_visibility(s1, h, contact.public_id, vis, card_fields=fields)
            s1.commit()
            t = time.perf_counter()
            with factory() as s2:
                holder.terms.current(s2)
            lat.append(time.perf_counter() - t)
    return pct(lat)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--label", default="")
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--broad", type=int, default=200)
    ap.add_argument("--compare-sources", type=int, default=50, help="0: skip networkx/igraph")
    ap.add_argument(
        "--match",
        choices=("index", "database"),
        default="index",
        help="match filters in the in-memory term index or in the DB",
    )
    ap.add_argument(
        "--no-term-log",
        action="store_true",
        help="the database lacks migration 0023_termlog (a shared benchmark database that must "
        "not be migrated): build the term index but never poll its change log (propagation "
        "is then not measured)",
    )
    args = ap.parse_args()
    engine = make_engine(args.database_url)
    backend = engine.dialect.name
    settings = Settings(env="test", display_quota_enabled=False, term_index=args.match == "index")
    factory = make_session_factory(engine)
    rng = np.random.default_rng(1)
    out: dict[str, Any] = {
        "run": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": backend,
        "label": args.label,
        "match": args.match + (" (no term log)" if args.no_term_log else ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}",
        "load_avg_start": [round(x, 1) for x in os.getloadavg()],
    }
    with factory() as session:
        out["members"] = int(session.scalar(select(func.count(Member.id))) or 0)
        w, c = time.perf_counter(), time.process_time()
        index = build_index(session)
        out["build_s"] = {
            "wall": round(time.perf_counter() - w, 2),
            "cpu": round(time.process_time() - c, 2),
        }
        out["connections"] = index.entry_count // 2
        out["index_bytes"] = index.memory_bytes()
        out["bytes_per_connection"] = round(
            index.memory_bytes() / max(1, index.entry_count // 2), 2
        )
        out["bytes_per_entry"] = round(index.memory_bytes() / max(1, index.entry_count), 2)
        member_ids = np.array(list(session.scalars(select(Member.id))), dtype=np.int64)
        filters = draw_filters(session, rng, args.sources)
        biggest = session.execute(
            select(Contact.company, func.count(Contact.id))
            .where(Contact.visibility != "private")
            .group_by(Contact.company)
            .order_by(func.count(Contact.id).desc())
            .limit(1)
        ).one()[0]
        session.rollback()
    holder = GraphHolder(settings)
    holder.reset(index)
    if args.match == "index":
        with factory() as session:
            w, c = time.perf_counter(), time.process_time()
            if args.no_term_log:
                holder.terms.reset(TermIndex.build(session))
                holder.terms._poll = PollGate(math.inf)  # never due: there is no log to read
            terms = holder.terms.current(session)
            out["term_index"] = {
                "build_wall_s": round(time.perf_counter() - w, 2),
                "build_cpu_s": round(time.process_time() - c, 2),
                "bytes": terms.nbytes,
                "entries": terms.entry_count,
                "postings": terms.posting_count,
                "bytes_per_entry": round(terms.nbytes / max(1, terms.entry_count), 1),
                "rss_after_build_mib": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
            session.rollback()
    sources = rng.choice(member_ids, size=args.sources)
    combined, broad_clock = Clock(), Clock()
    found = 0
    cases: list[tuple[int, np.ndarray]] = []
    with factory() as session:
        for src, flt in zip(sources.tolist(), filters, strict=True):
            me = session.get(Member, src)
            assert me is not None
            matches, n_paths = timed_query(combined, session, holder, me, flt, settings)
            found += n_paths > 0
            if len(cases) < args.compare_sources:
                cases.append((src, np.union1d(matches.members, matches.holders)))
        broad = rules.check_filter(company=biggest)
        broad_sizes = []
        for src in sources[: args.broad].tolist():
            me = session.get(Member, src)
            assert me is not None
            matches, _ = timed_query(broad_clock, session, holder, me, broad, settings)
            broad_sizes.append(int(matches.holders.size + matches.members.size))
        paused = set(queries.paused_ids(session))
        session.rollback()
    out["combined"] = combined.summary()
    out["combined_with_a_path"] = found
    out["broad"] = broad_clock.summary()
    out["broad_filter"] = f"company={biggest}"
    out["broad_holders"] = int(np.median(broad_sizes)) if broad_sizes else 0
    # Change-log propagation: commit a change in one session, time until a built holder in
    # another session has applied it (one poll).
    lat = []
    with factory() as s1:
        a = s1.get(Member, int(rng.choice(member_ids)))
        assert a is not None
        for _ in range(20):
            service.set_paused(s1, a, not service.is_paused(s1, a.id))
            s1.commit()
            t = time.perf_counter()
            with factory() as s2:
                idx = holder.current(s2)
            lat.append(time.perf_counter() - t)
            assert idx.is_paused(a.id) == service.is_paused(s1, a.id)
        if service.is_paused(s1, a.id):
            service.set_paused(s1, a, False)
            s1.commit()
    out["propagation_poll"] = pct(lat)
    if args.match == "index" and not args.no_term_log:
        out["term_propagation_poll"] = term_propagation(factory, holder, rng)
    if args.compare_sources:
        out["compare"] = compare_libraries(index, cases, paused)
    out["load_avg_end"] = [round(x, 1) for x in os.getloadavg()]
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "paths_db.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs = [
        r
        for r in runs
        if (r.get("backend"), r.get("label")) != (backend, args.label) and "combined" in r
    ]
    runs.append(out)
    path.write_text(json.dumps(runs, indent=2) + "\n")
    (RESULTS / "paths_db.md").write_text(markdown(runs))
    print(json.dumps(out, indent=2))


def _steps_table(res: dict[str, Any]) -> list[str]:
    lines = [
        "| step | wall p50 | wall p99 | CPU p50 | CPU p99 | CPU mean |",
        "|---|---|---|---|---|---|",
    ]
    for step in STEPS:
        w, c = res["wall"][step], res["cpu"][step]
        lines.append(
            f"| {step} | {w['p50_ms']} | {w['p99_ms']} | {c['p50_ms']} | {c['p99_ms']} "
            f"| {c['mean_ms']} |"
        )
    return lines


def markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "# Path queries in the database (bench/paths_db_bench.py)",
        "",
        "Full service per query (filter match in the DB, graph search, names/degrees/card",
        "details of the top 5, display audit), each step timed on its own, in ms. **Wall** time",
        "is inflated by the shared machine's load (load average below); **CPU** is the query",
        "thread's CPU time — for SQLite (in-process) a load-robust stand-in for quiet-machine",
        "latency; for PostgreSQL it leaves out the server's own CPU, so read the wall figures",
        "there. Goal: p99 < 20 ms for 2–3 attribute filters at 100,000 members.",
        "Raw numbers: `paths_db.json`.",
        "",
    ]
    for r in runs:
        b = r["build_s"]
        lines += [
            f"## {r['backend']} — {r['label'] or str(r['members']) + ' members'} ({r['run']})",
            "",
            f"{r['members']:,} members, {r['connections']:,} connections; load average "
            f"{r['load_avg_start']} at start, {r['load_avg_end']} at end; {r['machine']}.",
            f"Command: `python bench/paths_db_bench.py --database-url <{r['backend']} url> "
            f"--label '{r['label']}'"
            + (
                f" --match {r['match'].split()[0]}"
                + (" --no-term-log" if "no term log" in r["match"] else "")
                if "match" in r
                else ""
            )
            + "`",
            "",
            f"### 2–3 attribute filters from the demo's distribution "
            f"({r['combined']['wall']['total']['n']} random sources; "
            f"{r['combined_with_a_path']} found a path)",
            "",
            *_steps_table(r["combined"]),
            "",
            f"### Broad single attribute: {r['broad_filter']} "
            f"(median {r['broad_holders']:,} matching holders and members)",
            "",
            *_steps_table(r["broad"]),
            "",
            f"- Index build from the database: {b['wall']} s wall, {b['cpu']} s CPU; "
            f"index {r['index_bytes'] / 2**20:.1f} MiB = {r['bytes_per_connection']} B per "
            f"connection, {r['bytes_per_entry']} B per entry.",
            f"- Change-log propagation (commit in one session → the holder has applied it on "
            f"its next poll): p50 {r['propagation_poll']['p50_ms']} ms, p99 "
            f"{r['propagation_poll']['p99_ms']} ms.",
            f"- Peak RSS {r['peak_rss_mib']} MiB.",
        ]
        ti = r.get("term_index")
        if ti:
            lines.append(
                f"- Filters matched in the in-memory term index: built in {ti['build_wall_s']} s "
                f"wall, {ti['build_cpu_s']} s CPU; {ti['entries']:,} shared entries, "
                f"{ti['postings']:,} postings, {ti['bytes'] / 2**20:.1f} MiB = "
                f"{ti['bytes_per_entry']} B per shared entry"
                + (
                    f"; propagation of a visibility change (one poll): p50 "
                    f"{r['term_propagation_poll']['p50_ms']} ms, p99 "
                    f"{r['term_propagation_poll']['p99_ms']} ms."
                    if "term_propagation_poll" in r
                    else " (database not migrated: the change log was not polled)."
                )
            )
        else:
            lines.append("- Filters matched in the database (`--match database`).")
        cmp = r.get("compare")
        if cmp:
            lines += [
                "",
                f"### Graph step vs networkx and igraph ({cmp['sources']} sources, same ends)",
                "",
                "networkx runs the same algorithm (results equal: "
                f"{cmp['networkx_same_results']}); igraph a C-level meet-in-the-middle "
                "reachability (no strengths, no ranking: a lower bound). Build: networkx "
                f"{cmp['networkx_build_s']} s, igraph {cmp['igraph_build_s']} s.",
                "",
                "| engine | wall p50 | wall p99 | CPU p50 | CPU p99 | CPU mean |",
                "|---|---|---|---|---|---|",
            ]
            for lib in ("sharewell", "networkx", "igraph_mitm"):
                w, c = cmp[lib]["wall"], cmp[lib]["cpu"]
                lines.append(
                    f"| {lib} | {w['p50_ms']} | {w['p99_ms']} | {c['p50_ms']} | "
                    f"{c['p99_ms']} | {c['mean_ms']} |"
                )
            lines += [
                "",
                f"Speed-up (CPU p50 / mean): × networkx {cmp['speedup_vs_networkx_cpu_p50']} / "
                f"{cmp['speedup_vs_networkx_cpu_mean']}; × igraph "
                f"{cmp['speedup_vs_igraph_mitm_cpu_p50']} / "
                f"{cmp['speedup_vs_igraph_mitm_cpu_mean']} (goals ≥ 10 and ≥ 1).",
            ]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
