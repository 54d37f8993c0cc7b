"""Jobs of the accounts area."""

from __future__ import annotations

from datetime import timedelta

from sharewell.accounts import service
from sharewell.db import session_scope
from sharewell.jobs.registry import JobContext, job
from sharewell.mail import service as mail


@job("accounts.sweep", every=timedelta(hours=1))
def sweep(ctx: JobContext) -> str:
    """Delete expired links, ended sessions and tokens, and old sent mail."""
    with session_scope(ctx.factory) as session:
        counts = service.sweep(session, ctx.now)
        counts["mail"] = mail.prune(session, ctx.now, ctx.settings.mail_retention_days)
    return ", ".join(f"{k} {v}" for k, v in counts.items())
