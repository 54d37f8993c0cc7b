"""Several workers, one truth: two real ``sharewell serve`` servers on one fresh PostgreSQL
database — the first with ``--workers 2`` — so requests land on three processes. A connection,
a contact's visibility changes (shared, private, shared with fewer fields: every process's
in-memory term index follows) and an introduction step made through one server are seen
through the other; a sign-in rate limit holds across both (Redis when SHAREWELL_TEST_REDIS_URL
is set, else the database); and every scheduled job runs on one worker at a time although all
three processes run the scheduler. Delays are polled with a generous deadline and printed,
never asserted; with SHAREWELL_BENCH_PROPAGATION=1 they are written to
bench/results/propagation.json and .md."""

from __future__ import annotations

import json
import os
import platform
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from tests.conftest import POSTGRES_ENV, drop_postgres_database, postgres_database
from tests.functional.test_real_server import free_port

from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.jobs.models import JobRun
from sharewell.jobs.registry import JOBS

DEADLINE = 60.0  # seconds: generous, the test machine is shared
START_DEADLINE = 180.0
PASSWORD = "correct horse battery"
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"

pytestmark = pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV), reason=f"needs PostgreSQL: set {POSTGRES_ENV}"
)


def _start(
    env: dict[str, str], workers: int, migrate: bool, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    args = [sys.executable, "-m", "sharewell.cli.main", "serve", "--port", str(port)]
    args += ["--workers", str(workers)] + ([] if migrate else ["--no-migrate"])
    out = log.open("wb")
    proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.terminate()
    pytest.fail(f"server did not come up:\n{log.read_text()[-3000:]}")


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    name = f"sw_twoworkers_{os.getpid()}"
    url = postgres_database(name)
    env = {
        **os.environ,
        "SHAREWELL_DATABASE_URL": url,
        "SHAREWELL_DATA_DIR": str(tmp_path),
        "SHAREWELL_JOBS_POLL_SECONDS": "0.5",  # three schedulers racing, many times a second
        "SHAREWELL_SECRET_KEY": secrets.token_urlsafe(32),  # one key: sessions valid on both
    }
    env.pop("SHAREWELL_REDIS_URL", None)
    if redis_url := os.environ.get("SHAREWELL_TEST_REDIS_URL"):
        env["SHAREWELL_REDIS_URL"] = redis_url
    procs: list[subprocess.Popen[bytes]] = []
    try:
        first, a = _start(env, workers=2, migrate=True, log=tmp_path / "a.log")
        procs.append(first)
        second, b = _start(env, workers=1, migrate=False, log=tmp_path / "b.log")
        procs.append(second)
        yield a, b, url
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_postgres_database(name)


def _member(base: str, name: str) -> tuple[str, dict[str, str]]:
    handle = f"{name.lower()}-{uuid.uuid4().hex[:6]}"
    email = f"{handle}@example.org"
    r = httpx.post(
        f"{base}/api/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "display_name": name, "handle": handle},
        timeout=30,
    )
    assert r.status_code == 202, r.text
    r = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": email, "password": PASSWORD}, timeout=30
    )
    assert r.status_code == 200, r.text
    return handle, {"Authorization": f"Bearer {r.json()['access_token']}"}


def _until(what: str, check: Callable[[], bool]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"the other server did not see {what} within {DEADLINE:.0f} s")


def _ok(r: httpx.Response) -> dict[str, object]:
    assert r.status_code < 300, r.text
    return dict(r.json()) if r.content else {}


