"""Pages: publish, the nested thread with permalinks, reply, edit, delete, react, follow, feed,
block, report and moderate — all with plain forms and CSRF tokens."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import Members, csrf_from, web_sign_in

from sharewell.insights import rules, service
from sharewell.insights.schemas import CommentIn, InsightIn


def post(client: TestClient, path: str, data: dict[str, str], page: str = "/insights") -> object:
    token = csrf_from(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def test_publish_comment_reply_react_follow_and_feed_through_pages(
    client: TestClient, members: Members, app
) -> None:  # type: ignore[no-untyped-def]
    deb, ann = members.create("Deb"), members.create("Ann")
    web_sign_in(client, deb.email)
    form = client.get("/insights/new")
    assert form.status_code == 200 and 'for="title"' in form.text
    fields = {"kind": "ask", "title": "Who knows Acme?", "body": "Need a **contact**",
              "topics": "Recruiting", "visibility": "public"}  # fmt: skip
    r = post(client, "/insights/new", fields)
    assert r.status_code == 303  # type: ignore[attr-defined]
    url = r.headers["location"]  # type: ignore[attr-defined]
    page = client.get(url).text
    assert "<strong>contact</strong>" in page and "Offer an introduction" in page
    # missing CSRF is refused and nothing is written
    assert client.post("/insights/new", data={"kind": "ask", "title": "x"}).status_code == 403
    client.cookies.clear()
    web_sign_in(client, ann.email)
    r = post(client, f"{url}/comments", {"body": "Try Sam", "kind": "answer"}, url)
    assert r.status_code == 303
    cid = r.headers["location"].split("#c-")[1]  # type: ignore[attr-defined]
    permalink = client.get(f"{url}/comments/{cid}")
    assert permalink.status_code == 200 and 'id="reply"' in permalink.text
    r = post(client, f"{url}/comments", {"body": "a reply", "parent": cid}, url)
    assert r.status_code == 303
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    outer = soup.find("li", id=f"c-{cid}")
    assert outer is not None and "a reply" in outer.get_text()  # nested inside its parent
    assert outer.find("details") is not None
    r = post(client, f"{url}/react", {"kind": "useful", "on": "1"}, url)
    assert r.status_code == 303 and "Useful · 1" in client.get(url).text
    # follow the author; the feed shows the ask
    handle = deb.handle
    r = post(client, f"/members/{handle}/follow", {"on": "1"}, f"/members/{handle}/insights")
    assert r.status_code == 303
    assert "Who knows Acme?" in client.get("/feed").text
    assert "Who knows Acme?" in client.get("/feed?order=useful").text
    # too large a body: 413, nothing written
    big = "x" * (app.state.settings.insight_body_max_bytes + 1)
    r = post(client, "/insights/new", {"kind": "insight", "title": "Big", "body": big})
    assert r.status_code == 413  # type: ignore[attr-defined]
    assert "Big" not in client.get("/insights").text
    # report it; the admin hides it
    r = post(client, f"{url}/report", {"reason": "spam"}, url)
    assert r.status_code == 303
    admin = members.create("Admin", admin=True)
    client.cookies.clear()
    web_sign_in(client, admin.email)
    reports = client.get("/admin/reports").text
    assert "spam" in reports
    pid = url.rsplit("/", 1)[1]
    r = post(client, f"/admin/insights/{pid}/moderate", {"hide": "1"}, "/admin/reports")
    assert r.status_code == 303
    client.cookies.clear()
    assert client.get(url).status_code == 404


def test_thread_renders_nested_collapses_long_threads_and_tombstones(
    client: TestClient, db: Session, members: Members
) -> None:
    a, b = members.create(), members.create()
    limits = rules.Limits()
    insight = service.publish(db, a, InsightIn(kind="insight", title="Deep"), limits)
    parent = None
    chain = []
    for n in range(8):
        c = service.add_comment(
            db, b if n % 2 else a, insight.public_id, CommentIn(body=f"level {n}", parent=parent),
            limits,
        )  # fmt: skip
        parent = c.public_id
        chain.append(c.public_id)
    for n in range(15):
        service.add_comment(
            db, b, insight.public_id, CommentIn(body=f"sib {n}", parent=chain[0]), limits
        )
    service.delete_comment(db, b, chain[1])
    db.commit()
    html = client.get(f"/insights/{insight.public_id}").text
    soup = BeautifulSoup(html, "html.parser")
    top = soup.find("li", id=f"c-{chain[0]}")
    assert top is not None
    details = top.find("details")
    assert details is not None and not details.has_attr("open")  # 22 replies: folded
    assert "This comment was deleted." in html
    deep = soup.find("li", id=f"c-{chain[7]}")
    assert deep is not None and len(deep.find_parents("li")) == 7
    assert re.search(r"23 comments", html)


def test_signed_out_reader_sees_public_only_and_a_sign_in_link(
    client: TestClient, db: Session, members: Members
) -> None:
    a = members.create()
    limits = rules.Limits()
    public = service.publish(db, a, InsightIn(kind="information", title="Open notes"), limits)
    private = service.publish(
        db, a, InsightIn(kind="information", title="Members notes", visibility="members"), limits
    )
    db.commit()
    assert "Sign in</a> to comment" in client.get(f"/insights/{public.public_id}").text
    assert client.get(f"/insights/{private.public_id}").status_code == 404
    listing = client.get("/insights").text
    assert "Open notes" in listing and "Members notes" not in listing
    assert client.get("/feed", follow_redirects=False).status_code == 303


def test_reaction_buttons_carry_their_token_and_swap_alone_with_htmx(
    client: TestClient, members: Members
) -> None:
    deb, ann = members.create("Deb"), members.create("Ann")
    web_sign_in(client, deb.email)
    fields = {"kind": "insight", "title": "Ship small", "body": "Often.", "topics": "",
              "visibility": "public"}  # fmt: skip
    url = post(client, "/insights/new", fields).headers["location"]  # type: ignore[attr-defined]
    client.cookies.clear()
    web_sign_in(client, ann.email)
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    form = soup.find("form", class_="reactions")
    assert form is not None
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    assert token, "the reaction form must carry the page's CSRF token"
    # With htmx: only the buttons come back, already counting the reaction.
    r = client.post(
        f"{url}/react", data={"csrf_token": token, "kind": "useful", "on": "1"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert r.status_code == 200 and "<html" not in r.text
    assert 'class="reactions-box"' in r.text and "Useful · 1" in r.text
    assert 'aria-pressed="true"' in r.text
    # Without JavaScript: the same form posts and the whole page comes back.
    r = client.post(
        f"{url}/react", data={"csrf_token": token, "kind": "useful", "on": "0"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and "Useful · 0" in client.get(url).text


def _read_all(client: TestClient, url: str) -> list[str]:
    """Every comment id on a thread page, following each "show more" link the way htmx does
    (the fragment) and checking the plain link (no JavaScript) works too."""
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    ids = [str(li["id"]) for li in soup.select("li.comment")]
    for link in soup.select("li.more > a"):
        plain = client.get(str(link["href"]))
        assert plain.status_code == 200 and "<html" in plain.text
        fragment = client.get(str(link["hx-get"]))
        assert fragment.status_code == 200 and "<html" not in fragment.text
        ids += _read_all(client, str(link["hx-get"]))
    return ids


def test_long_thread_shows_a_first_window_and_the_rest_one_click_away(
    client: TestClient, db: Session, members: Members
) -> None:
    a, b = members.create(), members.create()
    limits = rules.Limits()
    insight = service.publish(db, a, InsightIn(kind="insight", title="Busy"), limits)
    first = service.add_comment(db, b, insight.public_id, CommentIn(body="first"), limits)
    created = [first.public_id]
    for n in range(rules.THREAD_WINDOW + 10):  # more replies to the first than a page holds
        reply = CommentIn(body=f"reply {n}", parent=first.public_id)
        created.append(service.add_comment(db, a if n % 2 else b, insight.public_id, reply,
                                           limits).public_id)  # fmt: skip
    for n in range(3):
        created.append(
            service.add_comment(
                db, a, insight.public_id, CommentIn(body=f"top {n}"), limits
            ).public_id
        )
    db.commit()
    url = f"/insights/{insight.public_id}"
    page = client.get(url).text
    soup = BeautifulSoup(page, "html.parser")
    assert len(soup.select("li.comment")) == rules.THREAD_WINDOW
    assert f"{len(created)} comments" in page  # the heading counts the whole thread
    assert "Show 11 more replies" in page and "More comments" in page
    seen = _read_all(client, url)
    assert sorted(seen) == sorted(f"c-{c}" for c in created)  # each exactly once
    # a tampered cursor is a clear 4xx, not a 500
    assert client.get(f"{url}?cursor=not-a-cursor").status_code == 422
    # replying in a long thread lands on a page that shows the reply
    web_sign_in(client, b.email)
    signed_in = BeautifulSoup(client.get(url).text, "html.parser")
    tokens = [
        i.get("value") for i in signed_in.select("li.comment form.reactions input[name=csrf_token]")
    ]
    assert tokens and all(tokens)  # the comments' reaction forms carry the page's CSRF token
    r = post(client, f"{url}/comments", {"body": "late word"}, url)
    assert r.status_code == 303
    landing = r.headers["location"]  # type: ignore[attr-defined]
    cid = landing.split("#c-")[1]
    assert f'id="c-{cid}"' in client.get(landing).text
