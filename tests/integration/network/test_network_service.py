"""Connections, blocks, the pause and the change log; the index holder converges on them;
paths to members, cards and aggregates obey the sharing rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.contacts import service as contact_service
from sharewell.contacts import sharing
from sharewell.contacts.models import ContactDisplay
from sharewell.contacts.schemas import ContactIn
from sharewell.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from sharewell.members.models import Member
from sharewell.network import queries, rules, service
from sharewell.network.index import GraphHolder
from sharewell.network.models import GraphChange


def connect(db: Session, settings: Settings, x: Member, y: Member, strength: int | None = None):
    service.request_connection(db, x, y, settings)
    row = service.accept(db, y, x)
    if strength is not None:
        service.rate(db, x, y, strength)
        service.rate(db, y, x, strength)
    return row


def test_request_accept_rate_remove_and_the_change_log(
    db: Session, members: Members, settings: Settings
) -> None:
    a, b = members.create("Ann"), members.create("Bob")
    start = db.scalar(select(func.coalesce(func.max(GraphChange.seq), 0)))
    service.request_connection(db, a, b, settings, message="Met at PyCon")
    assert queries.relation(db, a, b) == "outgoing" and queries.relation(db, b, a) == "incoming"
    with pytest.raises(Conflict):
        service.request_connection(db, a, b, settings)
    with pytest.raises(NotFound):
        service.accept(db, a, b)  # only the one asked may accept
    row = service.accept(db, b, a)
    assert row.status == "accepted" and row.strength == rules.default_strength("manual_request")
    service.rate(db, a, b, 5)
    assert row.strength == 3  # the weaker side counts: b has not rated (default 3)
    service.rate(db, b, a, 4)
    assert row.strength == 4
    with pytest.raises(InvalidInput):
        service.rate(db, a, b, 6)
    service.remove(db, a, b)
    kinds = [
        (c.kind, c.strength)
        for c in db.scalars(select(GraphChange).where(GraphChange.seq > start).order_by("seq"))
    ]
    assert kinds == [("connect", 3), ("strength", 4), ("disconnect", 0)]
    seqs = list(db.scalars(select(GraphChange.seq).where(GraphChange.seq > start)))
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_declined_requests_wait_and_mutual_requests_connect(
    db: Session, members: Members, settings: Settings
) -> None:
    a, b, c = members.create(), members.create(), members.create()
    service.request_connection(db, a, b, settings)
    service.decline(db, b, a)
    with pytest.raises(Conflict, match="ask again after"):
        service.request_connection(db, a, b, settings)
    service.request_connection(db, b, a, settings)  # the one who declined may still ask
    assert queries.relation(db, a, b) == "incoming"
    service.request_connection(db, a, c, settings)
    row = service.request_connection(db, c, a, settings)  # asking back accepts
    assert row.status == "accepted"
    with pytest.raises(InvalidInput):
        service.request_connection(db, a, a, settings)


def test_block_removes_the_tie_and_hides_paths(
    db: Session, members: Members, settings: Settings
) -> None:
    a, b, c = members.create(), members.create(), members.create()
    holder = GraphHolder(settings)
    connect(db, settings, a, b)
    connect(db, settings, b, c)
    index = holder.current(db)
    assert queries.degree_labels(index, a.id, [b.id, c.id]) == ["1st", "2nd"]
    service.block(db, c, b)
    with pytest.raises(PermissionDenied):
        service.request_connection(db, b, c, settings)
    index = holder.current(db)
    assert index.strength(b.id, c.id) == 0
    assert queries.paths_to_member(db, index, a, c.handle).paths == []
    assert queries.degree_labels(index, a.id, [c.id]) == ["out of network"]
    service.unblock(db, c, b)
    connect(db, settings, b, c)
    index = holder.current(db)
    assert [s.handle for s in queries.paths_to_member(db, index, a, c.handle).paths[0].steps] == [
        b.handle,
        c.handle,
    ]


def test_paused_members_are_not_connectors(
    db: Session, members: Members, settings: Settings
) -> None:
    a, b, c = members.create(), members.create(), members.create()
    connect(db, settings, a, b)
    connect(db, settings, b, c)
    holder = GraphHolder(settings)
    assert queries.paths_to_member(db, holder.current(db), a, c.handle).paths
    service.set_paused(db, b, True)
    assert queries.paths_to_member(db, holder.current(db), a, c.handle).paths == []
    assert queries.paths_to_member(db, holder.current(db), a, b.handle).paths  # still a target
    service.set_paused(db, b, False)
    assert queries.paths_to_member(db, holder.current(db), a, c.handle).paths


def _contact(db: Session, holder: Member, name: str, visibility: str, fields: list[str], **kw):
    contact = contact_service.create_contact(db, holder, ContactIn(full_name=name, **kw))
    sharing.set_visibility(db, holder, contact.public_id, visibility, card_fields=fields)
    return contact


def test_paths_to_cards_aggregates_and_members_respect_sharing(
    db: Session, members: Members, settings: Settings
) -> None:
    me = members.create("Me Recruiter")
    sam = members.create("Sam Connector")
    priya = members.create("Priya Holder")
    quinn = members.create("Quinn Counter")
    dana = members.create("Dana Engineer", headline="Staff Data Engineer at Acme")
    connect(db, settings, me, sam, 5)
    connect(db, settings, sam, priya, 4)
    connect(db, settings, sam, quinn, 3)
    connect(db, settings, priya, dana, 3)
    card = dict(title="Staff Data Engineer", company="Acme", city="Berlin")
    _contact(db, priya, "Xavier Blindwell", "blind", ["title", "company", "city"], **card)
    _contact(db, priya, "Hidden Company", "blind", ["title"], **card)  # no company shown
    _contact(db, priya, "Zelda Private", "private", [], **card)
    for i in range(3):
        _contact(db, quinn, f"Counted {i}", "counted", [], **card)
    holder = GraphHolder(settings)
    index = holder.current(db)
    flt = rules.check_filter(title="data engineer", company="Acme")
    before = db.scalar(select(func.count(ContactDisplay.id)))
    result = queries.paths_to_filter(db, index, me, flt, settings, k=5)
    kinds = {p.target.kind: p for p in result.paths}
    assert set(kinds) == {"card", "aggregate", "member"}
    assert kinds["card"].explanation == (
        "You → Sam Connector (strong) → Priya Holder (strong), who knows a staff data engineer "
        "at Acme, Berlin"
    )
    assert kinds["aggregate"].target.count == 3
    assert "3 people" in kinds["aggregate"].explanation
    assert kinds["member"].steps[-1].display_name == "Dana Engineer"
    assert kinds["member"].degree == "3rd"
    body = result.model_dump_json()
    for secret in ("Xavier", "Blindwell", "Zelda", "Hidden Company", "Counted 0"):
        assert secret not in body
    after = db.scalar(select(func.count(ContactDisplay.id)))
    assert after - before == 2  # the card and the aggregate, audited and counted
    # Below the minimum group size an aggregate never shows.
    strict = settings.model_copy(update={"min_group_size": 4})
    again = queries.paths_to_filter(db, index, me, flt, strict, k=5)
    assert "aggregate" not in {p.target.kind for p in again.paths}
    # A blind card matches only on fields it shows: city is shown, industry is not a filter.
    by_city = queries.paths_to_filter(db, index, me, rules.check_filter(city="Berlin"), settings)
    assert any(p.target.kind == "card" for p in by_city.paths)


def test_filters_need_a_field_and_reject_long_values() -> None:
    with pytest.raises(InvalidInput):
        rules.check_filter()
    with pytest.raises(InvalidInput):
        rules.check_filter(company="x" * 101)


def test_terms_follow_profile_and_contact_edits(
    db: Session, members: Members, settings: Settings
) -> None:
    me, other = members.create(), members.create("Lee", headline="Growth Lead at Hooli")
    connect(db, settings, me, other)
    index = GraphHolder(settings).current(db)
    found = queries.paths_to_filter(db, index, me, rules.check_filter(company="Hooli"), settings)
    assert [p.target.kind for p in found.paths] == ["member"]
    from sharewell.members import service as member_service
    from sharewell.members.schemas import ProfileUpdate

    member_service.update_profile(db, other, ProfileUpdate(headline="Growth Lead at Initech"))
    gone = queries.paths_to_filter(db, index, me, rules.check_filter(company="Hooli"), settings)
    assert gone.paths == []


def test_recommendations_from_shared_connections_and_topics(
    db: Session, members: Members, settings: Settings
) -> None:
    me = members.create(topics=["Rust"])
    friend = members.create()
    fof = members.create()
    rustacean = members.create(topics=["Rust"])
    connect(db, settings, me, friend)
    connect(db, settings, friend, fof)
    index = GraphHolder(settings).current(db)
    recs = queries.recommendations(db, index, me)
    handles = [r.member.handle for r in recs]
    assert fof.handle in handles and rustacean.handle in handles
    assert friend.handle not in handles
    assert next(r for r in recs if r.member.handle == fof.handle).member.degree == "2nd"
