"""Format detection from content, refusals with actionable messages, decoding, dates."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest

from sharewell.importers import (
    ContactFormat,
    FileTooLarge,
    NotAContactFile,
    detect_format,
    parse,
)
from sharewell.importers.csvutil import birthday_text, decode_bytes, parse_date

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "contacts"
LINKEDIN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"


def test_detects_by_content_not_by_file_name() -> None:
    vcard = (FIXTURES / "vcard40.vcf").read_bytes()
    assert detect_format(vcard, "contacts.csv") is ContactFormat.VCARD
    linkedin = (FIXTURES / "linkedin_no_url.csv").read_bytes()
    assert detect_format(linkedin, "cards.vcf") is ContactFormat.LINKEDIN


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ((FIXTURES / "not_contacts.png").read_bytes(), "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"%PDF-1.7\n...", "PDF document"),
        (b"PK\x03\x04....Connections.csv....", "Unzip it and upload the Connections.csv"),
        (b"PK\x03\x04....[Content_Types].xml..xl/workbook.xml", "Excel workbook"),
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
        (b"\x01\x02\x03\x04binary\x05\x06\x07\x08\x0e\x0f" * 10, "binary"),
        ((FIXTURES / "random.csv").read_bytes(), "'order_id,amount,currency,date'"),
        (b"just some prose, nothing else\n", "no contact header"),
    ],
)
def test_refuses_non_contact_files_with_a_clear_message(data: bytes, needle: str) -> None:
    with pytest.raises(NotAContactFile, match=None) as excinfo:
        detect_format(data)
    assert needle in str(excinfo.value)
    with pytest.raises(NotAContactFile):
        parse(data)


def test_spreadsheet_file_name_sharpens_the_advice() -> None:
    with pytest.raises(NotAContactFile, match="save or export the sheet as CSV"):
        parse(b"First Name;Last Name\n", filename="contacts.xlsx")


def test_forcing_the_wrong_format_is_refused() -> None:
    vcard = (FIXTURES / "vcard40.vcf").read_bytes()
    with pytest.raises(NotAContactFile, match=r"not a LinkedIn Connections\.csv"):
        parse(vcard, ContactFormat.LINKEDIN)
    csv_data = (FIXTURES / "linkedin_no_url.csv").read_bytes()
    with pytest.raises(NotAContactFile, match="no BEGIN:VCARD"):
        parse(csv_data, ContactFormat.VCARD)
    with pytest.raises(NotAContactFile, match="not a Google Contacts CSV"):
        parse(csv_data, ContactFormat.GOOGLE)
    with pytest.raises(NotAContactFile, match="not an Outlook contacts CSV"):
        parse(csv_data, ContactFormat.OUTLOOK)


def test_size_limit() -> None:
    with pytest.raises(FileTooLarge, match="limit"):
        parse(b"x" * 2000, max_bytes=1000)


def test_semicolon_delimited_excel_export() -> None:
    data = (
        "First Name;Last Name;Email Address;Company;Position;Connected On\r\n"
        "Jean;Dupont;jean@example.fr;Dupont, Fils & Cie;Gérant;08 Jan 2018\r\n"
    ).encode("cp1252")
    result = parse(data)
    assert result.format is ContactFormat.LINKEDIN
    (jean,) = result.contacts
    assert (jean.full_name, jean.company, jean.title) == (
        "Jean Dupont",
        "Dupont, Fils & Cie",
        "Gérant",
    )


def test_empty_rows_repeated_header_and_short_rows() -> None:
    text = (
        f"{LINKEDIN_HEADER}\n\n,,,,,,\nAmy,Adams\n{LINKEDIN_HEADER}\n"
        "Ben,Bay,,,Co,Dev,01 Feb 2020,,\n"
    )
    result = parse(text.encode())
    assert [(c.full_name, c.source_line) for c in result.contacts] == [
        ("Amy Adams", 4),
        ("Ben Bay", 6),
    ]
    assert result.errors == []


def test_unterminated_quote_is_reported_not_swallowed_silently() -> None:
    text = f'{LINKEDIN_HEADER}\nAmy,Adams,,,Co,Dev,01 Feb 2020\nBen,"Bay,,,Co,Dev\nCat,Cole\n'
    result = parse(text.encode())
    assert [c.full_name for c in result.contacts] == ["Amy Adams"]
    assert result.errors[0].line == 3
    assert "never closed" in result.errors[0].reason


@pytest.mark.parametrize(
    "encoded",
    [
        ("Zoë,Ünal\n").encode(),
        codecs.BOM_UTF8 + "Zoë,Ünal\n".encode(),
        codecs.BOM_UTF16_LE + "Zoë,Ünal\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "Zoë,Ünal\n".encode("utf-16-be"),
        "Zoë,Ünal\n".encode("utf-16-le"),  # no BOM
        "Zoë,Ünal\n".encode("cp1252"),
    ],
)
def test_decoding(encoded: bytes) -> None:
    assert decode_bytes(encoded) == "Zoë,Ünal\n"


def test_mixed_encodings_are_decoded_line_by_line() -> None:
    data = "Zoë,Ünal\n".encode() + "José,Müller\n".encode("cp1252")
    assert decode_bytes(data) == "Zoë,Ünal\nJosé,Müller\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25 Nov 2026", date(2026, 11, 25)),
        ("08 Jan 2018", date(2018, 1, 8)),
        ("8-Jan-2018", date(2018, 1, 8)),
        ("1/8/18, 6:14 PM", date(2018, 1, 8)),
        ("12/31/17, 11:02 AM", date(2017, 12, 31)),
        ("4/15/1975", date(1975, 4, 15)),
        ("2020-02-29", date(2020, 2, 29)),
        ("Nov 25, 2026", date(2026, 11, 25)),
        ("0/0/00", None),
        ("31 Feb 2020", None),
        ("25 Foo 2020", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("--0415", "--04-15"),
        ("--04-15", "--04-15"),
        ("19850415", "1985-04-15"),
        ("1985-04-15", "1985-04-15"),
        ("--1332", ""),
        ("garbage", ""),
    ],
)
def test_birthday_text(text: str, expected: str) -> None:
    assert birthday_text(text) == expected
