"""Shared text decoding, header finding and row reading for the CSV-shaped formats.

Real exports arrive as UTF-8 with or without a BOM, UTF-16 (Outlook's "Unicode" CSV and
Excel's "Unicode text"), or a Windows code page; with CRLF or LF; sometimes with a preamble
before the header (LinkedIn's ``Notes:``); sometimes with ``;`` or tab delimiters (European
Excel). Everything here is pure and works on ``str``/``bytes`` in memory.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from sharewell.contacts.rules import is_linkedin_profile_url, normalize_email
from sharewell.importers.models import (
    NotAContactFile,
    ParsedContact,
    ParseResult,
    RowError,
    TypedValue,
)

T = TypeVar("T")

# cp1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D); map them as Latin-1 so a
# legacy file never fails to decode and no byte is silently dropped.
_LATIN1_FALLBACK = "sharewell-latin1-fallback"


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)

_NEWLINE = re.compile(r"\r\n|\r|\n")
_DELIMITERS = (",", ";", "\t")
# C0 controls that never appear in text files; a few of them mean "this is binary".
_BINARY_CONTROLS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f\v\x1a")


def decode_bytes(data: bytes) -> str:
    """Decode a contact file to text, guessing the encoding from BOMs and byte patterns.

    Without a BOM, UTF-8 is tried for the whole file, then line by line (see
    :func:`decode_per_line`). Raises :class:`NotAContactFile` for content that is evidently binary.
    """
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = data.decode("utf-32", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif (enc := _bomless_utf16(data)) is not None:
        text = data.decode(enc, errors="replace")
    else:
        if b"\x00" in data:
            raise NotAContactFile(
                "The file contains binary data, so it is not a contact file. "
                "Upload a CSV (LinkedIn, Google or Outlook) or a vCard (.vcf) file."
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = decode_per_line(data)
    text = text.removeprefix("\ufeff")
    if looks_binary(text):
        raise NotAContactFile(
            "The file looks like binary data, not text, so it is not a contact file. "
            "Upload a CSV (LinkedIn, Google or Outlook) or a vCard (.vcf) file."
        )
    return text


_CHARSET_IN_LINE = re.compile(rb";\s*CHARSET=([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def decode_per_line(data: bytes) -> str:
    """Decode each line on its own: UTF-8 if it is valid, else the charset a vCard 2.1
    ``CHARSET=`` parameter names, else cp1252 (Excel and Outlook on Western Windows).

    Files that mix encodings exist: a 2.1 vCard with UTF-8 lines and ``CHARSET=ISO-8859-1``
    lines, a CSV that was appended to by two programs. Splitting on LF keeps CRs intact.
    """
    out: list[str] = []
    for raw in data.split(b"\n"):
        try:
            out.append(raw.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        m = _CHARSET_IN_LINE.search(raw.split(b":", 1)[0])
        if m:
            try:
                out.append(raw.decode(m.group(1).decode("ascii")))
                continue
            except (LookupError, UnicodeDecodeError):
                pass
        out.append(raw.decode("cp1252", errors=_LATIN1_FALLBACK))
    return "\n".join(out)


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as a NUL in every other byte of ASCII-heavy text."""
    head = data[:512]
    if len(head) < 4 or len(head) % 2:
        return None
    half = len(head) // 2
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
        return "utf-16-le"
    if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
        return "utf-16-be"
    return None


