"""Pure network rules: defaults, labels and the wording of paths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharewell.contacts import sharing_rules as card_rules
from sharewell.network import rules
from sharewell.network.rules import ConnectionOrigin, Step


def test_default_strengths_by_origin() -> None:
    assert rules.default_strength(ConnectionOrigin.MUTUAL_CONTACT_MATCH) == 4
    assert rules.default_strength("contact_match") == 3
    assert rules.default_strength("manual_request") == 3
    assert rules.default_strength(ConnectionOrigin.INTRODUCTION) == 2
    with pytest.raises(ValueError, match="unknown connection origin"):
        rules.default_strength("met_at_a_bar")


def test_the_weaker_rating_decides() -> None:
    assert rules.connection_strength(5, 2) == 2
    assert rules.connection_strength(None, 4, default=3) == 3
    assert rules.connection_strength(None, None, default=4) == 4
    for bad in (0, 6, True, 2.5):
        with pytest.raises(ValueError):
            rules.connection_strength(bad, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("strength", "word"), [(1, "weak"), (2, "weak"), (3, "ok"), (4, "strong"), (5, "strong")]
)
def test_strength_words(strength: int, word: str) -> None:
    assert rules.strength_word(strength) == word
    assert rules.normalised_strength(strength) == strength / 5


def test_path_strength_words() -> None:
    assert rules.path_strength_word(1.0) == "strong"
    assert rules.path_strength_word(0.8 * 0.8) == "strong"
    assert rules.path_strength_word(0.6 * 0.8) == "ok"
    assert rules.path_strength_word(0.2) == "weak"
    with pytest.raises(ValueError):
        rules.path_strength_word(0.0)


@pytest.mark.parametrize(
    ("distance", "label"),
    [
        (0, "you"),
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "out of network"),
        (-1, "out of network"),
        (None, "out of network"),
    ],
)
def test_degree_labels(distance: int | None, label: str) -> None:
    assert rules.degree_label(distance) == label


def test_explanations_read_like_the_issue() -> None:
    card = rules.describe_card("staff data engineer", "Acme", "Berlin")
    assert rules.explain_path([Step("Sam", 5), Step("Priya")], card) == (
        "You → Sam (strong) → Priya, who knows a staff data engineer at Acme, Berlin"
    )
    crowd = rules.describe_aggregate(5, "data engineering", "Acme")
    assert rules.explain_path([Step("Sam", 4), Step("Lee", 1), Step("Priya", 3)], crowd) == (
        "You → Sam (strong) → Lee (weak) → Priya (ok), who knows 5 people in data engineering"
        " at Acme"
    )
    assert rules.explain_path([Step("Priya", 3)]) == "You → Priya (ok)"


def test_card_and_aggregate_wording_uses_only_shared_fields() -> None:
    assert rules.describe_card("engineer") == "an engineer"
    assert rules.describe_card(None, "Acme") == "someone at Acme"
    assert rules.describe_card("designer", None, "Paris") == "a designer in Paris"
    assert rules.describe_aggregate(1, None, None, "Lyon") == "1 person in Lyon"
    with pytest.raises(ValueError):
        rules.describe_aggregate(0)
    with pytest.raises(ValueError):
        rules.explain_path([])


@given(
    visibility=st.sampled_from(["private", "counted", "blind", "open"]),
    opted_out=st.booleans(),
    fields=st.lists(st.sampled_from(card_rules.CARD_FIELDS), unique=True),
)
def test_term_flags_say_exactly_what_the_card_shows(
    visibility: str, opted_out: bool, fields: list[str]
) -> None:
    """The flags a filter is matched on agree with the card a viewer would be shown."""
    source = card_rules.CardSource(
        public_id="c1",
        visibility=visibility,
        card_fields=tuple(fields),
        name="Priya",
        title="Staff Data Engineer",
        company="Acme",
        industry="Software",
        city="Berlin",
        region="Europe",
        skills=("python",),
        how_known="work",
        linkedin_url="",
        opted_out=opted_out,
    )
    card = card_rules.card_fields_for(source)
    flags = rules.contact_flags(visibility, opted_out, fields)
    assert bool(flags & rules.FLAG_CARD) == (card is not None)
    assert bool(flags & rules.FLAG_COUNTED) == (visibility == "counted" and not opted_out)
    for field, bit in rules.FLAG_SHOWS.items():
        assert bool(flags & bit) == (card is not None and field in card)
    for used in (["title"], ["company", "city"], ["skills", "title", "company"]):
        need = rules.card_need(used)
        assert (flags & need == need) == (card is not None and set(used) <= set(card))


def test_standing_and_freshness_only_break_ties() -> None:
    ranks = [
        rules.PathRank(score=0.48, hops=2, connector_standing=0.0, freshness=5.0),
        rules.PathRank(score=0.48, hops=2, connector_standing=0.3, freshness=1.0),
        rules.PathRank(score=0.48, hops=1, connector_standing=0.0, freshness=0.0),
        rules.PathRank(score=0.8 * 0.6, hops=2, connector_standing=0.3, freshness=9.0),
        rules.PathRank(score=0.9, hops=3, connector_standing=0.0, freshness=0.0),
    ]
    # strength first, then fewer hops, then standing, then freshness
    assert rules.rank_paths(ranks, 5) == [4, 2, 3, 1, 0]
    assert rules.rank_paths(ranks, 2) == [4, 2]
