"""Job leases on SQLite and PostgreSQL: one holder at a time, crashed runs are taken again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import sharewell.all_jobs  # noqa: F401
from sharewell.db import utcnow
from sharewell.jobs import queries, service
from sharewell.jobs.models import JobLease, JobRun

LEASE = timedelta(minutes=5)


def test_one_holder_at_a_time_and_the_schedule_moves_on(db: Session) -> None:
    now = utcnow()
    service.ensure_rows(db, ["mail.deliver"], now)
    service.ensure_rows(db, ["mail.deliver"], now)  # idempotent
    run = service.claim(db, "mail.deliver", "a", now, LEASE)
    assert run is not None
    assert service.claim(db, "mail.deliver", "b", now, LEASE) is None  # held by a
    service.finish(
        db,
        name="mail.deliver",
        holder="a",
        run_id=run,
        now=now,
        ok=True,
        detail="sent 0",
        every=timedelta(seconds=15),
    )
    assert service.claim(db, "mail.deliver", "b", now, LEASE) is None  # not due yet
    later = now + timedelta(seconds=15)
    assert service.claim(db, "mail.deliver", "b", later, LEASE) is not None
    listed = {j.name: j for j in queries.list_jobs(db)}
    assert listed["mail.deliver"].runs == 1 and listed["mail.deliver"].locked_by == "b"


def test_a_crashed_run_is_taken_again_after_its_lease(db: Session) -> None:
    now = utcnow()
    service.ensure_rows(db, ["accounts.sweep"], now)
    first = service.claim(db, "accounts.sweep", "crashed-worker", now, LEASE)
    assert first is not None  # ... and the worker dies without finishing
    assert (
        service.claim(db, "accounts.sweep", "b", now + LEASE - timedelta(seconds=1), LEASE) is None
    )
    second = service.claim(db, "accounts.sweep", "b", now + LEASE, LEASE)
    assert second is not None
    runs = {
        r.id: r.status for r in db.scalars(select(JobRun).where(JobRun.name == "accounts.sweep"))
    }
    assert runs == {first: "interrupted", second: "running"}
    # The dead worker cannot finish (or extend) a lease it lost.
    service.finish(
        db,
        name="accounts.sweep",
        holder="crashed-worker",
        run_id=first,
        now=now + LEASE,
        ok=True,
        detail="",
        every=timedelta(hours=1),
    )
    assert not service.extend(db, "accounts.sweep", "crashed-worker", now + 2 * LEASE)
    lease = db.get(JobLease, "accounts.sweep")
    assert lease is not None and lease.locked_by == "b"


def test_request_run_makes_a_job_due_now(db: Session) -> None:
    now = utcnow()
    service.ensure_rows(db, ["accounts.sweep"], now)
    run = service.claim(db, "accounts.sweep", "a", now, LEASE)
    assert run is not None
    service.finish(
        db,
        name="accounts.sweep",
        holder="a",
        run_id=run,
        now=now,
        ok=False,
        detail="boom",
        every=timedelta(hours=1),
    )
    lease = db.get(JobLease, "accounts.sweep")
    assert lease is not None and lease.last_status == "error"
    service.request_run(db, "accounts.sweep", now)
    assert service.claim(db, "accounts.sweep", "a", now, LEASE) is not None
