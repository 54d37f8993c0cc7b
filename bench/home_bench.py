"""Benchmark: the pages a member meets first — the signed-in home ("what now?"), the welcome
path, the introductions funnel and the give/take chart (pygal SVG) — through the whole app
(in-process HTTP: routing, session cookie, queries, templates) on an existing demo database.

    .venv/bin/python bench/home_bench.py --database-url sqlite:///copy.sqlite3 [--runs 100]

Work on a copy of a demo database: sessions are added to it. Per page it records wall time and
the process's CPU time per request (``time.process_time``; on SQLite in-process the CPU time
is a fair, load-robust proxy for a quiet machine's latency) and the load average. Results go to
bench/results/home.json and bench/results/home.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.members import service
from sharewell.members.models import Member
from sharewell.migrations import upgrade
from sharewell.web.session import SESSION_COOKIE, _signer

RESULTS = Path(__file__).parent / "results"
PAGES = {
    "home": "/",
    "welcome": "/welcome",
    "intros_from_with_funnel": "/intros?box=from",
    "chart_give_take_svg": "/charts/give-take.svg",
    "chart_funnel_svg": "/charts/funnel.svg",
}


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def measure(client: TestClient, path: str, cookies: list[str]) -> dict[str, float]:
    wall, cpu = [], []
    for cookie in cookies:
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, cookie)
        w0, c0 = time.perf_counter(), time.process_time()
        response = client.get(path)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return {
        "runs": len(wall),
        "wall_p50_ms": round(statistics.median(wall), 2),
        "wall_p95_ms": round(_pct(wall, 95), 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(_pct(cpu, 95), 2),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sharewell-bench-"))
    settings = Settings(env="test", data_dir=tmp, database_url=args.database_url,
                        secret_key="bench-secret-key-" + "x" * 32)  # fmt: skip
    engine = make_engine(args.database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        members = int(session.scalar(select(func.count(Member.id))) or 0)
        ids = list(session.scalars(select(Member.id).order_by(Member.id)))
        sampled = ids[:: max(1, len(ids) // args.runs)][: args.runs]
        cookies = []
        for member_id in sampled:
            member = session.get(Member, member_id)
            assert member is not None
            _, secret = service.start_web_session(session, member, user_agent="bench", days=1)
            cookies.append(_signer(settings, "session").sign(secret).decode())
    gc.collect()
    app = create_app(settings, engine=engine)
    results: dict[str, object] = {}
    with TestClient(app) as client:
        for path in PAGES.values():  # warm-up: templates compiled, caches filled
            measure(client, path, cookies[:3])
        for name, path in PAGES.items():
            results[name] = measure(client, path, cookies)
    combined = {
        "members": members,
        "database": engine.dialect.name,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "pages": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "home.json").write_text(json.dumps(combined, indent=2) + "\n")
    lines = [
        "## First pages: home, welcome, funnel, charts",
        "",
        f"Whole-app rendering (in-process HTTP) for {len(cookies)} members of a "
        f"{members:,}-member demo on {engine.dialect.name}; {combined['machine']}. The machine "
        "was shared with other work: wall times are inflated by the load average shown; the "
        "CPU time of this process per request is the load-robust figure.",
        "",
        "| page | runs | wall p50 ms | wall p95 ms | CPU p50 ms | CPU p95 ms | load (1 min) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        assert isinstance(r, dict)
        lines.append(
            f"| {name} | {r['runs']} | {r['wall_p50_ms']} | {r['wall_p95_ms']} | "
            f"{r['cpu_p50_ms']} | {r['cpu_p95_ms']} | {r['loadavg_1m']} |"
        )
    (RESULTS / "home.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
