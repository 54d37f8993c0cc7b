"""Suspensions and erasures reach every process's graph index through the change log.

An ORM ``after_flush`` hook (registered on import; ``sharewell.all_models`` imports this
module) writes a ``suspend`` or ``restore`` row whenever a member's ``suspended_at`` changes,
in the same transaction, whoever changed it (the admin command, account erasure, anything
later). The graph then treats the member as blocked by everyone: never a connector, never the
end of a path, until restored.
"""

from __future__ import annotations

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from sharewell.db import utcnow
from sharewell.members.models import Member
from sharewell.network.graph import ChangeKind
from sharewell.network.models import GraphChange
from sharewell.network.service import next_seq


def _suspension_changes(session: Session) -> list[tuple[int, ChangeKind]]:
    out = []
    for obj in session.dirty:
        if not isinstance(obj, Member):
            continue
        state = inspect(obj)
        hist = state.attrs["suspended_at"].history
        if not hist.has_changes():
            continue
        was = next((v for v in hist.deleted if v is not None), None) is not None
        now = obj.suspended_at is not None
        if was != now:
            out.append((obj.id, ChangeKind.SUSPEND if now else ChangeKind.RESTORE))
    # New members suspended at creation start out gone too.
    out.extend(
        (obj.id, ChangeKind.SUSPEND)
        for obj in session.new
        if isinstance(obj, Member) and obj.suspended_at is not None
    )
    return out


def _after_flush(session: Session, _context: object) -> None:
    changes = _suspension_changes(session)
    if not changes:
        return
    conn = session.connection()
    for member_id, kind in sorted(changes):
        seq = next_seq(conn)
        conn.execute(
            insert(GraphChange).values(
                seq=seq, kind=kind.value, a=member_id, b=-1, strength=0, at=utcnow()
            )
        )


def install() -> None:
    """Register the hook once per process (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


install()
