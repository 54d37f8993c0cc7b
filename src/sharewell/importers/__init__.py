"""Read contact files (LinkedIn, vCard, Google, Outlook, our own CSV) into plain values.

Pure: no database and no web imports. The import service calls :func:`parse`, matches and
merges the contacts with :mod:`sharewell.contacts.rules`, and reports ``errors`` (rows not
imported) and ``warnings`` (rows imported with a caveat) with their line or card number.

Only :class:`ImportFileError` subclasses escape :func:`parse` and :func:`detect_format`:
:class:`NotAContactFile` (refuse the file, change nothing) and :class:`FileTooLarge`.
"""

from __future__ import annotations

from collections.abc import Callable

from sharewell.importers.csvutil import decode_bytes
from sharewell.importers.detect import detect_text, refuse_known_binaries
from sharewell.importers.export import (
    parse_sharewell_csv,
    to_csv,
    to_csv_bytes,
    to_vcard,
)
from sharewell.importers.google import parse_google
from sharewell.importers.linkedin import parse_linkedin
from sharewell.importers.models import (
    ContactFormat,
    FileTooLarge,
    ImportFileError,
    NotAContactFile,
    ParsedContact,
    ParseResult,
    RowError,
    TypedValue,
)
from sharewell.importers.outlook import parse_outlook
from sharewell.importers.vcard import parse_vcard

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ContactFormat",
    "FileTooLarge",
    "ImportFileError",
    "NotAContactFile",
    "ParseResult",
    "ParsedContact",
    "RowError",
    "TypedValue",
    "detect_format",
    "parse",
    "to_csv",
    "to_csv_bytes",
    "to_vcard",
]

# 30k LinkedIn rows are ~3 MB; a vCard file with photos can be far bigger, but photos are
# dropped anyway. The upload layer may pass a tighter limit.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

_PARSERS: dict[ContactFormat, Callable[[str], ParseResult]] = {
    ContactFormat.LINKEDIN: parse_linkedin,
    ContactFormat.VCARD: parse_vcard,
    ContactFormat.GOOGLE: parse_google,
    ContactFormat.OUTLOOK: parse_outlook,
    ContactFormat.SHAREWELL_CSV: parse_sharewell_csv,
}


def _check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise FileTooLarge(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
            "Split it into smaller files."
        )


def detect_format(
    data: bytes, filename: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ContactFormat:
    """Which contact format ``data`` holds, judged by content (header columns,
    ``BEGIN:VCARD``). ``filename`` only sharpens the advice for spreadsheets.

    Raises :class:`NotAContactFile` (with a message the user can act on) for empty,
    binary, image, archive, spreadsheet and unrecognised CSV/text files.
    """
    _check_size(data, max_bytes)
    refuse_known_binaries(data, filename)
    return detect_text(decode_bytes(data))


def parse(
    data: bytes,
    fmt: ContactFormat | None = None,
    filename: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParseResult:
    """Parse a whole contact file.

    ``fmt`` forces a format (the CLI's ``--format``); otherwise it is detected from content.
    Rows or cards that cannot be imported land in ``result.errors`` with their line (and
    card) number and never stop the others; rows imported with a caveat (an unreadable
    email or date that was dropped) land in ``result.warnings``. Raises only
    :class:`ImportFileError` subclasses, for problems with the file as a whole.
    """
    _check_size(data, max_bytes)
    refuse_known_binaries(data, filename)
    text = decode_bytes(data)
    if fmt is None:
        fmt = detect_text(text)
    elif not text.strip():
        raise NotAContactFile("The file is empty.")
    return _PARSERS[fmt](text)
