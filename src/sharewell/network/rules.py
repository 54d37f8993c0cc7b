"""Pure network rules: connection strengths, degree labels and path explanations.

No database, no web, no numpy: these are the words and defaults the graph engine and the
pages share, and the filter terms the database matches, tested in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sharewell.contacts import rules as contact_rules
from sharewell.errors import InvalidInput
from sharewell.members import rules as member_rules

MIN_STRENGTH = 1
MAX_STRENGTH = 5
MAX_DEGREE = 3  # beyond three hops a member is "out of network"


class ConnectionOrigin(StrEnum):
    """How a connection arose; decides the strength each side starts with."""

    MANUAL_REQUEST = "manual_request"  # one member asked, the other accepted
    CONTACT_MATCH = "contact_match"  # the other member was already in my contact book
    MUTUAL_CONTACT_MATCH = "mutual_contact_match"  # each was in the other's contact book
    INTRODUCTION = "introduction"  # met through an introduction along a path


# Why these numbers: being in someone's address book (both ways even more so) is evidence of
# an existing relationship; a bare request is a neutral middle; a fresh introduction is the
# weakest tie, since the two have only just met.
_DEFAULT_STRENGTH: dict[ConnectionOrigin, int] = {
    ConnectionOrigin.MANUAL_REQUEST: 3,
    ConnectionOrigin.CONTACT_MATCH: 3,
    ConnectionOrigin.MUTUAL_CONTACT_MATCH: 4,
    ConnectionOrigin.INTRODUCTION: 2,
}


def validate_strength(strength: int) -> int:
    """Return ``strength`` if it is a whole number 1–5, else raise ``ValueError``."""
    if isinstance(strength, bool) or not isinstance(strength, int):
        raise ValueError(f"strength must be a whole number 1–5, got {strength!r}")
    if not MIN_STRENGTH <= strength <= MAX_STRENGTH:
        raise ValueError(f"strength must be between 1 and 5, got {strength}")
    return strength


def default_strength(origin: ConnectionOrigin | str) -> int:
    """The strength each side starts with, by how the connection arose."""
    try:
        return _DEFAULT_STRENGTH[ConnectionOrigin(origin)]
    except ValueError as exc:
        known = ", ".join(o.value for o in ConnectionOrigin)
        raise ValueError(f"unknown connection origin {origin!r}; use one of: {known}") from exc


def connection_strength(rating_a: int | None, rating_b: int | None, *, default: int = 3) -> int:
    """The one strength the graph index stores for a connection rated by both sides.

    The weaker rating wins: a tie is only as strong as the less enthusiastic side says, and a
    member cannot inflate paths through someone by rating them 5 on their own. A side that
    has not rated yet counts as ``default`` (usually :func:`default_strength` of the origin).
    """
    a = validate_strength(default if rating_a is None else rating_a)
    b = validate_strength(default if rating_b is None else rating_b)
    return min(a, b)


def normalised_strength(strength: int) -> float:
    """Edge strength as a factor in (0, 1]; a path's strength is the product of these."""
    return validate_strength(strength) / MAX_STRENGTH


def strength_word(strength: int) -> str:
    """A connection strength in words: 1–2 weak, 3 ok, 4–5 strong."""
    s = validate_strength(strength)
    if s <= 2:
        return "weak"
    return "ok" if s == 3 else "strong"


def path_strength_word(score: float) -> str:
    """A whole path's strength (product of normalised edges, 0–1] in words.

    Thresholds are the products of typical hops: one strong tie (≥ 0.8) or two strong ties
    (0.64) read as strong; a path with an ok tie among strong ones (≥ 0.36) is ok.
    """
    if not 0.0 < score <= 1.0:
        raise ValueError(f"path strength must be in (0, 1], got {score}")
    if score >= 0.6:
        return "strong"
    return "ok" if score >= 0.35 else "weak"


def degree_label(distance: int | None) -> str:
    """Hop distance as LinkedIn-style degree: "1st", "2nd", "3rd" or "out of network".

    ``None`` or a negative distance (unreachable) and anything beyond three hops is out of
    network; distance 0 is the member themself.
    """
    if distance is None or distance < 0 or distance > MAX_DEGREE:
        return "out of network"
    return ("you", "1st", "2nd", "3rd")[distance]


