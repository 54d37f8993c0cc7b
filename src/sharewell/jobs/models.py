"""Tables of the jobs area: one lease row per scheduled job and a history of runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sharewell.db import Base, utcnow


class JobLease(Base):
    """The schedule and the lock of one job. A worker owns the job while ``locked_until`` is in
    the future; a crashed worker's lease simply runs out and another worker takes the job."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(120))
    locked_until: Mapped[datetime | None]
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_status: Mapped[str] = mapped_column(String(20), default="never")
    last_detail: Mapped[str] = mapped_column(Text, default="")
    runs: Mapped[int] = mapped_column(default=0)


class JobRun(Base):
    """One run of a job: ``running`` until it finishes ``ok`` or ``error``; a run whose worker
    died is marked ``interrupted`` when the job is taken again."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    holder: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_job_runs_name_started", "name", "started_at"),)
