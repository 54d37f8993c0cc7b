"""The insights API end to end: every kind, nested threads, reactions, follows, the home feed,
Atom feeds read back by feedparser, moderation and bad input."""

from __future__ import annotations

import feedparser
from fastapi.testclient import TestClient
from tests.factories import Members, auth

from sharewell.insights import rules


def publish(client: TestClient, token: str, **data: object) -> dict:  # type: ignore[type-arg]
    body = {"kind": "insight", "title": "A title", "body": "Some *text*", **data}
    r = client.post("/api/v1/insights", json=body, headers=auth(token))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_publish_every_kind_thread_react_follow_feed_and_atom(
    client: TestClient, members: Members
) -> None:
    deb, ann, bob = members.create("Deb Writer"), members.create("Ann"), members.create("Bob")
    td, ta, tb = members.token(deb), members.token(ann), members.token(bob)
    made = {
        k: publish(client, td, kind=k, title=f"My {k}", topics=["Networking"]) for k in rules.KINDS
    }
    assert made["insight"]["body_html"] == "<p>Some <em>text</em></p>\n"
    iid = made["insight"]["id"]
    # nested three deep, like the essay
    c1 = client.post(
        f"/api/v1/insights/{iid}/comments", json={"body": "first"}, headers=auth(ta)
    ).json()
    c2 = client.post(
        f"/api/v1/insights/{iid}/comments",
        json={"body": "reply", "parent": c1["id"]},
        headers=auth(tb),
    ).json()
    c3 = client.post(
        f"/api/v1/insights/{iid}/comments",
        json={"body": "deeper", "parent": c2["id"]},
        headers=auth(td),
    ).json()
    assert (c1["depth"], c2["depth"], c3["depth"]) == (0, 1, 2) and c3["parent"] == c2["id"]
    thread = client.get(f"/api/v1/insights/{iid}/comments").json()["items"]
    assert [c["id"] for c in thread] == [c1["id"], c2["id"], c3["id"]]
    # reactions: once each, withdrawable, not on one's own
    for _ in range(2):
        assert (
            client.put(f"/api/v1/insights/{iid}/reactions/useful", headers=auth(ta)).status_code
            == 204
        )
    assert (
        client.put(f"/api/v1/insights/{iid}/reactions/acted_on", headers=auth(tb)).status_code
        == 204
    )
    got = client.get(f"/api/v1/insights/{iid}", headers=auth(ta)).json()
    assert (got["useful_count"], got["acted_count"], got["my_reactions"]) == (1, 1, ["useful"])
    assert (
        client.delete(f"/api/v1/insights/{iid}/reactions/useful", headers=auth(ta)).status_code
        == 204
    )
    assert client.get(f"/api/v1/insights/{iid}").json()["useful_count"] == 0
    assert (
        client.put(f"/api/v1/insights/{iid}/reactions/useful", headers=auth(td)).status_code == 422
    )
    assert (
        client.put(f"/api/v1/insights/{iid}/reactions/likes", headers=auth(ta)).status_code == 422
    )
    # follows and the home feed
    assert client.get("/api/v1/feed", headers=auth(ta)).json()["items"] == []
    assert (
        client.put(f"/api/v1/me/follows/members/{deb.handle}", headers=auth(ta)).status_code == 200
    )
    feed = client.get("/api/v1/feed", headers=auth(ta)).json()
    assert [i["id"] for i in feed["items"]] == [m["id"] for m in reversed(list(made.values()))]
    page1 = client.get("/api/v1/feed?limit=2", headers=auth(ta)).json()
    page2 = client.get(
        f"/api/v1/feed?limit=2&cursor={page1['next_cursor']}", headers=auth(ta)
    ).json()
    assert len(page1["items"]) == 2 and page2["items"][0]["id"] == feed["items"][2]["id"]
    client.put(f"/api/v1/insights/{made['ask']['id']}/reactions/useful", headers=auth(tb))
    useful = client.get("/api/v1/feed?order=useful", headers=auth(ta)).json()["items"]
    assert useful[0]["id"] == made["ask"]["id"]
    assert client.put("/api/v1/me/follows/topics/networking", headers=auth(tb)).status_code == 200
    assert len(client.get("/api/v1/feed", headers=auth(tb)).json()["items"]) == 5
    # Atom feeds, read back by a real feed parser
    member_feed = feedparser.parse(client.get(f"/feeds/members/{deb.handle}.atom").content)
    assert member_feed.bozo == 0 and len(member_feed.entries) == 5
    assert member_feed.entries[0].title == "Opportunity: My opportunity"
    topic_feed = feedparser.parse(client.get("/feeds/topics/networking.atom").content)
    assert len(topic_feed.entries) == 5
    created = client.post("/api/v1/me/feed-tokens", headers=auth(ta)).json()
    path = created["url"].split("8000", 1)[-1]
    private = feedparser.parse(client.get(path).content)
    assert private.bozo == 0 and len(private.entries) == 5
    assert (
        client.delete(f"/api/v1/me/feed-tokens/{created['id']}", headers=auth(ta)).status_code
        == 204
    )
    assert client.get(path).status_code == 404


