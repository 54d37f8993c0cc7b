"""Sharing on a real database: visibility, bulk changes, previews, aggregates, quota, opt-outs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.contacts import service, sharing
from sharewell.contacts.models import Contact, ContactDisplay
from sharewell.contacts.optouts import register_optout
from sharewell.contacts.schemas import ContactIn
from sharewell.db import utcnow
from sharewell.errors import Conflict, NotFound, RateLimited
from sharewell.members.models import Member


def add(db: Session, holder: Member, name: str, company: str = "Acme", **kw: object) -> Contact:
    data = ContactIn(full_name=name, company=company, **kw)  # type: ignore[arg-type]
    return service.create_contact(db, holder, data)


def test_visibility_and_card_fields(db: Session, members: Members, settings: Settings) -> None:
    holder, viewer = members.create(), members.create()
    c = add(
        db,
        holder,
        "Priya Sharma",
        title="Staff Data Engineer",
        city="Berlin",
        emails=[{"value": "priya@example.org"}],
    )
    with pytest.raises(NotFound):
        sharing.shared_card(db, viewer, c.public_id, settings)
    sharing.set_visibility(
        db,
        holder,
        c.public_id,
        "blind",
        card_fields=["title", "company", "city"],
        how_known="former colleague",
    )
    _, card = sharing.shared_card(db, viewer, c.public_id, settings)
    assert card == {"title": "Staff Data Engineer", "company": "Acme", "city": "Berlin"}
    sharing.set_visibility(db, holder, c.public_id, "counted")
    with pytest.raises(NotFound):
        sharing.shared_card(db, viewer, c.public_id, settings)


def test_other_members_cannot_change_sharing(db: Session, members: Members) -> None:
    holder, other = members.create(), members.create()
    c = add(db, holder, "A Person")
    with pytest.raises(NotFound):
        sharing.set_visibility(db, other, c.public_id, "open")


def test_bulk_by_tag_and_company_skips_opted_out(
    db: Session, members: Members, settings: Settings
) -> None:
    holder = members.create()
    a = add(db, holder, "Ana One", tags=["conf"], emails=[{"value": "ana@example.org"}])
    b = add(db, holder, "Ben Two", tags=["conf"])
    add(db, holder, "Cy Three", company="Globex")
    register_optout(db, "email", "ana@example.org", secret_key=settings.secret_key)
    changed = sharing.bulk_set_visibility(db, holder, sharing.Selection(tag="conf"), "counted")
    assert changed == 1
    db.expire_all()
    assert (db.get(Contact, a.id).visibility, db.get(Contact, b.id).visibility) == (
        "private",
        "counted",
    )  # type: ignore[union-attr]
    assert (
        sharing.bulk_set_visibility(
            db, holder, sharing.Selection(company="ACME"), "blind", card_fields=["company"]
        )
        == 1
    )
    with pytest.raises(Conflict):
        sharing.set_visibility(db, holder, a.public_id, "open")


def test_aggregates_respect_the_minimum_group_size(
    db: Session, members: Members, settings: Settings
) -> None:
    holder = members.create()
    for i in range(2):
        sharing.set_visibility(
            db, holder, add(db, holder, f"P{i}", company="Small Co").public_id, "counted"
        )
    for i in range(4):
        c = add(db, holder, f"Q{i}", company="Acme", skills=["Data Engineering"] if i < 3 else [])
        sharing.set_visibility(db, holder, c.public_id, "counted" if i % 2 else "blind")
    add(db, holder, "Private One", company="Acme")
    aggregates = sharing.aggregates_for(db, holder.id, settings)
    assert [(a.company, a.count) for a in aggregates] == [("Acme", 4)]
    assert aggregates[0].describe() == "4 people at Acme, 3 in Data Engineering"


def test_preview_warns_when_a_card_could_single_someone_out(
    db: Session, members: Members, settings: Settings
) -> None:
    holder = members.create()
    c = add(
        db,
        holder,
        "Rare Person",
        company="Tiny Startup",
        city="Reykjavik",
        title="Chief Llama Officer",
    )
    p = sharing.preview(
        db,
        holder,
        c.public_id,
        settings,
        visibility="blind",
        card_fields=["title", "company", "city"],
    )
    assert p.warning and p.suggestions == {"company": "industry", "city": "region"}
    assert p.card == {
        "title": "Chief Llama Officer",
        "company": "Tiny Startup",
        "city": "Reykjavik",
    }
    for i in range(3):
        add(db, members.create(), f"Other {i}", company="Acme", city="Berlin")
    common = add(db, holder, "Common Person", company="Acme", city="Berlin")
    assert (
        sharing.preview(
            db,
            holder,
            common.public_id,
            settings,
            visibility="blind",
            card_fields=["company", "city"],
        ).warning
        is None
    )


def test_display_quota_gives_429_with_the_wait(
    db: Session, members: Members, settings: Settings
) -> None:
    tight = settings.model_copy(update={"display_quota_hour": 3})
    holder, viewer = members.create(), members.create()
    cards = []
    for i in range(4):
        c = add(db, holder, f"Card {i}", title="Engineer")
        sharing.set_visibility(db, holder, c.public_id, "blind", card_fields=["title"])
        cards.append(c)
    for c in cards[:3]:
        sharing.shared_card(db, viewer, c.public_id, tight)
    with pytest.raises(RateLimited) as err:
        sharing.shared_card(db, viewer, cards[3].public_id, tight)
    assert err.value.retry_after > 0 and "Try again" in err.value.detail
    sharing.shared_card(db, holder, cards[3].public_id, tight)  # your own entries are free
    assert (
        db.scalar(
            select(func.count(ContactDisplay.id)).where(ContactDisplay.viewer_id == viewer.id)
        )
        == 3
    )
    lifted = settings.model_copy(update={"display_quota_hour": 3, "display_quota_enabled": False})
    sharing.shared_card(db, viewer, cards[3].public_id, lifted)


def test_displays_of_earlier_hours_count_against_the_day_only(
    db: Session, members: Members, settings: Settings
) -> None:
    quota = settings.model_copy(update={"display_quota_hour": 2, "display_quota_day": 4})
    holder, viewer = members.create(), members.create()
    card = add(db, holder, "Card", title="Engineer")
    sharing.set_visibility(db, holder, card.public_id, "blind", card_fields=["title"])
    earlier = utcnow() - timedelta(hours=2)
    for _ in range(2):  # two displays earlier today: outside the hour, inside the day
        db.add(ContactDisplay(viewer_id=viewer.id, holder_id=holder.id, contact_id=card.id,
                              surface="card", at=earlier))  # fmt: skip
    db.add(ContactDisplay(viewer_id=viewer.id, holder_id=holder.id, contact_id=card.id,
                          surface="card", at=utcnow() - timedelta(days=2)))  # fmt: skip
    db.flush()
    sharing.shared_card(db, viewer, card.public_id, quota)  # hour 1/2, day 3/4
    sharing.shared_card(db, viewer, card.public_id, quota)  # hour 2/2, day 4/4
    with pytest.raises(RateLimited) as err:
        sharing.shared_card(db, viewer, card.public_id, quota)
    assert "in the last hour" in err.value.detail
    more_this_hour = quota.model_copy(update={"display_quota_hour": 10})
    with pytest.raises(RateLimited) as err:  # the day's quota holds the earlier two as well
        sharing.shared_card(db, viewer, card.public_id, more_this_hour)
    assert "in the last day" in err.value.detail and "seen 4 shared entries" in err.value.detail


def test_optout_forces_every_book_private(
    db: Session, members: Members, settings: Settings
) -> None:
    a, b = members.create(), members.create()
    c1 = add(db, a, "Olga", phones=[{"value": "+49 30 1234567"}])
    c2 = add(db, b, "Olga K", phones=[{"value": "+49301234567"}])
    for holder, c in ((a, c1), (b, c2)):
        sharing.set_visibility(db, holder, c.public_id, "open")
    register_optout(db, "phone", "+49 (30) 123-4567", secret_key=settings.secret_key)
    db.expire_all()
    assert {db.get(Contact, c.id).visibility for c in (c1, c2)} == {"private"}  # type: ignore[union-attr]
