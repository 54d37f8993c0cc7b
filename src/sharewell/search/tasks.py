"""Jobs of the search area."""

from __future__ import annotations

from datetime import timedelta

from sharewell.db import session_scope
from sharewell.jobs.registry import JobContext, job
from sharewell.network.index import GraphHolder
from sharewell.search import service


@job("search.alerts", every=timedelta(minutes=15))
def alerts(ctx: JobContext) -> str:
    """Check saved searches for new matches; alert in the inbox and by mail."""
    graph = GraphHolder(ctx.settings)
    with session_scope(ctx.factory) as session:
        index = graph.current(session)
    total = service.check_all(ctx.factory, ctx.settings, index, ctx.now)
    return f"{total} new alert{'s' if total != 1 else ''}"