def test_asks_get_answers_pointers_intro_offers_and_one_accepted(
    client: TestClient, members: Members
) -> None:
    asker, helper = members.create(), members.create()
    ta, th = members.token(asker), members.token(helper)
    ask = publish(client, ta, kind="ask", title="Who knows Acme?")
    other = publish(client, th, kind="information", title="Acme org chart notes")
    url = f"/api/v1/insights/{ask['id']}/comments"
    answer = client.post(url, json={"kind": "answer", "body": "Try Sam"}, headers=auth(th)).json()
    pointer = client.post(
        url, json={"kind": "pointer", "points_to": other["id"]}, headers=auth(th)
    ).json()
    assert pointer["points_to"]["title"] == "Acme org chart notes"
    offer = client.post(
        url, json={"kind": "intro_offer", "body": "I can introduce you"}, headers=auth(th)
    )
    assert offer.status_code == 201 and offer.json()["kind"] == "intro_offer"
    # answers only on asks and only at the top of the thread
    bad = client.post(
        f"/api/v1/insights/{other['id']}/comments",
        json={"kind": "answer", "body": "x"},
        headers=auth(ta),
    )
    assert bad.status_code == 422
    assert (
        client.put(f"/api/v1/comments/{answer['id']}/accepted", headers=auth(th)).status_code == 403
    )
    assert client.put(f"/api/v1/comments/{answer['id']}/accepted", headers=auth(ta)).json()[
        "accepted"
    ]
    assert client.put(f"/api/v1/comments/{pointer['id']}/accepted", headers=auth(ta)).json()[
        "accepted"
    ]
    assert not client.get(f"/api/v1/comments/{answer['id']}").json()["accepted"]


def test_edit_keeps_history_and_delete_leaves_a_tombstone_where_others_replied(
    client: TestClient, members: Members
) -> None:
    a, b = members.create(), members.create()
    ta, tb = members.token(a), members.token(b)
    alone = publish(client, ta, title="Alone")
    assert client.delete(f"/api/v1/insights/{alone['id']}", headers=auth(ta)).status_code == 204
    assert client.get(f"/api/v1/insights/{alone['id']}").status_code == 404
    post = publish(client, ta, title="Version one", body="one")
    r = client.patch(
        f"/api/v1/insights/{post['id']}",
        json={"title": "Version two", "body": "two"},
        headers=auth(ta),
    )
    assert r.status_code == 200 and r.json()["edited_at"]
    assert (
        client.patch(
            f"/api/v1/insights/{post['id']}", json={"title": "x"}, headers=auth(tb)
        ).status_code
        == 403
    )
    history = client.get(f"/api/v1/insights/{post['id']}/revisions").json()
    assert [h["title"] for h in history] == ["Version one"]
    c = client.post(
        f"/api/v1/insights/{post['id']}/comments", json={"body": "hi"}, headers=auth(tb)
    ).json()
    reply = client.post(
        f"/api/v1/insights/{post['id']}/comments",
        json={"body": "re", "parent": c["id"]},
        headers=auth(ta),
    ).json()
    assert client.delete(f"/api/v1/comments/{c['id']}", headers=auth(tb)).status_code == 204
    tomb = client.get(f"/api/v1/comments/{c['id']}").json()
    assert tomb["deleted"] and tomb["author"] is None and tomb["body_html"] == ""
    r = client.post(
        f"/api/v1/insights/{post['id']}/comments",
        json={"body": "x", "parent": c["id"]},
        headers=auth(ta),
    )
    assert r.status_code == 409 and "deleted" in r.json()["detail"]
    assert client.delete(f"/api/v1/insights/{post['id']}", headers=auth(ta)).status_code == 204
    gone = client.get(f"/api/v1/insights/{post['id']}").json()
    assert gone["deleted"] and gone["title"] == "[deleted]"
    assert client.get(f"/api/v1/comments/{reply['id']}").json()["body_html"] == "<p>re</p>\n"
    r = client.post(f"/api/v1/insights/{post['id']}/comments", json={"body": "x"}, headers=auth(tb))
    assert r.status_code == 409


