"""LinkedIn's ``Connections.csv`` from "Get a copy of your data".

Shapes seen in the wild: the plain header ``First Name,Last Name,URL,Email Address,Company,
Position,Connected On``; the same preceded by a few ``Notes:`` lines (free text, sometimes
quoted and multi-line); exports without the ``URL`` column; most rows without an email
(members must opt in to share it, since 2018); rows of hidden members with only a date;
``Connected On`` as ``25 Nov 2026`` / ``08 Jan 2018`` or ``1/8/18, 6:14 PM``.
"""

from __future__ import annotations

from sharewell.contacts.rules import is_linkedin_profile_url, normalize_email
from sharewell.importers.csvutil import Header, find_header, iter_rows, one_line, pad, parse_date
from sharewell.importers.models import (
    ContactFormat,
    NotAContactFile,
    ParsedContact,
    ParseResult,
    RowError,
    TypedValue,
)

# Canonical column → header spellings (lowercase) that mean it.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "first": ("first name",),
    "last": ("last name",),
    "url": ("url", "profile url", "linkedin url"),
    "email": ("email address", "email", "e-mail address"),
    "company": ("company",),
    "position": ("position", "title"),
    "connected": ("connected on",),
}

HIDDEN_MEMBER_REASON = (
    "no name, email or profile URL (LinkedIn blanks members who do not allow "
    "their data to be exported)"
)


def match_header(cells: list[str]) -> dict[str, int] | None:
    """Column positions when ``cells`` is a LinkedIn connections header, else ``None``."""
    if "first name" not in cells or "last name" not in cells:
        return None
    if "connected on" not in cells and not ("company" in cells and "position" in cells):
        return None
    positions: dict[str, int] = {}
    for key, spellings in _COLUMNS.items():
        for spelling in spellings:
            if spelling in cells:
                positions[key] = cells.index(spelling)
                break
    return positions


def parse_linkedin(text: str) -> ParseResult:
    header = find_header(text, match_header)
    if header is None:
        raise NotAContactFile(
            "This is not a LinkedIn Connections.csv: no header line with First Name, "
            "Last Name, Company, Position and Connected On was found near the top."
        )
    return _read(text, header)


def _read(text: str, header: Header[dict[str, int]]) -> ParseResult:
    result = ParseResult(ContactFormat.LINKEDIN)
    width = len(header.cells)
    col = header.found
    # Resolve column indexes once; -1 means "absent" and reads as an empty cell.
    i_first, i_last = col["first"], col["last"]
    i_url, i_email = col.get("url", -1), col.get("email", -1)
    i_company, i_pos = col.get("company", -1), col.get("position", -1)
    i_conn = col.get("connected", -1)
    header_cells = header.cells

    for line, raw in iter_rows(text, header, result.errors):
        cells = pad(raw, width)
        if cells is None:
            result.errors.append(
                RowError(
                    line,
                    f"row has {len(raw)} fields but the header has {width}; "
                    "a comma inside an unquoted value shifts the columns",
                )
            )
            continue
        if cells[i_first].lower() == "first name" and [c.lower() for c in cells] == header_cells:
            continue  # a repeated header from concatenated exports
        cells.append("")  # so index -1 reads as empty
        first, last = one_line(cells[i_first]), one_line(cells[i_last])
        contact = ParsedContact(
            full_name=f"{first} {last}".strip(),
            given_name=first,
            family_name=last,
            company=one_line(cells[i_company]),
            title=one_line(cells[i_pos]),
            source_line=line,
        )
        url = cells[i_url]
        if url:
            if is_linkedin_profile_url(url):
                contact.linkedin_url = url
            else:
                contact.urls.append(url)
        email = cells[i_email]
        if email:
            if normalize_email(email):
                contact.emails.append(TypedValue(email))
            else:
                result.warnings.append(
                    RowError(line, f"ignored email {email!r}: not an email address")
                )
        connected = cells[i_conn]
        if connected:
            contact.connected_on = parse_date(connected)
            if contact.connected_on is None:
                result.warnings.append(
                    RowError(line, f"ignored Connected On {connected!r}: not a date")
                )
        if not contact.has_identity():
            result.errors.append(RowError(line, HIDDEN_MEMBER_REASON))
            continue
        result.contacts.append(contact)
    return result
