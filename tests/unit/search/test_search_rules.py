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
