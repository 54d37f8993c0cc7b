"""Outlook CSV (Outlook desktop "Export to a file" and Outlook.com "Export contacts").

``First Name,Middle Name,Last Name,Title,Suffix,...,E-mail Address,E-mail 2 Address,
E-mail 3 Address,...,Business Phone,...,Mobile Phone,...,Job Title,Department,Company,...``.
``Title`` is the honorific (Mr., Dr.); the job is ``Job Title``. Birthdays are US
``M/D/YYYY`` with ``0/0/00`` for none. Outlook desktop may write UTF-16 or ``;``-separated
files in some locales; :mod:`csvutil` copes with both.
"""

from __future__ import annotations

from sharewell.importers.csvutil import (
    Columns,
    Header,
    add_email,
    add_phone,
    add_url,
    find_header,
    keep_if_identified,
    multi_line,
    one_line,
    parse_date,
    read_records,
)
from sharewell.importers.models import ContactFormat, NotAContactFile, ParsedContact, ParseResult

# Phone columns and the kind each one means. The assistant's phone is not the person's.
_PHONES = (
    ("mobile phone", "mobile"),
    ("business phone", "work"),
    ("business phone 2", "work"),
    ("home phone", "home"),
    ("home phone 2", "home"),
    ("primary phone", "main"),
    ("company main telephone", "main"),
    ("other phone", "other"),
    ("car phone", "other"),
    ("radio phone", "other"),
    ("callback", "other"),
    ("pager", "pager"),
    ("business fax", "fax"),
    ("home fax", "fax"),
    ("other fax", "fax"),
)
_EMAILS = ("e-mail address", "e-mail 2 address", "e-mail 3 address")
_ADDRESS_PREFIXES = ("business", "home", "other")


def match_header(cells: list[str]) -> Columns | None:
    if "e-mail address" not in cells or "first name" not in cells:
        return None
    if any(c in cells for c in ("business phone", "mobile phone", "job title", "home phone")):
        return Columns(cells)
    return None


def parse_outlook(text: str) -> ParseResult:
    header = find_header(text, match_header)
    if header is None:
        raise NotAContactFile(
            "This is not an Outlook contacts CSV: no header with First Name, E-mail Address "
            "and Business Phone / Mobile Phone / Job Title columns was found near the top."
        )
    return _read(text, header)


def _read(text: str, header: Header[Columns]) -> ParseResult:
    result = ParseResult(ContactFormat.OUTLOOK)
    cols = header.found
    i_first, i_middle, i_last = (cols.get(n) for n in ("first name", "middle name", "last name"))
    i_suffix, i_company, i_title = cols.get("suffix"), cols.get("company"), cols.get("job title")
    i_bday, i_notes, i_cats = cols.get("birthday"), cols.get("notes"), cols.get("categories")
    i_emails = [cols.get(n) for n in _EMAILS if n in cols]
    i_phones = [(cols.get(n), kind) for n, kind in _PHONES if n in cols]
    i_webs = [cols.get(n) for n in ("web page", "personal web page") if n in cols]
    addresses = [
        tuple(
            cols.get(f"{prefix} {part}")
            for part in ("street", "city", "state", "postal code", "country/region")
        )
        for prefix in _ADDRESS_PREFIXES
    ]

    for line, cells in read_records(text, header, result):
        first, middle, last = (one_line(cells[i]) for i in (i_first, i_middle, i_last))
        name = " ".join(p for p in (first, middle, last, one_line(cells[i_suffix])) if p)
        c = ParsedContact(
            full_name=name,
            given_name=first,
            family_name=last,
            company=one_line(cells[i_company]),
            title=one_line(cells[i_title]),
            notes=multi_line(cells[i_notes]),
            source_line=line,
        )
        for i in i_emails:
            add_email(c, cells[i], "", result, line)
        for i, kind in i_phones:
            add_phone(c, cells[i], kind)
        for i in i_webs:
            add_url(c, cells[i])
        bday = parse_date(cells[i_bday])  # "0/0/00" → None, which is what it means
        c.birthday = bday.isoformat() if bday else ""
        for street, city, state, code, country in addresses:
            if any(cells[i] for i in (street, city, state, code, country)):
                c.address = multi_line(cells[street])
                c.city, c.region = one_line(cells[city]), one_line(cells[state])
                c.postal_code, c.country = one_line(cells[code]), one_line(cells[country])
                break
        c.tags = [t.strip() for t in cells[i_cats].split(";") if t.strip()]
        keep_if_identified(c, result, "no name, email or phone number")
    return result
