"""Property tests: CSV export/import round trip, and parsers fail only in documented ways."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharewell.contacts.rules import (
    fold_text,
    name_company_key,
    normalize_email,
    normalize_linkedin_url,
    normalize_phone,
)
from sharewell.importers import (
    ContactFormat,
    ImportFileError,
    ParsedContact,
    TypedValue,
    parse,
    to_csv_bytes,
    to_vcard,
)
from sharewell.importers.csvutil import multi_line, one_line

# Any Unicode a person could type: no surrogates, no control characters.
_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=40)
_ONE_LINE = _TEXT.map(one_line)
_NOTES = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n"), max_size=80
).map(multi_line)


@st.composite
def contacts(draw: st.DrawFn) -> ParsedContact:
    given_name = draw(_ONE_LINE)
    family = draw(_ONE_LINE)
    full = draw(_ONE_LINE) or f"{given_name} {family}".strip() or "X"
    return ParsedContact(
        full_name=full,
        given_name=given_name,
        family_name=family,
        company=draw(_ONE_LINE),
        title=draw(_ONE_LINE),
        notes=draw(_NOTES),
        tags=list(dict.fromkeys(t for t in draw(st.lists(_ONE_LINE, max_size=3)) if t)),
        emails=[TypedValue("someone@example.com", draw(st.sampled_from(["", "work", "home"])))],
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contacts(), min_size=1, max_size=5))
def test_csv_export_import_round_trip(items: list[ParsedContact]) -> None:
    result = parse(to_csv_bytes(items))
    assert result.format is ContactFormat.SHAREWELL_CSV
    assert result.errors == []
    back = [dataclasses.replace(c, source_line=0) for c in result.contacts]
    assert back == items


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contacts(), min_size=1, max_size=3))
def test_vcard_export_import_round_trip(items: list[ParsedContact]) -> None:
    result = parse(to_vcard(items).encode())
    assert result.errors == []
    back = [dataclasses.replace(c, source_line=0, source_card=None) for c in result.contacts]
    assert back == items


# Fragments that steer random input into the parsers' deeper branches.
_FRAGMENTS = st.sampled_from(
    [
        "BEGIN:VCARD",
        "END:VCARD",
        "VERSION:2.1",
        "VERSION:3.0",
        "VERSION:4.0",
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BC;J=",
        "FN:Jane, Doe",
        "TEL;HOME;VOICE:+1 555",
        'EMAIL;TYPE="work,pref":a@b.co',
        "item1.EMAIL:x@y.z",
        "item1.X-ABLabel:_$!<Work>!$_",
        "PHOTO;ENCODING=BASE64:AAAA",
        " folded",
        "=",
        "ADR;;;;;",
        "BDAY:--0231",
        "TEL;VALUE=uri:tel:+1;ext=",
        "NOTE:a\\nb\\,c",
        "Notes:",
        '"quoted',
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
        "First Name;Last Name;Company;Position",
        'Jane,Doe,,,Acme,CEO,"1/8/18, 6:14 PM"',
        "Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value,Group Membership",
        "First Name,Last Name,E-mail Address,Business Phone,Job Title",
        "Full Name,LinkedIn URL,Connected On,Email 1,Email 1 Type",
        "'=1",
        ",,,,",
        "",
    ]
)
_LINES = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=25)
_FORMATS = st.sampled_from([None, *ContactFormat])


def _never_raises_undocumented(data: bytes, fmt: ContactFormat | None) -> None:
    try:
        result = parse(data, fmt)
    except ImportFileError as exc:
        assert str(exc)
        return
    for c in result.contacts:
        assert c.has_identity()
        assert c.source_line >= 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), _FORMATS)
def test_arbitrary_bytes_only_raise_documented_errors(
    data: bytes, fmt: ContactFormat | None
) -> None:
    _never_raises_undocumented(data, fmt)


@settings(max_examples=300, deadline=None)
@given(
    _LINES,
    st.sampled_from(["\r\n", "\n", "\r"]),
    st.sampled_from(["utf-8", "utf-16", "cp1252"]),
    _FORMATS,
)
def test_contact_shaped_garbage_only_raises_documented_errors(
    lines: list[str], newline: str, encoding: str, fmt: ContactFormat | None
) -> None:
    data = newline.join(lines).encode(encoding, errors="replace")
    _never_raises_undocumented(data, fmt)


@settings(max_examples=200, deadline=None)
@given(_TEXT, _TEXT)
def test_rules_are_total_and_idempotent(a: str, b: str) -> None:
    email = normalize_email(a)
    assert email is None or normalize_email(email) == email
    phone = normalize_phone(a)
    assert phone is None or normalize_phone(phone) == phone
    url = normalize_linkedin_url(a)
    assert url is None or normalize_linkedin_url(url) == url
    assert fold_text(fold_text(a)) == fold_text(a)
    key = name_company_key(a, b)
    assert key is None or key == name_company_key(fold_text(a), b)
