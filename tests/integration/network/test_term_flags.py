"""The sharing flags on filter term rows follow every kind of write to a contact (ORM edits,
bulk sharing changes, opt-outs, re-written terms), so a filter matched on the term index alone
finds exactly the holders the sharing rules allow."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.contacts import service as contact_service
from sharewell.contacts import sharing
from sharewell.contacts.models import Contact
from sharewell.contacts.schemas import ContactIn
from sharewell.members.models import Member
from sharewell.network import queries, rules
from sharewell.network.models import ContactTerm


def _flags(db: Session, contact: Contact) -> set[int]:
    db.flush()
    return set(db.scalars(select(ContactTerm.flags).where(ContactTerm.contact_id == contact.id)))


def _expected(db: Session, contact: Contact) -> set[int]:
    db.refresh(contact)
    return {rules.contact_flags(contact.visibility, contact.opted_out, contact.card_fields)}


def _entry(db: Session, holder: Member, name: str) -> Contact:
    return contact_service.create_contact(
        db,
        holder,
        ContactIn(
            full_name=name,
            title="Staff Data Engineer",
            company="Acme",
            city="Berlin",
            skills=["python"],
        ),
    )


def test_flags_follow_every_sharing_change(db: Session, members: Members) -> None:
    holder = members.create("Priya Holder")
    contact = _entry(db, holder, "Dana Engineer")
    assert _flags(db, contact) == {0}  # private by default: counts for nothing
    cases = [
        ("counted", []),
        ("blind", ["title"]),
        ("blind", ["company", "city", "skills"]),
        ("open", []),
        ("open", ["city"]),
        ("private", []),
    ]
    for visibility, fields in cases:
        sharing.set_visibility(db, holder, contact.public_id, visibility, card_fields=fields)
        assert _flags(db, contact) == _expected(db, contact), (visibility, fields)
    # Bulk change (a single UPDATE statement, no ORM objects).
    sharing.bulk_set_visibility(
        db, holder, sharing.Selection(all=True), "blind", card_fields=["title", "city"]
    )
    assert _flags(db, contact) == _expected(db, contact)
    assert _flags(db, contact) == {rules.FLAG_CARD | rules.FLAG_SHOWS["title"] | 16}
    # An edit that rewrites the term rows keeps the flags of the current sharing.
    contact_service.update_contact(
        db,
        holder,
        contact.public_id,
        ContactIn(full_name="Dana Engineer", title="Principal Engineer", company="Acme"),
    )
    assert _flags(db, contact) == _expected(db, contact) != {0}
    # The person opts out (the opt-out path is a bulk UPDATE too): nothing counts any more.
    db.execute(update(Contact).where(Contact.id == contact.id).values(opted_out=True))
    assert _flags(db, contact) == {0}


def test_a_card_made_private_in_bulk_stops_matching_at_once(
    db: Session, members: Members, settings: Settings
) -> None:
    me = members.create("Me Recruiter")
    holder = members.create("Priya Holder")
    contact = _entry(db, holder, "Dana Engineer")
    flt = rules.check_filter(title="data engineer", company="Acme")
    sharing.set_visibility(db, holder, contact.public_id, "blind", card_fields=["title", "company"])
    assert holder.id in queries.match_filter(db, flt, settings, me.id).holders.tolist()
    # A blind card that hides the company does not match a filter on the company.
    sharing.set_visibility(db, holder, contact.public_id, "blind", card_fields=["title"])
    assert holder.id not in queries.match_filter(db, flt, settings, me.id).holders.tolist()
    sharing.bulk_set_visibility(db, holder, sharing.Selection(all=True), "open")
    assert holder.id in queries.match_filter(db, flt, settings, me.id).holders.tolist()
    sharing.bulk_set_visibility(db, holder, sharing.Selection(all=True), "private")
    assert holder.id not in queries.match_filter(db, flt, settings, me.id).holders.tolist()


def test_counted_entries_match_only_as_a_large_enough_group(
    db: Session, members: Members, settings: Settings
) -> None:
    me = members.create("Me Recruiter")
    holder = members.create("Quinn Counter")
    flt = rules.check_filter(title="engineer", city="Berlin")
    entries = [_entry(db, holder, f"Person {i}") for i in range(settings.min_group_size)]
    for c in entries[:-1]:
        sharing.set_visibility(db, holder, c.public_id, "counted")
    assert holder.id not in queries.match_filter(db, flt, settings, me.id).holders.tolist()
    sharing.set_visibility(db, holder, entries[-1].public_id, "counted")
    assert holder.id in queries.match_filter(db, flt, settings, me.id).holders.tolist()
    # The one searching is never offered their own book.
    assert holder.id not in queries.match_filter(db, flt, settings, holder.id).holders.tolist()
