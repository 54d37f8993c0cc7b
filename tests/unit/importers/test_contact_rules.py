"""Normalisation, duplicate classification and merging (sharewell.contacts.rules)."""

from __future__ import annotations

from datetime import date

import pytest

from sharewell.contacts.rules import (
    MatchIndex,
    MatchKind,
    company_key,
    keys_for,
    make_keys,
    merge_fields,
    name_company_key,
    names_similar,
    normalize_email,
    normalize_linkedin_url,
    normalize_phone,
)
from sharewell.importers import ParsedContact, TypedValue


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane.Doe@Example.COM", "jane.doe@example.com"),
        ("  <jane@example.com> ", "jane@example.com"),
        ("mailto:Jane@Example.com?subject=hi", "jane@example.com"),
        ("jane@example.com.", "jane@example.com"),
        ("not-an-email", None),
        ("a@b", None),
        ("two@@example.com", None),
        ("jane doe@example.com", None),
        ("", None),
    ],
)
def test_normalize_email(raw: str, expected: str | None) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+1 (415) 555-0100", None, "+14155550100"),
        ("(415) 555-0100", "US", "+14155550100"),
        ("+44 (0) 20 7946 0958", None, "+442079460958"),
        ("0171 1234567", "DE", "+491711234567"),
        ("tel:+34-91-123-4567", None, "+34911234567"),
        ("+1 415 555 0100 ext. 12", None, "+14155550100"),
        ("+٩٧١ ٥٠ ١٢٣ ٤٥٦٧", None, "+971501234567"),  # Arabic-Indic digits
        ("(415) 555-0100", None, "4155550100"),  # no region: digits fallback
        ("12-34", None, "1234"),
        ("n/a", None, None),
        ("123", None, None),
    ],
)
def test_normalize_phone(raw: str, region: str | None, expected: str | None) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "https://www.linkedin.com/in/jane-doe-4b2a1c",
            "https://www.linkedin.com/in/jane-doe-4b2a1c",
        ),
        ("http://linkedin.com/in/Jane-Doe/", "https://www.linkedin.com/in/jane-doe"),
        (
            "https://de.linkedin.com/in/jane-doe?originalSubdomain=de",
            "https://www.linkedin.com/in/jane-doe",
        ),
        ("linkedin.com/in/jane-doe/en", "https://www.linkedin.com/in/jane-doe"),
        ("www.linkedin.com/in/jane-doe#about", "https://www.linkedin.com/in/jane-doe"),
        ("https://m.linkedin.com/in/JANE", "https://www.linkedin.com/in/jane"),
        ("https://www.linkedin.com/in/%E7%8E%8B%E4%BC%9F", "https://www.linkedin.com/in/王伟"),
        (
            "https://www.linkedin.com/pub/jane-doe/1/23/456",
            "https://www.linkedin.com/pub/jane-doe/1/23/456",
        ),
        ("https://www.linkedin.com/company/acme", None),
        ("https://linkedin.com.evil.example/in/jane", None),
        ("https://twitter.com/jane", None),
        ("", None),
        ("http://[::1", None),
    ],
)
def test_normalize_linkedin_url(raw: str, expected: str | None) -> None:
    assert normalize_linkedin_url(raw) == expected


def test_name_company_key_folds_case_accents_space_and_legal_forms() -> None:
    assert name_company_key("  Zoë   ÜNAL ", "Société Générale S.A.") == name_company_key(
        "zoe unal", "societe generale"
    )
    assert name_company_key("Søren Łukasz", "ACME, Inc.") == "soren lukasz|acme"
    assert company_key("Acme") == "acme"
    assert name_company_key("", "Acme") is None


def test_non_latin_marks_are_kept() -> None:
    # Devanagari vowel signs and Cyrillic й carry meaning; they must not be stripped.
    assert name_company_key("प्रिया", "") != name_company_key("प्रय", "")
    assert name_company_key("Андрей", "") != name_company_key("Андреи", "")
    assert name_company_key("王伟", "腾讯") == "王伟|腾讯"


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        ("john smith", "john smith", True),
        ("wang wei", "wei wang", True),
        ("j smith", "john smith", True),
        ("mary ann smith", "mary smith", True),
        ("jon smith", "john smith", True),
        ("jane doe", "john smith", False),
        ("anna li", "anne lu", False),
        ("", "x", False),
    ],
)
def test_names_similar(a: str, b: str, similar: bool) -> None:
    assert names_similar(a, b) is similar


def contact(**kw: object) -> ParsedContact:
    return ParsedContact(**kw)  # type: ignore[arg-type]


def index_of(*contacts: ParsedContact) -> MatchIndex[int]:
    index: MatchIndex[int] = MatchIndex()
    for i, c in enumerate(contacts, start=1):
        index.add(i, keys_for(c, "US"))
    return index


EXISTING = (
    contact(full_name="Jane Doe", company="Acme", emails=[TypedValue("jane@acme.example")]),
    contact(full_name="Bob Smith", company="Hooli", phones=[TypedValue("(415) 555-0100")]),
    contact(full_name="Li Wei", company="Initech", linkedin_url="linkedin.com/in/li-wei-88"),
    contact(full_name="Carol Jones", company="Pied Piper, LLC"),
    contact(full_name="Front Desk", company="Globex", phones=[TypedValue("+1 212 555 0000")]),
)


