"""The in-memory term index answers filter matches exactly like the database: on random books
under random sharing changes (visibility, bulk changes, opt-outs, edits, deletions, new
entries, suspensions, erasures), a process that only learns through the change log agrees with
the database path after its poll; and a restriction takes effect at once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.contacts import service as contact_service
from sharewell.contacts import sharing
from sharewell.contacts.models import Contact
from sharewell.contacts.schemas import ContactIn
from sharewell.members import service as member_service
from sharewell.members.models import Member
from sharewell.network import queries, rules, service, termindex
from sharewell.network.index import GraphHolder
from sharewell.network.termindex import TermIndex
from sharewell.privacy import service as privacy_service

TITLES = ["Staff Data Engineer", "Data Analyst", "Product Manager", "Engineer"]
COMPANIES = ["Acme", "Globex"]
CITIES = ["Berlin", "Paris"]
SKILLS = [[], ["python"], ["python", "sql"]]
VISIBILITIES = ["private", "counted", "blind", "open"]
FIELDS = [[], ["title"], ["title", "company"], ["company", "city", "skills"]]
FILTERS = [
    rules.check_filter(title="data engineer", company="Acme"),
    rules.check_filter(title="engineer", company="Globex", city="Berlin"),
    rules.check_filter(topic="python", city="Paris"),
    rules.check_filter(company="Acme"),
    rules.check_filter(title="analyst"),
]

entries = st.tuples(
    st.integers(0, 2),  # holder
    st.integers(0, len(TITLES) - 1),
    st.integers(0, len(COMPANIES) - 1),
    st.integers(0, len(CITIES) - 1),
    st.integers(0, len(SKILLS) - 1),
    st.integers(0, len(VISIBILITIES) - 1),
    st.integers(0, len(FIELDS) - 1),
)
changes = st.one_of(
    st.tuples(st.just("visibility"), st.integers(0, 99), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("bulk"), st.integers(0, 2), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("opt_out"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("edit"), st.integers(0, 99), st.integers(0, len(TITLES) - 1), st.just(0)),
    st.tuples(st.just("delete"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("add"), st.integers(0, 2), st.integers(0, len(TITLES) - 1), st.just(0)),
    st.tuples(st.just("suspend"), st.integers(0, 2), st.just(0), st.just(0)),
    st.tuples(st.just("erase"), st.integers(0, 2), st.just(0), st.just(0)),
)


def _data(title: int, company: int, city: int, skills: int, name: str) -> ContactIn:
    return ContactIn(
        full_name=name,
        title=TITLES[title],
        company=COMPANIES[company],
        city=CITIES[city],
        skills=SKILLS[skills],
    )


def _share(db: Session, holder: Member, contact: Contact, vis: int, fields: int) -> None:
    visibility = VISIBILITIES[vis]
    card_fields = FIELDS[fields] if visibility in ("blind", "open") else []
    sharing.set_visibility(db, holder, contact.public_id, visibility, card_fields=card_fields)


def _book(db: Session, holders: list[Member], book: list[Any]) -> list[tuple[Member, Contact]]:
    made = []
    for i, (h, title, company, city, skills, vis, fields) in enumerate(book):
        contact = contact_service.create_contact(
            db, holders[h], _data(title, company, city, skills, f"Person {i}")
        )
        _share(db, holders[h], contact, vis, fields)
        made.append((holders[h], contact))
    db.flush()
    return made


def _agree(db: Session, holder: GraphHolder, me: Member, settings: Settings) -> None:
    """Every filter: the index (after its poll) answers like the database."""
    db.flush()
    terms = holder.terms.current(db)
    graph = holder.current(db)
    for flt in FILTERS:
        by_db = queries.match_filter(db, flt, settings, me.id)
        by_index = queries.match_filter(db, flt, settings, me.id, terms=terms, graph=graph)
        assert sorted(by_index.members.tolist()) == sorted(by_db.members.tolist()), flt
        assert by_index.holders.tolist() == sorted(by_db.holders.tolist()), flt


def _apply(
    db: Session,
    settings: Settings,
    holders: list[Member],
    book: list[tuple[Member, Contact]],
    change: tuple[str, int, int, int],
    erased: set[int],
) -> None:
    kind, a, b, c = change
    gone = {h.id for h in holders if h.id in erased}
    db.flush()
    # Asked of the database, not the identity map: an erasure deletes rows in bulk.
    present = set(db.execute(select(Contact.id, Contact.holder_id)).tuples())
    live = [
        (h, x)
        for h, x in book
        if h.id not in gone and h.suspended_at is None and (x.id, h.id) in present
    ]
    if a < len(holders) and holders[a].id in gone and kind in ("bulk", "add", "suspend", "erase"):
        return
    if kind in ("visibility", "opt_out", "edit", "delete") and not live:
        return
    if kind == "visibility":
        h, x = live[a % len(live)]
        if not x.opted_out:  # an opted-out entry stays private (refused)
            _share(db, h, x, b, c)
    elif kind == "bulk":
        h = holders[a]
        visibility = VISIBILITIES[b]
        fields = FIELDS[c] if visibility in ("blind", "open") else []
        sharing.bulk_set_visibility(
            db, h, sharing.Selection(all=True), visibility, card_fields=fields
        )
    elif kind == "opt_out":  # the opt-out path is a bulk UPDATE
        _, x = live[a % len(live)]
        db.execute(update(Contact).where(Contact.id == x.id).values(opted_out=True))
    elif kind == "edit":
        h, x = live[a % len(live)]
        data = ContactIn(full_name=x.full_name, title=TITLES[b], company=x.company, city=x.city)
        contact_service.update_contact(db, h, x.public_id, data)
    elif kind == "delete":
        h, x = live[a % len(live)]
        contact_service.delete_contact(db, h, x.public_id)
    elif kind == "add":
        h = holders[a]
        x = contact_service.create_contact(db, h, _data(b, b % 2, b % 2, b % 3, f"New {len(book)}"))
        _share(db, h, x, 2 + b % 2, b % 4)
        book.append((h, x))
    elif kind == "suspend":
        member_service.set_suspended(db, holders[a].email, holders[a].suspended_at is None)
    elif kind == "erase":
        privacy_service.erase_member(db, settings, holders[a], content="remove")
        erased.add(holders[a].id)
    db.expire_all()


@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(book=st.lists(entries, min_size=1, max_size=12), steps=st.lists(changes, max_size=6))
def test_the_index_answers_like_the_database_under_random_changes(  # type: ignore[no-untyped-def]
    db: Session, members: Members, settings: Settings, book, steps
) -> None:
    # Examples share the test's transaction (services commit savepoints): each makes its own
    # members, and both sides of every comparison see the same rows.
    cfg = settings.model_copy(update={"min_group_size": 2})
    if True:
        me, holders = members.create("Me Recruiter"), [members.create() for _ in range(3)]
        made = _book(db, holders, book)
        erased: set[int] = set()
        process = GraphHolder(cfg)  # another process: it learns only through the change log
        _agree(db, process, me, cfg)
        for change in steps:
            _apply(db, cfg, holders, made, change, erased)
            _agree(db, process, me, cfg)
        # A fresh build from the tables agrees with what the log told the running process.
        fresh = TermIndex.build(db)
        for flt in FILTERS:
            ids = [t for t in (queries._term_ids(db, queries._filter_terms(flt)[1]) or [])]
            need = rules.card_need(rules.filter_terms(flt))
            if ids:
                running = process.terms.current(db).holders(ids, need, 2, me.id)
                assert fresh.holders(ids, need, 2, me.id).tolist() == running.tolist()


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(book=st.lists(entries, min_size=4, max_size=12), steps=st.lists(changes, max_size=8))
def test_compaction_keeps_the_answers(  # type: ignore[no-untyped-def]
    db: Session, members: Members, settings: Settings, book, steps
) -> None:
    """Folding the overlay into fresh arrays changes no answer."""
    cfg = settings.model_copy(update={"min_group_size": 2})
    if True:
        me, holders = members.create("Me Recruiter"), [members.create() for _ in range(3)]
        erased: set[int] = set()
        process = GraphHolder(cfg)
        process.terms.current(db)  # built before the book: everything arrives through the log
        made = _book(db, holders, book)
        for change in steps:
            _apply(db, cfg, holders, made, change, erased)
        _agree(db, process, me, cfg)
        index = process.terms.current(db)
        compacted, generation = index.compact()
        compacted.carry_over(index, generation)
        assert compacted.overlay_holders == 0
        process.terms.reset(compacted)
        _agree(db, process, me, cfg)


def test_a_card_made_private_stops_matching_at_once_in_the_process_that_made_it(
    db: Session, members: Members, settings: Settings
) -> None:
    me = members.create("Me Recruiter")
    holder = members.create("Priya Holder")
    contact = contact_service.create_contact(
        db, holder, ContactIn(full_name="Dana", title="Staff Data Engineer", company="Acme")
    )
    sharing.set_visibility(db, holder, contact.public_id, "open")
    process = GraphHolder(settings)
    flt = rules.check_filter(title="data engineer", company="Acme")

    def found() -> list[int]:
        db.flush()
        return queries.match_filter(
            db, flt, settings, me.id, terms=process.terms.current(db), graph=process.current(db)
        ).holders.tolist()

    assert found() == [holder.id]
    sharing.set_visibility(db, holder, contact.public_id, "private")
    assert found() == []
    sharing.set_visibility(db, holder, contact.public_id, "blind", card_fields=["title"])
    assert found() == []  # a blind card hiding the company does not match a company filter
    sharing.bulk_set_visibility(db, holder, sharing.Selection(all=True), "open")
    assert found() == [holder.id]
    db.execute(update(Contact).where(Contact.id == contact.id).values(opted_out=True))
    assert found() == []


def test_paths_to_a_filter_are_the_same_through_the_index(
    db: Session, members: Members, settings: Settings
) -> None:
    """The whole service call: the same paths, cards and explanations either way."""
    me, sam, priya = members.create("Me"), members.create("Sam"), members.create("Priya")
    for x, y in ((me, sam), (sam, priya)):
        service.request_connection(db, x, y, settings)
        service.accept(db, y, x)
    contact = contact_service.create_contact(
        db, priya, ContactIn(full_name="Dana", title="Staff Data Engineer", company="Acme")
    )
    sharing.set_visibility(db, priya, contact.public_id, "blind", card_fields=["title", "company"])
    db.flush()
    process = GraphHolder(settings)
    flt = rules.check_filter(title="data engineer", company="Acme")
    graph = process.current(db)
    by_db = queries.paths_to_filter(db, graph, me, flt, settings)
    by_index = queries.paths_to_filter(
        db, graph, me, flt, settings, terms=process.terms.current(db)
    )
    assert by_index == by_db
    assert [p.target.kind for p in by_index.paths] == ["card"]
    assert "Priya" in by_index.paths[0].explanation


def test_the_background_compaction_swaps_in_an_index_that_answers_alike(
    db: Session, members: Members, settings: Settings
) -> None:
    """Past the threshold the holder compacts in a thread; the swapped-in index has an empty
    overlay and the same answers, and changes after the swap still arrive."""
    cfg = settings.model_copy(update={"min_group_size": 2, "term_compact_holders": 1})
    me = members.create("Me Recruiter")
    holders = [members.create(f"Holder {i}") for i in range(3)]
    process = GraphHolder(cfg)
    first = process.terms.current(db)
    made = []
    for i, h in enumerate(holders):
        x = contact_service.create_contact(db, h, _data(0, 0, 0, 1, f"Person {i}"))
        _share(db, h, x, 3, 0)
        made.append((h, x))
    _agree(db, process, me, cfg)  # the poll overlays three holders: a compaction starts
    for _ in range(600):  # the thread's end, not its speed, is what is waited for
        if not process.terms._compacting:
            break
        time.sleep(0.05)
    compacted = process.terms.current(db)
    assert compacted is not first
    assert compacted.overlay_holders <= 1  # at most what arrived since the swap
    _agree(db, process, me, cfg)
    sharing.set_visibility(db, made[0][0], made[0][1].public_id, "private")
    _agree(db, process, me, cfg)


def test_long_posting_lists_take_the_bitset_and_count_by_id_paths_alike(
    db: Session, members: Members, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The paths taken for long lists at scale (a term tested as a bitset, holders counted by
    id) answer like the database, forced here on a small book."""
    monkeypatch.setattr(termindex, "BITSET_MIN", 1)
    monkeypatch.setattr(termindex, "GROUP_BY_SORT", 0)
    cfg = settings.model_copy(update={"min_group_size": 2})
    me, holders = members.create("Me Recruiter"), [members.create() for _ in range(3)]
    book = [(h % 3, h % 4, h % 2, (h // 2) % 2, h % 3, 1 + h % 3, h % 4) for h in range(18)]
    made = _book(db, holders, book)
    process = GraphHolder(cfg)
    _agree(db, process, me, cfg)
    sharing.set_visibility(db, made[0][0], made[0][1].public_id, "private")
    _agree(db, process, me, cfg)
