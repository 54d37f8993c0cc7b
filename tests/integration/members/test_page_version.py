"""``members.updated_at`` is the version the public profile page cache trusts: every write that
changes what the page shows moves it, whichever way the write is made (members/hooks.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.members import service
from sharewell.members.models import Member, ProfileItem, ProfileLink
from sharewell.members.schemas import ProfileUpdate

LONG_AGO = datetime(2020, 1, 1).astimezone()


def _version(db: Session, member: Member) -> datetime:
    db.flush()
    return db.scalars(select(Member.updated_at).where(Member.id == member.id)).one()


def _age(db: Session, member: Member) -> None:
    """Set the version far back, bypassing the ORM, so any bump is visible."""
    db.execute(update(Member).where(Member.id == member.id).values(updated_at=LONG_AGO))
    db.expire(member, ["updated_at"])


def test_each_kind_of_profile_write_moves_the_page_version(db: Session, members: Members) -> None:
    member = members.create("Page Version", topics=["Logistics"], offers=["routes"])
    writes = [
        lambda: service.update_profile(db, member, ProfileUpdate(headline="New headline")),
        lambda: service.update_profile(db, member, ProfileUpdate(topics=[])),
        lambda: service.update_profile(db, member, ProfileUpdate(offers=["maps"])),
        lambda: service.update_profile(db, member, ProfileUpdate(asks=[])),
        lambda: db.add(ProfileLink(member_id=member.id, label="Site", url="https://x.example")),
        lambda: db.add(ProfileItem(member_id=member.id, kind="ask", text="a mentor")),
    ]
    for write in writes:
        _age(db, member)
        write()
        assert _version(db, member) - LONG_AGO > timedelta(days=365)


def test_removing_a_single_offer_row_moves_the_page_version(db: Session, members: Members) -> None:
    member = members.create("Offer Holder", offers=["routes", "maps"])
    item = db.scalars(select(ProfileItem).where(ProfileItem.member_id == member.id)).first()
    _age(db, member)
    db.delete(item)
    assert _version(db, member) != LONG_AGO
