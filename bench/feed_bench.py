"""Benchmark: the home feed and a 500-comment thread, rendered through the whole app (HTTP in
process: routing, session cookie, queries, templates), on a generated demo network.

    .venv/bin/python bench/feed_bench.py --members 100000 [--database-url URL] [--runs 300]
    .venv/bin/python bench/feed_bench.py --reuse --database-url URL --profile 30

Without --database-url a fresh SQLite file is made in a temporary folder. With a PostgreSQL URL
the database must be empty (or pass --reuse to measure an existing demo). Results go to
bench/results/feed.json and bench/results/feed.md.

Every request records wall time and the CPU time this process spent on it
(``time.process_time``): the machine is shared, so wall time is inflated by other work, while
the CPU time of an in-process SQLite request is a load-robust proxy for a quiet machine (for
PostgreSQL it leaves out the server's own CPU). ``--profile N`` instead runs N requests of each
scenario under pyinstrument and writes bench/results/feed_profile_<scenario>.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.demo.generator import DemoOptions, generate
from sharewell.insights.models import Comment, Insight
from sharewell.members import service
from sharewell.members.models import Member
from sharewell.migrations import upgrade
from sharewell.web.session import SESSION_COOKIE, _signer

RESULTS = Path(__file__).parent / "results"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def request(client: TestClient, path: str, cookie: str | None) -> tuple[float, float]:
    """One GET; returns (wall ms, CPU ms of this process)."""
    client.cookies.clear()
    if cookie:
        client.cookies.set(SESSION_COOKIE, cookie)
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    wall_ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu) * 1000
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return wall_ms, cpu_ms


def summary(values: list[float], prefix: str) -> dict[str, float]:
    return {
        f"{prefix}p50_ms": round(statistics.median(values), 2),
        f"{prefix}p95_ms": round(percentile(values, 95), 2),
        f"{prefix}p99_ms": round(percentile(values, 99), 2),
        f"{prefix}max_ms": round(max(values), 2),
    }


def measure(client: TestClient, paths: list[str], cookies: list[str | None]) -> dict[str, float]:
    walls, cpus = [], []
    for path, cookie in zip(paths, cookies, strict=True):
        wall_ms, cpu_ms = request(client, path, cookie)
        walls.append(wall_ms)
        cpus.append(cpu_ms)
    return {
        "runs": len(walls),
        **summary(walls, ""),
        **summary(cpus, "cpu_"),
        "load_average": round(os.getloadavg()[0], 2),
    }


def profile(app: Any, name: str, paths: list[str], cookies: list[str | None]) -> None:
    """Where the time of these requests goes, as pyinstrument's call tree.

    pyinstrument samples one thread, and the app runs sync endpoints in a thread pool, so here
    the requests go through the ASGI app on this thread with the pool replaced by a direct call
    (only for profiling: the measurements above use the ordinary TestClient)."""
    import anyio.to_thread
    from pyinstrument import Profiler

    async def inline(func: Any, *args: Any, **_: Any) -> Any:
        return func(*args)

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for path, cookie in zip(paths, cookies, strict=True):
                jar = {SESSION_COOKIE: cookie} if cookie else {}
                response = await client.get(path, cookies=jar)
                assert response.status_code == 200, (path, response.status_code)

    original = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    try:
        asyncio.run(run())  # warm-up
        profiler = Profiler(interval=0.0005)
        with profiler:
            asyncio.run(run())
    finally:
        anyio.to_thread.run_sync = original
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"feed_profile_{name}.txt").write_text(text)
    print(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="measure an existing demo database")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--note", default="", help="a remark stored with the results")
    parser.add_argument(
        "--contacts-per-member", type=int, default=DemoOptions.contacts_per_member,
        help="contact-book size in the generated demo (the feed and threads do not read "
        "contacts; fewer make generation much faster)",
    )  # fmt: skip
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N",
        help="profile N requests per scenario with pyinstrument instead of measuring",
    )  # fmt: skip
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sharewell-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    settings = Settings(env="test", data_dir=tmp, database_url=url,
                        secret_key="bench-secret-key-" + "x" * 32)  # fmt: skip
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    generation_s = None
    if not args.reuse:
        started = time.perf_counter()
        with session_scope(factory) as session:
            generate(
                session,
                DemoOptions(
                    members=args.members, seed=args.seed,
                    contacts_per_member=args.contacts_per_member,
                ),
                settings=settings,
            )  # fmt: skip
        generation_s = round(time.perf_counter() - started, 1)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()

    with session_scope(factory) as session:
        counts = {
            "members": session.scalar(select(func.count(Member.id))),
            "insights": session.scalar(select(func.count(Insight.id))),
            "comments": session.scalar(select(func.count(Comment.id))),
        }
        # The largest thread every signed-in member may read (the demo's 500-comment one); the
        # signed-out scenario runs only when it is public.
        big = session.scalars(
            select(Insight)
            .where(Insight.visibility.in_(("public", "members")), Insight.deleted_at.is_(None))
            .where(Insight.hidden_at.is_(None))
            .order_by(Insight.comment_count.desc())
            .limit(1)
        ).one()
        big_path, big_comments = f"/insights/{big.public_id}", big.comment_count
        big_public = big.visibility == "public"
        member_ids = list(session.scalars(select(Member.id).order_by(Member.id)))
        step = max(1, len(member_ids) // args.runs)
        sampled = member_ids[::step][: args.runs]
        cookies: list[str | None] = []
        for member_id in sampled:
            member = session.get(Member, member_id)
            assert member is not None
            _, secret = service.start_web_session(session, member, user_agent="bench", days=1)
            cookies.append(_signer(settings, "session").sign(secret).decode())

    # The generator's millions of temporary rows are garbage now; a server process never held
    # them, so collect before measuring (otherwise collector pauses land in the tail).
    gc.collect()
    app = create_app(settings, engine=engine)
    results: dict[str, object] = {}
    with TestClient(app) as client:
        # warm-up: first requests compile templates and fill caches
        measure(client, ["/feed"] * 5, cookies[:5])
        measure(client, [big_path] * 5, cookies[:5])
        if args.profile:
            n = args.profile
            profile(app, "home_feed_most_useful", ["/feed?order=useful"] * n, cookies[:n])
            profile(app, "home_feed_page", ["/feed"] * n, cookies[:n])
            if big_public:
                profile(app, "thread_500_page", [big_path] * n, [None] * n)
            profile(app, "thread_500_page_signed_in", [big_path] * n, cookies[:n])
            return
        results["home_feed_page"] = measure(client, ["/feed"] * len(cookies), cookies)
        results["home_feed_most_useful"] = measure(
            client, ["/feed?order=useful"] * len(cookies), cookies
        )
        if big_public:
            results["thread_500_page"] = measure(
                client, [big_path] * min(args.runs, 200), [None] * min(args.runs, 200)
            )
        signed_in = cookies[: min(args.runs, 200)]
        results["thread_500_page_signed_in"] = measure(
            client, [big_path] * len(signed_in), signed_in
        )
    results = {k: v for k, v in results.items() if v is not None}
    report = {
        "backend": engine.dialect.name,
        "counts": counts,
        "thread_comments": big_comments,
        "generation_seconds": generation_s,
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs",
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "results": results,
        "note": args.note,
        "command": "python bench/feed_bench.py " + " ".join(
            f"--{k.replace('_', '-')}" + ("" if v is True else f" {v}")
            for k, v in vars(args).items()
            if v not in (None, False, "") and k not in ("database_url", "note")
        ),
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "feed.json"
    combined = json.loads(path.read_text()) if path.exists() else {}
    combined[engine.dialect.name] = report
    path.write_text(json.dumps(combined, indent=2) + "\n")
    write_markdown(combined)
    print(json.dumps(report, indent=2))


def write_markdown(combined: dict[str, dict[str, object]]) -> None:
    lines = [
        "# Feed and thread benchmark",
        "",
        "Whole-app rendering (in-process HTTP: routing, session cookie, queries, Jinja) of the",
        "signed-in home feed page (20 items, newest and most useful first) and of the page of",
        "the largest thread (500 comments; the page renders its first window of 60 comments,",
        "the rest one link or htmx request away), signed out and signed in, on a generated demo",
        "network. Written by `bench/feed_bench.py`; goal: p99 under 50 ms.",
        "",
        "Each request records wall time and the CPU time of the benchmark process",
        "(`time.process_time`). The machine is shared (2 cores, several builds at once), so wall",
        "times carry other processes' work; the load average (1 min) is recorded per scenario.",
        "On SQLite the database runs in-process, so CPU time is a load-robust proxy for the",
        "latency on a quiet machine; on PostgreSQL it leaves out the server's own CPU.",
        "",
    ]
    for backend, report in combined.items():
        lines += [
            f"## {backend}",
            "",
            f"- data: {report['counts']}, largest thread {report['thread_comments']} comments",
            f"- generation: {report['generation_seconds']} s; machine: {report['machine']}; "
            f"load average after the run: {report.get('load_average_after')}",
            f"- command: `{report['command']}`",
        ]
        if report.get("note"):
            lines.append(f"- note: {report['note']}")
        lines += [
            "",
            "| scenario | runs | wall p50 ms | wall p95 ms | wall p99 ms | CPU p50 ms "
            "| CPU p99 ms | load |",
            "|---|---|---|---|---|---|---|---|",
        ]
        results = report["results"]
        assert isinstance(results, dict)
        for name, r in results.items():
            lines.append(
                f"| {name} | {r['runs']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} "
                f"| {r.get('cpu_p50_ms', '–')} | {r.get('cpu_p99_ms', '–')} "
                f"| {r.get('load_average', '–')} |"
            )
        lines.append("")
    (RESULTS / "feed.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