@dataclass(frozen=True, slots=True)
class Step:
    """One member on a path after the requester, and the strength of the tie into them.

    ``strength`` ``None`` leaves the tie unlabelled (e.g. the last hop, when the page shows
    the target separately).
    """

    name: str
    strength: int | None = None


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def describe_card(
    title: str | None = None, company: str | None = None, city: str | None = None
) -> str:
    """A blind or open card as the holder shared it: "a staff data engineer at Acme, Berlin".

    Only the fields given are used, so a card that hides its company never names it.
    """
    head = title.strip() if title and title.strip() else "someone"
    text = head if head == "someone" else f"{_article(head)} {head}"
    if company and company.strip():
        text += f" at {company.strip()}"
    if city and city.strip():
        text += f", {city.strip()}" if company and company.strip() else f" in {city.strip()}"
    return text


def describe_aggregate(
    count: int, topic: str | None = None, company: str | None = None, city: str | None = None
) -> str:
    """A counted aggregate: "5 people in data engineering at Acme".

    The minimum group size is enforced where aggregates are built (the sharing rules); this
    only words what it is given, and refuses a non-positive count.
    """
    if count < 1:
        raise ValueError(f"an aggregate counts at least one person, got {count}")
    text = "1 person" if count == 1 else f"{count} people"
    if topic and topic.strip():
        text += f" in {topic.strip()}"
    if company and company.strip():
        text += f" at {company.strip()}"
    if city and city.strip():
        text += f", {city.strip()}" if company and company.strip() else f" in {city.strip()}"
    return text


def explain_path(steps: Sequence[Step], target: str | None = None, *, me: str = "You") -> str:
    """A path in words, from the requester's point of view.

    ``steps`` are the members after the requester, in order (connectors, then the last
    member); ``target`` is what the last member knows, already worded by
    :func:`describe_card` or :func:`describe_aggregate`, or ``None`` when the last member is
    the target. ``explain_path([Step("Sam", 5), Step("Priya")], "a staff data engineer at
    Acme, Berlin")`` gives "You → Sam (strong) → Priya, who knows a staff data engineer at
    Acme, Berlin".
    """
    if not steps:
        raise ValueError("a path needs at least one member after the requester")
    parts = [me]
    for step in steps:
        label = f" ({strength_word(step.strength)})" if step.strength is not None else ""
        parts.append(f"{step.name}{label}")
    text = " → ".join(parts)
    if target:
        text += f", who knows {target}"
    return text


# --- filter terms ----------------------------------------------------------------------------
# A path filter ("data engineer at Acme in Berlin") is matched in the database against
# normalised terms: ``company:acme``, ``city:berlin``, ``title:engineer``, ``skill:python``.
# The same functions make the terms of contacts, of member profiles and of a filter, so the
# three always agree.

FILTER_FIELDS = ("topic", "company", "title", "city")
FILTER_MAX_LENGTH = 100
TITLE_STOPWORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "the", "to", "with"})
_HEADLINE_BREAKS = re.compile(r"\s+(?:at|who|@)\s+|\s*[·|,;]\s*")


def fold(text: str) -> str:
    return contact_rules.fold_text(text)


def company_term(company: str) -> str | None:
    key = contact_rules.company_key(company)
    return f"company:{key}" if key else None


def city_term(city: str) -> str | None:
    key = fold(city)
    return f"city:{key}" if key else None


def title_terms(title: str) -> list[str]:
    words = [w for w in fold(title).split() if len(w) >= 2 and w not in TITLE_STOPWORDS]
    return [f"title:{w}" for w in dict.fromkeys(words)]


def skill_term(skill: str) -> str | None:
    try:
        return f"skill:{member_rules.topic_slug(skill)}"
    except InvalidInput:
        return None


def contact_terms(title: str, company: str, city: str, skills: Iterable[str]) -> list[str]:
    """Every term a contact can be found by (visibility is checked separately)."""
    terms = [*title_terms(title), company_term(company), city_term(city)]
    terms += [skill_term(s) for s in skills]
    return list(dict.fromkeys(t for t in terms if t))


def member_terms(headline: str, location: str, topic_slugs: Iterable[str]) -> list[str]:
    """Terms of a profile: title words and company from the headline ("Staff Data Engineer
    at Acme, …"), the city from the location ("Berlin, Germany"), skills from the topics."""
    parts = _HEADLINE_BREAKS.split(headline.strip(), maxsplit=2)
    title = parts[0] if parts else ""
    company = ""
    found = re.search(r"\s(?:at|@)\s+([^,·|;]+)", headline)
    if found:
        company = found.group(1).strip()
    terms = [*title_terms(title), company_term(company) if company else None]
    terms.append(city_term(location.split(",")[0]) if location.strip() else None)
    terms += [f"skill:{slug}" for slug in topic_slugs]
    return list(dict.fromkeys(t for t in terms if t))


