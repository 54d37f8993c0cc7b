"""Pure sharing rules: what each visibility lets out of the book."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharewell.contacts import sharing_rules as rules
from sharewell.errors import InvalidInput

text = st.text(min_size=0, max_size=30)
sources = st.builds(
    rules.CardSource,
    public_id=st.just("pid"),
    visibility=st.sampled_from(rules.VISIBILITIES),
    card_fields=st.lists(st.sampled_from(rules.CARD_FIELDS), unique=True).map(tuple),
    name=text,
    title=text,
    company=text,
    industry=text,
    city=text,
    region=text,
    skills=st.lists(text, max_size=3).map(tuple),
    how_known=text,
    linkedin_url=text,
    opted_out=st.booleans(),
)


@given(sources)
def test_cards_never_carry_more_than_their_visibility_allows(source: rules.CardSource) -> None:
    card = rules.card_fields_for(source)
    if source.opted_out or source.visibility in ("private", "counted"):
        assert card is None
        return
    assert card is not None
    allowed = set(source.card_fields)
    if source.visibility == "open":
        allowed |= set(rules.OPEN_FIELDS)
    assert set(card) <= allowed
    assert not {"email", "emails", "phone", "phones", "notes", "birthday"} & set(card)
    if source.visibility == "blind":
        assert "name" not in card and "linkedin_url" not in card


def test_open_cards_show_name_title_company_and_profile() -> None:
    source = rules.CardSource(
        "p",
        "open",
        (),
        "Priya Sharma",
        "Staff Data Engineer",
        "Acme",
        "",
        "Berlin",
        "",
        (),
        "",
        "https://www.linkedin.com/in/priya",
        False,
    )
    assert rules.card_fields_for(source) == {
        "name": "Priya Sharma",
        "title": "Staff Data Engineer",
        "company": "Acme",
        "linkedin_url": "https://www.linkedin.com/in/priya",
    }


def test_describe_card_reads_naturally() -> None:
    assert (
        rules.describe_card({"title": "Staff Data Engineer", "company": "Acme", "city": "Berlin"})
        == "a staff data engineer at Acme, Berlin"
    )
    assert (
        rules.describe_card({"title": "Engineer", "industry": "Energy"}) == "an engineer in Energy"
    )
    assert (
        rules.describe_aggregate(5, "Acme", "data engineering")
        == "5 people in data engineering at Acme"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("worked with Priya at Acme", "name"),
        ("reach her at priya.s@example.org", "email"),
        ("call +49 30 1234567", "phone"),
        ("ex-colleague of sharma", "name"),
        ("x" * 141, "under 140"),
    ],
)
def test_how_known_refuses_identifying_details(line: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        rules.check_how_known(
            line, names=["Priya Sharma"], emails=["priya.s@example.org"], phones=["+49 30 1234567"]
        )


def test_how_known_accepts_plain_context() -> None:
    assert (
        rules.check_how_known(
            "  former colleague, data team  ", names=["Priya Sharma"], emails=[], phones=[]
        )
        == "former colleague, data team"
    )


def test_unknown_visibility_or_field_is_refused() -> None:
    with pytest.raises(InvalidInput):
        rules.check_visibility("public")
    with pytest.raises(InvalidInput, match="email"):
        rules.check_card_fields(["title", "email"])


def test_coarser_fields_are_offered() -> None:
    assert rules.coarser_suggestions(["city", "title", "company"]) == {
        "city": "region",
        "company": "industry",
    }
