"""Sharing a contact book a little at a time, and keeping it from being taken.

Every display of someone else's shared entry goes through :func:`record_displays`, which
enforces the per-member quota and writes the audit trail. Cards are built only by
``sharing_rules.card_fields_for``; nothing here returns a contact's email, phone or notes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import String, cast, func, insert, select, update
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts import rules as contact_rules
from sharewell.contacts import sharing_rules as rules
from sharewell.contacts.models import Contact, ContactDisplay, ContactTag, HolderSettings
from sharewell.contacts.queries import own_contact
from sharewell.db import utcnow
from sharewell.errors import Conflict, InvalidInput, NotFound, RateLimited
from sharewell.members.models import Member
from sharewell.search.indexing import refresh_contact_documents

# Called with the ids of entries that just went from ``private`` to shared, in the same
# transaction (the privacy area registers the notice to the person here).
ON_FIRST_SHARED: list[Callable[[Session, Member, Sequence[int]], None]] = []


def _shared_now(session: Session, holder: Member, ids: Sequence[int]) -> None:
    for hook in ON_FIRST_SHARED:
        hook(session, holder, ids)


@dataclass(frozen=True)
class Selection:
    """Which of the holder's contacts a bulk change applies to (exactly one of these)."""

    ids: tuple[str, ...] = ()
    tag: str | None = None
    company: str | None = None
    all: bool = False


# The columns ``card_source`` reads: select these (not whole ``Contact`` rows, which load their
# emails, phones and tags too) where many cards are built at once. The two JSON lists come as
# their text (cast in SQL: psycopg would otherwise decode every ``json`` value it reads) and
# are decoded by ``card_source``, only for the rows a card is built from: a search loads a
# few hundred rows and builds far fewer cards, and decoding every row was a tenth of its time.
CARD_COLUMNS = (
    Contact.public_id,
    Contact.visibility,
    cast(Contact.card_fields, String).label("card_fields"),
    Contact.full_name,
    Contact.given_name,
    Contact.family_name,
    Contact.title,
    Contact.company,
    Contact.industry,
    Contact.city,
    Contact.region,
    cast(Contact.skills, String).label("skills"),
    Contact.how_known,
    Contact.linkedin_url,
    Contact.opted_out,
)


def _listed(value: Any) -> tuple[str, ...]:
    """A JSON list column's value, whether decoded already or still its stored text."""
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(value or ())


def card_source(contact: Any) -> rules.CardSource:
    """What the card rules need of an entry: a ``Contact`` or a row with ``CARD_COLUMNS``."""
    name = contact.full_name or " ".join(p for p in (contact.given_name, contact.family_name) if p)
    return rules.CardSource(
        public_id=contact.public_id,
        visibility=contact.visibility,
        card_fields=_listed(contact.card_fields),
        name=name,
        title=contact.title,
        company=contact.company,
        industry=contact.industry,
        city=contact.city,
        region=contact.region,
        skills=_listed(contact.skills),
        how_known=contact.how_known,
        linkedin_url=contact.linkedin_url,
        opted_out=contact.opted_out,
    )


def _check_shareable(contact: Contact, visibility: str) -> None:
    if contact.opted_out and visibility != "private":
        raise Conflict(
            "This person asked never to be shared; the entry stays private.", field="visibility"
        )


def set_visibility(
    session: Session,
    holder: Member,
    public_id: str,
    visibility: str,
    *,
    card_fields: Sequence[str] | None = None,
    how_known: str | None = None,
) -> Contact:
    contact = own_contact(session, holder, public_id)
    rules.check_visibility(visibility)
    _check_shareable(contact, visibility)
    if card_fields is not None:
        contact.card_fields = rules.check_card_fields(card_fields)
    if how_known is not None:
        contact.how_known = rules.check_how_known(
            how_known,
            names=[contact.display_name, contact.given_name, contact.family_name],
            emails=[e.value for e in contact.emails],
            phones=[p.value for p in contact.phones],
        )
    was_private = contact.visibility == "private"
    contact.visibility = visibility
    session.flush()
    if was_private and visibility != "private":
        _shared_now(session, holder, [contact.id])
    return contact


