"""Jobs of the privacy area: required notices, and retention."""

from __future__ import annotations

from datetime import timedelta

from sharewell.db import session_scope
from sharewell.jobs.registry import JobContext, job
from sharewell.privacy import service


@job(service.NOTICE_JOB, every=timedelta(minutes=10))
def send_notices(ctx: JobContext) -> str:
    """Send pending notices to non-members when the administrator requires them."""
    with session_scope(ctx.factory) as session:
        sent = service.send_required_notices(session, ctx.settings, ctx.now)
    return f"sent {sent}"


@job("privacy.sweep", every=timedelta(hours=24))
def sweep(ctx: JobContext) -> str:
    """Forget the display audit and erasure requests past their retention."""
    with session_scope(ctx.factory) as session:
        counts = service.sweep(session, ctx.settings, ctx.now)
    return ", ".join(f"{k} {v}" for k, v in counts.items())
