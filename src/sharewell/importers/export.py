"""Take contacts back out: vCard 4.0 and a CSV that spreadsheets open safely.

The CSV is our own shape ("Sharewell CSV") so that an export can be imported again without
loss; this module holds both its writer and its reader, so the column layout lives in one
place. Every cell that a spreadsheet could run as a formula is escaped (OWASP "CSV
Injection"): a leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR, and every cell is
quoted. The reader removes exactly that escape, so the round trip is lossless.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import vobject

from sharewell.contacts.rules import display_name
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
    one_line,
    parse_date,
    read_records,
)
from sharewell.importers.models import ContactFormat, NotAContactFile, ParsedContact, ParseResult
from sharewell.importers.vcard import CONNECTED_ON_PROPERTY

# ------------------------------------------------------------------- formula injection

# OWASP's list, plus the full-width forms some East Asian Excel locales also evaluate.
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")


def escape_formula(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would treat as a formula.

    A cell that already starts with ``'`` + trigger gets another ``'`` so that
    :func:`unescape_formula` gives back exactly the original.
    """
    if not cell:
        return cell
    if cell[0] in FORMULA_TRIGGERS or (
        cell[0] == "'" and len(cell) > 1 and (cell[1] in FORMULA_TRIGGERS or cell[1] == "'")
    ):
        return "'" + cell
    return cell


def unescape_formula(cell: str) -> str:
    """Undo :func:`escape_formula`."""
    if len(cell) > 1 and cell[0] == "'" and (cell[1] in FORMULA_TRIGGERS or cell[1] == "'"):
        return cell[1:]
    return cell


# -------------------------------------------------------------------------- the CSV

_FIXED_HEAD = ("Full Name", "Given Name", "Family Name", "Company", "Title", "LinkedIn URL")
_FIXED_TAIL = (
    "Address",
    "City",
    "Region",
    "Postal Code",
    "Country",
    "Birthday",
    "Connected On",
    "Tags",
    "Notes",
)
# Tags never contain line breaks (they are one-line values), so a line break separates them
# unambiguously, and spreadsheets show the cell as a short list.
_TAG_SEPARATOR = "\n"


def _header(n_emails: int, n_phones: int, n_urls: int) -> list[str]:
    cols = list(_FIXED_HEAD)
    for n in range(1, n_emails + 1):
        cols += [f"Email {n}", f"Email {n} Type"]
    for n in range(1, n_phones + 1):
        cols += [f"Phone {n}", f"Phone {n} Type"]
    cols += [f"Website {n}" for n in range(1, n_urls + 1)]
    return cols + list(_FIXED_TAIL)


def _row(c: ParsedContact, n_emails: int, n_phones: int, n_urls: int) -> list[str]:
    cells = [c.full_name, c.given_name, c.family_name, c.company, c.title, c.linkedin_url]
    for i in range(n_emails):
        e = c.emails[i] if i < len(c.emails) else None
        cells += [e.value, e.type] if e else ["", ""]
    for i in range(n_phones):
        p = c.phones[i] if i < len(c.phones) else None
        cells += [p.value, p.type] if p else ["", ""]
    cells += [c.urls[i] if i < len(c.urls) else "" for i in range(n_urls)]
    cells += [
        c.address,
        c.city,
        c.region,
        c.postal_code,
        c.country,
        c.birthday,
        c.connected_on.isoformat() if c.connected_on else "",
        _TAG_SEPARATOR.join(c.tags),
        c.notes,
    ]
    return [escape_formula(cell) for cell in cells]


def to_csv(contacts: Iterable[ParsedContact]) -> str:
    """All contacts as Sharewell CSV text (CRLF line ends, every cell quoted and
    formula-escaped). Encode it with ``utf-8-sig`` (or use :func:`to_csv_bytes`) so Excel
    reads non-Latin names correctly."""
    items = list(contacts)
    n_emails = max((len(c.emails) for c in items), default=0) or 1
    n_phones = max((len(c.phones) for c in items), default=0) or 1
    n_urls = max((len(c.urls) for c in items), default=0) or 1
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(_header(n_emails, n_phones, n_urls))
    for c in items:
        writer.writerow(_row(c, n_emails, n_phones, n_urls))
    return out.getvalue()


def to_csv_bytes(contacts: Iterable[ParsedContact]) -> bytes:
    """:func:`to_csv` as UTF-8 with a BOM, the form Excel opens without mojibake."""
    return to_csv(contacts).encode("utf-8-sig")


def match_header(cells: list[str]) -> Columns | None:
    if cells[:1] == ["full name"] and "linkedin url" in cells and "connected on" in cells:
        return Columns(cells)
    return None


def parse_sharewell_csv(text: str) -> ParseResult:
    header = find_header(text, match_header)
    if header is None:
        raise NotAContactFile(
            "This is not a Sharewell contacts CSV: its first column must be Full Name."
        )
    return _read(text, header)