@pytest.mark.parametrize(
    ("incoming", "kind", "ids", "reason"),
    [
        (
            contact(full_name="Jane Doe", emails=[TypedValue("JANE@Acme.example ")]),
            MatchKind.CERTAIN,
            (1,),
            "email",
        ),
        (
            contact(full_name="J. Doe", emails=[TypedValue("jane@acme.example")]),
            MatchKind.CERTAIN,
            (1,),
            "email",
        ),
        (
            contact(full_name="Bob Smith", phones=[TypedValue("+1 415-555-0100")]),
            MatchKind.CERTAIN,
            (2,),
            "phone",
        ),
        (
            contact(full_name="B. Smith", company="Hooli", phones=[TypedValue("4155550100")]),
            MatchKind.CERTAIN,
            (2,),
            "phone",
        ),
        # Nicknames are not known, so a different first name only makes it possible.
        (
            contact(full_name="Robert Smith", phones=[TypedValue("+1 415-555-0100")]),
            MatchKind.POSSIBLE,
            (2,),
            "phone_other_name",
        ),
        (
            contact(full_name="Wei Li", linkedin_url="https://cn.linkedin.com/in/LI-WEI-88/?x=1"),
            MatchKind.CERTAIN,
            (3,),
            "linkedin_url",
        ),
        (
            contact(full_name="Wei Li-Chen", linkedin_url="https://www.linkedin.com/in/li-wei-88"),
            MatchKind.CERTAIN,
            (3,),
            "linkedin_url",
        ),  # renamed: the URL is still theirs
        # Name + company is the last match key: certain when nothing tells them apart...
        (
            contact(full_name="carol  JONES", company="Pied Piper"),
            MatchKind.CERTAIN,
            (4,),
            "name_company",
        ),
        # ...and only possible when identifiers of the same kind disagree.
        (
            contact(full_name="Jane Doe", company="Acme", emails=[TypedValue("jd@home.example")]),
            MatchKind.POSSIBLE,
            (1,),
            "name_company",
        ),
        (
            contact(full_name="Carole Jones", company="pied piper llc"),
            MatchKind.POSSIBLE,
            (4,),
            "similar_name",
        ),
        (
            contact(full_name="Dana Scully", company="Globex", phones=[TypedValue("+12125550000")]),
            MatchKind.POSSIBLE,
            (5,),
            "phone_other_name",
        ),  # a switchboard, not a person
        (contact(full_name="Carol Jones", company="Other Co"), MatchKind.NEW, (), ""),
        (
            contact(full_name="New Person", emails=[TypedValue("new@x.example")]),
            MatchKind.NEW,
            (),
            "",
        ),
    ],
)
def test_classify(
    incoming: ParsedContact, kind: MatchKind, ids: tuple[int, ...], reason: str
) -> None:
    match = index_of(*EXISTING).classify(keys_for(incoming, "US"))
    assert (match.kind, match.candidates, match.reason) == (kind, ids, reason)
    assert match.contact_id == (ids[0] if kind is MatchKind.CERTAIN else None)


def test_index_catches_duplicates_within_one_file() -> None:
    index: MatchIndex[str] = MatchIndex()
    first = make_keys(name="Amy Adams", emails=["amy@example.com"])
    assert index.classify(first).kind is MatchKind.NEW
    index.add("row-2", first)
    again = make_keys(name="Amy Adams", emails=["AMY@example.com"])
    assert index.classify(again).contact_id == "row-2"
    assert len(index) == 1


def test_merge_fills_gaps_and_unions_lists_without_discarding() -> None:
    existing = contact(
        full_name="Jane Doe",
        company="Acme",
        title="Engineer",
        emails=[TypedValue("jane@acme.example")],
        phones=[TypedValue("+1 415 555 0100")],
        notes="Met at PyCon.",
        tags=["python"],
        source_line=3,
    )
    incoming = contact(
        full_name="Jane Q. Doe",
        company="Acme",
        title="Staff Engineer",
        emails=[TypedValue("JANE@acme.example", "work"), TypedValue("jane@home.example", "home")],
        phones=[TypedValue("(415) 555-0100")],
        linkedin_url="https://www.linkedin.com/in/jane",
        notes="Moved to Berlin.",
        tags=["Python", "berlin"],
        connected_on=date(2020, 1, 2),
        source_line=99,
    )
    merged, changed = merge_fields(existing, incoming, default_region="US")
    assert changed == ["emails", "linkedin_url", "notes", "tags", "connected_on"]
    assert merged.full_name == "Jane Doe" and merged.title == "Engineer"  # kept
    assert merged.emails == [
        TypedValue("jane@acme.example", "work"),  # same address, type filled in
        TypedValue("jane@home.example", "home"),
    ]
    assert merged.phones == [TypedValue("+1 415 555 0100")]  # same number, other spelling
    assert merged.notes == "Met at PyCon.\n\nMoved to Berlin."
    assert merged.tags == ["python", "berlin"]
    assert merged.connected_on == date(2020, 1, 2)
    assert merged.source_line == 3
    assert existing.notes == "Met at PyCon."  # inputs are not modified


def test_merge_overwrite_for_job_changes_and_idempotence() -> None:
    existing = contact(full_name="Jane Doe", company="Acme", title="Engineer")
    newer = contact(full_name="Jane Doe", company="Globex", title="engineer")
    merged, changed = merge_fields(existing, newer, overwrite={"company", "title"})
    assert changed == ["company"]  # "engineer" only differs in case
    assert merged.company == "Globex" and merged.title == "Engineer"
    again, changed_again = merge_fields(merged, newer, overwrite={"company", "title"})
    assert changed_again == [] and again is merged
