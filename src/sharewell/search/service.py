"""Use cases of the search area: saved searches and their alerts. Never commits."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.errors import Conflict, InvalidInput, NotFound
from sharewell.mail import service as mail
from sharewell.members.models import Member
from sharewell.network.graph import GraphIndex
from sharewell.search import rules
from sharewell.search.models import SavedSearch, SearchAlert, SearchDocument
from sharewell.search.queries import SearchParams, search
from sharewell.search.schemas import SavedSearchIn

MAX_SAVED = 50
ALERT_KINDS = ("member", "insight", "comment")  # cards and aggregates are never sent out


def params_of(saved: SavedSearch, *, since_doc_id: int = 0) -> SearchParams:
    f: dict[str, Any] = saved.filters or {}
    kinds = tuple(k for k in (f.get("kind") or ALERT_KINDS) if k in ALERT_KINDS) or ALERT_KINDS
    return SearchParams(
        q=saved.query,
        kinds=kinds,
        topic=f.get("topic"),
        company=f.get("company"),
        city=f.get("city"),
        degree=f.get("degree"),
        limit=rules.LIMIT_MAX,
        since_doc_id=since_doc_id,
    )


def save_search(session: Session, member: Member, data: SavedSearchIn) -> SavedSearch:
    rules.check_query(data.q)
    rules.check_kinds(data.kind)
    rules.check_degree(data.degree)
    if not data.q.strip() and not (data.topic or data.company or data.city):
        raise InvalidInput("Give some words or a filter to watch for.", field="q")
    count = session.scalar(
        select(func.count(SavedSearch.id)).where(SavedSearch.member_id == member.id)
    )
    if (count or 0) >= MAX_SAVED:
        raise Conflict(f"You can keep up to {MAX_SAVED} saved searches; delete one first.")
    newest = session.scalar(select(func.coalesce(func.max(SearchDocument.id), 0))) or 0
    saved = SavedSearch(
        public_id=secrets.token_urlsafe(9)[:12],
        member_id=member.id,
        name=data.name.strip()[:80],
        query=data.q.strip(),
        filters={
            k: v
            for k, v in {
                "kind": [k for k in data.kind if k in ALERT_KINDS],
                "topic": data.topic,
                "company": data.company,
                "city": data.city,
                "degree": data.degree,
            }.items()
            if v
        },
        mail=data.mail,
        last_doc_id=int(newest),  # only what is new from now on
    )
    session.add(saved)
    session.flush()
    return saved


def own_saved(session: Session, member: Member, public_id: str) -> SavedSearch:
    saved = session.scalar(
        select(SavedSearch).where(
            SavedSearch.public_id == public_id[:16], SavedSearch.member_id == member.id
        )
    )
    if saved is None:
        raise NotFound("No such saved search.")
    return saved


def delete_saved(session: Session, member: Member, public_id: str) -> None:
    session.delete(own_saved(session, member, public_id))
    session.flush()


def mark_read(session: Session, member: Member, now: datetime | None = None) -> int:
    result = session.execute(
        update(SearchAlert)
        .where(SearchAlert.member_id == member.id, SearchAlert.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def check_saved_search(
    session: Session,
    saved: SavedSearch,
    settings: Settings,
    index: GraphIndex | None,
    now: datetime,
) -> int:
    """Alerts for what is new since the last check (documents indexed after it), as the
    member would see it now; a mail when asked for. Idempotent: one alert per document."""
    member = session.get(Member, saved.member_id)
    if member is None or not member.is_active:
        return 0
    newest = int(session.scalar(select(func.coalesce(func.max(SearchDocument.id), 0))) or 0)
    if newest <= saved.last_doc_id:
        saved.checked_at = now
        return 0
    out = search(
        session,
        member,
        params_of(saved, since_doc_id=saved.last_doc_id),
        settings,
        index,
        record=False,
    )
    doc_ids = [h.doc_id for h in out.items]
    known = set(
        session.scalars(select(SearchAlert.doc_id).where(SearchAlert.saved_search_id == saved.id))
    )
    fresh = [(h, d) for h, d in zip(out.items, doc_ids, strict=True) if d and d not in known]
    for hit, doc_id in fresh:
        session.add(
            SearchAlert(
                saved_search_id=saved.id,
                member_id=member.id,
                doc_id=doc_id,
                kind=hit.kind,
                label=hit.title[:300],
                url=(hit.url or "/search")[:300],
                created_at=now,
            )
        )
    saved.last_doc_id = newest
    saved.checked_at = now
    if fresh and saved.mail and settings.search_alerts_mail:
        lines = [f"- {h.title}: {settings.base_url}{h.url}" for h, _ in fresh[:20]]
        mail.queue(
            session,
            settings,
            to=member.email,
            subject=f"New for your saved search “{saved.name}”"[:150],
            body="\n".join(
                [
                    f"{len(fresh)} new match{'es' if len(fresh) != 1 else ''} for “{saved.name}”:",
                    "",
                    *lines,
                    "",
                    f"All alerts: {settings.base_url}/search/saved",
                ]
            ),
            kind="search_alert",
        )
    session.flush()
    return len(fresh)


def check_all(
    factory: Callable[[], Session], settings: Settings, index: GraphIndex | None, now: datetime
) -> int:
    """Every saved search, each in its own transaction (used by the ``search.alerts`` job)."""
    from sharewell.db import session_scope

    total = 0
    last = 0
    while True:
        with session_scope(factory) as session:  # type: ignore[arg-type]
            ids = list(
                session.scalars(
                    select(SavedSearch.id)
                    .where(SavedSearch.id > last)
                    .order_by(SavedSearch.id)
                    .limit(100)
                )
            )
        if not ids:
            return total
        for sid in ids:
            with session_scope(factory) as session:  # type: ignore[arg-type]
                saved = session.get(SavedSearch, sid)
                if saved is not None:
                    total += check_saved_search(session, saved, settings, index, now)
        last = ids[-1]
