"""The injection corpus (tests/fixtures/injection_payloads.txt) through titles, bodies,
comments, profile fields and topic names comes out inert in pages, Atom feeds and the API's
HTML fields."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.errors import SharewellError
from sharewell.insights import rules, service
from sharewell.insights.schemas import CommentIn, InsightIn
from sharewell.members import service as members_service
from sharewell.members.rules import topic_slug
from sharewell.members.schemas import ProfileUpdate

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "injection_payloads.txt"
PAYLOADS = [
    line for line in CORPUS.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("# ")
]  # fmt: skip
FORBIDDEN_TAGS = {
    "iframe", "object", "embed", "svg", "math", "style", "base", "frameset", "frame", "applet",
    "template", "xmp", "plaintext", "listing", "noembed", "noscript", "isindex", "bgsound",
    "layer", "portal", "dialog", "keygen", "marquee", "video", "audio", "source", "img",
}  # fmt: skip
URL_ATTRS = {"href", "src", "action", "formaction", "background", "xlink:href", "data", "srcdoc"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.I)


def assert_inert(html: str, where: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        name = tag.name.lower()
        assert name not in FORBIDDEN_TAGS, f"{where}: <{name}> got through"
        if name == "script":
            assert str(tag.get("src", "")).startswith("/static/") and not tag.string, where
        if name == "link":
            assert str(tag.get("href", "")).startswith(("/static/", "/feeds/")), where
        if name == "meta":
            assert set(tag.attrs) <= {"charset", "name", "content"}, where
        if name == "form":
            assert str(tag.get("action", "")).startswith("/"), f"{where}: foreign form"
        for attr, value in tag.attrs.items():
            attr = attr.lower()
            assert not attr.startswith("on"), f"{where}: {attr} on <{name}>"
            assert attr != "style", f"{where}: style attribute on <{name}>"
            if attr in URL_ATTRS:
                cleaned = re.sub(r"[\x00-\x20]", "", str(value))
                assert not BAD_SCHEME.match(cleaned), f"{where}: {attr}={value!r}"


@pytest.mark.slow
def test_injection_corpus_is_inert_everywhere(
    client: TestClient, db: Session, members: Members
) -> None:
    assert len(PAYLOADS) >= 100
    reader = members.create("Reader")
    limits = rules.Limits()
    targets: list[tuple[str, str, str]] = []
    for n, payload in enumerate(PAYLOADS):
        author = members.create(f"Author {n}")
        profile = ProfileUpdate(
            display_name=payload[:100], headline=payload[:160], bio=payload,
            location=payload[:100], offers=[payload[:200]], asks=[payload[:200]],
        )  # fmt: skip
        members_service.update_profile(db, author, profile)
        try:
            members_service.update_profile(db, author, ProfileUpdate(topics=[payload]))
            topics = [payload]
        except SharewellError:  # not a usable topic name: refused with a clear message
            db.rollback()
            topics = []
        insight = service.publish(
            db, author, InsightIn(kind="ask", title=payload[:200], body=payload, topics=topics),
            limits,
        )  # fmt: skip
        service.add_comment(db, reader, insight.public_id, CommentIn(body=payload), limits)
        service.add_comment(
            db, reader, insight.public_id, CommentIn(body=payload, kind="answer"), limits
        )
        db.commit()
        targets.append((insight.public_id, author.handle, topic_slug(topics[0]) if topics else ""))
    topic_slugs = {s for _, _, s in targets if s}
    assert topic_slugs, "some payloads make valid topic names and must be tested as such"

    for public_id, handle, _ in targets:
        for path in (f"/insights/{public_id}", f"/members/{handle}", f"/members/{handle}/insights"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert_inert(page.text, path)
        feed = client.get(f"/feeds/members/{handle}.atom")
        assert feed.status_code == 200
        root = ET.fromstring(feed.content)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        for entry in root.findall("a:entry", ns):
            title = entry.find("a:title", ns)
            assert title is not None and title.get("type", "text") == "text"
            content = entry.find("a:content", ns)
            assert content is not None
            assert_inert(content.text or "", f"atom {handle}")
        api = client.get(f"/api/v1/insights/{public_id}").json()
        assert_inert(api["body_html"], f"api insight {public_id}")
        for comment in client.get(f"/api/v1/insights/{public_id}/comments").json()["items"]:
            assert_inert(comment["body_html"], f"api comment {comment['id']}")
        assert_inert(client.get(f"/api/v1/members/{handle}").json()["bio_html"], "api bio")
    for page_path in ("/insights", "/topics"):
        assert_inert(client.get(page_path).text, page_path)
    for slug in list(topic_slugs)[:40]:
        from urllib.parse import quote

        r = client.get(f"/topics/{quote(slug)}/insights")
        assert r.status_code == 200, slug
        assert_inert(r.text, f"topic {slug}")
        atom = client.get(f"/feeds/topics/{quote(slug)}.atom")
        assert atom.status_code == 200
