"""Running due jobs: the loop that the in-process scheduler, ``sharewell jobs worker`` and
``sharewell jobs run-once`` share. Like a CLI command it owns its transactions: one short one
to take a job, the job's own, one to record the result."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from sharewell import metrics
from sharewell.config import Settings
from sharewell.db import session_scope, utcnow
from sharewell.jobs import service
from sharewell.jobs.registry import JOBS, JobContext

log = logging.getLogger("sharewell.jobs")


def new_holder() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class RunResult:
    name: str
    status: str  # "ok" | "error" | "skipped"
    detail: str


def run_due(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    holder: str | None = None,
    now: datetime | None = None,
    only: list[str] | None = None,
    force: bool = False,
) -> list[RunResult]:
    """Run every due job (or those in ``only``) that no other worker holds. ``force`` makes the
    chosen jobs due first (the lease still holds: a job running elsewhere is skipped)."""
    import sharewell.all_jobs  # noqa: F401 - registers every area's jobs

    holder = holder or new_holder()
    names = sorted(only or JOBS)
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        raise KeyError(f"unknown job(s): {', '.join(unknown)}")
    results = []
    for name in names:
        spec = JOBS[name]
        started = now or utcnow()
        with session_scope(factory) as session:
            service.ensure_rows(session, [name], started)
            if force:
                service.request_run(session, name, started)
        with session_scope(factory) as session:
            run_id = service.claim(session, name, holder, started, spec.lease)
        if run_id is None:
            results.append(RunResult(name, "skipped", "not due, or running elsewhere"))
            continue

        def heartbeat(name: str = name, lease: timedelta = spec.lease) -> None:
            with session_scope(factory) as s:
                service.extend(s, name, holder, utcnow() + lease)

        ctx = JobContext(
            factory=factory, settings=settings, now=started, holder=holder, heartbeat=heartbeat
        )
        ok, detail = True, ""
        try:
            detail = spec.func(ctx)
        except Exception as exc:  # a failing job is recorded and retried, never fatal
            log.exception("job %s failed", name)
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        finished = max(now or utcnow(), started)
        with session_scope(factory) as session:
            service.finish(
                session, name=name, holder=holder, run_id=run_id, now=finished,
                ok=ok, detail=detail, every=spec.every,
            )  # fmt: skip
        metrics.JOB_RUNS.labels(job=name, status="ok" if ok else "error").inc()
        log.info("job %s %s: %s", name, "ok" if ok else "error", detail)
        results.append(RunResult(name, "ok" if ok else "error", detail))
    return results


class Scheduler:
    """The embedded mode's scheduler: a daemon thread in the server process. With several
    server processes each runs one; the leases keep every job to one runner at a time."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory = factory
        self.settings = settings
        self.holder = new_holder()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sharewell-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_due(self.factory, self.settings, holder=self.holder)
            except Exception:  # the database may be briefly away; try again next tick
                log.exception("scheduler tick failed")
            self._stop.wait(self.settings.jobs_poll_seconds)
