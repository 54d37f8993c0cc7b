"""Google Contacts CSV ("Export" → "Google CSV").

Two shapes: the old one (``Name,Given Name,Additional Name,Family Name,...,Group Membership,
E-mail 1 - Type,E-mail 1 - Value,...,Organization 1 - Name,Organization 1 - Title``) and the
one since 2024 (``First Name,Middle Name,Last Name,...,Organization Name,Organization Title,
...,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,...``). A cell may hold several
values joined by `` ::: ``; a leading ``* `` on a label marks the primary value.
"""

from __future__ import annotations

from sharewell.importers.csvutil import (
    Columns,
    Header,
    add_email,
    add_phone,
    add_url,
    birthday_text,
    find_header,
    keep_if_identified,
    multi_line,
    normalize_kind,
    one_line,
    read_records,
)
from sharewell.importers.models import ContactFormat, NotAContactFile, ParsedContact, ParseResult

_SEP = " ::: "
_MAX_SLOTS = 50


def match_header(cells: list[str]) -> Columns | None:
    has_values = "e-mail 1 - value" in cells or "phone 1 - value" in cells
    has_names = "given name" in cells or ("first name" in cells and "last name" in cells)
    google_only = "group membership" in cells or "labels" in cells or "e-mail 1 - label" in cells
    if has_names and (has_values or google_only) and "e-mail address" not in cells:
        return Columns(cells)
    return None


def _slots(cols: Columns, prefix: str) -> list[tuple[int, int]]:
    """(label column, value column) for ``<prefix> 1``, ``<prefix> 2``, ... while present."""
    found = []
    for n in range(1, _MAX_SLOTS + 1):
        value = cols.get(f"{prefix} {n} - value")
        if value < 0:
            break
        found.append((cols.get(f"{prefix} {n} - label", f"{prefix} {n} - type"), value))
    return found


def _split(cell: str) -> list[str]:
    return [v.strip() for v in cell.split(_SEP)] if _SEP in cell else [cell]


def parse_google(text: str) -> ParseResult:
    header = find_header(text, match_header)
    if header is None:
        raise NotAContactFile(
            "This is not a Google Contacts CSV: no header with Given/First Name and "
            "E-mail 1 - Value or Phone 1 - Value columns was found near the top."
        )
    return _read(text, header)


def _read(text: str, header: Header[Columns]) -> ParseResult:
    result = ParseResult(ContactFormat.GOOGLE)
    cols = header.found
    i_name = cols.get("name")
    i_given = cols.get("first name", "given name")
    i_middle = cols.get("middle name", "additional name")
    i_family = cols.get("last name", "family name")
    i_company = cols.get("organization name", "organization 1 - name")
    i_title = cols.get("organization title", "organization 1 - title")
    i_bday, i_notes = cols.get("birthday"), cols.get("notes")
    i_labels = cols.get("labels", "group membership")
    emails, phones, sites = _slots(cols, "e-mail"), _slots(cols, "phone"), _slots(cols, "website")
    addr = {
        part: cols.get(f"address 1 - {part}")
        for part in ("formatted", "street", "city", "region", "postal code", "country")
    }

    for line, cells in read_records(text, header, result):
        given, middle, family = (one_line(cells[i]) for i in (i_given, i_middle, i_family))
        c = ParsedContact(
            full_name=one_line(cells[i_name]) or " ".join(p for p in (given, middle, family) if p),
            given_name=given,
            family_name=family,
            company=one_line(_split(cells[i_company])[0]),
            title=one_line(_split(cells[i_title])[0]),
            birthday=birthday_text(cells[i_bday]),
            notes=multi_line(cells[i_notes]),
            source_line=line,
        )
        for i_label, i_value in emails:
            for value in _split(cells[i_value]):
                add_email(c, value, normalize_kind(cells[i_label]), result, line)
        for i_label, i_value in phones:
            for value in _split(cells[i_value]):
                add_phone(c, value, normalize_kind(cells[i_label]))
        for _, i_value in sites:
            for value in _split(cells[i_value]):
                add_url(c, value)
        c.address = multi_line(_split(cells[addr["street"]])[0]) or multi_line(
            _split(cells[addr["formatted"]])[0]
        )
        c.city = one_line(_split(cells[addr["city"]])[0])
        c.region = one_line(_split(cells[addr["region"]])[0])
        c.postal_code = one_line(_split(cells[addr["postal code"]])[0])
        c.country = one_line(_split(cells[addr["country"]])[0])
        # "* myContacts", "* starred": Google's system groups, not the holder's labels.
        c.tags = [t for t in _split(cells[i_labels]) if t and not t.startswith("*")]
        keep_if_identified(c, result, "no name, email or phone number")
    return result
