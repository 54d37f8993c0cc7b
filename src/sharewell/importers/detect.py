"""Recognise a contact file from its content (never from its name) or explain why not."""

from __future__ import annotations

import re
from collections.abc import Callable

from sharewell.importers import export, google, linkedin, outlook
from sharewell.importers.csvutil import find_header, iter_physical_lines
from sharewell.importers.models import ContactFormat, NotAContactFile

_ACCEPTED = (
    "Upload LinkedIn's Connections.csv, a Google Contacts or Outlook CSV export, "
    "or a vCard (.vcf) file."
)
_VCARD_BEGIN = re.compile(r"^[ \t]*BEGIN:VCARD[ \t\r]*$", re.IGNORECASE | re.MULTILINE)

# Leading bytes of formats people upload by mistake, and what to tell them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel or Word file (.xls/.doc)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"RIFF", "a media file"),
    (b"\x00\x00\x00", "a binary file"),
)

# Header matchers in order of specificity: our own export first, LinkedIn (the loosest) last.
_MATCHERS: tuple[tuple[ContactFormat, Callable[[list[str]], object | None]], ...] = (
    (ContactFormat.SHAREWELL_CSV, export.match_header),
    (ContactFormat.GOOGLE, google.match_header),
    (ContactFormat.OUTLOOK, outlook.match_header),
    (ContactFormat.LINKEDIN, linkedin.match_header),
)


def refuse_known_binaries(data: bytes, filename: str | None = None) -> None:
    """Raise :class:`NotAContactFile` with specific advice for archives, spreadsheets,
    images and documents."""
    if data.startswith(b"PK\x03\x04"):
        head = data[:65536]
        if b"Connections.csv" in head:
            raise NotAContactFile(
                "This is a ZIP archive (LinkedIn's whole data export). "
                "Unzip it and upload the Connections.csv inside."
            )
        if b"xl/" in head or b"[Content_Types].xml" in head:
            raise NotAContactFile(
                "This is an Excel workbook, not a CSV. In Excel choose File → Save As → "
                "CSV UTF-8, then upload that file."
            )
        raise NotAContactFile(f"This is a ZIP archive. Unzip it first. {_ACCEPTED}")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise NotAContactFile(f"This is {what}, not a contact file. {_ACCEPTED}")
    if filename and filename.lower().endswith((".xlsx", ".xls", ".numbers", ".ods")):
        raise NotAContactFile(
            "Spreadsheet files cannot be read directly: save or export the sheet as CSV "
            "and upload that file."
        )


def detect_text(text: str) -> ContactFormat:
    """The format of decoded contact-file text, or :class:`NotAContactFile`."""
    if not text.strip():
        raise NotAContactFile(f"The file is empty. {_ACCEPTED}")
    if _VCARD_BEGIN.search(text, 0, 1 << 16):
        return ContactFormat.VCARD

    def any_header(cells: list[str]) -> ContactFormat | None:
        for fmt, matcher in _MATCHERS:
            if matcher(cells) is not None:
                return fmt
        return None

    header = find_header(text, any_header)
    if header is not None:
        return header.found
    first = next((line for _, _, line in iter_physical_lines(text, 60) if line.strip()), "")
    raise NotAContactFile(
        "This file has no contact header we recognise near the top "
        f"(it starts with {first.strip()[:60]!r}). {_ACCEPTED} "
        "LinkedIn's header is First Name,Last Name,URL,Email Address,Company,Position,"
        "Connected On."
    )
