"""Real processes and servers: two job workers racing for one scheduled job, a crashed run taken
again, and a member verifying their address from a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.conftest import drop_postgres_database, fresh_database_url
from tests.factories import PASSWORD, csrf_from
from tests.support import body_of, link_in, smtp_server

from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope, utcnow
from sharewell.jobs.models import JobLease, JobRun
from sharewell.jobs.registry import JOBS, JobContext, job
from sharewell.jobs.runner import run_due
from sharewell.members.models import Member
from sharewell.migrations import upgrade

WORKER = Path(__file__).with_name("job_worker.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def committed(backend: str, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = fresh_database_url(backend, tmp_path, "proc")
    engine = make_engine(url)
    upgrade(engine)
    yield url, engine
    engine.dispose()
    if backend == "postgresql":
        drop_postgres_database(url.rsplit("/", 1)[1])


def wait_for(predicate: object, what: str, limit: float = 60) -> None:
    """Poll until true; the limit only bounds a failing run, it asserts nothing about speed."""
    deadline = time.monotonic() + limit
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def start_worker(url: str, folder: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, str(folder)],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_worker_processes_run_a_scheduled_job_once(
    committed: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = committed
    a, b = start_worker(url, tmp_path), start_worker(url, tmp_path)
    try:
        (tmp_path / "go").write_text("")
        # One worker takes the job and holds it; the other must come back empty-handed
        # while the first is still running.
        wait_for(lambda: a.poll() is not None or b.poll() is not None, "one worker to finish")
        loser, winner = (a, b) if a.poll() is not None else (b, a)
        assert loser.communicate(timeout=30)[0].strip() == "skipped"
        assert winner.poll() is None and list(tmp_path.glob("running-*"))
        (tmp_path / "release").write_text("")
        assert winner.communicate(timeout=60)[0].strip() == "ok"
    finally:
        for p in (a, b):
            if p.poll() is None:
                p.kill()
                p.wait()
    assert len((tmp_path / "ran").read_text().splitlines()) == 1
    with engine.connect() as conn:
        runs = conn.execute(select(JobRun.status).where(JobRun.name == "test.hold")).all()
    assert [r[0] for r in runs] == ["ok"]


def test_a_job_whose_worker_crashed_runs_again(
    committed: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = committed
    worker = start_worker(url, tmp_path)
    try:
        (tmp_path / "go").write_text("")
        wait_for(lambda: list(tmp_path.glob("running-*")), "the worker to take the job")
        worker.send_signal(signal.SIGKILL)  # a crash mid-run: no clean-up at all
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    factory = make_session_factory(engine)
    ran: list[str] = []

    if "test.hold" not in JOBS:

        @job("test.hold", every=timedelta(hours=1), lease=timedelta(minutes=10))
        def hold(ctx: JobContext) -> str:
            ran.append(ctx.holder)
            return "done"

    try:
        settings = Settings(env="test")
        assert run_due(factory, settings, only=["test.hold"])[0].status == "skipped"  # leased
        after_lease = utcnow() + timedelta(minutes=10, seconds=1)
        (result,) = run_due(factory, settings, only=["test.hold"], now=after_lease)
        assert result.status == "ok" and len(ran) == 1
    finally:
        JOBS.pop("test.hold", None)
    with session_scope(factory) as session:
        statuses = sorted(session.scalars(select(JobRun.status).where(JobRun.name == "test.hold")))
        lease = session.get(JobLease, "test.hold")
        assert lease is not None and lease.locked_by is None
    assert statuses == ["interrupted", "ok"]


def test_a_member_verifies_their_address_through_a_real_smtp_server(
    committed: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = committed
    with smtp_server() as (port, inbox):
        settings = Settings(
            env="test",
            data_dir=tmp_path,
            secret_key="k" * 40,
            database_url=url,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
        )
        app = create_app(settings, engine=engine)
        with TestClient(app) as client:
            page = client.get("/signup")
            r = client.post(
                "/signup",
                follow_redirects=False,
                data={
                    "email": "mo@example.org",
                    "password": PASSWORD,
                    "display_name": "Mo",
                    "csrf_token": csrf_from(page.text),
                },
            )
            assert r.status_code == 303
            assert inbox.messages == []  # queued in the sign-up's transaction, sent by the job
            results = run_due(app.state.session_factory, settings, only=["mail.deliver"])
            assert results[0].status == "ok" and "sent 1" in results[0].detail
            (message,) = inbox.messages
            assert message["To"] == "mo@example.org"
            token = link_in(body_of(message), "/verify-email")
            form = client.get(f"/verify-email?token={token}")
            r = client.post(
                "/verify-email",
                follow_redirects=False,
                data={"token": token, "csrf_token": csrf_from(form.text)},
            )
            assert r.status_code == 303
            metrics = client.get("/metrics").text
            assert 'sharewell_mail_messages{status="sent"} 1.0' in metrics
            assert 'sharewell_job_runs_total{job="mail.deliver",status="ok"}' in metrics
    with engine.connect() as conn:
        verified = conn.execute(
            select(func.count(Member.id)).where(Member.email_verified_at.is_not(None))
        ).scalar()
    assert verified == 1
