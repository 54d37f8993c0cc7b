"""Plain value objects produced by the contact parsers.

These are dataclasses, not database tables: the import service maps them onto its own rows.
Text fields use ``""`` for "absent" (never ``None``) so callers never branch on two kinds of
empty; dates are ``datetime.date`` or ``None``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class ContactFormat(enum.StrEnum):
    """The file shapes :func:`sharewell.importers.parse` understands."""

    LINKEDIN = "linkedin"
    VCARD = "vcard"
    GOOGLE = "google"
    OUTLOOK = "outlook"
    # The CSV written by :func:`sharewell.importers.export.to_csv`, so exports can come back in.
    SHAREWELL_CSV = "sharewell_csv"


@dataclass(frozen=True, slots=True)
class TypedValue:
    """One email address or phone number with its kind.

    ``type`` is a small lowercase vocabulary where the source allows it (``work``, ``home``,
    ``mobile``, ``fax``, ``pager``, ``main``, ``other``), a lowercased custom label otherwise,
    and ``""`` when the file said nothing.
    """

    value: str
    type: str = ""


@dataclass(slots=True)
class ParsedContact:
    """One person read from a contact file, cleaned but not normalised for matching.

    ``source_line`` is the 1-based physical line where the row (CSV) or ``BEGIN:VCARD``
    (vCard) starts; ``source_card`` is the 1-based card number for vCards, ``None`` for CSV.
    ``birthday`` is ISO 8601 text: ``YYYY-MM-DD``, or ``--MM-DD`` when the year is unknown
    (vCard and Google allow that, and a ``date`` cannot hold it).
    """

    full_name: str = ""
    given_name: str = ""
    family_name: str = ""
    emails: list[TypedValue] = field(default_factory=list)
    phones: list[TypedValue] = field(default_factory=list)
    company: str = ""
    title: str = ""
    linkedin_url: str = ""
    urls: list[str] = field(default_factory=list)
    address: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    birthday: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    connected_on: date | None = None
    source_line: int = 0
    source_card: int | None = None

    def has_identity(self) -> bool:
        """True when there is anything to recognise the person by.

        LinkedIn writes rows for members who hide themselves from exports that hold only a
        date; such rows cannot become a useful contact.
        """
        return bool(
            self.full_name
            or self.given_name
            or self.family_name
            or self.emails
            or self.phones
            or self.linkedin_url
        )


@dataclass(frozen=True, slots=True)
class RowError:
    """A row or card that was not imported (in ``errors``) or imported with a caveat
    (in ``warnings``). ``line`` is the 1-based line where it starts; ``card`` is the vCard
    number when the file is a vCard."""

    line: int
    reason: str
    card: int | None = None

    def __str__(self) -> str:
        where = f"card {self.card} (line {self.line})" if self.card else f"line {self.line}"
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class ParseResult:
    """Everything one file gave: good contacts, rows that were skipped, and caveats."""

    format: ContactFormat
    contacts: list[ParsedContact] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)


class ImportFileError(Exception):
    """Base of every error :func:`sharewell.importers.parse` raises: the whole file is refused
    and nothing should be imported. The message is meant for the person who uploaded it."""


class NotAContactFile(ImportFileError):
    """The bytes are not a contact file we understand (binary, image, spreadsheet, random
    CSV, empty), or not of the format that was forced."""


class FileTooLarge(ImportFileError):
    """The file is over the size limit given to ``parse``."""
