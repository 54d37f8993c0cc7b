"""Jobs of introductions: expiry and disputes (hourly), the daily notification digest."""

from __future__ import annotations

from datetime import timedelta

from sharewell.db import session_scope
from sharewell.intros import service
from sharewell.jobs.registry import JobContext, job


@job("intros.sweep", every=timedelta(hours=1))
def sweep(ctx: JobContext) -> str:
    """Expire requests whose time ran out; mark long-unconfirmed hires and deals disputed."""
    with session_scope(ctx.factory) as session:
        counts = service.sweep(session, ctx.settings, ctx.now)
    return ", ".join(f"{k} {v}" for k, v in counts.items())


@job("intros.digest", every=timedelta(days=1))
def digest(ctx: JobContext) -> str:
    """Mail the daily digest of notifications to members who chose it."""
    with session_scope(ctx.factory) as session:
        sent = service.send_digests(session, ctx.settings, ctx.now)
    return f"digests {sent}"
