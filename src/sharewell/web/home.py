"""The signed-in home page answers "what now?": the welcome steps still open, introductions
waiting on the member, asks they could help with, their give/take balance, how their
standing moved, and the newest of their feed. Each part reads one area's own queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts.models import Contact
from sharewell.db import utcnow
from sharewell.insights import queries as insight_queries
from sharewell.insights.schemas import InsightOut
from sharewell.intros import queries as intro_queries
from sharewell.intros.schemas import IntroSummary
from sharewell.ledger import queries as ledger_queries
from sharewell.members.models import Member
from sharewell.standing import queries as standing_queries
from sharewell.web.onboarding import progress

SHOWN = 5  # items per section: the home page points onward, the area pages list everything
ASKS_READ = 50  # newest asks read to find the ones this member could help with


@dataclass(frozen=True)
class MatchedAsk:
    ask: InsightOut
    because: str  # why it is shown: a shared topic, or a company in the member's book


def waiting_on(session: Session, me: Member) -> list[IntroSummary]:
    seen: dict[str, IntroSummary] = {}
    for box in intro_queries.BOXES:
        for intro in intro_queries.inbox(session, me, box, limit=50).items:
            if intro.waiting_on_me:
                seen.setdefault(intro.public_id, intro)
    return sorted(seen.values(), key=lambda i: i.updated_at, reverse=True)[:SHOWN]


def _book_companies(session: Session, me: Member) -> list[str]:
    rows = session.scalars(
        select(Contact.company)
        .where(Contact.holder_id == me.id, Contact.company != "")
        .group_by(Contact.company)
        .order_by(func.count(Contact.id).desc())
        .limit(200)
    )
    return [c for c in rows if len(c) >= 3]


def asks_for(session: Session, me: Member) -> list[MatchedAsk]:
    """Open asks by others that share a topic with the member, or name a company the member
    knows people at (only the member sees which, on their own home page)."""
    viewer = insight_queries.viewer_for(session, me)
    mine = {t.slug for t in me.topics}
    companies = _book_companies(session, me)
    found: list[MatchedAsk] = []
    for ask in insight_queries.list_insights(session, viewer, limit=ASKS_READ, kind="ask").items:
        if ask.author.handle == me.handle or ask.deleted or ask.hidden:
            continue
        shared = [t.label for t in ask.topics if t.slug in mine]
        text = ask.title.lower()
        known = next((c for c in companies if c.lower() in text), None)
        if shared:
            found.append(MatchedAsk(ask, f"you know about {', '.join(shared)}"))
        elif known:
            found.append(MatchedAsk(ask, f"you know people at {known}"))
        if len(found) == SHOWN:
            break
    return found


def standing_change(session: Session, settings: Settings, me: Member) -> dict[str, Any]:
    info = standing_queries.member_standing(session, me)
    points = standing_queries.history(session, me.id, days=30, now=utcnow())
    change = points[-1].level - points[0].level if len(points) >= 2 else None
    return {"info": info, "change": change, "days": len(points)}


def context(session: Session, settings: Settings, me: Member) -> dict[str, Any]:
    steps = progress(session, me)
    viewer = insight_queries.viewer_for(session, me)
    return {
        "steps": steps,
        "steps_done": sum(s.done for s in steps),
        "waiting": waiting_on(session, me),
        "asks": asks_for(session, me),
        "ledger": ledger_queries.summary(session, me),
        "standing": standing_change(session, settings, me),
        "feed": insight_queries.home_feed(session, viewer, limit=SHOWN).items,
    }
