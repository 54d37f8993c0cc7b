"""Where an HTTP request's time goes: the benchmarked endpoints run in process (no sockets,
no threads) under pyinstrument, with in-process CPU time per request.

    .venv/bin/python bench/http_profile.py --database-url URL [--runs 300] [--profile]

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
import os
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import httpx
from sqlalchemy import select

from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.members import service
from sharewell.members.models import Member
from sharewell.web.session import SESSION_COOKIE, _signer

DEMO_EMAIL = "sam@demo.sharewell.example"


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
        "profile_page": (f"/members/{handle}", {}),
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
    transport = httpx.ASGITransport(app=app)
    profiler_cls: Any = None
    if args.profile:
        from pyinstrument import Profiler

        profiler_cls = Profiler
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for name, (path, headers) in todo.items():
            if args.only and name not in args.only:
                continue
            for _ in range(20):  # warm-up: graph index, template compilation, statement caches
                response = await client.get(path, headers=headers)
                assert response.status_code == 200, (name, response.status_code, response.text)
            gc.collect()
            profiler = profiler_cls(interval=0.0005) if profiler_cls else None
            cpu, wall = [], []
            if profiler:
                profiler.start()
            cprof = cProfile.Profile(time.thread_time) if args.cprofile else None
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
            print(
                f"{name:24s} cpu mean {statistics.fmean(cpu):6.2f} ms  "
                f"median {statistics.median(cpu):6.2f} ms  wall median "
                f"{statistics.median(wall):6.2f} ms  (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
            if profiler:
                print(profiler.output_text(unicode=True, show_all=False, color=False))
            if cprof:
                stats = pstats.Stats(cprof)
                stats.sort_stats("cumulative").print_stats(args.cprofile_lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--cprofile", action="store_true", help="cProfile on CPU time instead")
    ap.add_argument("--cprofile-lines", type=int, default=60)
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
