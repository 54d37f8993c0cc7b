"""Jobs of the standing area."""

from __future__ import annotations

from datetime import timedelta

from sharewell.db import session_scope
from sharewell.jobs.registry import JobContext, job
from sharewell.standing import service

CHECK_EVERY = timedelta(minutes=5)


@job("standing.recompute", every=CHECK_EVERY, lease=timedelta(minutes=30))
def recompute(ctx: JobContext) -> str:
    """Recompute standing every SHAREWELL_STANDING_RECOMPUTE_MINUTES (one transaction)."""
    every = ctx.settings.standing_recompute_minutes
    with session_scope(ctx.factory) as session:
        due = service.is_due(session, ctx.now, every)
    if not due:
        return (
            "scheduled recompute is off (SHAREWELL_STANDING_RECOMPUTE_MINUTES=0)"
            if every <= 0
            else f"not due: standing is recomputed every {every} min"
        )
    with session_scope(ctx.factory) as session:
        summary = service.recompute(session, ctx.settings, ctx.now, trigger="job")
    return summary.describe()