def test_bad_input_gets_clear_4xx_and_changes_nothing(
    client: TestClient, members: Members, app
) -> None:  # type: ignore[no-untyped-def]
    a = members.create()
    ta = members.token(a)
    limit = app.state.settings.insight_body_max_bytes
    r = client.post(
        "/api/v1/insights",
        json={"kind": "insight", "title": "t", "body": "x" * (limit + 1)},
        headers=auth(ta),
    )
    assert r.status_code == 413
    assert (
        client.post(
            "/api/v1/insights", json={"kind": "rant", "title": "t"}, headers=auth(ta)
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/insights", json={"kind": "insight", "title": "  "}, headers=auth(ta)
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/insights",
            json={"kind": "insight", "title": "t", "topics": ["!!!"]},
            headers=auth(ta),
        ).status_code
        == 422
    )
    assert client.get("/api/v1/insights", headers=auth(ta)).json()["items"] == []
    assert client.get("/api/v1/insights?cursor=garbage").status_code == 422
    assert client.get("/api/v1/insights?order=random").status_code == 422
    post = publish(client, ta)
    parent = None
    depth = app.state.settings.comment_max_depth
    for _ in range(depth + 1):
        r = client.post(
            f"/api/v1/insights/{post['id']}/comments",
            json={"body": "d", "parent": parent},
            headers=auth(ta),
        )
        assert r.status_code == 201
        parent = r.json()["id"]
    r = client.post(
        f"/api/v1/insights/{post['id']}/comments",
        json={"body": "d", "parent": parent},
        headers=auth(ta),
    )
    assert r.status_code == 422 and "deep" in r.json()["detail"]
    r = client.post(
        f"/api/v1/insights/{post['id']}/comments",
        json={"body": "x" * (limit + 1)},
        headers=auth(ta),
    )
    assert r.status_code == 413
    assert (
        client.post(
            "/api/v1/insights/nope/comments", json={"body": "x"}, headers=auth(ta)
        ).status_code
        == 404
    )
    assert (
        client.post("/api/v1/insights", json={"kind": "insight", "title": "t"}).status_code == 401
    )


def test_visibility_blocks_and_moderation(client: TestClient, members: Members) -> None:
    author, reader, admin = members.create(), members.create(), members.create(admin=True)
    ta, tr, tadm = members.token(author), members.token(reader), members.token(admin)
    members_only = publish(client, ta, visibility="members", title="For members")
    conn = publish(client, ta, visibility="connections", title="For connections")
    assert client.get(f"/api/v1/insights/{members_only['id']}").status_code == 404
    assert client.get(f"/api/v1/insights/{members_only['id']}", headers=auth(tr)).status_code == 200
    assert client.get(f"/api/v1/insights/{conn['id']}", headers=auth(tr)).status_code == 404
    assert client.get(f"/api/v1/insights/{conn['id']}", headers=auth(ta)).status_code == 200
    assert client.get(f"/feeds/members/{author.handle}.atom").text.count("<entry>") == 0
    public = publish(client, ta, title="Public")
    assert (
        client.post(
            f"/api/v1/insights/{public['id']}/reports", json={"reason": "spam"}, headers=auth(tr)
        ).status_code
        == 202
    )
    assert client.get("/api/v1/admin/reports", headers=auth(tr)).status_code == 403
    reports = client.get("/api/v1/admin/reports", headers=auth(tadm)).json()["items"]
    assert reports[0]["insight"]["id"] == public["id"]
    assert (
        client.post(f"/api/v1/admin/insights/{public['id']}/hide", headers=auth(tadm)).status_code
        == 204
    )
    assert client.get(f"/api/v1/insights/{public['id']}", headers=auth(tr)).status_code == 404
    assert client.get(f"/api/v1/insights/{public['id']}", headers=auth(ta)).json()["hidden"]
    assert client.get("/api/v1/admin/reports", headers=auth(tadm)).json()["items"] == []
    assert (
        client.post(
            f"/api/v1/admin/insights/{public['id']}/restore", headers=auth(tadm)
        ).status_code
        == 204
    )
    assert client.get(f"/api/v1/insights/{public['id']}", headers=auth(tr)).status_code == 200
    # a block makes the author's items disappear for the blocker
    assert client.put(f"/api/v1/me/blocks/{author.handle}", headers=auth(tr)).status_code == 200
    assert client.get(f"/api/v1/insights/{public['id']}", headers=auth(tr)).status_code == 404
    assert client.get("/api/v1/insights", headers=auth(tr)).json()["items"] == []
    c = client.post(
        f"/api/v1/insights/{public['id']}/comments", json={"body": "x"}, headers=auth(tr)
    )
    assert c.status_code == 404
    assert client.delete(f"/api/v1/me/blocks/{author.handle}", headers=auth(tr)).status_code == 204
    assert client.get(f"/api/v1/insights/{public['id']}", headers=auth(tr)).status_code == 200
