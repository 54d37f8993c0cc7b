"""Jobs of the network area."""

from __future__ import annotations

from datetime import timedelta

from sharewell.db import session_scope
from sharewell.jobs.registry import JobContext, job
from sharewell.network import service


@job("network.prune_changes", every=timedelta(hours=1), lease=timedelta(minutes=10))
def prune_changes(ctx: JobContext) -> str:
    """Delete graph change-log rows older than SHAREWELL_GRAPH_CHANGES_KEEP_HOURS."""
    before = ctx.now - timedelta(hours=ctx.settings.graph_changes_keep_hours)
    with session_scope(ctx.factory) as session:
        removed = service.prune_changes(session, before)
    return f"pruned {removed} graph change-log rows older than {before.isoformat()}"