def looks_binary(text: str, sample: int = 4096) -> bool:
    """True when the start of ``text`` holds NULs or many other non-text control chars."""
    head = text[:sample]
    if not head:
        return False
    if "\x00" in head:
        return True
    controls = sum(1 for ch in head if ch in _BINARY_CONTROLS)
    return controls > max(2, len(head) // 50)


def iter_physical_lines(text: str, limit: int) -> Iterator[tuple[int, int, str]]:
    """Yield ``(line_no, end_offset, line)`` for the first ``limit`` lines, where
    ``end_offset`` is the index just past the line's terminator. Cheap for big files: it
    never splits more than ``limit`` lines."""
    pos = 0
    for line_no in range(1, limit + 1):
        if pos >= len(text):
            return
        m = _NEWLINE.search(text, pos)
        if m is None:
            yield line_no, len(text), text[pos:]
            return
        yield line_no, m.end(), text[pos : m.start()]
        pos = m.end()


@dataclass(frozen=True, slots=True)
class Header(Generic[T]):
    """Where a CSV header was found, and what the matcher made of it."""

    delimiter: str
    cells: list[str]
    line: int  # 1-based line of the header itself
    offset: int  # index in the text just past the header line
    found: T


def split_header_line(line: str, delimiter: str) -> list[str]:
    """One header line as lowercase, trimmed cells (header lines never span lines)."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []
    return [c.strip().strip("\ufeff").lower() for c in cells]


def find_header(
    text: str, match: Callable[[list[str]], T | None], max_lines: int = 60
) -> Header[T] | None:
    """Find the first line (within ``max_lines``) that ``match`` accepts as a header.

    Searching line by line, instead of CSV-parsing from the top, keeps a preamble with odd
    quoting (LinkedIn's free-text ``Notes:``) from swallowing the header.
    """
    for line_no, end, line in iter_physical_lines(text, max_lines):
        if not line.strip():
            continue
        for delimiter in _DELIMITERS:
            if delimiter not in line:
                continue
            cells = split_header_line(line, delimiter)
            if len(cells) < 2:
                continue
            found = match(cells)
            if found is not None:
                return Header(delimiter, cells, line_no, end, found)
    return None


def iter_rows(
    text: str, header: Header[T], errors: list[RowError]
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(start_line, cells)`` for each non-empty record after the header.

    Cells are stripped of stray spaces. Blank records are skipped. CSV-level failures are
    appended to ``errors`` with their line instead of aborting the file.
    """
    reader = csv.reader(io.StringIO(text[header.offset :], newline=""), delimiter=header.delimiter)
    base = header.line
    odd_quotes = text.count('"', header.offset) % 2 == 1
    prev_end = 0
    last: tuple[int, list[str]] | None = None
    last_spanned = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(base + prev_end + 1, f"unreadable CSV record: {exc}"))
            prev_end = reader.line_num
            continue
        start = base + prev_end + 1
        spanned = reader.line_num - prev_end
        prev_end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if last is not None:
            yield last
        last = (start, [cell.strip() for cell in row])
        last_spanned = spanned
    if last is not None:
        # An unterminated quote makes the csv module swallow the rest of the file into one
        # field; an odd number of quote characters plus a multi-line last record betrays it.
        if odd_quotes and last_spanned > 1:
            errors.append(
                RowError(
                    last[0],
                    "a quoted field starting on this row is never closed, so this row and "
                    "everything after it were skipped",
                )
            )
            return
        yield last


def pad(cells: list[str], width: int) -> list[str] | None:
    """Fit a record to the header width: short rows are padded with empty cells (trailing
    empty columns are often dropped); a longer row is fine only if the extra cells are
    empty (a trailing comma). ``None`` means the row has real data in extra columns."""
    n = len(cells)
    if n == width:
        return cells
    if n < width:
        return cells + [""] * (width - n)
    if any(cells[width:]):
        return None
    return cells[:width]


_WS = re.compile(r"\s+")


def one_line(value: str) -> str:
    """Collapse all whitespace runs (including line breaks) to single spaces: for names,
    companies and titles that should never span lines."""
    if not value:
        return ""
    value = value.strip()
    # Fast path: most cells are already clean, and a regex per cell adds up over 30k rows.
    if "  " not in value and value.isprintable():
        return value
    return _WS.sub(" ", value).strip()


def multi_line(value: str) -> str:
    """Normalise line endings and trim, keeping line breaks (notes, addresses)."""
    if not value:
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}
_DAY_MON_YEAR = re.compile(r"(\d{1,2})[ \-.]+([A-Za-z]{3,9})\.?[ \-.]+(\d{4})")
_MON_DAY_YEAR = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})")
_US_NUMERIC = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?"
)
_ISO = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?")


@functools.lru_cache(maxsize=8192)
def parse_date(text: str) -> date | None:
    """Dates as contact exports write them; ``None`` when not understood.

    ``25 Nov 2026`` / ``08 Jan 2018`` (LinkedIn), ``1/8/18, 6:14 PM`` (older LinkedIn, US
    month/day, two-digit years are 20xx: LinkedIn did not exist before), ``4/15/1985``
    (Outlook, where ``0/0/00`` means none), ``Nov 25, 2026`` and ISO 8601. Cached because a
    30k-row export holds only a few thousand distinct dates.
    """
    s = text.strip()
    if not s:
        return None
    try:
        if m := _DAY_MON_YEAR.fullmatch(s):
            month = _MONTHS.get(m.group(2).lower())
            return date(int(m.group(3)), month, int(m.group(1))) if month else None
        if m := _US_NUMERIC.fullmatch(s):
            year = int(m.group(3))
            if len(m.group(3)) == 2:
                year += 2000
            return date(year, int(m.group(1)), int(m.group(2)))
        if m := _ISO.fullmatch(s):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _MON_DAY_YEAR.fullmatch(s):
            month = _MONTHS.get(m.group(1).lower())
            return date(int(m.group(3)), month, int(m.group(2))) if month else None
    except ValueError:  # 31 Feb, 0/0/00, month 13
        return None
    return None