def _numbered(cols: Columns, prefix: str, suffix: str = "") -> list[int]:
    found = []
    n = 1
    while f"{prefix} {n}{suffix}" in cols:
        found.append(cols.get(f"{prefix} {n}{suffix}"))
        n += 1
    return found


def _read(text: str, header: Header[Columns]) -> ParseResult:
    result = ParseResult(ContactFormat.SHAREWELL_CSV)
    cols = header.found
    get = cols.get
    emails = list(zip(_numbered(cols, "email"), _numbered(cols, "email", " type"), strict=False))
    phones = list(zip(_numbered(cols, "phone"), _numbered(cols, "phone", " type"), strict=False))
    sites = _numbered(cols, "website")
    for line, raw in read_records(text, header, result):
        cells = [unescape_formula(cell) for cell in raw]
        c = ParsedContact(
            full_name=one_line(cells[get("full name")]),
            given_name=one_line(cells[get("given name")]),
            family_name=one_line(cells[get("family name")]),
            company=one_line(cells[get("company")]),
            title=one_line(cells[get("title")]),
            address=multi_line(cells[get("address")]),
            city=one_line(cells[get("city")]),
            region=one_line(cells[get("region")]),
            postal_code=one_line(cells[get("postal code")]),
            country=one_line(cells[get("country")]),
            birthday=birthday_text(cells[get("birthday")]),
            connected_on=parse_date(cells[get("connected on")]),
            notes=multi_line(cells[get("notes")]),
            tags=[t for t in (one_line(x) for x in cells[get("tags")].split("\n")) if t],
            source_line=line,
        )
        add_url(c, cells[get("linkedin url")])
        for i_value, i_type in emails:
            add_email(c, cells[i_value], one_line(cells[i_type]).lower(), result, line)
        for i_value, i_type in phones:
            add_phone(c, cells[i_value], one_line(cells[i_type]).lower())
        for i in sites:
            add_url(c, cells[i])
        keep_if_identified(c, result, "no name, email or phone number")
    return result


# ------------------------------------------------------------------------- vCard 4.0

# Our kinds → vCard 4.0 TYPE values (RFC 6350 §6.4.1-2); anything else is a custom label.
_EMAIL_TYPES = {"work": "work", "home": "home"}
_TEL_TYPES = {"mobile": "cell", "work": "work", "home": "home", "fax": "fax", "pager": "pager"}


def _bday_value(birthday: str) -> str:
    """RFC 6350 basic format: ``19850415``, or ``--0415`` without a year."""
    if birthday.startswith("--"):
        return "--" + birthday[2:].replace("-", "")
    return birthday.replace("-", "")


class _Labels:
    """Custom labels ("assistant", "custom line") have no TYPE token; write them the way
    Apple and Google do, as a grouped ``itemN.X-ABLabel``, so they survive a round trip."""

    def __init__(self, card: Any) -> None:
        self.card = card
        self.n = 0

    def add(self, prop_name: str, value: str, kind: str, known: dict[str, str]) -> None:
        if not kind or kind in known:
            prop = self.card.add(prop_name)
            if kind:
                prop.type_param = known[kind]
        else:
            self.n += 1
            group = f"item{self.n}"
            prop = self.card.add(prop_name, group=group)
            self.card.add("x-ablabel", group=group).value = kind
        prop.value = value


def contact_to_vcard(c: ParsedContact) -> str:
    card = vobject.vCard()
    card.add("version").value = "4.0"
    # FN is required in 4.0 but may be empty: inventing a name from an email or phone
    # would come back as a name on re-import.
    card.add("fn").value = display_name(c)
    if c.given_name or c.family_name:
        card.add("n").value = vobject.vcard.Name(family=c.family_name, given=c.given_name)
    labels = _Labels(card)
    for e in c.emails:
        labels.add("email", e.value, e.type, _EMAIL_TYPES)
    for p in c.phones:
        labels.add("tel", p.value, p.type, _TEL_TYPES)
    if c.company:
        card.add("org").value = [c.company]
    if c.title:
        card.add("title").value = c.title
    for url in ([c.linkedin_url] if c.linkedin_url else []) + c.urls:
        card.add("url").value = url
    if c.address or c.city or c.region or c.postal_code or c.country:
        card.add("adr").value = vobject.vcard.Address(
            street=c.address,
            city=c.city,
            region=c.region,
            code=c.postal_code,
            country=c.country,
        )
    if c.birthday:
        card.add("bday").value = _bday_value(c.birthday)
    if c.notes:
        card.add("note").value = c.notes
    if c.tags:
        card.add("categories").value = list(c.tags)
    if c.connected_on:
        card.add(CONNECTED_ON_PROPERTY.lower()).value = c.connected_on.isoformat()
    text: str = card.serialize()
    return text


def to_vcard(contacts: Iterable[ParsedContact]) -> str:
    """All contacts as one vCard 4.0 stream (UTF-8 when encoded, CRLF, folded lines)."""
    return "".join(contact_to_vcard(c) for c in contacts)
