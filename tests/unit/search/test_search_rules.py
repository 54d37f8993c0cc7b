"""Pure search rules: a contact's one document row and the text score across kinds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sharewell.search import rules
from sharewell.search.indexing import contact_document

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def doc(visibility: str, opted_out: bool = False) -> dict[str, object]:
    return contact_document(
        7,
        3,
        "Zelda Privatova",
        "",
        "",
        "Staff Data Engineer",
        "Acme",
        "Software",
        "Berlin",
        "",
        ["Data Engineering"],
        "",
        "acme",
        "berlin",
        visibility,
        opted_out,
    )


def test_a_contact_document_carries_its_visibility_and_never_private_fields() -> None:
    for visibility in ("open", "blind", "counted", "private"):
        facets = str(doc(visibility)["facets"]).split()
        assert rules.visibility_facet(visibility) in facets
        assert [f for f in facets if f.startswith("zv")] == [f"zv{visibility}"]
    # An opted-out person is private, whatever the stored visibility says.
    assert "zvprivate" in str(doc("open", opted_out=True)["facets"]).split()
    assert "zvopen" not in str(doc("open", opted_out=True)["facets"]).split()


@given(unit, unit, unit, unit)
def test_text_score_grows_with_coverage_and_rank_and_stays_in_0_1(
    c1: float, c2: float, r1: float, r2: float
) -> None:
    lo_c, hi_c = sorted((c1, c2))
    lo_r, hi_r = sorted((r1, r2))
    assert 0.0 <= rules.text_score(lo_c, lo_r) <= rules.text_score(hi_c, hi_r) <= 1.0
    assert rules.text_score(0.0, hi_r) == 0.0  # no word matched, no text relevance


def test_coverage_counts_words_across_fields_with_loose_stems() -> None:
    groups = (("python",), ("experts",), ("berlin",))
    assert rules.text_coverage(["Priya", "Data Engineer", "Python · Berlin, Germany"], groups) == (
        2 / 3
    )
    assert rules.text_coverage(["Data engineering"], (("engineers",),)) == 1.0
    assert rules.text_coverage([""], groups) == 0.0


def test_compound_joins_the_words_to_the_company_before_the_city() -> None:
    q = rules.Query((("lead",), ("the",), ("logistics", "logistic")), ("zcacme", "zylagos"))
    got = rules.compound(q, rules.PG_STOPWORDS)
    assert got is not None and got.compound
    assert got.groups == (("zcacmexlead",), ("zcacmexlogistics", "zcacmexlogistic"))
    assert got.facets == ("zylagos",)  # the other filter stays a facet
    assert rules.compound(q) is not None and len(rules.compound(q).groups) == 3  # type: ignore[union-attr]
    assert rules.fts5_expression(got, with_name=False).startswith("{facets} : ")
    # no weights: a weight makes PostgreSQL recheck every match against its row
    assert ":" not in rules.tsquery_expression(got, with_name=False)
    assert ":" not in rules.tsquery_expression(got, with_name=True)


def test_compound_needs_a_company_or_city_and_a_word() -> None:
    assert rules.compound(rules.Query((("lead",),), ("ztpython",))) is None
    assert rules.compound(rules.Query((("the",),), ("zcacme",)), rules.PG_STOPWORDS) is None
    assert rules.compound(rules.Query((), ("zcacme",))) is None


def test_compound_tokens_of_a_document_match_those_of_a_query() -> None:
    doc = rules.compound_tokens(["zcacme", "zylagos"], "Lead Engineer · Acme · Lagos")
    assert "zcacmexlead" in doc and "zylagosxengineer" in doc
    q = rules.compound(rules.Query((("engineer",),), ("zylagos",)))
    assert q is not None and set(q.groups[0]) <= set(doc)


_letters = st.text(alphabet="abcdeilnorst", min_size=1, max_size=9)


@given(
    st.lists(_letters, max_size=12),
    st.lists(st.lists(_letters, min_size=1, max_size=3), min_size=1, max_size=4),
)
def test_coverage_by_prefix_is_the_plain_stem_match(
    shown: list[str], groups: list[list[str]]
) -> None:
    """The prefix shortcut of ``_covered`` finds exactly what comparing every pair finds."""
    plain = sum(1 for g in groups if any(rules._stem_match(t, w) for t in g for w in shown)) / len(
        groups
    )
    assert rules._covered(shown, groups) == plain
