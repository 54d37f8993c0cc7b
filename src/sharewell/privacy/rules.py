"""Pure rules of the privacy area: the notice template, the erasure confirmation, the order of
registry hooks. No database, no web."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

from sharewell.errors import InvalidInput

CONTENT_MODES = ("anonymize", "remove")
CONFIRM_PHRASE = "delete my account"
FORMER_MEMBER = "A former member"

# --- the notice to a person whose entry was shared ----------------------------------------------

NOTICE_PLACEHOLDERS = ("holder_name", "shared", "optout_url", "erasure_url", "site_url")
DEFAULT_NOTICE_SUBJECT = "You are in a contact book on Sharewell"
DEFAULT_NOTICE_TEMPLATE = """Hello,

$holder_name keeps you in their contact book on Sharewell, a professional network, and now
shares this entry with other members: $shared.

Your email address, phone number and notes are never shown to anyone. Members can only ask
$holder_name for an introduction, which you may accept or decline.

If you do not want to be shared or introduced at all, say so here — it takes effect at once,
in every book: $optout_url

To be removed from every book on this site: $erasure_url

$site_url
"""
TEMPLATE_MAX = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

LEVEL_TEXT = {
    "counted": "only counted in totals such as “knows 12 people at Acme”, never shown one by one",
    "blind": "a card without your name",
    "open": "a card with your name",
}


def check_template(text: str) -> str:
    """A plain-text template; only the known ``$placeholders`` are allowed."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    if not text:
        raise InvalidInput("Write the notice; it cannot be empty.", field="template")
    if len(text) > TEMPLATE_MAX:
        raise InvalidInput(f"Keep the notice under {TEMPLATE_MAX} characters.", field="template")
    try:
        names = {
            m.group("named") or m.group("braced")
            for m in string.Template.pattern.finditer(text)
            if m.group("named") or m.group("braced")
        }
        if any(m.group("invalid") is not None for m in string.Template.pattern.finditer(text)):
            raise ValueError
    except ValueError:
        raise InvalidInput("Write a lone $ as $$.", field="template") from None
    unknown = sorted(names - set(NOTICE_PLACEHOLDERS))
    if unknown:
        raise InvalidInput(
            f"Unknown placeholder(s) {', '.join('$' + u for u in unknown)}; use "
            + ", ".join("$" + p for p in NOTICE_PLACEHOLDERS),
            field="template",
        )
    if "$optout_url" not in text and "${optout_url}" not in text:
        raise InvalidInput(
            "The notice must tell people how to opt out: keep $optout_url.", field="template"
        )
    return text


def _plain(value: str) -> str:
    """Values go into a text/plain mail: no control characters, no line breaks."""
    return " ".join(_CONTROL.sub("", value).split())


def describe_shared(visibility: str, card: dict[str, object] | None) -> str:
    level = LEVEL_TEXT.get(visibility, visibility)
    if not card:
        return level
    fields = ", ".join(
        f"{k.replace('_', ' ')}: {', '.join(map(str, v)) if isinstance(v, list | tuple) else v}"
        for k, v in card.items()
        if v and k != "public_id"
    )
    return f"{level} ({_plain(fields)})" if fields else level


def render_notice(
    template: str,
    *,
    holder_name: str,
    shared: str,
    optout_url: str,
    erasure_url: str,
    site_url: str,
) -> str:
    """The notice as plain text (the mail is text/plain, so no markup can be injected)."""
    return string.Template(template).safe_substitute(
        holder_name=_plain(holder_name)[:100],
        shared=_plain(shared)[:500],
        optout_url=optout_url,
        erasure_url=erasure_url,
        site_url=site_url,
    )


# --- member erasure --------------------------------------------------------------------------


def check_content_mode(mode: str) -> str:
    if mode not in CONTENT_MODES:
        raise InvalidInput(
            "Choose what happens to your insights and comments: 'anonymize' (they stay, "
            "signed “A former member”) or 'remove'.",
            field="content",
        )
    return mode


def check_confirmation(typed: str) -> None:
    if " ".join(typed.lower().split()) != CONFIRM_PHRASE:
        raise InvalidInput(f"Type “{CONFIRM_PHRASE}” to confirm.", field="confirm")


# --- registries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    name: str
    order: int


def ordered(entries: Iterable[Registered]) -> list[Registered]:
    """Hooks run by (order, name): deterministic whatever the import order."""
    return sorted(entries, key=lambda e: (e.order, e.name))
