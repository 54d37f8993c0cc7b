"""``members.updated_at`` as the version of a member's public profile page.

The anonymous profile page cache (``web/profile_cache.py``) compares ``updated_at`` on every
request, so every write that changes what the page shows must move it. Column changes through
the ORM do (``onupdate``); these hooks (registered on import; ``sharewell.all_models`` imports
this module) add the member's topics, offers, asks and links, which live in their own tables:
a changed collection touches its Member object, rows written by themselves touch their member
with one UPDATE after the flush. ``members.service.update_profile`` touches the member itself
where it replaces topics with a bulk DELETE the hooks cannot see.
"""

from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from sharewell.db import ids_in, utcnow
from sharewell.members.models import Member, MemberTopic, ProfileItem, ProfileLink

_PENDING = "sharewell_touch_members"


def _touched_members(session: Session) -> tuple[set[int], list[Member]]:
    """Members whose topics, offers, asks or links this flush changes: ids of rows written
    directly, and Member objects whose collections changed (their children have no id yet)."""
    ids: set[int] = set()
    parents: list[Member] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, MemberTopic | ProfileItem | ProfileLink):
            if obj.member_id is not None:
                ids.add(obj.member_id)
        elif isinstance(obj, Member) and obj not in session.new and session.is_modified(obj):
            parents.append(obj)
    return ids, parents


def _before_flush(session: Session, _context: object, _instances: object) -> None:
    ids, parents = _touched_members(session)
    now = utcnow()
    for member in parents:
        member.updated_at = now  # a collection change alone would not fire ``onupdate``
    pending = ids - {m.id for m in parents}
    if pending:
        session.info.setdefault(_PENDING, set()).update(pending)


def _after_flush(session: Session, _context: object) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        touched = ids_in(session, Member.id, sorted(ids))
        session.connection().execute(update(Member).where(touched).values(updated_at=utcnow()))


def install() -> None:
    """Register the hooks once per process (idempotent); ``sharewell.all_models`` imports this
    module so every session has them."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


install()
