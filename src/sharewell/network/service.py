"""Use cases of the network: connection requests, strengths, blocks and the introductions pause.

Every change the graph index must see writes a ``graph_changes`` row in the same transaction
(:func:`log_change`), with ``seq`` taken from the one-row counter by ``UPDATE … RETURNING``:
the row stays locked until commit, so sequence numbers are handed out in commit order and a
reader that has applied ``seq`` N has seen every change before it. Services never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, text
from sqlalchemy.engine import Connection as DBConnection
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from sharewell.members import service as member_service
from sharewell.members.models import Member, MemberBlock
from sharewell.network import rules
from sharewell.network.graph import ChangeKind
from sharewell.network.models import Connection, GraphChange, IntroductionPause

MESSAGE_MAX = 300


def _pair(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


def next_seq(session: Session | DBConnection) -> int:
    """The next change-log sequence number; locks the counter row until commit (a
    connection is accepted for flush hooks, which must not use the session)."""
    seq = session.execute(
        text("UPDATE graph_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
    ).scalar_one()
    return int(seq)


def log_change(session: Session, kind: ChangeKind, a: int, b: int = -1, strength: int = 0) -> int:
    seq = next_seq(session)
    session.add(GraphChange(seq=seq, kind=kind.value, a=a, b=b, strength=strength, at=utcnow()))
    session.flush()
    return seq


def connection_between(session: Session, x: int, y: int) -> Connection | None:
    a, b = _pair(x, y)
    return session.scalar(
        select(Connection).where(Connection.member_a == a, Connection.member_b == b)
    )


def _either_blocked(session: Session, x: int, y: int) -> bool:
    return (
        session.scalar(
            select(MemberBlock.blocker_id).where(
                or_(
                    and_(MemberBlock.blocker_id == x, MemberBlock.blocked_id == y),
                    and_(MemberBlock.blocker_id == y, MemberBlock.blocked_id == x),
                )
            )
        )
        is not None
    )


def _other(me: Member, other: Member) -> None:
    if me.id == other.id:
        raise InvalidInput("That is you: choose another member.", field="handle")
    if not other.is_active:
        raise NotFound("No such member.")


def request_connection(
    session: Session,
    me: Member,
    other: Member,
    settings: Settings,
    *,
    message: str = "",
    origin: rules.ConnectionOrigin = rules.ConnectionOrigin.MANUAL_REQUEST,
) -> Connection:
    """Ask ``other`` to connect. If they already asked me, this accepts their request."""
    _other(me, other)
    message = " ".join(message.split())
    if len(message) > MESSAGE_MAX:
        raise InvalidInput(f"Keep the note under {MESSAGE_MAX} characters.", field="message")
    if _either_blocked(session, me.id, other.id):
        # The same words whoever blocked whom: a block is never revealed.
        raise PermissionDenied("You cannot send a connection request to this member.")
    row = connection_between(session, me.id, other.id)
    now = utcnow()
    if row is not None:
        if row.status == "accepted":
            raise Conflict(f"You are already connected with {other.display_name}.")
        if row.status == "pending" and row.requested_by == me.id:
            raise Conflict(f"Your request to {other.display_name} is already waiting.")
        if row.status == "pending":
            return accept(session, me, other)
        # declined: the one who was declined waits before asking again
        wait = timedelta(days=settings.connection_retry_days)
        if row.requested_by == me.id and row.responded_at and now - row.responded_at < wait:
            again = (row.responded_at + wait).date().isoformat()
            raise Conflict(
                f"{other.display_name} declined your last request; you can ask again after {again}."
            )
        row.status, row.requested_by, row.message = "pending", me.id, message
        row.origin, row.requested_at, row.responded_at = origin.value, now, None
        row.rating_a = row.rating_b = None
        session.flush()
        return row
    a, b = _pair(me.id, other.id)
    row = Connection(
        member_a=a,
        member_b=b,
        status="pending",
        requested_by=me.id,
        origin=origin.value,
        message=message,
        strength=rules.default_strength(origin),
        requested_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _pending_from(session: Session, me: Member, other: Member) -> Connection:
    row = connection_between(session, me.id, other.id)
    if row is None or row.status != "pending" or row.requested_by != other.id:
        raise NotFound(f"No request from {other.display_name} is waiting for you.")
    return row


def accept(session: Session, me: Member, other: Member) -> Connection:
    _other(me, other)
    row = _pending_from(session, me, other)
    row.status, row.responded_at = "accepted", utcnow()
    row.strength = rules.default_strength(row.origin)
    session.flush()
    log_change(session, ChangeKind.CONNECT, row.member_a, row.member_b, row.strength)
    return row


def decline(session: Session, me: Member, other: Member) -> Connection:
    _other(me, other)
    row = _pending_from(session, me, other)
    row.status, row.responded_at = "declined", utcnow()
    session.flush()
    return row


def cancel(session: Session, me: Member, other: Member) -> None:
    """Withdraw my own pending request."""
    _other(me, other)
    row = connection_between(session, me.id, other.id)
    if row is None or row.status != "pending" or row.requested_by != me.id:
        raise NotFound(f"You have no request waiting with {other.display_name}.")
    session.delete(row)
    session.flush()


def remove(session: Session, me: Member, other: Member) -> None:
    _other(me, other)
    row = connection_between(session, me.id, other.id)
    if row is None or row.status != "accepted":
        raise NotFound(f"You are not connected with {other.display_name}.")
    session.delete(row)
    session.flush()
    log_change(session, ChangeKind.DISCONNECT, row.member_a, row.member_b)


def rate(session: Session, me: Member, other: Member, strength: int) -> Connection:
    """My rating of our connection (1–5); the index keeps the weaker of the two ratings."""
    _other(me, other)
    try:
        rules.validate_strength(strength)
    except ValueError:
        raise InvalidInput("Strength is a whole number from 1 to 5.", field="strength") from None
    row = connection_between(session, me.id, other.id)
    if row is None or row.status != "accepted":
        raise NotFound(f"You are not connected with {other.display_name}.")
    if me.id == row.member_a:
        row.rating_a = strength
    else:
        row.rating_b = strength
    new = rules.connection_strength(
        row.rating_a, row.rating_b, default=rules.default_strength(row.origin)
    )
    changed = new != row.strength
    row.strength = new
    session.flush()
    if changed:
        log_change(session, ChangeKind.STRENGTH, row.member_a, row.member_b, new)
    return row


def my_rating(row: Connection, me_id: int) -> int | None:
    return row.rating_a if me_id == row.member_a else row.rating_b


def block(session: Session, me: Member, other: Member) -> None:
    """Block ``other``: the connection goes, pending requests either way are cancelled, and
    paths never run between us (the index learns it through the change log)."""
    _other(me, other)
    member_service.block(session, me, other)
    a, b = _pair(me.id, other.id)
    session.execute(delete(Connection).where(Connection.member_a == a, Connection.member_b == b))
    log_change(session, ChangeKind.BLOCK, me.id, other.id)


def unblock(session: Session, me: Member, other: Member) -> None:
    _other(me, other)
    if not member_service.is_blocked(session, me.id, other.id):
        raise NotFound(f"You have not blocked {other.display_name}.")
    member_service.unblock(session, me, other)
    if not member_service.is_blocked(session, other.id, me.id):
        log_change(session, ChangeKind.UNBLOCK, me.id, other.id)


def is_paused(session: Session, member_id: int) -> bool:
    return session.get(IntroductionPause, member_id) is not None


def set_paused(session: Session, me: Member, paused: bool) -> bool:
    """Switch "not taking introductions now" on or off; idempotent."""
    current = session.get(IntroductionPause, me.id)
    if paused and current is None:
        session.add(IntroductionPause(member_id=me.id, paused_at=utcnow()))
        session.flush()
        log_change(session, ChangeKind.PAUSE, me.id)
    elif not paused and current is not None:
        session.delete(current)
        session.flush()
        log_change(session, ChangeKind.RESUME, me.id)
    return paused


def prune_changes(session: Session, before: datetime) -> int:
    """Delete change-log rows written before ``before``, always keeping the newest row (a
    process that has seen it can tell "nothing new" from "pruned past me"). Idempotent."""
    newest = session.scalar(select(func.max(GraphChange.seq)))
    if newest is None:
        return 0
    result = session.execute(
        delete(GraphChange).where(GraphChange.at < before, GraphChange.seq < newest)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
