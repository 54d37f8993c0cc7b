"""Jobs of the mail area."""

from __future__ import annotations

from datetime import timedelta

from sharewell import metrics
from sharewell.db import session_scope
from sharewell.jobs.registry import JobContext, job
from sharewell.mail import service
from sharewell.mail.transport import transport_for


@job("mail.deliver", every=timedelta(seconds=15), lease=timedelta(minutes=5))
def deliver(ctx: JobContext) -> str:
    """Send queued mail over SMTP, retrying failures with growing pauses."""
    transport = transport_for(ctx.settings)
    if transport is None:
        return "no SMTP server configured: mail stays in the outbox"
    counts = {"sent": 0, "retry": 0, "failed": 0}
    with session_scope(ctx.factory) as session:
        ids = service.due_ids(session, ctx.now)
    for n, message_id in enumerate(ids):
        with session_scope(ctx.factory) as session:
            outcome = service.deliver_one(session, ctx.settings, transport, message_id, ctx.now)
        if outcome in counts:
            counts[outcome] += 1
            metrics.MAIL_SENT.labels(outcome=outcome).inc()
        if n % 20 == 19:
            ctx.heartbeat()
    return ", ".join(f"{k} {v}" for k, v in counts.items())