def bulk_set_visibility(
    session: Session,
    holder: Member,
    selection: Selection,
    visibility: str,
    *,
    card_fields: Sequence[str] | None = None,
) -> int:
    """Set many entries at once; opted-out people are skipped (they stay private)."""
    rules.check_visibility(visibility)
    chosen = sum(
        [
            bool(selection.ids),
            selection.tag is not None,
            selection.company is not None,
            selection.all,
        ]
    )
    if chosen != 1:
        raise InvalidInput("Choose exactly one of: ids, tag, company or all.", field="selection")
    query = update(Contact).where(Contact.holder_id == holder.id)
    if visibility != "private":
        query = query.where(Contact.opted_out.is_(False))
    if selection.ids:
        query = query.where(Contact.public_id.in_(selection.ids[:5000]))
    elif selection.tag is not None:
        query = query.where(
            Contact.id.in_(select(ContactTag.contact_id).where(ContactTag.tag == selection.tag))
        )
    elif selection.company is not None:
        query = query.where(Contact.company_key == contact_rules.company_key(selection.company))
    values: dict[str, object] = {"visibility": visibility, "updated_at": utcnow()}
    if card_fields is not None:
        values["card_fields"] = rules.check_card_fields(card_fields)
    newly: list[int] = []
    if visibility != "private" and ON_FIRST_SHARED and query.whereclause is not None:
        newly = list(
            session.scalars(
                select(Contact.id).where(query.whereclause, Contact.visibility == "private")
            )
        )
    changed = list(
        session.execute(
            query.values(**values)
            .returning(Contact.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    # A bulk statement bypasses the ORM hook: the search documents carry the visibility.
    refresh_contact_documents(session.connection(), changed)
    _shared_now(session, holder, newly)
    return len(changed)


def get_defaults(session: Session, holder: Member) -> HolderSettings:
    found = session.get(HolderSettings, holder.id)
    return found or HolderSettings(
        holder_id=holder.id, default_visibility="private", default_card_fields=[]
    )


def set_defaults(
    session: Session, holder: Member, visibility: str, card_fields: Sequence[str]
) -> HolderSettings:
    rules.check_visibility(visibility)
    found = session.get(HolderSettings, holder.id)
    if found is None:
        found = HolderSettings(holder_id=holder.id)
        session.add(found)
    found.default_visibility = visibility
    found.default_card_fields = rules.check_card_fields(card_fields)
    session.flush()
    return found


# --- previews and re-identification ------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    visibility: str
    card: dict[str, object] | None
    description: str
    counts_towards: list[str]
    warning: str | None
    suggestions: dict[str, str]


def _combination_count(session: Session, contact: Contact, fields: Sequence[str]) -> int:
    """How many contacts in the whole network share this card's combination of values."""
    columns = {
        "company": (Contact.company_key, contact.company_key),
        "city": (Contact.city_key, contact.city_key),
        "title": (func.lower(Contact.title), contact.title.lower()),
        "industry": (func.lower(Contact.industry), contact.industry.lower()),
        "region": (func.lower(Contact.region), contact.region.lower()),
    }
    query = select(func.count(Contact.id))
    used = 0
    for field in fields:
        if field in columns and getattr(contact, field):
            column, value = columns[field]
            query = query.where(column == value)
            used += 1
    return int(session.scalar(query) or 0) if used else 10**9


def preview(
    session: Session,
    holder: Member,
    public_id: str,
    settings: Settings,
    *,
    visibility: str | None = None,
    card_fields: Sequence[str] | None = None,
) -> Preview:
    """Exactly what others would see of this entry (with the proposed settings, if given)."""
    contact = own_contact(session, holder, public_id)
    vis = rules.check_visibility(visibility or contact.visibility)
    fields = rules.check_card_fields(
        card_fields if card_fields is not None else contact.card_fields or []
    )
    source = card_source(contact)
    source = rules.CardSource(
        **{**source.__dict__, "visibility": vis, "card_fields": tuple(fields)}
    )
    card = rules.card_fields_for(source)
    counts: list[str] = []
    if vis in rules.SHARED and not contact.opted_out and contact.company:
        counts.append(
            f"“knows N people at {contact.company}” (shown only when N ≥ {settings.min_group_size})"
        )
    warning, suggestions = None, {}
    if vis == "blind" and card:
        shared_by = _combination_count(session, contact, [f for f in fields if f in card])
        if shared_by < settings.reidentification_min:
            suggestions = rules.coarser_suggestions(f for f in fields if f in card)
            warning = (
                f"Fewer than {settings.reidentification_min} people in the network match this "
                "combination, so the card could single this person out."
                + (
                    " Try " + ", ".join(f"{b} instead of {a}" for a, b in suggestions.items()) + "."
                    if suggestions
                    else " Show fewer fields."
                )
            )
    return Preview(
        visibility=vis,
        card=card,
        description=rules.describe_card(card) if card else "",
        counts_towards=counts,
        warning=warning,
        suggestions=suggestions,
    )


# --- what others see ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Aggregate:
    company: str
    count: int
    by_skill: list[tuple[str, int]]

    def describe(self) -> str:
        text = rules.describe_aggregate(self.count, self.company)
        if self.by_skill:
            text += ", " + ", ".join(f"{n} in {skill}" for skill, n in self.by_skill)
        return text


def aggregates_for(
    session: Session, holder_id: int, settings: Settings, *, limit: int = 10
) -> list[Aggregate]:
    """ "Knows 12 people at Acme, 5 in data engineering": shared entries (counted, blind, open)
    grouped by company; a group smaller than the minimum size is never shown."""
    k = settings.min_group_size
    shared = (
        (Contact.holder_id == holder_id)
        & Contact.visibility.in_(rules.SHARED)
        & Contact.opted_out.is_(False)
    )
    rows = session.execute(
        select(Contact.company_key, func.min(Contact.company), func.count(Contact.id))
        .where(shared, Contact.company_key != "")
        .group_by(Contact.company_key)
        .having(func.count(Contact.id) >= k)
        .order_by(func.count(Contact.id).desc(), Contact.company_key)
        .limit(limit)
    ).all()
    result = []
    for key, company, count in rows:
        skills: dict[str, int] = {}
        for (skill_list,) in session.execute(
            select(Contact.skills).where(shared, Contact.company_key == key)
        ):
            for skill in set(skill_list or []):
                skills[skill] = skills.get(skill, 0) + 1
        by_skill = sorted(
            ((s, n) for s, n in skills.items() if n >= k), key=lambda p: (-p[1], p[0])
        )[:3]
        result.append(Aggregate(company=company, count=count, by_skill=by_skill))
    return result


def record_displays(
    session: Session,
    viewer: Member,
    shown: Sequence[tuple[int, int | None]],
    surface: str,
    settings: Settings,
) -> None:
    """Count displays of others' shared entries against the viewer's quota and audit them.

    ``shown`` holds (holder id, contact id or None for an aggregate). The viewer's own
    entries are free. Over the quota, nothing is shown: 429 with the time to wait.
    """
    others = [(h, c) for h, c in shown if h != viewer.id]
    if not others:
        return
    now = utcnow()
    if settings.display_quota_enabled:
        hour, day = timedelta(hours=1), timedelta(days=1)
        # Both windows in one read of the day's displays (this runs on every search).
        in_hour, in_day = session.execute(
            select(
                func.count(ContactDisplay.id).filter(ContactDisplay.at > now - hour),
                func.count(ContactDisplay.id),
            ).where(ContactDisplay.viewer_id == viewer.id, ContactDisplay.at > now - day)
        ).one()
        for window, limit, used in (
            (hour, settings.display_quota_hour, int(in_hour or 0)),
            (day, settings.display_quota_day, int(in_day or 0)),
        ):
            since = now - window
            if used + len(others) > limit:
                oldest = session.scalar(
                    select(ContactDisplay.at)
                    .where(ContactDisplay.viewer_id == viewer.id, ContactDisplay.at > since)
                    .order_by(ContactDisplay.at)
                    .offset(max(0, used + len(others) - limit - 1))
                    .limit(1)
                )
                wait = int(((oldest or now) + window - now).total_seconds()) + 1
                raise RateLimited(
                    f"You have seen {used} shared entries in the last "
                    f"{'hour' if window.days == 0 else 'day'}, the most allowed ({limit}). "
                    f"Try again in {max(wait, 1) // 60 + 1} minutes.",
                    retry_after=max(wait, 1),
                )
    session.execute(
        insert(ContactDisplay),
        [
            {"viewer_id": viewer.id, "holder_id": h, "contact_id": c, "surface": surface, "at": now}
            for h, c in others
        ],
    )


def shared_card(
    session: Session, viewer: Member, public_id: str, settings: Settings
) -> tuple[Contact, dict[str, object]]:
    """One blind or open card by its public id, as the viewer may see it (404 otherwise)."""
    contact = session.scalar(select(Contact).where(Contact.public_id == public_id))
    card = rules.card_fields_for(card_source(contact)) if contact is not None else None
    if contact is None or card is None:
        raise NotFound("No such shared entry.")
    record_displays(session, viewer, [(contact.holder_id, contact.id)], "card", settings)
    return contact, card
