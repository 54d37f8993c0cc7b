"""Cards are rebuilt through the sharing rules only when they can reach the requested page.
A member must see the same page as if every candidate had been rebuilt: a shorter page is the
start of a longer one, nothing a card hides ever ranks or shows it, and a small page does not
pay for rebuilding every candidate."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts import service as contact_service
from sharewell.contacts import sharing, sharing_rules
from sharewell.contacts.schemas import ContactIn
from sharewell.network.graph import GraphIndex
from sharewell.search import queries
from sharewell.search.queries import SearchParams, search

from .conftest import World


def _book(db: Session, world: World) -> dict[str, str]:
    """30 shared keepers: open ones, blind ones showing their title, and blind ones whose
    title is hidden (they must never be found by it)."""
    kinds: dict[str, str] = {}
    for i in range(30):
        contact = contact_service.create_contact(
            db,
            world.holder,
            ContactIn(
                full_name=f"Keeper Number{i}",
                title="Lighthouse keeper",
                company="Beacon Ltd",
                city="Berlin",
            ),
        )
        visibility, fields, kind = [
            ("open", ["title", "company", "city"], "open"),
            ("blind", ["title", "city"], "blind"),
            ("blind", ["company", "city"], "hidden-title"),
        ][i % 3]
        sharing.set_visibility(db, world.holder, contact.public_id, visibility, card_fields=fields)
        kinds[contact.public_id] = kind
    db.commit()
    return kinds


@pytest.mark.parametrize("q", ["lighthouse keeper", "lighthouse zebra"])
def test_a_short_page_is_the_start_of_a_long_one_and_never_shows_a_hidden_title(
    db: Session, world: World, settings: Settings, graph: GraphIndex, q: str
) -> None:
    kinds = _book(db, world)

    def page(limit: int) -> list[tuple[str | None, float]]:
        out = search(
            db,
            world.searcher,
            SearchParams(q=q, kinds=("card", "member"), limit=limit, semantic=False),
            settings,
            graph,
            record=False,
        )
        return [(h.card_id, h.score) for h in out.items]

    full = page(50)
    shown = [card for card, _ in full if card in kinds]
    assert shown, "the shared keepers are found"
    assert all(kinds[c] != "hidden-title" for c in shown)
    assert sum(1 for k in kinds.values() if k != "hidden-title") == len(shown)
    scores = [s for _, s in full]
    assert scores == sorted(scores, reverse=True)
    for limit in (1, 3, 7):
        assert page(limit) == full[:limit]


def test_a_small_page_rebuilds_few_cards(
    db: Session,
    world: World,
    settings: Settings,
    graph: GraphIndex,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _book(db, world)
    rebuilt = 0
    real = sharing_rules.card_fields_for

    def counting(source: sharing_rules.CardSource) -> dict[str, object] | None:
        nonlocal rebuilt
        rebuilt += 1
        return real(source)

    monkeypatch.setattr(queries.card_rules, "card_fields_for", counting)
    out = search(
        db,
        world.searcher,
        SearchParams(q="lighthouse keeper", kinds=("card",), limit=2, semantic=False),
        settings,
        graph,
        record=False,
    )
    assert len(out.items) == 2
    # Every shared keeper is a candidate, but only those that can reach a page of two (and
    # the few a hidden title drops on the way) are rebuilt.
    assert rebuilt <= 6
