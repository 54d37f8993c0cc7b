"""Markdown to safe HTML, shared by profiles, insights and comments.

markdown-it-py renders (CommonMark, raw HTML disabled), nh3 (ammonia) sanitizes with an
allow-list, and links get ``rel="nofollow noopener ugc"``. Both are maintained libraries; the
only thing written here is the allow-list.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str) -> str:
    """Render member-written Markdown to HTML that is safe to embed in pages and feeds."""
    html = _md.render(source)
    # Headings h1/h2 are demoted by dropping them to plain text: the page owns its outline.
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    return str(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="nofollow noopener ugc",
            strip_comments=True,
        )
    )