def birthday_text(text: str) -> str:
    """A birthday as ISO text: ``YYYY-MM-DD``, ``--MM-DD`` when the year is unknown
    (vCard ``--0415``, Google ``--04-15``), ``""`` when unreadable."""
    s = text.strip()
    if not s:
        return ""
    if m := re.fullmatch(r"--(\d{2})-?(\d{2})", s):
        month, day = int(m.group(1)), int(m.group(2))
        try:
            date(2000, month, day)  # 2000 is a leap year, so 29 Feb passes
        except ValueError:
            return ""
        return f"--{month:02d}-{day:02d}"
    parsed = parse_date(s)
    return parsed.isoformat() if parsed else ""


class Columns:
    """Header lookup by lowercase name. ``get`` returns ``-1`` for a missing column, which
    reads as the empty cell :func:`read_records` appends to every row."""

    def __init__(self, cells: list[str]) -> None:
        self.index: dict[str, int] = {}
        for i, cell in enumerate(cells):
            self.index.setdefault(cell, i)

    def get(self, *names: str) -> int:
        for name in names:
            i = self.index.get(name)
            if i is not None:
                return i
        return -1

    def __contains__(self, name: str) -> bool:
        return name in self.index


def read_records(
    text: str, header: Header[T], result: ParseResult
) -> Iterator[tuple[int, list[str]]]:
    """:func:`iter_rows` plus the checks every CSV format shares: rows wider than the header
    are reported, repeated header lines skipped, and one empty cell appended so that a
    missing column (index ``-1``) reads as ``""``."""
    width = len(header.cells)
    for line, raw in iter_rows(text, header, result.errors):
        cells = pad(raw, width)
        if cells is None:
            result.errors.append(
                RowError(
                    line,
                    f"row has {len(raw)} fields but the header has {width}; "
                    "a delimiter inside an unquoted value shifts the columns",
                )
            )
            continue
        if cells[0].lower() == header.cells[0] and [c.lower() for c in cells] == header.cells:
            continue  # a repeated header from concatenated exports
        cells.append("")
        yield line, cells


def keep_if_identified(contact: ParsedContact, result: ParseResult, reason: str) -> None:
    """Append ``contact`` to the result, or report its row when nothing identifies it."""
    if contact.has_identity():
        result.contacts.append(contact)
    else:
        result.errors.append(RowError(contact.source_line, reason))


def add_email(
    contact: ParsedContact, value: str, kind: str, result: ParseResult, line: int
) -> None:
    """Add an email if it is one (warn otherwise), skipping repeats within the contact."""
    value = value.strip()
    if not value:
        return
    norm = normalize_email(value)
    if norm is None:
        result.warnings.append(
            RowError(line, f"ignored email {value!r}: not an email address", contact.source_card)
        )
        return
    if all(normalize_email(e.value) != norm for e in contact.emails):
        contact.emails.append(TypedValue(value, kind))


def add_phone(contact: ParsedContact, value: str, kind: str) -> None:
    value = one_line(value)
    if value and all(p.value != value for p in contact.phones):
        contact.phones.append(TypedValue(value, kind))


def add_url(contact: ParsedContact, url: str) -> None:
    """A LinkedIn profile becomes ``linkedin_url`` (the first one wins), others ``urls``."""
    url = url.strip()
    if not url:
        return
    if not contact.linkedin_url and is_linkedin_profile_url(url):
        contact.linkedin_url = url
    elif url != contact.linkedin_url and url not in contact.urls:
        contact.urls.append(url)


# Labels and types as sources spell them → our small vocabulary.
_KIND_ALIASES = {
    "cell": "mobile",
    "cellular": "mobile",
    "mobile": "mobile",
    "iphone": "mobile",
    "work": "work",
    "business": "work",
    "office": "work",
    "home": "home",
    "personal": "home",
    "other": "other",
    "fax": "fax",
    "work fax": "fax",
    "home fax": "fax",
    "other fax": "fax",
    "pager": "pager",
    "main": "main",
    "company main": "main",
    "voice": "",
    "internet": "",
    "pref": "",
    "x400": "",
    "smtp": "",
}


def normalize_kind(label: str) -> str:
    """``"* Work"`` (Google's primary marker), ``CELL``, ``_$!<Mobile>!$_`` (Apple) → our
    vocabulary; unknown custom labels are kept, lowercased."""
    s = label.strip().lstrip("*").strip()
    if s.startswith("_$!<") and s.endswith(">!$_"):
        s = s[4:-4]
    s = s.lower()
    return _KIND_ALIASES.get(s, s)
