"""Read side of the contact book: the holder's own views only. What other members may see of
a contact is computed in ``contacts.sharing``, never here."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sharewell.contacts import rules
from sharewell.contacts.models import Contact, ContactDisplay, ContactTag, PossibleDuplicate
from sharewell.contacts.schemas import ContactOut, DuplicatePair, TypedValueIO
from sharewell.errors import NotFound
from sharewell.members.models import Member
from sharewell.pagination import Page, decode_cursor, encode_cursor


def contact_out(contact: Contact, member_handle: str | None = None, views: int = 0) -> ContactOut:
    return ContactOut(
        id=contact.public_id,
        full_name=contact.display_name,
        given_name=contact.given_name,
        family_name=contact.family_name,
        emails=[TypedValueIO(value=e.value, type=e.type) for e in contact.emails],
        phones=[TypedValueIO(value=p.value, type=p.type) for p in contact.phones],
        company=contact.company,
        title=contact.title,
        industry=contact.industry,
        city=contact.city,
        region=contact.region,
        country=contact.country,
        linkedin_url=contact.linkedin_url,
        urls=list(contact.urls or []),
        notes=contact.notes,
        skills=list(contact.skills or []),
        tags=contact.tags,
        connected_on=contact.connected_on,
        source=contact.source,
        visibility=contact.visibility,
        card_fields=list(contact.card_fields or []),
        how_known=contact.how_known,
        opted_out=contact.opted_out,
        member_handle=member_handle,
        views=views,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


def own_contact(session: Session, holder: Member, public_id: str) -> Contact:
    """The holder's contact; anyone else's (or none) is the same 404, so ids cannot be probed."""
    contact = session.scalar(
        select(Contact).where(Contact.public_id == public_id, Contact.holder_id == holder.id)
    )
    if contact is None:
        raise NotFound("No such contact in your book.")
    return contact


def _handles(session: Session, contacts: list[Contact]) -> dict[int, str]:
    ids = {c.matched_member_id for c in contacts if c.matched_member_id}
    if not ids:
        return {}
    return dict(
        session.execute(select(Member.id, Member.handle).where(Member.id.in_(ids))).tuples().all()
    )


def _views(session: Session, contacts: list[Contact]) -> dict[int, int]:
    ids = [c.id for c in contacts if c.visibility != "private"]
    if not ids:
        return {}
    rows = session.execute(
        select(ContactDisplay.contact_id, func.count(ContactDisplay.id))
        .where(ContactDisplay.contact_id.in_(ids))
        .group_by(ContactDisplay.contact_id)
    ).tuples()
    return {cid: n for cid, n in rows if cid is not None}


def get_contact(session: Session, holder: Member, public_id: str) -> ContactOut:
    contact = own_contact(session, holder, public_id)
    handle = _handles(session, [contact]).get(contact.matched_member_id or 0)
    return contact_out(contact, handle, _views(session, [contact]).get(contact.id, 0))


def list_contacts(
    session: Session,
    holder: Member,
    *,
    limit: int,
    cursor: str | None = None,
    q: str | None = None,
    tag: str | None = None,
    visibility: str | None = None,
) -> Page[ContactOut]:
    query = (
        select(Contact).where(Contact.holder_id == holder.id).order_by(Contact.id).limit(limit + 1)
    )
    after = decode_cursor(cursor)
    if after:
        query = query.where(Contact.id > int(after[0]))
    if q:
        folded = f"%{rules.fold_text(q)}%"
        query = query.where(or_(Contact.name_key.like(folded), Contact.company_key.like(folded)))
    if tag:
        query = query.where(
            Contact.id.in_(select(ContactTag.contact_id).where(ContactTag.tag == tag))
        )
    if visibility:
        query = query.where(Contact.visibility == visibility)
    contacts = list(session.scalars(query))
    handles = _handles(session, contacts[:limit])
    views = _views(session, contacts[:limit])
    items = [
        contact_out(c, handles.get(c.matched_member_id or 0), views.get(c.id, 0))
        for c in contacts[:limit]
    ]
    next_cursor = encode_cursor(contacts[limit - 1].id) if len(contacts) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def all_own_contacts(session: Session, holder: Member) -> list[Contact]:
    """Every contact of the holder, for their own export."""
    return list(
        session.scalars(select(Contact).where(Contact.holder_id == holder.id).order_by(Contact.id))
    )


def list_duplicates(session: Session, holder: Member, *, limit: int = 50) -> list[DuplicatePair]:
    rows = session.scalars(
        select(PossibleDuplicate)
        .where(PossibleDuplicate.holder_id == holder.id)
        .order_by(PossibleDuplicate.id)
        .limit(limit)
    ).all()
    ids = {r.contact_id for r in rows} | {r.candidate_id for r in rows}
    by_id = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))}
    return [
        DuplicatePair(
            id=r.id,
            reason=r.reason,
            contact=contact_out(by_id[r.contact_id]),
            candidate=contact_out(by_id[r.candidate_id]),
        )
        for r in rows
        if r.contact_id in by_id and r.candidate_id in by_id
    ]


def tags_of(session: Session, holder: Member) -> list[str]:
    return list(
        session.scalars(
            select(ContactTag.tag)
            .join(Contact, Contact.id == ContactTag.contact_id)
            .where(Contact.holder_id == holder.id)
            .distinct()
            .order_by(ContactTag.tag)
            .limit(500)
        )
    )
