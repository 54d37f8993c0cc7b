"""Export to vCard 4.0 and Sharewell CSV: round trips and formula-injection escaping."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date
from pathlib import Path

import pytest

from sharewell.importers import (
    ContactFormat,
    ParsedContact,
    TypedValue,
    parse,
    to_csv,
    to_csv_bytes,
    to_vcard,
)
from sharewell.importers.export import escape_formula, unescape_formula

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "contacts"
CONTACT_FIXTURES = sorted(
    p.name for p in FIXTURES.iterdir() if p.suffix in (".csv", ".vcf") and p.name != "random.csv"
)


def comparable(contacts: list[ParsedContact]) -> list[ParsedContact]:
    """Contacts without where they came from, which an export cannot preserve."""
    return [dataclasses.replace(c, source_line=0, source_card=None) for c in contacts]


@pytest.mark.parametrize("name", CONTACT_FIXTURES)
def test_csv_round_trip(name: str) -> None:
    original = parse((FIXTURES / name).read_bytes()).contacts
    assert original
    back = parse(to_csv_bytes(original))
    assert back.format is ContactFormat.SHAREWELL_CSV
    assert back.errors == [] and back.warnings == []
    assert comparable(back.contacts) == comparable(original)


@pytest.mark.parametrize("name", CONTACT_FIXTURES)
def test_vcard_round_trip(name: str) -> None:
    original = parse((FIXTURES / name).read_bytes()).contacts
    exported = to_vcard(original)
    assert exported.count("BEGIN:VCARD") == len(original)
    assert "VERSION:4.0" in exported
    back = parse(exported.encode())
    assert back.format is ContactFormat.VCARD
    assert back.errors == []
    assert comparable(back.contacts) == comparable(original)


def test_vcard_export_shape() -> None:
    c = ParsedContact(
        full_name="Zoë Ünal",
        given_name="Zoë",
        family_name="Ünal",
        emails=[TypedValue("zoe@example.org", "work")],
        phones=[TypedValue("+44 7700 900123", "mobile"), TypedValue("+44 20 1", "assistant")],
        company="Acme; Sons, Ltd",
        birthday="--04-15",
        connected_on=date(2020, 1, 2),
        tags=["a,b", "c"],
    )
    text = to_vcard([c])
    assert "\r\n" in text
    assert "FN:Zoë Ünal" in text
    assert "N:Ünal;Zoë;;;" in text
    assert "EMAIL;TYPE=work:zoe@example.org" in text
    assert "TEL;TYPE=cell:+44 7700 900123" in text
    assert "item1.X-ABLABEL:assistant" in text
    assert "ORG:Acme\\; Sons\\, Ltd" in text
    assert "BDAY:--0415" in text
    assert "X-SHAREWELL-CONNECTED-ON:2020-01-02" in text
    assert "CATEGORIES:a\\,b,c" in text


@pytest.mark.parametrize(
    ("cell", "escaped"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1 415 555 0100", "'+1 415 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("'=1", "''=1"),  # already looks escaped: escape again so it round-trips
        ("''x", "'''x"),
        ("'quoted'", "'quoted'"),
        ("Jane = Doe", "Jane = Doe"),
        ("", ""),
    ],
)
def test_formula_escaping(cell: str, escaped: str) -> None:
    assert escape_formula(cell) == escaped
    assert unescape_formula(escaped) == cell


def test_csv_cells_cannot_start_a_formula() -> None:
    evil = ParsedContact(
        full_name="=cmd|' /C calc'!A0",
        given_name="+SUM(1)",
        family_name="-1",
        company="@evil",
        title="\t=tab",
        notes="\r=cr",
        emails=[TypedValue("=x@example.com", "work")],
        phones=[TypedValue("+1 415 555 0100", "mobile")],
        birthday="--04-15",
    )
    text = to_csv([evil])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][0] == "Full Name"
    for cell in rows[1]:
        assert not cell or cell[0] not in "=+-@\t\r", cell
    # Every cell is quoted (OWASP: wrap fields in double quotes).
    assert text.splitlines()[1].startswith("\"'=cmd|")
    # Parsers trim stray whitespace, so the leading tab and CR do not come back.
    back = parse(to_csv_bytes([evil])).contacts
    assert comparable(back) == comparable([dataclasses.replace(evil, title="=tab", notes="=cr")])


def test_csv_bytes_have_a_bom_for_excel() -> None:
    data = to_csv_bytes([ParsedContact(full_name="王伟")])
    assert data.startswith(b"\xef\xbb\xbf")
    assert "王伟".encode() in data


def test_empty_export() -> None:
    assert to_csv([]).startswith('"Full Name"')
    assert to_vcard([]) == ""
