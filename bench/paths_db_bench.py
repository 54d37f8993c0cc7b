"""Path queries in the database: "anyone matching a filter within 3 hops" on the bulk demo.

Generate the network first (into an empty database), e.g.:
    SHAREWELL_DATA_DIR=/tmp/bench100k sharewell demo --members 100000 \
        --connections-per-member 100 --contacts-per-member 50
then: python bench/paths_db_bench.py --database-url sqlite:////tmp/bench100k/sharewell.sqlite3
Filters are drawn from the demo's own shared contacts (title word + company, skill + city,
title word + company + city); broad single-attribute filters (the largest employer) are
reported apart. Every query runs the full service (DB match, graph, cards, display audit)
inside a transaction that is rolled back. Results: bench/results/paths_db.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from sharewell.config import Settings
from sharewell.contacts.models import Contact
from sharewell.db import make_engine, make_session_factory
from sharewell.members.models import Member
from sharewell.network import queries, rules, service
from sharewell.network.index import GraphHolder, build_index

RESULTS = Path(__file__).parent / "results"


def pct(xs: list[float]) -> dict[str, float]:
    a = np.array(xs) * 1000
    return {
        "n": len(xs),
        "p50_ms": round(float(np.percentile(a, 50)), 2),
        "p99_ms": round(float(np.percentile(a, 99)), 2),
        "mean_ms": round(float(a.mean()), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--label", default="")
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--broad", type=int, default=200)
    args = ap.parse_args()
    engine = make_engine(args.database_url)
    backend = engine.dialect.name
    settings = Settings(env="test", display_quota_enabled=False)
    factory = make_session_factory(engine)
    rng = np.random.default_rng(1)
    out: dict[str, object] = {
        "run": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": backend,
        "label": args.label,
        "machine": f"{platform.machine()}, python {platform.python_version()}",
    }
    with factory() as session:
        members = int(session.scalar(select(func.count(Member.id))) or 0)
        max_id = int(session.scalar(select(func.max(Contact.id))) or 0)
        t = time.perf_counter()
        index = build_index(session)
        out["build_s"] = round(time.perf_counter() - t, 2)
        out["members"] = members
        out["connections"] = index.entry_count // 2
        out["index_bytes"] = index.memory_bytes()
        out["bytes_per_connection"] = round(
            index.memory_bytes() / max(1, index.entry_count // 2), 2
        )
        out["bytes_per_entry"] = round(index.memory_bytes() / max(1, index.entry_count), 2)
        member_ids = np.array(list(session.scalars(select(Member.id))), dtype=np.int64)
        # Filters from the demo's own shared contacts.
        filters: list[rules.PathFilter] = []
        while len(filters) < args.sources:
            cid = int(rng.integers(1, max_id + 1))
            c = session.get(Contact, cid)
            if c is None or c.visibility == "private":
                continue
            words = [t.split(":", 1)[1] for t in rules.title_terms(c.title)]
            if not words:
                continue
            word = rng.choice(words)
            kind = len(filters) % 3
            if kind == 0:
                filters.append(rules.check_filter(title=str(word), company=c.company))
            elif kind == 1 and c.skills:
                filters.append(rules.check_filter(topic=c.skills[0], city=c.city))
            else:
                filters.append(rules.check_filter(title=str(word), company=c.company, city=c.city))
        biggest = session.execute(
            select(Contact.company, func.count(Contact.id))
            .group_by(Contact.company)
            .order_by(func.count(Contact.id).desc())
            .limit(1)
        ).one()[0]
        session.rollback()
    holder = GraphHolder(settings)
    holder.reset(index)
    sources = rng.choice(member_ids, size=args.sources)
    timings: dict[str, list[float]] = {"combined": [], "match_only": [], "broad": []}
    found = 0
    with factory() as session:
        for src, flt in zip(sources.tolist(), filters, strict=True):
            me = session.get(Member, src)
            assert me is not None
            t = time.perf_counter()
            res = queries.paths_to_filter(session, holder.current(session), me, flt, settings)
            timings["combined"].append(time.perf_counter() - t)
            found += bool(res.paths)
            t = time.perf_counter()
            queries.match_filter(session, flt, settings, me.id)
            timings["match_only"].append(time.perf_counter() - t)
        broad = rules.check_filter(company=biggest)
        for src in sources[: args.broad].tolist():
            me = session.get(Member, src)
            assert me is not None
            t = time.perf_counter()
            queries.paths_to_filter(session, holder.current(session), me, broad, settings)
            timings["broad"].append(time.perf_counter() - t)
        session.rollback()
    out["queries"] = {k: pct(v) for k, v in timings.items()}
    out["combined_with_a_path"] = found
    out["broad_filter"] = f"company={biggest}"
    # Change-log propagation: commit a change in one session, time until a built holder in
    # another session has applied it (one poll).
    lat = []
    with factory() as s1:
        a, b = (s1.get(Member, int(x)) for x in rng.choice(member_ids, 2, replace=False))
        assert a is not None and b is not None
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
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "paths_db.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs = [r for r in runs if (r.get("backend"), r.get("label")) != (backend, args.label)]
    runs.append(out)
    path.write_text(json.dumps(runs, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
