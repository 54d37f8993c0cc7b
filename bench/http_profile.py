"""Where an HTTP request's time goes: the benchmarked endpoints run in process (no sockets,
no threads) under pyinstrument, with in-process CPU time per request.

    .venv/bin/python bench/http_profile.py --database-url URL [--runs 300] [--label after]
        [--profile | --cprofile [--cprofile-filter sharewell] | --where] [--only NAME ...]

The endpoints are the ones `http_bench.py` drives with wrk: a profile page (anonymous and
signed in), a search and a path query over the API, plus `/healthz` (routing and middleware
only) as the floor. Sync endpoints normally run in Uvicorn's thread pool; here the pool is
replaced by a direct call so one thread does all the work and the profiler sees all of it.
CPU time (``time.process_time``) is the load-robust figure on a busy machine; wall time and
the load average are printed beside it. pyinstrument is optional (`pip install pyinstrument`);
without it only the timings are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
from sqlalchemy import event, select

from bare_starlette import app as bare_app
from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.members import service
from sharewell.members.models import Member
from sharewell.web.session import SESSION_COOKIE, _signer

DEMO_EMAIL = "sam@demo.sharewell.example"
RESULTS = Path(__file__).resolve().parent / "results"


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


def targets(settings: Settings, url: str) -> dict[str, tuple[str, dict[str, str]]]:
    """The benchmarked requests, with credentials for the demo member everyone signs in as."""
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        me = session.scalars(select(Member).where(Member.email == DEMO_EMAIL)).one()
        other = session.scalars(
            select(Member).where(Member.id != me.id).order_by(Member.id).limit(1)
        ).one()
        _, web_secret = service.start_web_session(session, me, user_agent="bench", days=1)
        _, api_secret = service.create_api_token(
            session, me, name="http profile", scope="read", lifetime=None
        )
        handle = other.handle
    engine.dispose()
    cookie = _signer(settings, "session").sign(web_secret).decode()
    bearer = {"Authorization": f"Bearer {api_secret}"}
    return {
        "healthz": ("/healthz", {}),
        "profile_page": (f"/members/{handle}", {}),  # from the page cache after the warm-up
        "profile_page_uncached": (f"/members/{handle}?uncached=1", {}),  # query: never cached
        "profile_page_signed_in": (f"/members/{handle}", {"Cookie": f"{SESSION_COOKIE}={cookie}"}),
        "search_api": ("/api/v1/search?q=data+engineer", bearer),
        "path_query_api": ("/api/v1/paths?company=Acme+Analytics&title=engineer", bearer),
    }


async def run(args: argparse.Namespace) -> None:
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    settings = Settings(
        database_url=args.database_url,
        display_quota_enabled=False,
        rate_limits=False,
        jobs_in_process=False,
        log_level="WARNING",
    )
    todo = targets(settings, args.database_url)
    app = create_app(settings)
    # The graph index is built by a start-up thread; wait for it (the holder's lock) so its
    # CPU time is not counted against the first endpoints measured.
    with session_scope(make_session_factory(app.state.engine)) as session:
        app.state.graph.current(session)
    statements = [0]

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def count(*_: Any) -> None:
        statements[0] += 1

    # The page cache's fingerprint read runs on a DBAPI cursor of its own (no engine events).
    cache = app.state.profile_cache
    fingerprint = cache.fingerprint

    def counted_fingerprint(handle: str) -> Any:
        statements[0] += 1
        return fingerprint(handle)

    cache.fingerprint = counted_fingerprint

    transport = httpx.ASGITransport(app=app)
    bare_client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=bare_app), base_url="http://bench"
    )
    rows: dict[str, dict[str, float]] = {}
    where: dict[str, dict[str, float]] = {}
    profiler_cls: Any = None
    if args.profile:
        from pyinstrument import Profiler

        profiler_cls = Profiler
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for name, (path, headers) in {"bare_starlette": ("/", {}), **todo}.items():
            if args.only and name not in args.only and name != "bare_starlette":
                continue
            if name == "bare_starlette":
                client, sharewell_client = bare_client, client
            for _ in range(20):  # warm-up: graph index, template compilation, statement caches
                response = await client.get(path, headers=headers)
                assert response.status_code == 200, (name, response.status_code, response.text)
            gc.collect()
            profiler = profiler_cls(interval=0.0005) if profiler_cls else None
            cpu, wall = [], []
            statements[0] = 0
            if profiler:
                profiler.start()
            cprof = cProfile.Profile(time.thread_time) if args.cprofile or args.where else None
            if cprof:
                cprof.enable()
            for _ in range(args.runs):
                c0, w0 = time.process_time(), time.perf_counter()
                await client.get(path, headers=headers)
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
            if profiler:
                profiler.stop()
            if cprof:
                cprof.disable()
            if name == "bare_starlette":
                client = sharewell_client
            rows[name] = {
                "cpu_ms_median": round(statistics.median(cpu), 3),
                "cpu_ms_mean": round(statistics.fmean(cpu), 3),
                "wall_ms_median": round(statistics.median(wall), 3),
                "load_1min": round(os.getloadavg()[0], 2),
                # SQL statements per request (BEGIN-time PRAGMAs included): the deterministic
                # figure beside the noisy timings.
                "statements": round(statements[0] / args.runs, 1),
            }
            rows[name]["cpu_ratio_to_bare"] = round(
                rows["bare_starlette"]["cpu_ms_median"] / rows[name]["cpu_ms_median"], 3
            )
            print(
                f"{name:24s} cpu mean {statistics.fmean(cpu):6.2f} ms  "
                f"median {statistics.median(cpu):6.2f} ms  wall median "
                f"{statistics.median(wall):6.2f} ms  {statements[0] / args.runs:4.1f} statements  "
                f"(load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
            if profiler:
                print(profiler.output_text(unicode=True, show_all=False, color=False))
            if cprof and args.where:
                where[name] = buckets(pstats.Stats(cprof), args.runs)
                print("   ", where[name], flush=True)
            elif cprof:
                stats = pstats.Stats(cprof)
                stats.sort_stats("cumulative").print_stats(
                    args.cprofile_filter, args.cprofile_lines
                )
    await bare_client.aclose()
    if args.label and args.where:
        write_where(args, where)
    elif args.label and not (args.profile or args.cprofile):
        write_results(args, rows)


# Where a request's CPU time goes: each function's own time (cProfile's tottime, on thread CPU
# time), summed by the package it lives in. First match wins.
BUCKETS = (
    ("SQL: SQLAlchemy", ("/sqlalchemy/",)),
    ("SQL: driver", ("psycopg", "sqlite3")),
    ("templates (Jinja)", ("/jinja2/", "/templates/", "/markupsafe/")),
    ("validation (pydantic)", ("/pydantic/", "/pydantic_core/")),
    ("framework (FastAPI, Starlette, anyio)", ("/fastapi/", "/starlette/", "/anyio/")),
    ("graph index (numpy)", ("/numpy/", "/network/graph.py")),
    ("Sharewell code", ("/sharewell/",)),
    ("in-process client (httpx, asyncio)", ("/httpx/", "/asyncio/", "/h11/", "http_profile.py")),
)


def buckets(stats: pstats.Stats, runs: int) -> dict[str, float]:
    """Milliseconds of CPU per request in each bucket (cProfile slows Python calls down, so
    read the shares, not the absolute sum; the timings above are measured without it)."""
    out: dict[str, float] = {}
    for (filename, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        tottime = row[2]
        place = f"{filename}:{function}"
        label = next((b for b, needles in BUCKETS if any(n in place for n in needles)), "other")
        out[label] = out.get(label, 0.0) + tottime
    total = sum(out.values())
    rows = {k: round(v * 1000 / runs, 3) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}
    rows["total (under cProfile)"] = round(total * 1000 / runs, 3)
    return rows


def write_where(args: argparse.Namespace, where: dict[str, dict[str, float]]) -> None:
    """Merge this run into bench/results/http_where.{json,md} under "<label>/<backend>"."""
    path = RESULTS / "http_where.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    runs = old.get("runs", {})
    backend = args.backend or args.database_url.split(":", 1)[0].split("+", 1)[0]
    runs[f"{args.label}/{backend}"] = {
        "command": f"python bench/http_profile.py --where --runs {args.runs} --label {args.label}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "results": where,
    }
    path.write_text(json.dumps({"benchmark": "http_where", "runs": runs}, indent=2) + "\n")
    lines = [
        "# Where an HTTP request's CPU time goes",
        "",
        "Each benchmarked endpoint called in process (see `http_cpu.md`) under cProfile on "
        "thread CPU time; every function's own time is summed by the package it lives in "
        "(`bench/http_profile.py` BUCKETS). Milliseconds per request *under the profiler*, "
        "which slows Python calls several-fold: read the shares, and `http_cpu.md` for the "
        "real per-request CPU.",
    ]
    for key, run in runs.items():
        lines += ["", f"## {key}", "", f"`{run['command']}` at {run['measured_at']}.", ""]
        for endpoint, parts in run["results"].items():
            total = parts["total (under cProfile)"] or 1.0
            lines += [
                f"**{endpoint}** — {total:.2f} ms per request under cProfile",
                "",
                "| where | ms | share |",
                "|---|---:|---:|",
            ]
            lines += [
                f"| {label} | {ms:.2f} | {100 * ms / total:.0f} % |"
                for label, ms in parts.items()
                if not label.startswith("total")
            ]
            lines.append("")
    (RESULTS / "http_where.md").write_text("\n".join(lines) + "\n")


def write_results(args: argparse.Namespace, rows: dict[str, dict[str, float]]) -> None:
    """Merge this run into bench/results/http_cpu.{json,md} under "<label>/<backend>"."""
    path = RESULTS / "http_cpu.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    runs = old.get("runs", {})
    backend = args.backend or args.database_url.split(":", 1)[0].split("+", 1)[0]
    runs[f"{args.label}/{backend}"] = {
        "command": f"python bench/http_profile.py --runs {args.runs} --label {args.label}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "results": rows,
    }
    out = {"benchmark": "http_cpu", "machine": f"{os.cpu_count()} cores", "runs": runs}
    path.write_text(json.dumps(out, indent=2) + "\n")
    lines = [
        "# HTTP requests in process: CPU time per request",
        "",
        "The endpoints of `http.md`, called one at a time through the whole ASGI app (middleware, "
        "routing, dependencies, queries, templates, serialisation) without sockets or threads; "
        "the bare Starlette JSON endpoint is measured the same way. CPU time "
        "(`time.process_time`) is the load-robust figure on this shared machine; wall time and "
        "the 1-minute load average are beside it. `cpu ratio` = bare CPU / endpoint CPU: the "
        "ratio to the framework ceiling that a quiet machine would approach, before the "
        "HTTP server's own per-request cost (which both sides share) is added.",
    ]
    for key, run in runs.items():
        lines += [
            "",
            f"## {key}",
            "",
            f"`{run['command']}` at {run['measured_at']}.",
            "",
            "| endpoint | CPU ms median | CPU ms mean | wall ms median | cpu ratio | SQL per "
            "request | load |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, r in run["results"].items():
            lines.append(
                f"| {name} | {r['cpu_ms_median']:.2f} | {r['cpu_ms_mean']:.2f} | "
                f"{r['wall_ms_median']:.1f} | {r['cpu_ratio_to_bare']:.3f} | "
                f"{r.get('statements', '–')} | {r['load_1min']:.1f} |"
            )
    (RESULTS / "http_cpu.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--label", default=None, help="Write bench/results/http_cpu.* under it")
    ap.add_argument("--backend", default=None, help="Name for the results (default: dialect)")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--cprofile", action="store_true", help="cProfile on CPU time instead")
    ap.add_argument("--cprofile-lines", type=int, default=60)
    ap.add_argument(
        "--where", action="store_true", help="CPU per request by package (bench/results/http_where)"
    )
    ap.add_argument("--cprofile-filter", default="", help="regex on file:function, e.g. sharewell")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
