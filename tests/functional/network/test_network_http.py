"""Connecting through the API and the pages; degrees on member lists; paths over HTTP."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests.factories import Members, auth, csrf_from, web_sign_in

from sharewell.web import network as web_network


def test_connect_through_the_api_and_see_degrees_and_paths(
    client: TestClient, members: Members
) -> None:
    a, b, c = members.create("Ann Api"), members.create("Bob Api"), members.create("Cy Api")
    ta, tb, tc = members.token(a), members.token(b), members.token(c)
    r = client.post("/api/v1/connections/requests", json={"handle": b.handle}, headers=auth(ta))
    assert r.status_code == 201 and r.json()["direction"] == "outgoing"
    incoming = client.get("/api/v1/connections/requests", headers=auth(tb)).json()
    assert [x["direction"] for x in incoming] == ["incoming"]
    r = client.post(f"/api/v1/connections/requests/{a.handle}/accept", headers=auth(tb))
    assert r.status_code == 200 and r.json()["strength"] == 3
    client.post("/api/v1/connections/requests", json={"handle": c.handle}, headers=auth(tb))
    client.post(f"/api/v1/connections/requests/{b.handle}/accept", headers=auth(tc))
    profile = client.get(f"/api/v1/members/{c.handle}", headers=auth(ta)).json()
    assert profile["degree"] == "2nd"
    assert client.get(f"/api/v1/members/{c.handle}").json()["degree"] is None  # anonymous
    paths = client.get(f"/api/v1/paths?to={c.handle}", headers=auth(ta)).json()["paths"]
    assert paths[0]["explanation"] == "You → Bob Api (ok) → Cy Api (ok)"
    r = client.put(
        f"/api/v1/connections/{b.handle}/strength", json={"strength": 9}, headers=auth(ta)
    )
    assert r.status_code == 422
    assert client.get("/api/v1/paths", headers=auth(ta)).status_code == 422
    r = client.get(f"/api/v1/paths?to={c.handle}&company=Acme", headers=auth(ta))
    assert r.status_code == 422
    assert (
        client.post("/api/v1/blocks", json={"handle": b.handle}, headers=auth(tc)).status_code
        == 204
    )
    assert client.get(f"/api/v1/paths?to={c.handle}", headers=auth(ta)).json()["paths"] == []
    assert client.get("/api/v1/paths?to=someone", headers=auth(ta)).status_code == 404
    assert client.get("/api/v1/paths?company=Acme").status_code == 401
    pause = client.put("/api/v1/me/introductions", json={"paused": True}, headers=auth(tb))
    assert pause.json() == {"paused": True}
    assert client.get("/api/v1/recommendations", headers=auth(ta)).status_code == 200


def test_connect_and_accept_in_the_browser_without_js(
    app, client: TestClient, members: Members
) -> None:
    a, b = members.create("Web Ann"), members.create("Web Bob")
    web_sign_in(client, a.email)
    page = client.get(f"/members/{b.handle}")
    assert "Connect" in page.text and "out of network" in page.text
    r = client.post(
        "/network/connect",
        data={
            "handle": b.handle,
            "csrf_token": csrf_from(page.text),
            "next": f"/members/{b.handle}",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.post("/network/connect", data={"handle": b.handle}).status_code == 403  # no CSRF
    other = TestClient(app)
    web_sign_in(other, b.email)
    net = other.get("/network")
    assert "Web Ann" in net.text and "Accept" in net.text
    r = other.post(
        f"/network/requests/{a.handle}/accept",
        data={"csrf_token": csrf_from(net.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "1st" in client.get("/members").text
    find = client.get(f"/find?to={b.handle}")
    assert find.status_code == 200 and "You → Web Bob" in find.text
    assert client.get("/find?company=" + "x" * 101).status_code == 422
    assert "Find a way in" in client.get("/").text


def test_my_network_pages_through_every_connection(
    client: TestClient, members: Members, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the first page the rest of a member's connections are one click away."""
    me = members.create("Paula Pages")
    others = [members.create(f"Friend {n}") for n in range(3)]
    for other in others:
        client.post(
            "/api/v1/connections/requests", json={"handle": other.handle},
            headers=auth(members.token(me)),
        )  # fmt: skip
        client.post(
            f"/api/v1/connections/requests/{me.handle}/accept",
            headers=auth(members.token(other)),
        )
    monkeypatch.setattr(web_network, "CONNECTIONS_PAGE", 2)
    web_sign_in(client, me.email)
    first = client.get("/network").text
    more = re.search(r'href="(/network\?cursor=[^"#]+)', first)
    assert more is not None
    second = client.get(more.group(1)).text
    shown = [o.handle for o in others if f"/members/{o.handle}" in first + second]
    assert shown == [o.handle for o in others]
    assert ">More connections<" not in second and "First page" in second
