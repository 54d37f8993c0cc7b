"""The demo network has everything the product does (issue 12's list), on both backends, and
the bulk load leaves the schema exactly as the migrations made it."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts.models import Contact, ContactEmail
from sharewell.demo.generator import DemoOptions, generate
from sharewell.insights.models import Comment, Insight, Reaction
from sharewell.insights.rules import KINDS
from sharewell.intros.models import Intro, IntroOutcome
from sharewell.intros.rules import State
from sharewell.ledger.models import LedgerTransaction
from sharewell.members.models import Member
from sharewell.network import rules as network_rules
from sharewell.network.models import Connection, ContactTerm
from sharewell.search import queries as search_queries
from sharewell.standing.models import StandingScore


def _indexes(db: Session) -> set[tuple[str, str]]:
    conn = db.connection()
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
            )
        )
    else:
        rows = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
        )
    return {(str(a), str(b)) for a, b in rows}


@pytest.fixture
def demo(db: Session, settings: Settings) -> dict[str, int]:
    before = _indexes(db)
    summary = generate(db, DemoOptions(members=300, seed=5), settings=settings)
    db.flush()
    # Secondary indexes (and SQLite's FTS triggers) are dropped for the load and rebuilt
    # after: exactly the same set.
    assert _indexes(db) == before
    return summary.counts


def test_demo_contact_books_overlap_with_every_visibility(
    db: Session, demo: dict[str, int]
) -> None:
    visibilities = Counter(db.scalars(select(Contact.visibility)))
    assert set(visibilities) == {"private", "counted", "blind", "open"}
    assert visibilities["private"] > visibilities["open"]  # most entries stay private
    # The same person (one LinkedIn profile) sits in several members' books.
    books_per_person = Counter(
        db.execute(select(Contact.linkedin_key, Contact.holder_id).distinct()).scalars()
    )
    assert max(books_per_person.values()) >= 3
    assert sum(books_per_person.values()) == demo["contacts"]
    # Every contact row can be found by its terms (the filter index covers the bulk load).
    with_terms = db.scalar(select(func.count(func.distinct(ContactTerm.contact_id))))
    assert with_terms == demo["contacts"]
    assert db.scalar(select(func.count(ContactEmail.id))) > 0
    # Names from many cultures, many companies and cities.
    assert db.scalar(select(func.count(func.distinct(Contact.company)))) >= 20
    assert db.scalar(select(func.count(func.distinct(Contact.city)))) >= 20
    assert any(not n.isascii() for n in db.scalars(select(Contact.full_name).limit(2000)))
    ids = list(db.scalars(select(Contact.public_id)))
    assert len(ids) == len(set(ids)) == demo["contacts"]
    assert all(len(i) == 12 for i in ids)
    # The bulk load sets the term rows' sharing flags itself (its triggers paused): they are
    # exactly what the rule gives for each contact, so a filter counts what it should.
    contacts = {
        cid: network_rules.contact_flags(vis, out, card)
        for cid, vis, out, card in db.execute(
            select(Contact.id, Contact.visibility, Contact.opted_out, Contact.card_fields)
        )
    }
    rows = db.execute(select(ContactTerm.contact_id, ContactTerm.flags)).all()
    assert {f for _, f in rows} >= {0, network_rules.FLAG_COUNTED}
    assert [(c, f) for c, f in rows if contacts[c] != f] == []


def test_demo_has_every_area_in_every_state(db: Session, demo: dict[str, int]) -> None:
    # Heavy-tailed degrees.
    assert demo["connections"] > 0
    assert demo["connections_max_degree"] >= 3 * demo["connections_median_degree"]
    assert db.scalar(select(func.count(Connection.id))) == demo["connections"]
    # Insights of every kind, with threads and reactions.
    assert set(db.scalars(select(Insight.kind).distinct())) == set(KINDS)
    assert db.scalar(select(func.count(Comment.id)).where(Comment.depth > 0)) > 0  # replies
    assert db.scalar(select(func.count(Reaction.member_id))) > 0
    # Introductions in every state, with outcomes; ledger history; computed standing.
    states = set(db.scalars(select(Intro.state).distinct()))
    assert states == {s.value for s in State}
    assert db.scalar(select(func.count(IntroOutcome.id))) > 0
    assert db.scalar(select(func.count(func.distinct(LedgerTransaction.kind)))) >= 4
    assert db.scalar(select(func.count(StandingScore.member_id))) > 0
    assert db.scalar(select(func.count(Member.id)).where(Member.is_demo.is_(True))) == 300


def test_demo_network_is_searchable(db: Session, demo: dict[str, int], settings: Settings) -> None:
    # The full-text index is built once after the load: a member is found by name.
    sam = db.scalar(select(Member).where(Member.handle == "sam-demo"))
    assert sam is not None
    other = db.scalar(select(Member).where(Member.is_demo.is_(True), Member.id != sam.id))
    assert other is not None
    found = search_queries.search(
        db, sam, search_queries.SearchParams(q=other.display_name, kinds=("member",),
        semantic=False), settings, None, standing=None, record=False,
    )  # fmt: skip
    assert other.handle in {hit.member.handle for hit in found.items if hit.member}