@dataclass(frozen=True)
class PathFilter:
    """What a "find a way in" search looks for; at least one field. No name field: a name
    search must never tell whether a blind or counted entry exists for someone."""

    topic: str = ""
    company: str = ""
    title: str = ""
    city: str = ""

    def fields(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in FILTER_FIELDS if getattr(self, f)}


def check_filter(topic: str = "", company: str = "", title: str = "", city: str = "") -> PathFilter:
    values = {"topic": topic, "company": company, "title": title, "city": city}
    clean = {k: " ".join((v or "").split()) for k, v in values.items()}
    for key, value in clean.items():
        if len(value) > FILTER_MAX_LENGTH:
            raise InvalidInput(f"Keep '{key}' under {FILTER_MAX_LENGTH} characters.", field=key)
    flt = PathFilter(**clean)
    if not flt.fields():
        raise InvalidInput(
            "Say whom you are looking for: a topic or skill, a company, title words or a city.",
            field="filter",
        )
    if flt.title and not title_terms(flt.title):
        raise InvalidInput("Give at least one title word of two letters or more.", field="title")
    return flt


def filter_terms(flt: PathFilter) -> dict[str, list[str]]:
    """The terms each given field requires (all of them must match, across fields too)."""
    out: dict[str, list[str]] = {}
    if flt.topic:
        term = skill_term(flt.topic)
        out["skills"] = [term] if term else ["skill:"]
    if flt.company:
        out["company"] = [company_term(flt.company) or "company:"]
    if flt.title:
        out["title"] = title_terms(flt.title)
    if flt.city:
        out["city"] = [city_term(flt.city) or "city:"]
    return out


def describe_filter(flt: PathFilter) -> str:
    """ "data engineer at Acme, Berlin, in Python" — the words the page and API echo."""
    text = flt.title or "someone"
    if flt.company:
        text += f" at {flt.company}"
    if flt.city:
        text += f", {flt.city}" if flt.company else f" in {flt.city}"
    if flt.topic:
        text += f" ({flt.topic})"
    return text


# Sharing flags of a term row (``network_contact_terms.flags``), derived by database triggers
# from the contact (migration ``0014_paths``); ``contact_flags`` is the same rule in Python.
FLAG_COUNTED = 1  # a counted entry: adds to "knows N people …"
FLAG_CARD = 2  # a blind or open card
FLAG_SHOWS = {"title": 4, "company": 8, "city": 16, "skills": 32}  # fields the card shows
OPEN_CARD_SHOWS = ("title", "company")  # an open card always shows these


def contact_flags(visibility: str, opted_out: bool, card_fields: Iterable[str]) -> int:
    """What a shared entry may count for when a filter is matched."""
    if opted_out:
        return 0
    if visibility == "counted":
        return FLAG_COUNTED
    if visibility not in ("blind", "open"):
        return 0
    shown = set(card_fields)
    if visibility == "open":
        shown.update(OPEN_CARD_SHOWS)
    return FLAG_CARD + sum(bit for field, bit in FLAG_SHOWS.items() if field in shown)


def card_need(fields: Iterable[str]) -> int:
    """The flag bits a card must carry to match a filter on ``fields``."""
    return FLAG_CARD + sum(FLAG_SHOWS[f] for f in set(fields))


TIE_POOL = 3  # the engine returns this many times k paths; ties are broken among them


@dataclass(frozen=True)
class PathRank:
    """What orders paths: strength first, then fewer hops (the engine's order), then — only
    between paths equal on both — the standing of the connectors (their sum: well-regarded
    connectors first) and the freshness of the end (the most recently updated profile first)."""

    score: float
    hops: int
    connector_standing: float
    freshness: float  # a timestamp, larger is fresher


def rank_paths(ranks: Sequence[PathRank], k: int) -> list[int]:
    """Indices of the ``k`` best paths; Python's sort is stable, so the engine's own order
    (meeting node, then holder id) settles whatever is still equal."""
    order = sorted(
        range(len(ranks)),
        key=lambda i: (
            -round(ranks[i].score, 9),  # equal products computed in another order
            ranks[i].hops,
            -ranks[i].connector_standing,
            -ranks[i].freshness,
        ),
    )
    return order[:k]
