"""Read side of the jobs area."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharewell.jobs.models import JobLease, JobRun
from sharewell.jobs.registry import JOBS
from sharewell.jobs.schemas import JobOut, JobRunOut


def list_jobs(session: Session) -> list[JobOut]:
    rows = {row.name: row for row in session.scalars(select(JobLease))}
    out = []
    for name in sorted(JOBS):
        spec, row = JOBS[name], rows.get(name)
        out.append(
            JobOut(
                name=name,
                description=spec.description,
                interval_seconds=int(spec.every.total_seconds()),
                due_at=row.due_at if row else None,
                locked_by=row.locked_by if row else None,
                locked_until=row.locked_until if row else None,
                last_started_at=row.last_started_at if row else None,
                last_finished_at=row.last_finished_at if row else None,
                last_status=row.last_status if row else "never",
                last_detail=row.last_detail if row else "",
                runs=row.runs if row else 0,
            )
        )
    return out


def recent_runs(session: Session, name: str | None = None, limit: int = 50) -> list[JobRunOut]:
    query = select(JobRun).order_by(JobRun.id.desc()).limit(min(limit, 500))
    if name:
        query = query.where(JobRun.name == name)
    return [
        JobRunOut(
            id=r.id, name=r.name, holder=r.holder, started_at=r.started_at,
            finished_at=r.finished_at, status=r.status, detail=r.detail,
        )
        for r in session.scalars(query)
    ]  # fmt: skip
