"""vCard 2.1, 3.0 and 4.0 (``.vcf``, one or many cards).

``vobject`` parses each card, but it gives up on a whole stream at some vCard 2.1 habits
(quoted-printable soft line breaks, ``CHARSET`` parameters, bare ``TEL;HOME;VOICE:`` types)
and it silently truncates text values at an unescaped comma, which sloppy writers emit all
the time (``TITLE:VP, Sales``). So this module:

1. decodes the bytes (per line when a 2.1 file mixes charsets),
2. splits the text into cards itself (``BEGIN:VCARD`` … ``END:VCARD``),
3. unfolds each card (RFC folding and QP soft breaks), drops binary properties (PHOTO…),
   decodes QUOTED-PRINTABLE with its CHARSET and rewrites every property as clean vCard 3.0,
4. hands each card to ``vobject`` on its own, so one bad card is reported with its number
   and never sinks the others.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import vobject

from sharewell.importers.csvutil import (
    add_email,
    add_phone,
    add_url,
    birthday_text,
    multi_line,
    normalize_kind,
    one_line,
    parse_date,
)
from sharewell.importers.models import (
    ContactFormat,
    NotAContactFile,
    ParsedContact,
    ParseResult,
    RowError,
)

CONNECTED_ON_PROPERTY = "X-SHAREWELL-CONNECTED-ON"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PROPERTY_NAME = re.compile(r"[A-Za-z0-9-]+")
_BINARY_PROPERTIES = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
_BARE_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})
# Properties whose commas are separators (3.0/4.0 N and ADR components, lists); elsewhere
# a raw comma is text and must be escaped before vobject sees it.
_COMMA_LISTS = frozenset({"N", "ADR", "CATEGORIES", "NICKNAME"})
_CARD_LIMIT_LINES = 10_000


class CardError(Exception):
    """One card cannot be read; the message says why."""


@dataclass(slots=True)
class RawCard:
    number: int
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)


# ------------------------------------------------------------------------------ splitting


def split_cards(text: str, errors: list[RowError]) -> Iterator[RawCard]:
    """Yield each ``BEGIN:VCARD`` … ``END:VCARD`` block with its physical lines. Cards that
    never end are reported in ``errors`` and not yielded. Lines outside cards are ignored."""
    card: RawCard | None = None
    number = 0
    for line_no, line in enumerate(_LINE_BREAK.split(text), start=1):
        marker = line.strip().upper()
        if marker == "BEGIN:VCARD":
            number += 1
            if card is not None:
                errors.append(
                    RowError(
                        card.line,
                        f"no END:VCARD before the next card (line {line_no})",
                        card.number,
                    )
                )
            card = RawCard(number, line_no)
        elif card is None:
            continue
        elif marker == "END:VCARD":
            yield card
            card = None
        elif len(card.lines) >= _CARD_LIMIT_LINES:
            errors.append(RowError(card.line, "card is too long", card.number))
            card = None
        else:
            card.lines.append((line_no, line))
    if card is not None:
        errors.append(
            RowError(card.line, "the file ends inside this card (no END:VCARD)", card.number)
        )


# ----------------------------------------------------------------------- content lines


@dataclass(slots=True)
class ContentLine:
    line: int
    group: str
    name: str
    params: list[tuple[str, str]]  # (NAME upper, value) with bare params resolved
    value: str

    def param(self, name: str) -> str:
        for key, value in self.params:
            if key == name:
                return value
        return ""

    def types(self) -> list[str]:
        out: list[str] = []
        for key, value in self.params:
            if key == "TYPE":
                out.extend(t.strip().strip('"').lower() for t in value.split(","))
        return [t for t in out if t]


def _split_property(text: str) -> tuple[str, str] | None:
    """``(name-and-params, value)`` split at the first colon outside double quotes."""
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return text[:i], text[i + 1 :]
    return None


def _split_params(head: str) -> list[str]:
    parts: list[str] = []
    quoted = False
    start = 0
    for i, ch in enumerate(head):
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append(head[start:i])
            start = i + 1
    parts.append(head[start:])
    return parts


def parse_content_line(line_no: int, text: str) -> ContentLine:
    split = _split_property(text)
    if split is None:
        raise CardError(f"line {line_no} is not a vCard property: {text[:40]!r}")
    head, value = split
    pieces = _split_params(head)
    group, _, name = pieces[0].strip().rpartition(".")
    if not _PROPERTY_NAME.fullmatch(name):
        raise CardError(f"line {line_no} has an invalid property name {name[:40]!r}")
    params: list[tuple[str, str]] = []
    for piece in pieces[1:]:
        key, eq, val = piece.partition("=")
        key = key.strip().upper()
        if not key:
            continue
        if eq:
            params.append((key, val.strip()))
        elif key in _BARE_ENCODINGS:  # vCard 2.1: "TEL;ENCODING" may be written bare
            params.append(("ENCODING", key))
        else:  # vCard 2.1 bare type: TEL;HOME;VOICE:
            params.append(("TYPE", key))
    return ContentLine(line_no, group.strip(), name.upper(), params, value)


def _is_qp(head: str) -> bool:
    return "QUOTED-PRINTABLE" in head.upper()


def unfold(card: RawCard) -> Iterator[tuple[int, str]]:
    """Logical lines of a card: RFC folding (a leading space or tab continues the previous
    line), QP soft line breaks (a trailing ``=`` continues into the next line), and 2.1
    base64 blocks whose continuation lines are not indented."""
    current: list[str] = []
    start = 0
    qp = binary = False
    for line_no, line in card.lines:
        if current and line[:1] in (" ", "\t"):
            current.append(line[1:])
            continue
        if current and qp and current[-1].endswith("="):
            current[-1] = current[-1][:-1]
            current.append(line)
            continue
        if not line.strip():
            continue
        if current and binary and ":" not in line:
            current.append(line.strip())
            continue
        if current:
            yield start, "".join(current)
        current, start = [line], line_no
        head = line.split(":", 1)[0]
        qp = _is_qp(head)
        upper = head.upper()
        binary = "BASE64" in upper or "ENCODING=B" in upper
    if current:
        yield start, "".join(current)


def _decode_qp(value: str, charset: str) -> str:
    raw = binascii.a2b_qp(value.encode("utf-8"))
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _escape_commas(value: str) -> str:
    """Escape commas that are not already escaped (``\\,`` stays, ``\\\\,`` gets one)."""
    if "," not in value:
        return value
    out: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == ",":
            out.append("\\,")
        else:
            out.append(ch)
    return "".join(out)


def _clean_type(t: str) -> str:
    return "".join(ch for ch in t if ch.isalnum() or ch in "-_")


def to_vcard3_line(cl: ContentLine, version: str) -> str | None:
    """The property rewritten as a vCard 3.0 line vobject reads, or ``None`` to drop it."""
    if cl.name in _BINARY_PROPERTIES or cl.name in ("VERSION", "BEGIN", "END"):
        return None
    encoding = cl.param("ENCODING").upper()
    if encoding in ("BASE64", "B"):
        return None  # binary payloads (photos, keys) are not contact data we keep
    value = cl.value
    if encoding == "QUOTED-PRINTABLE":
        value = _decode_qp(value, cl.param("CHARSET") or "utf-8")
        if version == "2.1":
            value = value.replace("\\", "\\\\") if cl.name not in ("N", "ADR", "ORG") else value
    if version == "2.1" or cl.name not in _COMMA_LISTS:
        # 2.1 has no comma lists at all, and nobody escapes commas in FN, TITLE or NOTE.
        value = _escape_commas(value) if cl.name != "CATEGORIES" else value
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    types = [t for t in (_clean_type(t) for t in cl.types()) if t]
    param = f";TYPE={','.join(types)}" if types else ""
    group = f"{cl.group}." if cl.group else ""
    return f"{group}{cl.name}{param}:{value}"


# ---------------------------------------------------------------------------- extraction


def _text(value: Any, sep: str = " ") -> str:
    """vobject gives str, or lists where the card had (possibly unescaped) commas."""
    if isinstance(value, list | tuple):
        return sep.join(t for t in (_text(v, sep).strip() for v in value) if t)
    return value if isinstance(value, str) else ""


_KIND_PRIORITY = ("fax", "pager", "mobile", "work", "home", "main", "other")


def _kind(types: list[str], label: str) -> str:
    if label:
        return normalize_kind(label)
    kinds = [normalize_kind(t) for t in types]
    for k in _KIND_PRIORITY:
        if k in kinds:
            return k
    custom = [k for k in kinds if k]
    return custom[0] if custom else ""


def _types_of(child: Any) -> list[str]:
    params = getattr(child, "params", {}) or {}
    raw = list(params.get("TYPE", [])) + list(getattr(child, "singletonparams", []) or [])
    out: list[str] = []
    for t in raw:
        out.extend(p.strip().lower() for p in str(t).split(","))
    return [t for t in out if t]


def extract(component: Any, number: int, line: int, result: ParseResult) -> ParsedContact:
    c = ParsedContact(source_line=line, source_card=number)
    fn = n_full = ""
    children = list(component.getChildren())
    labels = {
        ch.group.lower(): _text(ch.value) for ch in children if ch.name == "X-ABLABEL" and ch.group
    }
    for ch in children:
        name = ch.name
        value = ch.value
        label = labels.get((ch.group or "").lower(), "")
        if name == "FN":
            fn = fn or one_line(_text(value))
        elif name == "N":
            c.given_name = one_line(_text(getattr(value, "given", "")))
            c.family_name = one_line(_text(getattr(value, "family", "")))
            middle = one_line(_text(getattr(value, "additional", "")))
            n_full = " ".join(p for p in (c.given_name, middle, c.family_name) if p)
        elif name == "EMAIL":
            add_email(
                c, _text(value).removeprefix("mailto:"), _kind(_types_of(ch), label), result, line
            )
        elif name == "TEL":
            add_phone(c, _tel_text(_text(value)), _kind(_types_of(ch), label))
        elif name == "ORG":
            parts = value if isinstance(value, list) else [value]
            c.company = c.company or one_line(_text(parts[0] if parts else ""))
        elif name == "TITLE":
            c.title = c.title or one_line(_text(value))
        elif name in ("URL", "X-SOCIALPROFILE", "X-LINKEDIN"):
            url = _text(value)
            if name == "URL" or "linkedin.com" in url.lower() or "://" in url:
                add_url(c, url)
        elif name == "ADR" and not (c.address or c.city or c.country):
            c.address = multi_line(_text(getattr(value, "street", ""), ", "))
            c.city = one_line(_text(getattr(value, "city", ""), ", "))
            c.region = one_line(_text(getattr(value, "region", ""), ", "))
            c.postal_code = one_line(_text(getattr(value, "code", ""), ", "))
            c.country = one_line(_text(getattr(value, "country", ""), ", "))
        elif name == "BDAY":
            c.birthday = birthday_text(_text(value))
        elif name == "NOTE":
            note = multi_line(_text(value))
            c.notes = f"{c.notes}\n\n{note}" if c.notes and note else (c.notes or note)
        elif name == "CATEGORIES":
            items = value if isinstance(value, list) else [value]
            c.tags.extend(t for t in (one_line(str(v)) for v in items) if t and t not in c.tags)
        elif name == CONNECTED_ON_PROPERTY:
            c.connected_on = parse_date(_text(value))
    # FN is what the person is called; N only fills in when a (2.1) card has no FN.
    c.full_name = fn or n_full
    return c


def _tel_text(value: str) -> str:
    """vCard 4.0 writes ``tel:+34-91-123-4567;ext=89``: keep the number and extension."""
    if value[:4].lower() != "tel:":
        return value
    number, *params = value[4:].split(";")
    ext = next((p[4:] for p in params if p.lower().startswith("ext=")), "")
    return f"{number} ext. {ext}" if ext else number


# --------------------------------------------------------------------------------- main


def _card_version(logical: list[tuple[int, str]]) -> str:
    for _, text in logical:
        if text[:8].upper() == "VERSION:":
            return text[8:].strip()
    return "3.0"


def read_card(card: RawCard) -> Any:
    """Pre-process one card and parse it with vobject; raises :class:`CardError`."""
    logical = list(unfold(card))
    version = _card_version(logical)
    out = ["BEGIN:VCARD", "VERSION:3.0"]
    for line_no, text in logical:
        converted = to_vcard3_line(parse_content_line(line_no, text), version)
        if converted is not None:
            out.append(converted)
    out.append("END:VCARD\r\n")
    try:
        return vobject.readOne("\r\n".join(out))
    # vobject raises ParseError, ValueError, TypeError, IndexError... on odd input; any of
    # them means "this card", never "this file".
    except Exception as exc:
        raise CardError(f"the card could not be read: {exc}") from exc


def parse_vcard(text: str) -> ParseResult:
    result = ParseResult(ContactFormat.VCARD)
    seen = 0
    for card in split_cards(text, result.errors):
        seen += 1
        try:
            component = read_card(card)
        except CardError as exc:
            result.errors.append(RowError(card.line, str(exc), card.number))
            continue
        contact = extract(component, card.number, card.line, result)
        if contact.has_identity():
            result.contacts.append(contact)
        else:
            result.errors.append(RowError(card.line, "no name, email or phone number", card.number))
    if not seen and not result.errors:
        raise NotAContactFile(
            "This is not a vCard file: there is no BEGIN:VCARD … END:VCARD block in it."
        )
    # Errors from split_cards arrive out of order; report them in file order.
    result.errors.sort(key=lambda e: (e.line, e.card or 0))
    return result
