"""The job registry. Areas declare their jobs in a ``tasks.py`` with :func:`job`, and
``sharewell.all_jobs`` imports every ``tasks`` module (like ``all_models`` for tables).

A job is a function ``(ctx: JobContext) -> str``: it owns its transactions (like a CLI
command), returns a one-line summary and **must be idempotent**: a run interrupted by a crash
runs again from the start, and a run may repeat work that committed before the crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from sharewell.config import Settings


@dataclass
class JobContext:
    factory: sessionmaker[Session]
    settings: Settings
    now: datetime
    holder: str
    heartbeat: Callable[[], None] = field(default=lambda: None)


JobFunc = Callable[[JobContext], str]


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    every: timedelta
    lease: timedelta
    description: str


JOBS: dict[str, JobSpec] = {}


def job(
    name: str, *, every: timedelta, lease: timedelta = timedelta(minutes=5), description: str = ""
) -> Callable[[JobFunc], JobFunc]:
    """Register ``func`` to run every ``every``. ``lease`` bounds how long a crashed worker can
    keep the job from running elsewhere; long jobs call ``ctx.heartbeat()`` to extend it."""

    def register(func: JobFunc) -> JobFunc:
        JOBS[name] = JobSpec(
            name=name,
            func=func,
            every=every,
            lease=lease,
            description=description or (func.__doc__ or "").strip().split("\n")[0],
        )
        return func

    return register
