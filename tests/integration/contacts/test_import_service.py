"""Importing real-shaped contact files into a holder's book, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.contacts.importing import import_file
from sharewell.contacts.models import Contact, ContactEmail, ContactImport, PossibleDuplicate
from sharewell.contacts.optouts import register_optout
from sharewell.errors import InvalidInput
from sharewell.members.models import Member

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "contacts"
SECRET = "test-secret"


def run(db: Session, holder: Member, name: str, **kw: object) -> dict[str, object]:
    data = (FIXTURES / name).read_bytes()
    report = import_file(
        db,
        holder,
        data,
        filename=name,
        max_bytes=10_000_000,
        secret_key=SECRET,
        **kw,  # type: ignore[arg-type]
    )
    return report.model_dump()


def book(db: Session, holder: Member) -> list[Contact]:
    return list(
        db.scalars(select(Contact).where(Contact.holder_id == holder.id).order_by(Contact.id))
    )


@pytest.mark.parametrize(
    "name",
    [
        "linkedin_notes_preamble.csv",
        "linkedin_no_url.csv",
        "linkedin_cp1252.csv",
        "vcard21_qp.vcf",
        "vcard30_grouped.vcf",
        "vcard40.vcf",
        "google_old.csv",
        "google_new.csv",
        "outlook.csv",
        "outlook_utf16.csv",
    ],
)
def test_each_format_imports_and_reimport_is_idempotent(
    db: Session, members: Members, name: str
) -> None:
    holder = members.create()
    first = run(db, holder, name)
    assert first["created"] > 0, first
    count = len(book(db, holder))
    assert count == first["created"]
    second = run(db, holder, name)
    assert second["created"] == 0 and second["updated"] == 0
    assert second["unchanged"] == first["created"] + first["unchanged"] + first["updated"]
    assert len(book(db, holder)) == count


def test_bad_cards_are_reported_and_good_ones_kept(db: Session, members: Members) -> None:
    holder = members.create()
    report = run(db, holder, "vcard_mixed_broken.vcf")
    assert report["created"] >= 1 and report["errors"]
    assert all(e["card"] for e in report["errors"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["not_contacts.png", "random.csv"])
def test_non_contact_files_are_refused_and_change_nothing(
    db: Session, members: Members, name: str
) -> None:
    holder = members.create()
    with pytest.raises(InvalidInput) as err:
        run(db, holder, name)
    assert err.value.field == "file" and err.value.detail
    assert book(db, holder) == []
    assert db.scalar(select(func.count(ContactImport.id))) == 0


def test_newer_linkedin_export_updates_jobs_and_reports_fields(
    db: Session, members: Members
) -> None:
    holder = members.create()
    old = (
        b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
        b"Priya,Sharma,https://www.linkedin.com/in/priya-s,,Acme,Data Engineer,08 Jan 2018\r\n"
    )
    new = (
        b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
        b"Priya,Sharma,https://linkedin.com/in/Priya-S/,priya@example.org,Globex,Staff Data Engineer,08 Jan 2018\r\n"
        b"Sam,Okafor,https://www.linkedin.com/in/sam-o,,Initech,Recruiter,25 Nov 2026\r\n"
    )
    import_file(db, holder, old, max_bytes=10**6, secret_key=SECRET)
    report = import_file(db, holder, new, max_bytes=10**6, secret_key=SECRET)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert report.changed_fields["company"] == 1 and report.changed_fields["emails"] == 1
    priya = next(c for c in book(db, holder) if c.given_name == "Priya")
    assert (priya.company, priya.title) == ("Globex", "Staff Data Engineer")
    assert [e.value for e in priya.emails] == ["priya@example.org"]


def test_possible_duplicates_are_offered_not_merged(db: Session, members: Members) -> None:
    holder = members.create()
    a = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jon Smith\r\nORG:Acme\r\nEMAIL:jon@acme.example\r\nEND:VCARD\r\n"
    b = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jon Smith\r\nORG:Acme\r\nEMAIL:jsmith@home.example\r\nEND:VCARD\r\n"
    import_file(db, holder, a, max_bytes=10**6, secret_key=SECRET)
    report = import_file(db, holder, b, max_bytes=10**6, secret_key=SECRET)
    assert report.created == 1 and report.possible_duplicates == 1
    assert len(book(db, holder)) == 2
    assert (
        db.scalar(
            select(func.count(PossibleDuplicate.id)).where(PossibleDuplicate.holder_id == holder.id)
        )
        == 1
    )


def test_opted_out_people_stay_private(db: Session, members: Members) -> None:
    holder = members.create()
    register_optout(db, "email", "Opted@Example.org", secret_key=SECRET)
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Olga Out\r\nEMAIL:opted@example.org\r\nEND:VCARD\r\n"
    import_file(db, holder, card, max_bytes=10**6, secret_key=SECRET, default_visibility="open")
    (contact,) = book(db, holder)
    assert contact.visibility == "private" and contact.opted_out


def test_contacts_that_are_members_are_marked(db: Session, members: Members) -> None:
    holder, known = members.create(), members.create()
    from sharewell.db import utcnow

    known.email_verified_at = utcnow()
    db.flush()
    card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Known\r\nEMAIL:{known.email.upper()}\r\nEND:VCARD\r\n".encode()
    import_file(db, holder, card, max_bytes=10**6, secret_key=SECRET)
    (contact,) = book(db, holder)
    assert contact.matched_member_id == known.id
    assert (
        db.scalar(select(ContactEmail.normalized).where(ContactEmail.contact_id == contact.id))
        == known.email
    )


def test_contacts_whose_linkedin_profile_is_a_members_are_marked(
    db: Session, members: Members
) -> None:
    from sharewell.members import service as member_service
    from sharewell.members.schemas import LinkIn, ProfileUpdate

    holder, known = members.create(), members.create()
    member_service.update_profile(
        db,
        known,
        ProfileUpdate(
            links=[LinkIn(label="LinkedIn", url="https://de.linkedin.com/in/Known-Person/")]
        ),
    )
    data = (
        b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
        b"Known,Person,https://www.linkedin.com/in/known-person,,Acme,CTO,08 Jan 2018\r\n"
    )
    import_file(db, holder, data, max_bytes=10**6, secret_key=SECRET)
    (contact,) = book(db, holder)
    assert contact.matched_member_id == known.id


def test_reimport_with_repeated_names_at_one_company_adds_nothing(
    db: Session, members: Members
) -> None:
    holder = members.create()
    header = b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
    rows = b"".join(
        b"Wei,Wang,https://www.linkedin.com/in/wei-wang-%d,,Acme,Engineer,08 Jan 2018\r\n" % i
        for i in range(3)
    )
    data = header + rows + b"Ana,Lima,,,Acme,Analyst,08 Jan 2018\r\n"
    first = import_file(db, holder, data, max_bytes=10**6, secret_key=SECRET)
    again = import_file(db, holder, data, max_bytes=10**6, secret_key=SECRET)
    assert first.created == 4 and (again.created, again.unchanged) == (0, 4)
    assert len(book(db, holder)) == 4
