"""Pure contact-book rules: normalisation, duplicate matching and field merging.

No database, no web, nothing of ours but other rules. The import service builds a
:class:`MatchIndex` of the holder's existing contacts, classifies each incoming contact, and
merges certain matches with :func:`merge_fields`.
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
import functools
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import phonenumbers
from rapidfuzz import fuzz

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# --------------------------------------------------------------------------- normalisation


_EMAIL_SHAPE = re.compile(r"[^\s@]+@[^\s@]+")


@functools.lru_cache(maxsize=65536)
def normalize_email(raw: str) -> str | None:
    """Lowercased ``local@domain``, or ``None`` when ``raw`` is not an email address.

    Local parts are case-sensitive on paper, but no mainstream provider treats them so and
    people type them every which way, so matching lowercases the whole address. Provider
    tricks (Gmail dots, ``+tags``) are left alone: they are not universal.
    """
    s = raw.strip().strip("<>").strip()
    if s[:7].lower() == "mailto:":
        s = s[7:].split("?", 1)[0].strip()
    if not _EMAIL_SHAPE.fullmatch(s):
        return None
    local, domain = s.split("@")
    domain = domain.rstrip(".")
    if not local or "." not in domain or domain.startswith(".") or ".." in domain:
        return None
    return f"{local}@{domain}".lower()


@functools.lru_cache(maxsize=65536)
def normalize_phone(raw: str, default_region: str | None = None) -> str | None:
    """E.164 (``+14155550100``) when ``phonenumbers`` can read the number as a possible
    number (national numbers need ``default_region``, an ISO 3166 code such as ``"DE"``);
    otherwise its digits (with a leading ``+`` kept), so two spellings of the same unparseable
    number still match. ``None`` when there are fewer than four digits.

    Cached: the same numbers recur on every re-import and parsing costs ~15 µs each.
    Use the same ``default_region`` for existing and incoming contacts, or keys will differ.
    """
    s = raw.strip()
    if s[:4].lower() == "tel:":
        s = s[4:]
    digits = "".join(str(unicodedata.decimal(ch)) for ch in s if ch.isdecimal())
    if len(digits) < 4:
        return None
    try:
        number = phonenumbers.parse(s, default_region)
        if phonenumbers.is_possible_number(number):
            e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164
    except phonenumbers.NumberParseException:
        pass
    return ("+" if s.lstrip().startswith("+") else "") + digits


_PLAIN_PROFILE_URL = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)?linkedin\.com/in/([^/?#%\s]+)(?:/[^?#\s]*)?(?:[?#]\S*)?",
    re.IGNORECASE,
)


# Cached: an import reads each profile URL three times (parsing, the incoming contact's keys,
# the stored contact's keys on re-import).
@functools.lru_cache(maxsize=65536)
def normalize_linkedin_url(raw: str) -> str | None:
    """Canonical ``https://www.linkedin.com/in/<slug>`` for a LinkedIn profile URL.

    Accepts missing scheme, ``http``, locale and mobile subdomains (``de.``, ``m.``), query
    strings, fragments, trailing slashes and locale path suffixes (``/in/slug/en``); the slug
    is percent-decoded and lowercased. Old ``/pub/name/a/b/c`` URLs keep their shape under
    ``https://www.linkedin.com/pub/``. ``None`` for anything that is not a person's profile
    (company pages, other hosts, garbage).
    """
    s = raw.strip()
    if not s:
        return None
    # Fast path for the common shape (every row of a LinkedIn export has one); urlsplit
    # costs ~10 µs, which is a third of the parse time of a 30k-row file.
    if m := _PLAIN_PROFILE_URL.fullmatch(s):
        return f"https://www.linkedin.com/in/{m.group(1).lower()}"
    if "://" not in s:
        s = "https://" + s.lstrip("/")
    try:
        parts = urlsplit(s)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        return None
    segments = [seg for seg in unquote(parts.path).split("/") if seg.strip()]
    if len(segments) >= 2 and segments[0].lower() == "in":
        return f"https://www.linkedin.com/in/{segments[1].strip().lower()}"
    if len(segments) >= 2 and segments[0].lower() == "pub":
        rest = "/".join(seg.strip().lower() for seg in segments[1:])
        return f"https://www.linkedin.com/pub/{rest}"
    return None


def is_linkedin_profile_url(raw: str) -> bool:
    """True when ``raw`` is a LinkedIn person profile URL (see :func:`normalize_linkedin_url`)."""
    return normalize_linkedin_url(raw) is not None


# Letters NFKD does not decompose but people write without the stroke all the same.
_FOLD_EXTRA = str.maketrans(
    {"ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i", "ħ": "h"}
)
_LEGAL_SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "llc",
        "llp",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "bv",
        "nv",
        "plc",
        "pty",
        "srl",
        "spa",
        "kk",
        "oy",
        "ab",
        "as",
        "aps",
        "se",
    }
)


def _is_latin(ch: str) -> bool:
    o = ord(ch)
    return o <= 0x024F or 0x1E00 <= o <= 0x1EFF


@functools.lru_cache(maxsize=65536)
def fold_text(text: str) -> str:
    """Casefold, strip accents from Latin letters, turn punctuation into spaces and collapse
    whitespace: ``"  Zoë  O'Brien-Núñez "`` → ``"zoe o brien nunez"``.

    Combining marks are dropped only after Latin letters: in Devanagari, Arabic or Cyrillic
    (й ≠ и) they carry meaning, and stripping them would merge different names.
    """
    # NFKD first as well: compatibility forms such as "𝙰" only casefold once decomposed.
    compatible = unicodedata.normalize("NFKD", text).casefold()
    decomposed = unicodedata.normalize("NFKD", compatible.translate(_FOLD_EXTRA))
    out: list[str] = []
    prev_latin = False
    prev_dropped = False  # the base was turned into a space: its marks go with it
    for ch in decomposed:
        if unicodedata.combining(ch):
            if not prev_latin and not prev_dropped:
                out.append(ch)
            continue
        prev_latin = _is_latin(ch)
        # Spacing marks (category Mc, e.g. Devanagari vowel signs) are part of the word.
        prev_dropped = not (ch.isalnum() or unicodedata.category(ch)[0] == "M")
        out.append(" " if prev_dropped else ch)
    return " ".join(unicodedata.normalize("NFC", "".join(out)).split())


def name_key(name: str) -> str:
    """Folded name for matching (see :func:`fold_text`)."""
    return fold_text(name)


@functools.lru_cache(maxsize=65536)  # an address book names the same employers again and again
def company_key(company: str) -> str:
    """Folded company without a trailing legal form: ``"ACME, Inc."`` → ``"acme"``.

    Dots are removed before folding so ``S.A.`` and ``SA`` (or ``Acme.io`` and ``Acmeio``)
    agree."""
    tokens = fold_text(company.replace(".", "")).split()
    while len(tokens) > 1 and tokens[-1] in _LEGAL_SUFFIXES:
        tokens.pop()
    return " ".join(tokens)


def name_company_key(name: str, company: str) -> str | None:
    """``"<name key>|<company key>"``; ``None`` without a name (nothing to match on)."""
    nk = name_key(name)
    if not nk:
        return None
    return f"{nk}|{company_key(company)}"


@functools.lru_cache(maxsize=65536)
def names_similar(a: str, b: str) -> bool:
    """Whether two *name keys* plausibly name the same person.

    Same words in another order (family-name-first cultures), an initial for a given name
    (``j smith`` / ``john smith``), an added or dropped middle name, or a small typo.
    """
    if not a or not b:
        return False
    if a == b:
        return True
    ta, tb = a.split(), b.split()
    if sorted(ta) == sorted(tb):
        return True
    if len(ta) >= 2 and len(tb) >= 2 and ta[-1] == tb[-1] and abs(len(ta) - len(tb)) <= 1:
        fa, fb = ta[0], tb[0]
        if fa == fb or (min(len(fa), len(fb)) == 1 and fa[0] == fb[0]):
            return True
    if min(len(a), len(b)) >= 6:
        # rapidfuzz's normalised Indel similarity equals difflib's ratio for these short
        # strings, at C speed (imports compare many same-company names).
        return fuzz.ratio(a, b) >= 88.0
    return False


# ----------------------------------------------------------------------------- match keys


class HasValue(Protocol):
    @property
    def value(self) -> str: ...


class ContactLike(Protocol):
    """What the rules read from a contact; :class:`ParsedContact` fits, and so can a row."""

    @property
    def full_name(self) -> str: ...
    @property
    def given_name(self) -> str: ...
    @property
    def family_name(self) -> str: ...
    @property
    def company(self) -> str: ...
    @property
    def linkedin_url(self) -> str: ...
    @property
    def emails(self) -> Sequence[HasValue]: ...
    @property
    def phones(self) -> Sequence[HasValue]: ...


def display_name(contact: ContactLike) -> str:
    """The name to match and show: ``full_name``, else given + family."""
    if contact.full_name:
        return contact.full_name
    return " ".join(p for p in (contact.given_name, contact.family_name) if p)


@dataclass(frozen=True, slots=True)
class ContactKeys:
    """Normalised identifiers of one contact."""

    emails: frozenset[str]
    phones: frozenset[str]
    linkedin: str | None
    name: str  # name key
    company: str  # company key

    @property
    def name_company(self) -> str | None:
        return f"{self.name}|{self.company}" if self.name else None


_NONE: frozenset[str] = frozenset()


def make_keys(
    *,
    name: str,
    company: str = "",
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    linkedin_url: str = "",
    default_region: str | None = None,
) -> ContactKeys:
    """Keys from plain values (for database rows); invalid values are left out."""
    return ContactKeys(
        emails=frozenset(e for e in map(normalize_email, emails) if e) if emails else _NONE,
        phones=(
            frozenset(p for p in (normalize_phone(x, default_region) for x in phones) if p)
            if phones
            else _NONE
        ),
        linkedin=normalize_linkedin_url(linkedin_url) if linkedin_url else None,
        name=name_key(name),
        company=company_key(company),
    )


def keys_for(contact: ContactLike, default_region: str | None = None) -> ContactKeys:
    """Keys of a contact-shaped object such as a ``ParsedContact``."""
    return make_keys(
        name=display_name(contact),
        company=contact.company,
        emails=[e.value for e in contact.emails],
        phones=[p.value for p in contact.phones],
        linkedin_url=contact.linkedin_url,
        default_region=default_region,
    )


# ----------------------------------------------------------------------- classification


class MatchKind(enum.StrEnum):
    CERTAIN = "certain"  # same person: merge
    POSSIBLE = "possible"  # maybe the same person: offer a merge, do not merge
    NEW = "new"


K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Match(Generic[K]):
    """The verdict for one incoming contact.

    ``contact_id`` is set for a certain match; ``candidates`` lists the existing contacts
    behind a possible match (first the strongest); ``reason`` says why, for the report:
    ``email``, ``linkedin_url``, ``phone``, ``name_company``, ``similar_name``, or
    ``email_other_name`` / ``phone_other_name`` when an identifier matched someone whose
    name clearly differs (shared mailboxes, switchboard numbers, a family landline).
    """

    kind: MatchKind
    contact_id: K | None = None
    candidates: tuple[K, ...] = ()
    reason: str = ""


# At most this many same-company contacts sharing a name word are compared (the most
# recent; for a row with a LinkedIn profile, the most recent without one), so a very common
# surname at a huge employer cannot make one lookup slow.
SIMILAR_BUCKET_CAP = 50


class MatchIndex(Generic[K]):
    """In-memory lookup of existing contacts' keys, O(1) per incoming contact.

    Add every existing contact, then for each incoming one call :meth:`classify` and, when it
    is created rather than merged, :meth:`add` it too, so duplicates inside one file are
    caught. When two contacts share an identifier the first one added keeps it.
    """

    def __init__(self) -> None:
        self._email: dict[str, K] = {}
        self._phone: dict[str, K] = {}
        self._linkedin: dict[str, K] = {}
        self._name_company: dict[str, list[K]] = {}
        # Similar-name candidates are looked up by (company, name token): similar names share
        # a word (reordered, an initial, a middle name, a typo in one word), and comparing
        # only within these buckets keeps a 30,000-row import linear instead of quadratic.
        self._by_company_token: dict[tuple[str, str], list[tuple[K, str, str | None]]] = {}
        # The same buckets holding only contacts without a LinkedIn profile: a row with one
        # can only be similar to those (one with the same profile matched it for certain
        # already, one with another is someone else), and most LinkedIn rows have one.
        self._unlinked: dict[tuple[str, str], list[tuple[K, str, str | None]]] = {}
        self._names: dict[K, str] = {}
        self._keys: dict[K, ContactKeys] = {}
        self._order: dict[K, int] = {}  # when it was added: earlier contacts keep identifiers

    def __len__(self) -> int:
        return len(self._names)

    def add(self, contact_id: K, keys: ContactKeys) -> None:
        self._order.setdefault(contact_id, len(self._order))
        for email in keys.emails:
            self._email.setdefault(email, contact_id)
        for phone in keys.phones:
            self._phone.setdefault(phone, contact_id)
        if keys.linkedin:
            self._linkedin.setdefault(keys.linkedin, contact_id)
        nc = keys.name_company
        if nc:
            self._name_company.setdefault(nc, []).append(contact_id)
        if keys.company and keys.name:
            for token in set(keys.name.split()):
                if len(token) >= 2:
                    entry = (contact_id, keys.name, keys.linkedin)
                    self._by_company_token.setdefault((keys.company, token), []).append(entry)
                    if keys.linkedin is None:
                        self._unlinked.setdefault((keys.company, token), []).append(entry)
        self._names[contact_id] = keys.name
        self._keys[contact_id] = keys

    def replace(self, contact_id: K, keys: ContactKeys) -> None:
        """A contact's keys after a merge changed them (a new email, a LinkedIn export's new
        company): later rows of the same file match it as they would once it is stored."""
        old = self._keys.get(contact_id)
        if old == keys:
            return
        if old is not None:
            nc = old.name_company
            if nc and nc != keys.name_company and contact_id in self._name_company.get(nc, []):
                self._name_company[nc].remove(contact_id)
            if (old.company, old.name, old.linkedin) != (keys.company, keys.name, keys.linkedin):
                for token in set(old.name.split()):
                    for buckets in (self._by_company_token, self._unlinked):
                        bucket = buckets.get((old.company, token))
                        if bucket:
                            bucket[:] = [e for e in bucket if e[0] != contact_id]
            elif keys.name_company == nc:
                # Only identifiers changed: keep its place in the name lists.
                self._claim(contact_id, keys)
                self._keys[contact_id] = keys
                return
        self._claim(contact_id, keys)
        nc = keys.name_company
        order = self._order.__getitem__
        if nc and contact_id not in self._name_company.get(nc, []):
            bisect.insort(self._name_company.setdefault(nc, []), contact_id, key=order)
        if keys.company and keys.name:
            for token in set(keys.name.split()):
                if len(token) >= 2:
                    entry = (contact_id, keys.name, keys.linkedin)
                    for buckets in (self._by_company_token, self._unlinked):
                        if buckets is self._unlinked and keys.linkedin is not None:
                            continue
                        bucket = buckets.setdefault((keys.company, token), [])
                        if all(e[0] != contact_id for e in bucket):
                            bisect.insort(bucket, entry, key=lambda e: order(e[0]))
        self._names[contact_id] = keys.name
        self._keys[contact_id] = keys

    def keys_of(self, contact_id: K) -> ContactKeys:
        return self._keys[contact_id]

    def _claim(self, contact_id: K, keys: ContactKeys) -> None:
        """Identifiers go to the earliest-added contact holding them, as in a fresh index."""
        mine = self._order[contact_id]
        for table, values in (
            (self._email, keys.emails),
            (self._phone, keys.phones),
            (self._linkedin, [keys.linkedin] if keys.linkedin else []),
        ):
            for value in values:
                holder = table.get(value)
                if holder is None or self._order[holder] > mine:
                    table[value] = contact_id

    def classify(self, keys: ContactKeys) -> Match[K]:
        possible: list[tuple[K, str]] = []
        lookups: tuple[tuple[str, dict[str, K], Iterable[str]], ...] = (
            ("email", self._email, sorted(keys.emails)),
            ("linkedin_url", self._linkedin, [keys.linkedin] if keys.linkedin else []),
            ("phone", self._phone, sorted(keys.phones)),
        )
        for reason, table, values in lookups:
            for value in values:
                found = table.get(value)
                if found is None:
                    continue
                # A LinkedIn URL belongs to one person whatever their name is now; an email
                # or phone can be shared, so a clearly different name only makes it possible.
                if reason != "linkedin_url" and self._names_conflict(found, keys.name):
                    possible.append((found, f"{reason}_other_name"))
                    continue
                return Match(MatchKind.CERTAIN, found, (found,), reason)
        nc = keys.name_company
        # Two different LinkedIn profiles are two different people, whatever their names.
        same_name = self._name_company.get(nc, []) if nc else []
        if same_name and keys.linkedin is not None:
            same_name = [
                cid for cid in same_name if self._keys[cid].linkedin in (None, keys.linkedin)
            ]
        # Name and company are the last match key. The contact of that name whose identifiers
        # are exactly these is this row exported again (so re-importing a file never adds what it
        # added before, even when a shared switchboard number pointed elsewhere above); a single
        # contact of that name with nothing that tells them apart is too (LinkedIn's exports
        # mostly carry no email).
        identical = [cid for cid in same_name if _same_identifiers(self._keys[cid], keys)]
        if identical:
            return Match(MatchKind.CERTAIN, identical[0], (identical[0],), "name_company")
        if (
            not possible
            and len(same_name) == 1
            and not _identifiers_conflict(self._keys[same_name[0]], keys)
        ):
            return Match(MatchKind.CERTAIN, same_name[0], (same_name[0],), "name_company")
        possible += [(cid, "name_company") for cid in same_name]
        if keys.company and keys.name:
            # This loop runs up to 2 × SIMILAR_BUCKET_CAP times for every row of a file, so it
            # reads plain tuples and tests the cheapest things first. A contact found under two
            # name words is appended twice; the de-duplication below keeps its first place.
            name = keys.name
            # Two different LinkedIn profiles are two different people, and a contact with
            # this row's profile matched it above: a row with a profile is compared with the
            # contacts without one only (the most recent SIMILAR_BUCKET_CAP of them).
            buckets = self._by_company_token if keys.linkedin is None else self._unlinked
            for token in set(name.split()):
                bucket = buckets.get((keys.company, token))
                if not bucket:
                    continue
                others = [e for e in bucket[-SIMILAR_BUCKET_CAP:] if e[1] != name]
                possible += [
                    (cid, "similar_name") for cid, other, _ in others if names_similar(other, name)
                ]
        if not possible:
            return Match(MatchKind.NEW)
        seen: dict[K, str] = {}
        for cid, reason in possible:
            seen.setdefault(cid, reason)
        ids = tuple(seen)
        return Match(MatchKind.POSSIBLE, None, ids, seen[ids[0]])

    def _names_conflict(self, contact_id: K, incoming_name: str) -> bool:
        existing = self._names.get(contact_id, "")
        return bool(existing and incoming_name) and not names_similar(existing, incoming_name)


def _same_identifiers(a: ContactKeys, b: ContactKeys) -> bool:
    return a.emails == b.emails and a.phones == b.phones and a.linkedin == b.linkedin


def _identifiers_conflict(a: ContactKeys, b: ContactKeys) -> bool:
    """Both sides carry identifiers of the same kind and none of them agree."""
    return (
        (bool(a.emails and b.emails) and not a.emails & b.emails)
        or (bool(a.phones and b.phones) and not a.phones & b.phones)
        or (a.linkedin is not None and b.linkedin is not None and a.linkedin != b.linkedin)
    )


def classify(keys: ContactKeys, index: MatchIndex[K]) -> Match[K]:
    """Functional spelling of :meth:`MatchIndex.classify`."""
    return index.classify(keys)


# --------------------------------------------------------------------------------- merge

_D = TypeVar("_D", bound="DataclassInstance")

# Bookkeeping, not data about the person.
_NOT_MERGED = frozenset({"source_line", "source_card", "id"})


def _is_empty(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def _item_key(field_name: str, item: object, default_region: str | None) -> str:
    value = getattr(item, "value", item)
    text = value if isinstance(value, str) else str(value)
    if field_name == "emails":
        return normalize_email(text) or text.strip().casefold()
    if field_name == "phones":
        return normalize_phone(text, default_region) or text.strip()
    if field_name == "urls":
        return text.strip().rstrip("/").casefold()
    return fold_text(text) or text


def _merge_list(
    field_name: str, old: list[Any], new: list[Any], default_region: str | None
) -> list[Any] | None:
    """Union keeping existing order; an existing item with no type takes the incoming
    type. ``None`` when nothing changes."""
    merged = list(old)
    positions = {_item_key(field_name, item, default_region): i for i, item in enumerate(old)}
    changed = False
    for item in new:
        key = _item_key(field_name, item, default_region)
        if key not in positions:
            positions[key] = len(merged)
            merged.append(item)
            changed = True
            continue
        current = merged[positions[key]]
        new_type = getattr(item, "type", "")
        if new_type and not getattr(current, "type", "x") and dataclasses.is_dataclass(current):
            merged[positions[key]] = dataclasses.replace(current, type=new_type)  # type: ignore[type-var]
            changed = True
    return merged if changed else None


def merge_fields(
    existing: _D,
    incoming: object,
    *,
    overwrite: Collection[str] = (),
    default_region: str | None = None,
) -> tuple[_D, list[str]]:
    """Fill ``existing`` from ``incoming`` without discarding anything; return the merged
    copy and the names of the fields that changed (in field order).

    - empty fields take the incoming value;
    - lists (emails, phones, urls, tags) become the union, compared on normalised values;
    - ``notes`` gets the incoming text appended when it is not already there;
    - other differing values keep the existing one (the holder may have edited it), except
      fields named in ``overwrite`` (e.g. ``{"company", "title"}`` when a newer LinkedIn
      export is authoritative for job changes).

    ``existing`` must be a dataclass (``ParsedContact`` or the service's own); ``incoming``
    any object with same-named attributes. Neither is modified.
    """
    updates: dict[str, Any] = {}
    for f in dataclasses.fields(existing):
        name = f.name
        if name in _NOT_MERGED or not hasattr(incoming, name):
            continue
        old = getattr(existing, name)
        new = getattr(incoming, name)
        if _is_empty(new) or old == new:
            continue
        if _is_empty(old):
            updates[name] = list(new) if isinstance(new, list) else new
        elif isinstance(old, list) and isinstance(new, list):
            merged = _merge_list(name, old, new, default_region)
            if merged is not None:
                updates[name] = merged
        elif name == "notes" and isinstance(old, str) and isinstance(new, str):
            if new.strip() not in old:
                updates[name] = f"{old.rstrip()}\n\n{new.strip()}"
        elif name == "linkedin_url" and isinstance(old, str) and isinstance(new, str):
            if normalize_linkedin_url(old) != normalize_linkedin_url(new) and name in overwrite:
                updates[name] = new
        elif name in overwrite and not (
            isinstance(old, str) and isinstance(new, str) and fold_text(old) == fold_text(new)
        ):
            updates[name] = new
    if not updates:
        return existing, []
    return dataclasses.replace(existing, **updates), list(updates)
