"""Leases: the one mechanism that makes "at most one worker runs a job at a time" hold.

Taking a job is one conditional ``UPDATE … WHERE name = :job AND due_at <= :now AND
(locked_until IS NULL OR locked_until <= :now)``. On PostgreSQL the row lock makes a second,
concurrent UPDATE wait and then re-check its WHERE against the winner's row, so it matches
nothing; on SQLite writes are serialised by the database lock. Whoever updated one row owns the
job until ``locked_until``. Finishing moves ``due_at`` forward and frees the lease. A worker
that dies leaves the lease to run out, and the job, still due, is taken again: so jobs are
written to be idempotent. Like every service, none of these functions commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sharewell.errors import NotFound
from sharewell.jobs import rules
from sharewell.jobs.models import JobLease, JobRun
from sharewell.jobs.registry import JOBS


def ensure_rows(session: Session, names: list[str], now: datetime) -> None:
    """A lease row for every registered job (new jobs are due at once)."""
    known = set(session.scalars(select(JobLease.name).where(JobLease.name.in_(names))))
    for name in names:
        if name in known:
            continue
        try:
            with session.begin_nested():
                session.add(JobLease(name=name, due_at=now))
                session.flush()
        except IntegrityError:  # another worker created it at the same moment
            pass


def claim(session: Session, name: str, holder: str, now: datetime, lease: timedelta) -> int | None:
    """Take the job if it is due and nobody holds it; returns the new run's id, or None."""
    result = session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.due_at <= now)
        .where((JobLease.locked_until.is_(None)) | (JobLease.locked_until <= now))
        .values(locked_by=holder, locked_until=now + lease, last_started_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    # Runs left "running" by a worker that died are over: say so.
    session.execute(
        update(JobRun)
        .where(JobRun.name == name, JobRun.status == "running")
        .values(status="interrupted", finished_at=now)
        .execution_options(synchronize_session=False)
    )
    run = JobRun(name=name, holder=holder, started_at=now, status="running")
    session.add(run)
    session.flush()
    return run.id


def extend(session: Session, name: str, holder: str, until: datetime) -> bool:
    result = session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.locked_by == holder)
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def finish(
    session: Session,
    *,
    name: str,
    holder: str,
    run_id: int,
    now: datetime,
    ok: bool,
    detail: str,
    every: timedelta,
) -> None:
    detail = rules.clip_detail(detail)
    status = "ok" if ok else "error"
    session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.locked_by == holder)
        .values(
            locked_by=None,
            locked_until=None,
            due_at=rules.next_due(now, every, ok),
            last_finished_at=now,
            last_status=status,
            last_detail=detail,
            runs=JobLease.runs + 1,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.status == "running")
        .values(status=status, finished_at=now, detail=detail)
        .execution_options(synchronize_session=False)
    )


def request_run(session: Session, name: str, now: datetime) -> None:
    """Deferred work: make ``name`` due now (in the caller's transaction, so the request only
    counts if the caller's change commits). A running job is not disturbed; it runs again
    after it finishes only if its next due time is still ahead — callers that need a follow-up
    run leave a row for the job to find (as mail does), which is what makes this safe."""
    if name not in JOBS:
        raise NotFound(f"No job named '{name}'. See `sharewell jobs list`.")
    ensure_rows(session, [name], now)
    session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.due_at > now)
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )
