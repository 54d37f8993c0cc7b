"""Use cases of the contact book: add, edit, tag, delete, merge, export. Never commits."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sharewell import importers
from sharewell.contacts import rules
from sharewell.contacts.importing import derived_keys, new_public_id
from sharewell.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    HolderSettings,
    PossibleDuplicate,
)
from sharewell.contacts.queries import own_contact
from sharewell.contacts.schemas import ContactIn
from sharewell.errors import InvalidInput, NotFound
from sharewell.importers import ParsedContact, TypedValue
from sharewell.members.models import Member

TEXT_FIELDS = (
    "full_name",
    "given_name",
    "family_name",
    "company",
    "title",
    "industry",
    "city",
    "region",
    "country",
    "notes",
)


def as_parsed(contact: Contact) -> ParsedContact:
    """The contact as the importers' value type (for merging and export)."""
    return ParsedContact(
        full_name=contact.full_name,
        given_name=contact.given_name,
        family_name=contact.family_name,
        company=contact.company,
        title=contact.title,
        emails=[TypedValue(e.value, e.type) for e in contact.emails],
        phones=[TypedValue(p.value, p.type) for p in contact.phones],
        linkedin_url=contact.linkedin_url,
        urls=list(contact.urls or []),
        address=contact.address,
        city=contact.city,
        region=contact.region,
        postal_code=contact.postal_code,
        country=contact.country,
        birthday=contact.birthday,
        notes=contact.notes,
        tags=contact.tags,
        connected_on=contact.connected_on,
    )


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(t.split())[:60] for t in tags if t.strip()))
    return cleaned


def _refresh_keys(contact: Contact) -> None:
    for name, value in derived_keys(as_parsed(contact), None).items():
        setattr(contact, name, value)


def _apply(contact: Contact, data: ContactIn) -> None:
    fields = data.model_fields_set
    for name in TEXT_FIELDS:
        if name in fields:
            setattr(contact, name, getattr(data, name) or "")
    if "linkedin_url" in fields:
        url = (data.linkedin_url or "").strip()
        if url and not rules.normalize_linkedin_url(url):
            raise InvalidInput(
                "That is not a LinkedIn profile address; it looks like "
                "https://www.linkedin.com/in/name.",
                field="linkedin_url",
            )
        contact.linkedin_url = url
    if "emails" in fields:
        emails = data.emails or []
        for e in emails:
            if rules.normalize_email(e.value) is None:
                raise InvalidInput(f"'{e.value[:60]}' is not an email address.", field="emails")
        contact.emails = [
            ContactEmail(
                value=e.value, type=e.type, normalized=rules.normalize_email(e.value) or ""
            )
            for e in emails
        ]
    if "phones" in fields:
        contact.phones = [
            ContactPhone(
                value=p.value, type=p.type, normalized=rules.normalize_phone(p.value) or ""
            )
            for p in data.phones or []
        ]
    if "skills" in fields:
        contact.skills = _clean_tags(data.skills or [])
    if "tags" in fields:
        contact.tag_rows = [ContactTag(tag=t) for t in _clean_tags(data.tags or [])]
    if not contact.display_name and not contact.emails and not contact.phones:
        raise InvalidInput(
            "Give the contact at least a name, an email or a phone.", field="full_name"
        )
    _refresh_keys(contact)


def default_visibility(session: Session, holder: Member) -> tuple[str, list[str]]:
    found = session.get(HolderSettings, holder.id)
    return (found.default_visibility, list(found.default_card_fields)) if found else ("private", [])


def create_contact(session: Session, holder: Member, data: ContactIn) -> Contact:
    visibility, card_fields = default_visibility(session, holder)
    blanks = {
        name: ""
        for name, column in Contact.__table__.columns.items()
        if column.default is not None and column.default.arg == ""
    }
    contact = Contact(
        **blanks,
        holder_id=holder.id,
        public_id=new_public_id(),
        source="manual",
        visibility=visibility,
        card_fields=card_fields,
        urls=[],
        skills=[],
    )
    _apply(contact, data)
    session.add(contact)
    session.flush()
    return contact


def update_contact(session: Session, holder: Member, public_id: str, data: ContactIn) -> Contact:
    contact = own_contact(session, holder, public_id)
    _apply(contact, data)
    session.flush()
    return contact


def delete_contact(session: Session, holder: Member, public_id: str) -> None:
    contact = own_contact(session, holder, public_id)
    session.delete(contact)
    session.flush()


def merge_duplicate(session: Session, holder: Member, pair_id: int, keep: str) -> Contact:
    """Merge a possible-duplicate pair into the contact the holder keeps."""
    pair = session.get(PossibleDuplicate, pair_id)
    if pair is None or pair.holder_id != holder.id:
        raise NotFound("No such possible duplicate.")
    first, second = session.get(Contact, pair.contact_id), session.get(Contact, pair.candidate_id)
    assert first is not None and second is not None  # cascades keep pairs consistent
    kept, gone = (first, second) if keep == first.public_id else (second, first)
    if keep not in (first.public_id, second.public_id):
        raise InvalidInput("Choose one of the two contacts to keep.", field="keep")
    merged, _ = rules.merge_fields(as_parsed(kept), as_parsed(gone))
    for name in (
        "full_name",
        "given_name",
        "family_name",
        "company",
        "title",
        "linkedin_url",
        "address",
        "city",
        "region",
        "postal_code",
        "country",
        "birthday",
        "notes",
        "connected_on",
    ):
        setattr(kept, name, getattr(merged, name))
    kept.urls = list(merged.urls)
    kept.emails = [
        ContactEmail(value=e.value, type=e.type, normalized=rules.normalize_email(e.value) or "")
        for e in merged.emails
    ]
    kept.phones = [
        ContactPhone(value=p.value, type=p.type, normalized=rules.normalize_phone(p.value) or "")
        for p in merged.phones
    ]
    kept.tag_rows = [ContactTag(tag=t) for t in _clean_tags(merged.tags)]
    kept.skills = _clean_tags(list(kept.skills or []) + list(gone.skills or []))
    kept.opted_out = kept.opted_out or gone.opted_out
    if kept.opted_out:
        kept.visibility = "private"
    _refresh_keys(kept)
    session.delete(gone)
    session.flush()
    return kept


def dismiss_duplicate(session: Session, holder: Member, pair_id: int) -> None:
    result = session.execute(
        delete(PossibleDuplicate).where(
            PossibleDuplicate.id == pair_id, PossibleDuplicate.holder_id == holder.id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("No such possible duplicate.")


def export_contacts(session: Session, holder: Member, fmt: str) -> tuple[bytes, str, str]:
    """The holder's own book as vCard 4.0 or CSV (formula-escaped): (body, media type, name)."""
    contacts = [
        as_parsed(c)
        for c in session.scalars(
            select(Contact).where(Contact.holder_id == holder.id).order_by(Contact.id)
        )
    ]
    if fmt == "vcf":
        return importers.to_vcard(contacts).encode(), "text/vcard; charset=utf-8", "contacts.vcf"
    if fmt == "csv":
        return importers.to_csv_bytes(contacts), "text/csv; charset=utf-8", "contacts.csv"
    raise InvalidInput("Export as 'vcf' or 'csv'.", field="format")
