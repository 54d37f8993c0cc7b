"""Atom feeds (feedgen) for feed readers: per member, per topic and the private network feed.
Titles are plain text (escaped by the XML writer); content is the sanitized ``body_html``."""

from __future__ import annotations

from feedgen.feed import FeedGenerator

from sharewell.insights import rules
from sharewell.insights.schemas import InsightOut


def atom(
    *, feed_id: str, title: str, subtitle: str, self_url: str, alternate_url: str,
    items: list[InsightOut], base_url: str,
) -> bytes:  # fmt: skip
    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(base + feed_id)
    fg.title(title or "Sharewell")
    fg.subtitle(subtitle or title or "Sharewell")
    fg.link(href=base + alternate_url, rel="alternate")
    fg.link(href=base + self_url, rel="self")
    fg.generator("Sharewell")
    fg.language("en")
    if items:
        fg.updated(max(i.edited_at or i.created_at for i in items))
    else:
        from sharewell.db import utcnow

        fg.updated(utcnow())
    for item in reversed(items):  # feedgen prepends: add oldest first, newest ends on top
        entry = fg.add_entry()
        entry.id(base + item.url)
        entry.title(f"{rules.KIND_LABELS[item.kind]}: {item.title}")
        entry.link(href=base + item.url, rel="alternate")
        entry.author(
            {"name": item.author.display_name, "uri": f"{base}/members/{item.author.handle}"}
        )
        entry.published(item.created_at)
        entry.updated(item.edited_at or item.created_at)
        for topic in item.topics:
            entry.category(term=topic.slug, label=topic.label)
        entry.content(item.body_html or "<p></p>", type="html")
    return bytes(fg.atom_str(pretty=False))
