"""The bounded candidate set: the full-text index picks a limited number of ids before the
visibility rules are joined, and contacts are indexed with their visibility. A member must
still find every entry they may see, and never one they may not, whatever the index says."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.contacts import optouts, sharing
from sharewell.contacts import service as contact_service
from sharewell.contacts.models import Contact
from sharewell.contacts.schemas import ContactIn
from sharewell.network.graph import GraphIndex
from sharewell.search import queries
from sharewell.search.models import SearchDocument
from sharewell.search.queries import SearchParams, search

from .conftest import World


def card_ids(db: Session, world: World, settings: Settings, graph: GraphIndex, q: str) -> set:  # type: ignore[type-arg]
    out = search(db, world.searcher, SearchParams(q=q, kinds=("card",)), settings, graph)
    return {h.card_id for h in out.items}


def test_many_private_matches_never_crowd_out_a_shared_card(
    db: Session, world: World, settings: Settings, graph: GraphIndex
) -> None:
    narrow = Settings(**{**settings.model_dump(), "search_candidates": 10})
    for i in range(60):  # far more private matches than the full-text candidate bound
        contact_service.create_contact(
            db, world.holder, ContactIn(full_name=f"Keeper {i}", title="Lighthouse keeper")
        )
    shared = contact_service.create_contact(
        db, world.holder, ContactIn(full_name="Shown Keeper", title="Lighthouse keeper")
    )
    sharing.set_visibility(db, world.holder, shared.public_id, "blind", card_fields=["title"])
    db.flush()
    assert card_ids(db, world, narrow, graph, "lighthouse keeper") == {shared.public_id}


def test_a_bulk_share_is_found_at_once_and_a_bulk_unshare_hides_at_once(
    db: Session, world: World, settings: Settings, graph: GraphIndex
) -> None:
    hidden = contact_service.create_contact(
        db, world.holder, ContactIn(full_name="Ona Lamp", title="Lamplighter")
    )
    db.flush()
    assert card_ids(db, world, settings, graph, "lamplighter") == set()
    sharing.bulk_set_visibility(
        db, world.holder, sharing.Selection(ids=(hidden.public_id,)), "open"
    )
    assert card_ids(db, world, settings, graph, "lamplighter") == {hidden.public_id}
    sharing.bulk_set_visibility(
        db, world.holder, sharing.Selection(ids=(hidden.public_id,)), "private"
    )
    assert card_ids(db, world, settings, graph, "lamplighter") == set()


def test_an_opt_out_takes_the_card_out_of_the_index_facets(
    db: Session, world: World, settings: Settings, graph: GraphIndex
) -> None:
    assert world.cards["open"] in card_ids(db, world, settings, graph, "staff data engineer")
    optouts.enforce(db, "email", "wanda@leak.example")
    assert world.cards["open"] not in card_ids(db, world, settings, graph, "staff data engineer")
    contact_id = db.scalar(select(Contact.id).where(Contact.public_id == world.cards["open"]))
    facets = db.scalar(
        select(SearchDocument.facets).where(
            SearchDocument.kind == "contact", SearchDocument.ref_id == contact_id
        )
    )
    assert "zvprivate" in (facets or "").split()


def test_a_stale_document_can_only_miss_never_show(
    db: Session, world: World, settings: Settings, graph: GraphIndex
) -> None:
    """A writer that changes visibility in bulk without refreshing the documents (a bug, or
    one yet to come) must not leak: ``contacts`` is re-checked for every candidate kept."""
    db.execute(
        update(Contact)
        .where(Contact.public_id.in_([world.cards["open"], world.cards["blind"]]))
        .values(visibility="private")
        .execution_options(synchronize_session=False)
    )
    db.expire_all()
    assert card_ids(db, world, settings, graph, "staff data engineer") == set()
    out = search(db, world.searcher, SearchParams(q="Wanda Openshaw"), settings, graph)
    assert not [h for h in out.items if h.kind in ("card", "aggregate")]
    assert not any("Openshaw" in h.model_dump_json() for h in out.items)


def test_an_aggregate_counts_only_entries_still_counted_whatever_the_index_says(
    db: Session, world: World, settings: Settings, graph: GraphIndex
) -> None:
    """The count is re-checked against ``contacts``: entries made private behind the index's
    back are not counted, and a holder who falls below the minimum is not shown at all."""

    def counts() -> list[int | None]:
        out = search(
            db,
            world.searcher,
            SearchParams(q="data engineer", kinds=("aggregate",)),
            settings,
            graph,
        )
        return [h.count for h in out.items]

    assert counts() == [4]
    fillers = db.scalars(
        select(Contact.id).where(Contact.full_name.like("Filler Person%")).order_by(Contact.id)
    ).all()
    for n, cid in enumerate(fillers[:2], start=1):
        db.execute(
            update(Contact)
            .where(Contact.id == cid)
            .values(visibility="private")
            .execution_options(synchronize_session=False)
        )
        db.expire_all()
        assert counts() == ([3] if n == 1 else [])  # 4 - 1 = 3 is shown; 2 is below 3


def test_aggregates_are_the_holders_with_most_entries_still_counted_in_any_round_size(
    db: Session,
    world: World,
    members: Members,
    settings: Settings,
    graph: GraphIndex,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Holders are re-checked a round at a time, most matches first; a holder the index
    over-counts (entries made private behind its back) falls to its real place, and the
    answer is the same whatever the round size."""
    sizes = {"Ada": 7, "Bo": 5, "Cy": 4, "Di": 3}
    holders = {name: members.create(f"{name} Counter") for name in sizes}
    for name, n in sizes.items():
        for i in range(n):
            c = contact_service.create_contact(
                db,
                holders[name],
                ContactIn(full_name=f"{name} Contact{i}", company="Zeta", title="Data Engineer"),
            )
            sharing.set_visibility(db, holders[name], c.public_id, "counted")
    db.flush()
    # Four of Ada's seven go private behind the index's back: 3 remain, below Cy's 4.
    ada = db.scalars(
        select(Contact.id).where(Contact.full_name.like("Ada Contact%")).order_by(Contact.id)
    ).all()
    db.execute(
        update(Contact)
        .where(Contact.id.in_(ada[:4]))
        .values(visibility="private")
        .execution_options(synchronize_session=False)
    )
    db.expire_all()

    def top(batch: int, shown: int) -> list[tuple[str, int | None]]:
        monkeypatch.setattr(queries, "AGGREGATE_BATCH", batch)
        monkeypatch.setattr(queries, "AGGREGATES_SHOWN", shown)
        out = search(
            db,
            world.searcher,
            SearchParams(q="data engineer", company="Zeta", kinds=("aggregate",)),
            settings,
            graph,
        )
        return sorted(
            ((h.member.display_name, h.count) for h in out.items if h.member),
            key=lambda t: (-(t[1] or 0), t[0]),
        )  # the page orders by the blend (closeness, standing); the choice is by count

    want = [("Bo Counter", 5), ("Cy Counter", 4)]
    for batch in (1, 2, 3, 64):
        assert top(batch, 2) == want
    assert top(1, 10) == [*want, ("Ada Counter", 3), ("Di Counter", 3)]
