"""Pure sharing rules: what of a contact each visibility lets others see.

The rule every area inherits: a contact's name, email, phone, profile URL, notes and exact
dates reach nobody but its holder, except the public fields of an ``open`` card and the
details exchanged in an accepted introduction. This module is the one place that decides
which fields leave the book; everything shown to others is built by :func:`card_fields_for`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sharewell.errors import InvalidInput

VISIBILITIES = ("private", "counted", "blind", "open")
SHARED = frozenset({"counted", "blind", "open"})
CARD_FIELDS = ("title", "company", "industry", "city", "region", "skills", "how_known")
OPEN_FIELDS = ("name", "title", "company", "linkedin_url")
# When a combination would single someone out, these coarser fields keep the card useful.
COARSER = {"city": "region", "company": "industry"}
HOW_KNOWN_MAX = 140


def check_visibility(value: str) -> str:
    if value not in VISIBILITIES:
        raise InvalidInput(
            f"Visibility is one of {', '.join(VISIBILITIES)}, not '{value[:20]}'.",
            field="visibility",
        )
    return value


def check_card_fields(fields: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(fields))
    unknown = [f for f in chosen if f not in CARD_FIELDS]
    if unknown:
        raise InvalidInput(
            f"A card can show {', '.join(CARD_FIELDS)}; not {', '.join(unknown)}.",
            field="card_fields",
        )
    return chosen


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def check_how_known(
    text: str, *, names: Iterable[str], emails: Iterable[str], phones: Iterable[str]
) -> str:
    """A short "how I know them" line that must not carry the person's name, email or phone."""
    line = " ".join(text.split())
    if len(line) > HOW_KNOWN_MAX:
        raise InvalidInput(
            f"Keep 'how I know them' under {HOW_KNOWN_MAX} characters.", field="how_known"
        )
    folded = _fold(line)
    words = set(re.findall(r"\w+", folded))
    for email in emails:
        local = _fold(email).split("@")[0]
        if email and (_fold(email) in folded or (len(local) >= 4 and local in folded)):
            raise InvalidInput(
                "'How I know them' must not contain their email address.", field="how_known"
            )
    for name in names:
        for part in re.findall(r"\w+", _fold(name)):
            if len(part) >= 3 and part in words:
                raise InvalidInput(
                    "'How I know them' must not name the person: the card is blind.",
                    field="how_known",
                )
    digits = re.sub(r"\D", "", line)
    for phone in phones:
        tail = re.sub(r"\D", "", phone)[-6:]
        if len(tail) >= 6 and tail in digits:
            raise InvalidInput(
                "'How I know them' must not contain their phone number.", field="how_known"
            )
    if re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", line):
        raise InvalidInput(
            "'How I know them' must not contain an email address.", field="how_known"
        )
    if len(digits) >= 7:
        raise InvalidInput("'How I know them' must not contain a phone number.", field="how_known")
    return line


@dataclass(frozen=True)
class CardSource:
    """The fields of a contact that a card may draw on (never email, phone or notes)."""

    public_id: str
    visibility: str
    card_fields: tuple[str, ...]
    name: str
    title: str
    company: str
    industry: str
    city: str
    region: str
    skills: tuple[str, ...]
    how_known: str
    linkedin_url: str
    opted_out: bool


def card_fields_for(source: CardSource) -> dict[str, object] | None:
    """What others may see of one entry, or ``None`` when it is not shown one by one.

    ``blind``: only the chosen card fields. ``open``: the chosen fields plus name, title,
    company and the public profile URL. ``counted``/``private``/opted-out: nothing.
    """
    if source.opted_out or source.visibility not in ("blind", "open"):
        return None
    values: Mapping[str, object] = {
        "title": source.title,
        "company": source.company,
        "industry": source.industry,
        "city": source.city,
        "region": source.region,
        "skills": list(source.skills),
        "how_known": source.how_known,
    }
    card: dict[str, object] = {
        field: values[field] for field in source.card_fields if values.get(field)
    }
    if source.visibility == "open":
        card.update(
            {
                k: v
                for k, v in (
                    ("name", source.name),
                    ("title", source.title),
                    ("company", source.company),
                    ("linkedin_url", source.linkedin_url),
                )
                if v
            }
        )
    return card


def describe_card(card: Mapping[str, object]) -> str:
    """ "a staff data engineer at Acme, Berlin" — for paths and explanations."""
    title = str(card.get("title") or "someone")
    where = card.get("company") or card.get("industry")
    place = card.get("city") or card.get("region")
    article = "an" if title[:1].lower() in "aeiou" else "a"
    text = (
        str(card["name"])
        if card.get("name")
        else f"{article} {title.lower()}"
        if card.get("title")
        else "someone"
    )
    if card.get("name") and card.get("title"):
        text += f", {title}"
    if where:
        text += f" at {where}" if card.get("company") else f" in {where}"
    if place:
        text += f", {place}"
    return text


def describe_aggregate(count: int, company: str, skill: str | None = None) -> str:
    people = "person" if count == 1 else "people"
    return (
        f"{count} {people} in {skill} at {company}" if skill else f"{count} {people} at {company}"
    )


def coarser_suggestions(chosen: Iterable[str]) -> dict[str, str]:
    """For fields that can be generalised, the coarser field to offer instead."""
    return {f: COARSER[f] for f in chosen if f in COARSER}
