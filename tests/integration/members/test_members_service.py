"""Member use cases on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import PASSWORD, Members

from sharewell.errors import AuthenticationFailed, Conflict, InvalidInput
from sharewell.members import queries, service
from sharewell.members.models import Member, Topic
from sharewell.members.schemas import ProfileUpdate, SignUpIn


def count(db: Session) -> int:
    return int(db.scalar(select(func.count(Member.id))) or 0)


def test_sign_up_then_sign_in(db: Session) -> None:
    member = service.sign_up(
        db, SignUpIn(email="Priya@Example.org", password=PASSWORD, display_name="Priya Sharma")
    )
    assert member is not None and member.email == "priya@example.org"
    assert member.handle == "priya-sharma"
    assert service.authenticate(db, "PRIYA@example.org", PASSWORD).id == member.id


def test_sign_up_with_a_known_address_changes_nothing(db: Session) -> None:
    service.sign_up(db, SignUpIn(email="a@example.org", password=PASSWORD, display_name="A One"))
    before = count(db)
    again = service.sign_up(
        db, SignUpIn(email="A@example.org", password="another password!", display_name="Mallory")
    )
    assert again is None and count(db) == before
    assert service.authenticate(db, "a@example.org", PASSWORD).display_name == "A One"


def test_handles_from_names_do_not_collide(db: Session) -> None:
    a = service.sign_up(
        db, SignUpIn(email="x1@example.org", password=PASSWORD, display_name="Sam Lee")
    )
    b = service.sign_up(
        db, SignUpIn(email="x2@example.org", password=PASSWORD, display_name="Sam Lee")
    )
    assert a and b and a.handle == "sam-lee" and b.handle == "sam-lee-2"


def test_wrong_credentials_do_not_say_which_part_was_wrong(db: Session, members: Members) -> None:
    member = members.create()
    with pytest.raises(AuthenticationFailed) as unknown:
        service.authenticate(db, "nobody@example.org", PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        service.authenticate(db, member.email, "wrong password")
    assert unknown.value.detail == wrong.value.detail


def test_profile_update_normalises_topics_and_renders_bio(db: Session, members: Members) -> None:
    member = members.create()
    service.update_profile(
        db,
        member,
        ProfileUpdate(
            headline="Staff data engineer",
            topics=["Data Engineering", "data engineering", "Python"],
            offers=["pipeline reviews"],
            asks=["a mentor"],
            bio="Hello <script>x()</script> **world**",
            links=[{"label": "Blog", "url": "https://blog.example.org"}],  # type: ignore[list-item]
        ),
    )
    profile = queries.get_profile(db, member.handle)
    assert [t.slug for t in profile.topics] == ["data-engineering", "python"]
    assert profile.offers == ["pipeline reviews"] and profile.asks == ["a mentor"]
    assert "<strong>world</strong>" in profile.bio_html and "<script" not in profile.bio_html
    # The topic is shared: a second member with another spelling joins the same topic.
    other = members.create(topics=["DATA-ENGINEERING"])
    assert db.scalar(select(func.count(Topic.id)).where(Topic.slug == "data-engineering")) == 1
    handles = {m.handle for m in queries.list_members(db, limit=50, topic="data-engineering").items}
    assert {member.handle, other.handle} <= handles


def test_partial_update_leaves_other_fields(db: Session, members: Members) -> None:
    member = members.create(headline="Recruiter", offers=["CV feedback"], asks=["engineers"])
    service.update_profile(db, member, ProfileUpdate(asks=["data leaders"]))
    profile = queries.get_profile(db, member.handle)
    assert profile.headline == "Recruiter"
    assert profile.offers == ["CV feedback"] and profile.asks == ["data leaders"]


def test_taken_handle_is_a_conflict(db: Session, members: Members) -> None:
    a, b = members.create(), members.create()
    with pytest.raises(Conflict):
        service.update_profile(db, b, ProfileUpdate(handle=a.handle))


def test_bad_link_is_refused(db: Session, members: Members) -> None:
    member = members.create()
    with pytest.raises(InvalidInput, match="http"):
        service.update_profile(
            db,
            member,
            ProfileUpdate(links=[{"label": "x", "url": "javascript:alert(1)"}]),  # type: ignore[list-item]
        )


def test_suspension_hides_the_profile_and_ends_access(db: Session, members: Members) -> None:
    member = members.create()
    token = members.token(member)
    _, web_secret = service.start_web_session(db, member, user_agent="t", days=1)
    service.set_suspended(db, member.handle)
    assert service.resolve_api_token(db, token) is None
    assert service.resolve_web_session(db, web_secret, days=1) is None
    with pytest.raises(Exception, match="No member"):
        queries.get_profile(db, member.handle)


def test_password_change_ends_other_sessions(db: Session, members: Members) -> None:
    member = members.create()
    here, _ = service.start_web_session(db, member, user_agent="here", days=1)
    _, elsewhere = service.start_web_session(db, member, user_agent="elsewhere", days=1)
    service.change_password(db, member, PASSWORD, "a brand new password", keep_session=here.id)
    db.flush()
    db.expire_all()
    assert service.resolve_web_session(db, elsewhere, days=1) is None
    assert service.authenticate(db, member.email, "a brand new password").id == member.id


def test_topic_listing_pages_through_everything(db: Session, members: Members) -> None:
    for i in range(7):
        members.create(topics=[f"topic-{i}"] + (["common"] if i % 2 else []))
    seen: list[str] = []
    cursor = None
    while True:
        page = queries.list_topics(db, limit=3, cursor=cursor)
        seen += [t.slug for t in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen[0] == "common"
    assert len(seen) == len(set(seen)) and {f"topic-{i}" for i in range(7)} <= set(seen)
