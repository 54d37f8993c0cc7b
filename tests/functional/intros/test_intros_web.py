"""The same chain through the pages (TestClient as a browser): forms with CSRF, no JS."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import Members, csrf_from, web_sign_in
from tests.intros_support import TARGET_EMAIL, TARGET_NAME, TARGET_PHONE, make_chain

from sharewell.config import Settings
from sharewell.intros import service
from sharewell.intros.models import Intro
from sharewell.mail.models import MailMessage
from sharewell.web import intros as web_intros


def _browser(app: FastAPI, email: str) -> TestClient:
    c = TestClient(app)
    web_sign_in(c, email)
    return c


def _post(c: TestClient, page: str, action: str, data: dict[str, str] | None = None) -> None:
    token = csrf_from(c.get(page).text)
    r = c.post(action, data={"csrf_token": token, **(data or {})}, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_chain_through_the_pages(
    app: FastAPI, db: Session, members: Members, settings: Settings
) -> None:
    chain = make_chain(db, members, settings)
    r_web = _browser(app, chain.requester.email)
    start = f"/intros/new?card={chain.target_card}&path={chain.c1.handle},{chain.c2.handle}"
    page = r_web.get(start)
    assert page.status_code == 200 and "Ask for an introduction" in page.text
    r = r_web.post("/intros/new", data={
        "csrf_token": csrf_from(page.text), "card": chain.target_card,
        "path": f"{chain.c1.handle},{chain.c2.handle}", "why": "Hiring", "offer": "Advice",
    }, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    pid = url.rsplit("/", 1)[-1]
    assert db.scalar(select(Intro.state).where(Intro.public_id == pid)) == "requested"
    c1 = _browser(app, chain.c1.email)
    assert 'class="badge"' in c1.get("/intros").text  # unread notification in the nav
    assert "waiting on you" in c1.get("/intros?box=through").text
    _post(c1, url, f"{url}/step/forward", {"note": "good person"})
    c2 = _browser(app, chain.c2.email)
    detail = c2.get(url).text
    assert "Ask them (by email)" in detail and TARGET_NAME not in c1.get(url).text
    _post(c2, url, f"{url}/step/ask_target")
    for client in (r_web, c1):
        body = client.get(url).text
        for secret in (TARGET_NAME, TARGET_EMAIL, TARGET_PHONE):
            assert secret not in body
    mail = db.scalars(select(MailMessage).where(MailMessage.to_addr == TARGET_EMAIL)).first()
    assert mail is not None
    token = re.search(r"/intro-link\?token=([\w-]+)", mail.body).group(1)  # type: ignore[union-attr]
    stranger = TestClient(app)
    link = stranger.get(f"/intro-link?token={token}")
    assert link.status_code == 200 and "Rita Requester" in link.text and "Hiring" in link.text
    r = stranger.post("/intro-link", data={
        "csrf_token": csrf_from(link.text), "token": token, "answer": "accept"})  # fmt: skip
    assert r.status_code == 200 and "Thank you" in r.text
    assert stranger.get(f"/intro-link?token={token}").status_code == 404
    body = r_web.get(url).text
    assert TARGET_EMAIL in body and TARGET_PHONE in body
    assert TARGET_EMAIL not in c1.get(url).text and TARGET_EMAIL not in c2.get(url).text
    _post(r_web, url, f"{url}/step/message", {"text": "Looking forward"})
    assert "Looking forward" in c2.get(url).text
    _post(r_web, url, f"{url}/step/outcome", {"kind": "met"})
    assert "met — proposed" in r_web.get(url).text
    # notifications page and settings
    notes = r_web.get("/notifications")
    assert notes.status_code == 200 and "accepted" in notes.text
    _post(r_web, "/notifications", "/notifications/settings", {"mail": "daily"})
    _post(r_web, "/notifications", "/notifications/read")
    assert 'class="badge"' not in r_web.get("/notifications").text


def test_forms_need_csrf(app: FastAPI, db: Session, members: Members, settings: Settings) -> None:
    chain = make_chain(db, members, settings)
    c = _browser(app, chain.requester.email)
    r = c.post("/intros/new", data={"to": chain.c2.handle, "why": "x"}, follow_redirects=False)
    assert r.status_code == 403
    page = c.get(f"/intros/new?to={chain.requester.handle}")
    r = c.post("/intros/new", data={"csrf_token": csrf_from(page.text),
                                    "to": chain.requester.handle, "why": "x"})  # fmt: skip
    assert r.status_code == 422 and "That is you" in r.text


def test_the_inbox_pages_on_past_its_first_page(
    app: FastAPI, db: Session, members: Members, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A busy member reaches every request, not only the newest page (one per page here)."""
    chain = make_chain(db, members, settings)
    path = [chain.c1.handle, chain.c2.handle]
    specs = [
        service.RequestSpec("card", "Hiring", card_id=chain.target_card, path=path),
        service.RequestSpec("card", "Hiring", card_id=chain.silent_card, path=path),
        service.RequestSpec(
            "member", "Advice", target_handle=chain.member_target.handle,
            path=[*path, chain.member_target.handle],
        ),
    ]  # fmt: skip
    made = {service.create_request(db, settings, chain.requester, s).public_id for s in specs}
    monkeypatch.setattr(web_intros, "INBOX_PAGE", 1)
    browser = _browser(app, chain.requester.email)
    seen: list[str] = []
    url: str | None = "/intros?box=from"
    while url:
        page = browser.get(url)
        assert page.status_code == 200
        seen += re.findall(r'href="/intros/([A-Za-z0-9_-]{8,})"', page.text)
        older = re.search(r'href="(/intros\?box=from&(?:amp;)?cursor=[^"]+)"', page.text)
        url = older.group(1).replace("&amp;", "&") if older else None
        assert len(seen) <= len(made), "the pages repeat a request"
    assert set(seen) == made
    bad = browser.get("/intros?box=from&cursor=WyJhYmMiXQ")  # ["abc"]: tampered
    assert bad.status_code == 422 and "cursor" in bad.text
