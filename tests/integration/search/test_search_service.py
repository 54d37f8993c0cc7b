"""One search over members, cards, aggregates, insights and comments: the same queries on
both backends, the sharing rules, typo tolerance, filters, explanations and the quota."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts import service as contact_service
from sharewell.contacts import sharing
from sharewell.contacts.models import Contact, ContactDisplay
from sharewell.contacts.schemas import ContactIn
from sharewell.errors import InvalidInput, RateLimited
from sharewell.members import service as member_service
from sharewell.members.schemas import ProfileUpdate
from sharewell.search import indexing, rules
from sharewell.search import queries as search_queries
from sharewell.search.models import SearchDocument
from sharewell.search.queries import SearchParams, search, suggest

from .conftest import OPEN_NAME, SECRET_NAMES, connect


def run(db, world, settings, graph, q="", **kw):  # type: ignore[no-untyped-def]
    return search(db, world.searcher, SearchParams(q=q, **kw), settings, graph)


def titles(out) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.title for h in out.items]


def displays(db: Session, viewer_id: int) -> int:
    return int(
        db.scalar(
            select(func.count(ContactDisplay.id)).where(ContactDisplay.viewer_id == viewer_id)
        )
        or 0
    )


def test_members_by_name_headline_topic_and_offer(db, world, settings, graph) -> None:
    for q in ("Priya", "priya sharma", "staff data engineer", "python", "platform designs"):
        out = run(db, world, settings, graph, q, kinds=("member",))
        assert "Priya Sharma" in titles(out)[:3], (q, titles(out))


def test_typo_tolerance_for_names_and_topics(db, world, settings, graph) -> None:
    out = run(db, world, settings, graph, "Pryia", kinds=("member",))
    assert titles(out)[:1] == ["Priya Sharma"]
    assert out.corrections == {"pryia": ["priya"]}
    out = run(db, world, settings, graph, "Pyhton", kinds=("member",))
    assert "Priya Sharma" in titles(out)


def test_a_headline_word_is_not_read_as_a_typo_for_a_name(db, world, settings, members, graph):  # type: ignore[no-untyped-def]
    # "partner" is one edit from the surname "Carter"; it is in a headline ("Talent partner"),
    # so it is searched as typed, and Carter does not come up for it.
    members.create("Lea Carter", headline="Chef", topics=["Cooking"])
    out = run(db, world, settings, graph, "partner zzqx", kinds=("member",))
    assert out.corrections == {}
    assert titles(out) == ["Holly Holder"]
    out = run(db, world, settings, graph, "partnre", kinds=("member",))  # a real typo still is
    assert out.corrections == {"partnre": ["partner"]}
    assert titles(out) == ["Holly Holder"]


def test_cards_show_only_their_fields_and_are_counted(db, world, settings, graph) -> None:
    before = displays(db, world.searcher.id)
    out = run(db, world, settings, graph, "staff data engineer", kinds=("card",))
    cards = {h.card_id: h for h in out.items}
    assert set(cards) == {world.cards["open"], world.cards["blind"]}
    blind = cards[world.cards["blind"]].card
    assert blind == {"title": "Staff Data Engineer", "company": "Acme"}
    assert cards[world.cards["open"]].card["name"] == OPEN_NAME
    assert displays(db, world.searcher.id) == before + 2


def test_a_blind_card_never_matches_on_a_hidden_field(db, world, settings, graph) -> None:
    out = run(db, world, settings, graph, "berlin", kinds=("card",))
    assert [h.card_id for h in out.items] == [world.cards["open"]]
    # "engineer" shows on both cards; "berlin" is hidden on the blind one and must not count.
    out = run(db, world, settings, graph, "engineer berlin", kinds=("card",), explain=True)
    texts = {h.card_id: h.explain.text for h in out.items}
    # Cards are scored on coverage of what they show (half the words for the blind one).
    assert texts[world.cards["open"]] == rules.text_score(1.0, rules.CARD_RANK)
    assert texts[world.cards["blind"]] == rules.text_score(0.5, rules.CARD_RANK)
    out = run(db, world, settings, graph, "engineer", kinds=("card",), city="Berlin")
    assert [h.card_id for h in out.items] == [world.cards["open"]]


def test_an_open_card_matches_by_name(db, world, settings, graph) -> None:
    out = run(db, world, settings, graph, OPEN_NAME)
    assert [h.card_id for h in out.items if h.kind == "card"] == [world.cards["open"]]


@pytest.mark.parametrize("visibility", sorted(SECRET_NAMES))
def test_a_name_search_says_nothing_about_blind_counted_or_private_entries(
    db, world, settings, graph, visibility
) -> None:
    before = displays(db, world.searcher.id)
    secret = run(db, world, settings, graph, SECRET_NAMES[visibility], explain=True)
    nobody = run(db, world, settings, graph, "Quentin Nonexistentson", explain=True)
    assert secret.items == [] and nobody.items == []
    assert secret.model_dump(exclude={"query"}) == nobody.model_dump(exclude={"query"})
    for word in SECRET_NAMES[visibility].split():
        assert run(db, world, settings, graph, word).items == []
        assert suggest(db, world.searcher, word) == []
    assert displays(db, world.searcher.id) == before


@pytest.mark.parametrize("visibility", sorted(SECRET_NAMES))
@pytest.mark.parametrize("where", [{"company": "Acme"}, {"city": "Berlin"}])
def test_a_filtered_name_search_says_nothing_either(
    db, world, settings, graph, visibility, where
) -> None:
    """With a company or city filter, contacts are asked through compound tokens (a word
    joined to the company or city): a name is joined only on open entries, so a name never
    finds a blind card or makes a count, even where enough entries share it."""
    for i in range(settings.min_group_size):  # enough hidden entries sharing the surname
        c = contact_service.create_contact(
            db,
            world.holder,
            ContactIn(
                full_name=f"Kin{i} {SECRET_NAMES[visibility].split()[-1]}",
                company="Acme",
                city="Berlin",
                title="Analyst",
            ),
        )
        sharing.set_visibility(db, world.holder, c.public_id, visibility)
    db.flush()
    secret = run(db, world, settings, graph, SECRET_NAMES[visibility], explain=True, **where)
    nobody = run(db, world, settings, graph, "Quentin Nonexistentson", explain=True, **where)
    assert secret.items == [] and nobody.items == []
    for word in SECRET_NAMES[visibility].split():
        assert run(db, world, settings, graph, word, **where).items == []


def test_filtered_cards_and_aggregates_are_found_through_compounds(
    db, world, settings, graph
) -> None:
    out = run(db, world, settings, graph, "data engineer", company="Acme")
    cards = {h.card_id for h in out.items if h.kind == "card"}
    assert {world.cards["open"], world.cards["blind"]} <= cards
    aggregates = [h for h in out.items if h.kind == "aggregate"]
    assert [(a.member.handle, a.count) for a in aggregates] == [(world.holder.handle, 4)]
    named = run(db, world, settings, graph, OPEN_NAME, city="Berlin")
    assert [h.card_id for h in named.items if h.kind == "card"] == [world.cards["open"]]
    assert run(db, world, settings, graph, "data engineer", company="Globex").items[0].kind == (
        "member"
    )  # Pierre; no card or count at another company


def test_counted_entries_only_as_aggregates(db, world, settings, graph) -> None:
    out = run(db, world, settings, graph, "data engineer", kinds=("aggregate",))
    assert len(out.items) == 1
    agg = out.items[0]
    assert agg.count == 4 and agg.member.handle == world.holder.handle
    assert "Countmann" not in agg.model_dump_json() and agg.card is None
    small = Settings(**{**settings.model_dump(), "min_group_size": 5})
    assert run(db, world, small, graph, "data engineer", kinds=("aggregate",)).items == []


def test_insights_and_comments_follow_insight_visibility(db, world, settings, graph) -> None:
    out = run(db, world, settings, graph, "pipelines")
    kinds = {(h.kind, h.title) for h in out.items}
    assert ("insight", "Why most data pipelines stall") in kinds
    assert any(k == "comment" for k, _ in kinds)
    assert "Confidential pipelines salary bands" not in titles(out)
    mine = search(db, world.stranger, SearchParams(q="confidential"), settings, graph)
    assert "Confidential pipelines salary bands" in titles(mine)


def test_searchers_of_one_shape_each_get_their_own_answer(db, world, settings, graph) -> None:  # type: ignore[no-untyped-def]
    # The searcher, Priya and the holder all have connections and block no one: their
    # searches run the same statements (search.queries._template), each with its own values.
    # Only the stranger's connections (now the holder) may read the confidential insight, and
    # nobody finds themselves. Asked in turns, so a statement's earlier values would show.
    connect(db, settings, world.holder, world.stranger)
    db.commit()

    def answer(viewer) -> tuple[bool, set[str]]:  # type: ignore[no-untyped-def]
        out = search(db, viewer, SearchParams(q="confidential pipelines"), settings, graph)
        found = search(db, viewer, SearchParams(q="data engineer", kinds=("member",)), settings,
                       graph)  # fmt: skip
        return "Confidential pipelines salary bands" in titles(out), set(titles(found))

    for _ in range(2):
        for viewer, reads in ((world.holder, True), (world.searcher, False), (world.priya, False)):
            confidential, people = answer(viewer)
            assert confidential is reads, viewer.display_name
            assert viewer.display_name not in people
            assert people == {"Priya Sharma", "Pierre Dupont"} - {viewer.display_name}


def test_filters_kind_company_city_topic_degree(db, world, settings, graph) -> None:
    out = run(db, world, settings, graph, "data engineer", kinds=("member",), company="Acme")
    assert titles(out) == ["Priya Sharma"]
    out = run(db, world, settings, graph, "engineer", kinds=("member",), city="paris")
    assert titles(out) == ["Pierre Dupont"]
    out = run(db, world, settings, graph, "", kinds=("member",), topic="Python")
    assert titles(out) == ["Priya Sharma"]
    out = run(db, world, settings, graph, "data engineer", kinds=("member",), degree=2)
    assert titles(out) == ["Priya Sharma"]  # Pierre is out of network
    out = run(db, world, settings, graph, "pipelines", kinds=("insight",))
    assert {h.kind for h in out.items} == {"insight"}
    with pytest.raises(InvalidInput):
        run(db, world, settings, graph, "x", kinds=("people",))
    with pytest.raises(InvalidInput):
        run(db, world, settings, graph, "x", degree=4)


def test_a_degree_filter_too_long_for_parameters_goes_as_one_array(  # type: ignore[no-untyped-def]
    db, world, settings, graph, monkeypatch
):
    # Past SQLITE_LIST_MAX allowed holders, SQLite gets them as one JSON array (json_each).
    monkeypatch.setattr(search_queries, "SQLITE_LIST_MAX", 1)
    test_filters_kind_company_city_topic_degree(db, world, settings, graph)


def test_explain_shows_each_signal(db, world, settings, graph) -> None:
    out = run(db, world, settings, graph, "data engineer", kinds=("member",), explain=True)
    by_name = {h.title: h for h in out.items}
    priya, pierre = by_name["Priya Sharma"], by_name["Pierre Dupont"]
    assert priya.explain is not None and pierre.explain is not None
    assert priya.explain.degree == "2nd" and pierre.explain.closeness == 0
    assert abs(sum(priya.explain.parts.values()) - priya.score) < 1e-3
    assert titles(out).index("Priya Sharma") < titles(out).index("Pierre Dupont")
    assert run(db, world, settings, graph, "data engineer").items[0].explain is None


def test_standing_lookup_changes_the_order(db, world, settings, graph) -> None:
    def lookup(session, ids):  # type: ignore[no-untyped-def]
        return {i: (1.0 if i == world.stranger.id else 0.0) for i in ids}

    weights_first = search(
        db,
        world.searcher,
        SearchParams(q="data engineer", kinds=("member",), explain=True),
        settings,
        None,
        standing=lookup,
    )
    assert weights_first.items[0].title == "Pierre Dupont"
    assert weights_first.items[0].explain.standing == 1.0
    neutral = search(
        db,
        world.searcher,
        SearchParams(q="data engineer", kinds=("member",), explain=True),
        settings,
        None,
        standing=None,
    )
    assert all(h.explain.standing is None for h in neutral.items)


def test_quota_applies(db, world, settings, graph) -> None:
    tight = Settings(**{**settings.model_dump(), "display_quota_hour": 1})
    with pytest.raises(RateLimited):
        run(db, world, tight, graph, "staff data engineer", kinds=("card",))


def test_the_index_follows_edits_in_the_same_transaction(db, world, settings, graph) -> None:
    member_service.update_profile(db, world.stranger, ProfileUpdate(headline="Kubernetes wrangler"))
    assert titles(run(db, world, settings, graph, "kubernetes")) == ["Pierre Dupont"]
    contact = db.scalar(select(Contact).where(Contact.public_id == world.cards["open"]))
    contact.title = "Lighthouse keeper"
    db.flush()
    assert [h.card_id for h in run(db, world, settings, graph, "lighthouse").items] == [
        world.cards["open"]
    ]
    sharing.bulk_set_visibility(
        db, world.holder, sharing.Selection(ids=(world.cards["open"],)), "private"
    )
    assert run(db, world, settings, graph, "lighthouse").items == []  # visibility at query time
    contact_service.delete_contact(db, world.holder, world.cards["blind"])
    assert not db.scalar(
        select(func.count())
        .select_from(SearchDocument)
        .where(SearchDocument.kind == "contact", SearchDocument.ref_id == contact.id + 100000)
    )


def test_reindex_gives_the_same_answers(db, world, settings, graph) -> None:
    before = run(db, world, settings, graph, "data engineer", explain=True)
    counts = indexing.reindex_all(db)
    assert counts["member"] >= 4 and counts["contact"] >= 7
    after = run(db, world, settings, graph, "data engineer", explain=True)
    assert [(h.kind, h.title) for h in after.items] == [(h.kind, h.title) for h in before.items]


def test_suggest_members_and_topics(db, world, settings, graph) -> None:
    labels = [s.label for s in suggest(db, world.searcher, "pri")]
    assert any(label.startswith("Priya Sharma") for label in labels)
    assert [s.kind for s in suggest(db, world.searcher, "pyth")] == ["topic"]
    assert any(s.label.startswith("Priya") for s in suggest(db, world.searcher, "pryia"))
    assert suggest(db, world.searcher, "wanda") == []  # open card names are not suggested
