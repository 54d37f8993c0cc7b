"""Member-written Markdown comes out as inert HTML."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from sharewell.markup import render_markdown


def test_markdown_renders_emphasis_lists_and_links() -> None:
    html = render_markdown("**bold** and [site](https://example.org)\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener ugc"' in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "<svg onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_injection_payloads_are_inert(payload: str) -> None:
    soup = BeautifulSoup(render_markdown(payload), "html.parser")
    assert not soup.find_all(["script", "iframe", "svg", "img", "style", "object"])
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.startswith("on") and name != "style", (name, value)
            if name in {"href", "src"}:
                assert not str(value).strip().lower().startswith(("javascript:", "data:"))
