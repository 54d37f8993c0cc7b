"""Turning HTML form fields into the API's schemas, so both layers validate the same way."""

from __future__ import annotations

from pydantic import ValidationError

from sharewell.errors import InvalidInput
from sharewell.members import queries
from sharewell.members.schemas import LinkIn, ProfileUpdate


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def parse_links(value: str) -> list[LinkIn]:
    """One link per line: ``label | https://…`` or just the address."""
    links = []
    for line in lines(value):
        label, _, url = line.rpartition("|")
        url = url.strip()
        label = label.strip() or url.split("//")[-1].split("/")[0] or "link"
        links.append(LinkIn(label=label[:60], url=url[:500]))
    return links


def profile_update_from_form(form: dict[str, str]) -> ProfileUpdate:
    try:
        return ProfileUpdate(
            display_name=form.get("display_name", ""),
            handle=form.get("handle") or None,
            headline=form.get("headline", ""),
            bio=form.get("bio", ""),
            location=form.get("location", ""),
            topics=[t for t in form.get("topics", "").split(",") if t.strip()],
            offers=lines(form.get("offers", "")),
            asks=lines(form.get("asks", "")),
            links=parse_links(form.get("links", "")),
        )
    except ValidationError as exc:
        raise first_error(exc) from None


def first_error(exc: ValidationError) -> InvalidInput:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ())) or "form"
    return InvalidInput(f"{field}: {err.get('msg', 'invalid')}", field=field)


def profile_values(me: object) -> dict[str, str]:
    profile = queries.me_of(me)  # type: ignore[arg-type]
    return {
        "display_name": profile.display_name,
        "handle": profile.handle,
        "headline": profile.headline,
        "location": profile.location,
        "bio": profile.bio,
        "topics": ", ".join(t.label for t in profile.topics),
        "offers": "\n".join(profile.offers),
        "asks": "\n".join(profile.asks),
        "links": "\n".join(f"{link.label} | {link.url}" for link in profile.links),
    }