def test_two_servers_on_postgresql_share_one_truth(servers: tuple[str, str, str]) -> None:
    a, b, url = servers
    delays: dict[str, float] = {}
    ann, h_ann = _member(a, "Ann")
    bob, h_bob = _member(a, "Bob")
    cy, h_cy = _member(b, "Cy")

    def degree(base: str, handle: str, headers: dict[str, str]) -> str:
        r = httpx.get(f"{base}/api/v1/members/{handle}", headers=headers, timeout=30)
        return str(_ok(r)["degree"])

    # A connection made through server a (two workers) reaches server b's graph index.
    assert degree(b, bob, h_ann) == "out of network"  # b has built its index already
    _ok(httpx.post(f"{a}/api/v1/connections/requests", json={"handle": bob}, headers=h_ann))
    _ok(httpx.post(f"{a}/api/v1/connections/requests/{ann}/accept", headers=h_bob))
    delays["connection"] = _until("the connection", lambda: degree(b, bob, h_ann) == "1st")
    _ok(httpx.post(f"{b}/api/v1/connections/requests", json={"handle": cy}, headers=h_bob))
    _ok(httpx.post(f"{b}/api/v1/connections/requests/{bob}/accept", headers=h_cy))
    delays["connection_back"] = _until("b's connection", lambda: degree(a, cy, h_ann) == "2nd")

    # A visibility change through a: a path to the shared card appears on b, without the name.
    contact = _ok(
        httpx.post(
            f"{a}/api/v1/contacts",
            json={"full_name": "Xavier Hidden", "company": "Initrode", "title": "Data Engineer"},
            headers=h_cy,
        )
    )

    def card_paths() -> list[object]:
        r = httpx.get(f"{b}/api/v1/paths", params={"company": "Initrode"}, headers=h_ann)
        return list(_ok(r)["paths"])  # type: ignore[call-overload]

    assert card_paths() == []
    _ok(
        httpx.put(
            f"{a}/api/v1/contacts/{contact['id']}/sharing",
            json={"visibility": "blind", "card_fields": ["title", "company"]},
            headers=h_cy,
        )
    )
    delays["visibility"] = _until("the shared card", lambda: len(card_paths()) == 1)
    assert "Xavier" not in str(card_paths())
    # Made private again through a: b stops offering the card (its term index hears of it
    # through the change log; a card is re-read from the database before it is shown anyway).
    _ok(
        httpx.put(
            f"{a}/api/v1/contacts/{contact['id']}/sharing",
            json={"visibility": "private"},
            headers=h_cy,
        )
    )
    delays["made_private"] = _until("the card made private", lambda: card_paths() == [])
    # Shared once more, as blind with the title only: a filter on the company finds nothing
    # (the card hides it), a filter on the title finds it.
    _ok(
        httpx.put(
            f"{a}/api/v1/contacts/{contact['id']}/sharing",
            json={"visibility": "blind", "card_fields": ["title"]},
            headers=h_cy,
        )
    )

    def title_paths() -> list[object]:
        r = httpx.get(f"{b}/api/v1/paths", params={"title": "data engineer"}, headers=h_ann)
        return list(_ok(r)["paths"])  # type: ignore[call-overload]

    delays["card_fields"] = _until("the title-only card", lambda: len(title_paths()) == 1)
    assert card_paths() == []

    # An introduction step: Ann asks through a, Bob sees it and acts on b, Ann sees it on a.
    intro = _ok(
        httpx.post(
            f"{a}/api/v1/intros",
            json={"target_kind": "member", "target_handle": cy, "path": [bob, cy],
                  "why": "We both work on data pipelines."},
            headers=h_ann,
        )
    )  # fmt: skip
    pid = str(intro["public_id"])

    def waiting_for_bob() -> bool:
        r = httpx.get(f"{b}/api/v1/intros", params={"box": "through"}, headers=h_bob)
        return any(i["public_id"] == pid for i in _ok(r)["items"])  # type: ignore[attr-defined]

    delays["intro_request"] = _until("the introduction request", waiting_for_bob)
    _ok(httpx.post(f"{b}/api/v1/intros/{pid}/ask-target", json={"note": "Worth it."},
                   headers=h_bob))  # fmt: skip

    def asked() -> bool:
        r = httpx.get(f"{a}/api/v1/intros/{pid}", headers=h_ann)
        return _ok(r)["state"] == "asked"

    delays["intro_step"] = _until("the introduction step", asked)

    # A rate limit holds across both servers: 10 failed sign-ins per account per 15 minutes,
    # spread over a and b, and the 11th is refused by either. The windows are fixed, so a
    # run that straddles a window's end (a fresh count from there) is taken again.
    window = 15 * 60
    for _attempt in range(2):
        email = f"nobody-{uuid.uuid4().hex}@example.org"
        client = {"X-Forwarded-For": f"198.51.100.{secrets.randbelow(250) + 1}"}  # own window
        began = time.time()
        codes = [
            httpx.post(
                f"{(a, b)[n % 2]}/api/v1/auth/token",
                data={"username": email, "password": "wrong password"},
                headers=client,
                timeout=30,
            ).status_code
            for n in range(12)
        ]
        if began // window == time.time() // window:
            break
    assert codes[:10] == [401] * 10, codes
    assert codes[10:] == [429, 429], codes

    # Scheduled jobs: three processes poll every 0.5 s; each job runs on one at a time.
    engine = make_engine(url)
    factory = make_session_factory(engine)
    long_jobs = {name for name, spec in JOBS.items() if spec.every >= timedelta(minutes=10)}

    def runs() -> list[JobRun]:
        with session_scope(factory) as s:
            return list(s.scalars(select(JobRun).order_by(JobRun.name, JobRun.started_at)))

    _until("every job run", lambda: long_jobs <= {r.name for r in runs() if r.finished_at})
    time.sleep(3)  # a few more scheduler rounds on all three processes
    seen = runs()
    engine.dispose()
    by_job: dict[str, list[JobRun]] = {}
    for run in seen:
        by_job.setdefault(run.name, []).append(run)
    for name, job_runs in by_job.items():
        for before, after in pairwise(job_runs):
            assert before.finished_at is not None and before.finished_at <= after.started_at, (
                f"{name}: two runs overlapped"
            )
    for name in long_jobs:
        assert len(by_job[name]) == 1, f"{name} ran {len(by_job[name])} times"

    print("propagation between servers (s):", {k: round(v, 3) for k, v in delays.items()})
    if os.environ.get("SHAREWELL_BENCH_PROPAGATION"):
        _record(delays, limiter="redis" if os.environ.get("SHAREWELL_TEST_REDIS_URL") else "db")


def _record(delays: dict[str, float], limiter: str) -> None:
    """bench/results/propagation.json and .md: a measurement, not an assertion."""
    result = {
        "benchmark": "propagation between two servers (tests/functional/test_two_workers_postgres.py)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "setup": "PostgreSQL; server a with --workers 2, server b with 1; polled every 50 ms",
        "rate_limits": limiter,
        "delays": {f"{k}_ms": round(v * 1000, 1) for k, v in delays.items()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "propagation.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Propagation between server processes",
        "",
        "`SHAREWELL_BENCH_PROPAGATION=1 pytest tests/functional/test_two_workers_postgres.py` "
        f"({result['setup']}); {result['date']}, load average {result['load_average']} — "
        "the delay includes the 50 ms polling step and the request itself.",
        "",
        "| change made through one server | seen through the other after (ms) |",
        "|---|---:|",
        *(f"| {k[:-3]} | {v} |" for k, v in result["delays"].items()),  # type: ignore[attr-defined]
        "",
    ]
    (RESULTS / "propagation.md").write_text("\n".join(lines))
