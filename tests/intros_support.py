"""Test data for introductions: a chain of connected members and a contact at its end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts import service as contact_service
from sharewell.contacts import sharing
from sharewell.contacts.models import Contact
from sharewell.contacts.schemas import ContactIn
from sharewell.db import utcnow
from sharewell.ledger import service as ledger
from sharewell.members.models import Member
from sharewell.network import service as network
from sharewell.network.models import Connection
from tests.factories import Members

TARGET_NAME = "Tamsin Targetova"
TARGET_EMAIL = "tamsin.target@contact.example"
TARGET_PHONE = "+1 415 555 0199"
SILENT_NAME = "Quentin Noaddress"
SILENT_PHONE = "+1 415 555 0177"


def connect(db: Session, a: Member, b: Member, settings: Settings, days_ago: int = 60) -> None:
    network.request_connection(db, a, b, settings)
    network.accept(db, b, a)
    lo, hi = sorted((a.id, b.id))
    db.execute(
        update(Connection)
        .where(Connection.member_a == lo, Connection.member_b == hi)
        .values(responded_at=utcnow() - timedelta(days=days_ago))
    )


@dataclass
class Chain:
    requester: Member
    c1: Member
    c2: Member
    target_card: str  # public id of the blind card (with an email address)
    silent_card: str  # public id of a blind card without any address
    member_target: Member
    contacts: dict[str, Contact] = field(default_factory=dict)


def make_chain(db: Session, members: Members, settings: Settings, *, points: int = 0) -> Chain:
    """requester → c1 → c2 → (c2's contacts; and the member ``member_target``)."""
    requester = members.create("Rita Requester", headline="Founder", topics=["Data Engineering"])
    c1 = members.create("Carl Connector")
    c2 = members.create("Cleo Closer")
    member_target = members.create("Mona Target", topics=["Data Engineering"])
    connect(db, requester, c1, settings)
    connect(db, c1, c2, settings)
    connect(db, c2, member_target, settings)
    made = {}
    for name, email, phone, key in (
        (TARGET_NAME, TARGET_EMAIL, TARGET_PHONE, "target"),
        (SILENT_NAME, None, SILENT_PHONE, "silent"),
    ):
        contact = contact_service.create_contact(
            db,
            c2,
            ContactIn(
                full_name=name,
                company="Acme",
                title="Staff Data Engineer",
                city="Berlin",
                emails=[{"value": email}] if email else [],  # type: ignore[list-item]
                phones=[{"value": phone}],  # type: ignore[list-item]
                linkedin_url=f"https://www.linkedin.com/in/{key}-person",
                notes=f"NOTE-{key}-SECRET",
                skills=["Data Engineering"],
            ),
        )
        sharing.set_visibility(
            db, c2, contact.public_id, "blind", card_fields=["title", "company", "city"]
        )
        made[key] = contact
    if points:
        ledger.grant_starter(db, requester, key=f"test:starter:{requester.id}")
    db.commit()
    return Chain(
        requester,
        c1,
        c2,
        made["target"].public_id,
        made["silent"].public_id,
        member_target,
        made,
    )
