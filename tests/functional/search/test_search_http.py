"""Search through the real app: the API and the pages, autocomplete, saved searches and the
alerts job."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import Members, auth, csrf_from, web_sign_in

from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.insights import service as insight_service
from sharewell.insights.schemas import InsightIn
from sharewell.mail.models import MailMessage
from sharewell.search import service
from sharewell.search.models import SavedSearch
from sharewell.search.schemas import SavedSearchIn


def test_api_search_with_filters_and_explain(
    client: TestClient, members: Members, db: Session
) -> None:
    me = members.create("Sam Searcher")
    members.create(
        "Priya Sharma",
        headline="Data Engineer at Acme",
        topics=["Python"],
        location="Berlin, Germany",
    )
    token = members.token(me)
    r = client.get("/api/v1/search", params={"q": "Pryia", "explain": 1}, headers=auth(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["items"][0]["title"] == "Priya Sharma"
    assert body["corrections"] == {"pryia": ["priya"]}
    assert set(body["items"][0]["explain"]["parts"]) == {"text", "closeness", "standing"}
    assert "doc_id" not in body["items"][0]
    r = client.get(
        "/api/v1/search",
        params={"q": "engineer", "kind": "member,insight", "city": "Berlin", "topic": "python"},
        headers=auth(token),
    )
    assert [i["title"] for i in r.json()["items"]] == ["Priya Sharma"]
    bad = client.get("/api/v1/search", params={"q": "x", "kind": "people"}, headers=auth(token))
    assert bad.status_code == 422 and "kind" in bad.text
    assert client.get("/api/v1/search", params={"q": "x"}).status_code == 401
    r = client.get("/api/v1/search/suggest", params={"q": "pri"}, headers=auth(token))
    assert r.json()[0]["url"].startswith("/members/")


def test_page_box_and_autocomplete(client: TestClient, members: Members) -> None:
    me = members.create("Sam Searcher")
    members.create("Priya Sharma", headline="Data Engineer at Acme")
    web_sign_in(client, me.email)
    home = client.get("/")
    assert 'action="/search"' in home.text  # the box in the navigation
    page = client.get("/search", params={"q": "priya", "explain": "1"})
    assert page.status_code == 200 and "Priya Sharma" in page.text and "closeness" in page.text
    partial = client.get("/search/suggest", params={"q": "pri"})
    assert "Priya Sharma" in partial.text and "<html" not in partial.text
    assert client.get("/search", params={"q": "x", "kind": "nope"}).status_code == 422


def test_saved_search_alerts_in_the_inbox_and_by_mail(
    client: TestClient, members: Members, db: Session, settings: Settings
) -> None:
    me = members.create("Sam Searcher")
    author = members.create("Ada Author")
    web_sign_in(client, me.email)
    page = client.get("/search", params={"q": "lakehouse"})
    r = client.post(
        "/search/saved",
        data={
            "csrf_token": csrf_from(page.text),
            "q": "lakehouse",
            "name": "Lakehouse",
            "mail": "on",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    saved = db.scalar(select(SavedSearch).where(SavedSearch.member_id == me.id))
    assert saved is not None
    insight_service.publish(
        db,
        author,
        InsightIn(kind="insight", title="Lakehouse lessons", body="Small files hurt."),
        settings.insight_limits,
    )
    now = utcnow()
    assert service.check_saved_search(db, saved, settings, None, now) == 1
    assert service.check_saved_search(db, saved, settings, None, now + timedelta(minutes=1)) == 0
    mails = db.scalars(select(MailMessage).where(MailMessage.kind == "search_alert")).all()
    assert len(mails) == 1 and "Lakehouse lessons" in mails[0].body
    db.commit()
    inbox = client.get("/search/saved")
    assert "Lakehouse lessons" in inbox.text
    token = members.token(me)
    alerts = client.get("/api/v1/search/alerts", headers=auth(token)).json()
    assert [a["label"] for a in alerts] == ["Lakehouse lessons"] and not alerts[0]["read"]
    assert client.post("/api/v1/search/alerts/read", headers=auth(token)).json() == {"marked": 1}
    listed = client.get("/api/v1/search/saved", headers=auth(token)).json()
    assert listed[0]["unread"] == 0
    assert (
        client.delete(f"/api/v1/search/saved/{listed[0]['id']}", headers=auth(token)).status_code
        == 204
    )
    other = members.create()
    with __import__("pytest").raises(Exception):
        service.delete_saved(db, other, listed[0]["id"])


def test_saved_search_needs_words_or_a_filter(members: Members, db: Session) -> None:
    import pytest

    from sharewell.errors import InvalidInput

    me = members.create()
    with pytest.raises(InvalidInput):
        service.save_search(db, me, SavedSearchIn(name="empty"))
