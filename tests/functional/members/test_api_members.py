"""The members API, end to end through the app."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import PASSWORD, Members, auth


def test_sign_up_fill_profile_and_be_found_by_topic(client: TestClient) -> None:
    r = client.post(
        "/api/v1/auth/signup",
        json={"email": "ngozi@example.org", "password": PASSWORD, "display_name": "Ngozi Okafor"},
    )
    assert r.status_code == 202
    r = client.post(
        "/api/v1/auth/token", data={"username": "ngozi@example.org", "password": PASSWORD}
    )
    assert r.status_code == 200
    token = r.json()["access_token"]
    r = client.patch(
        "/api/v1/me",
        headers=auth(token),
        json={
            "headline": "Head of Talent",
            "topics": ["Recruiting", "Employer Branding"],
            "offers": ["CV reviews"],
            "asks": ["data leaders"],
            "location": "Lagos",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["email"] == "ngozi@example.org"
    found = client.get("/api/v1/topics/recruiting/members").json()["items"]
    assert [m["handle"] for m in found] == ["ngozi-okafor"]
    profile = client.get("/api/v1/members/ngozi-okafor").json()
    assert profile["headline"] == "Head of Talent" and profile["offers"] == ["CV reviews"]
    assert "email" not in profile  # the address is never public
    assert client.get("/api/v1/topics/recruiting").json()["members"] == 1


def test_sign_up_answers_alike_for_known_and_new_addresses(
    client: TestClient, members: Members
) -> None:
    known = members.create()
    new = client.post(
        "/api/v1/auth/signup",
        json={"email": "fresh@example.org", "password": PASSWORD, "display_name": "F"},
    )
    again = client.post(
        "/api/v1/auth/signup",
        json={"email": known.email, "password": PASSWORD, "display_name": "F"},
    )
    assert (new.status_code, new.json()) == (again.status_code, again.json())


def test_invalid_fields_get_422_with_field_and_reason(client: TestClient, members: Members) -> None:
    r = client.post(
        "/api/v1/auth/signup", json={"email": "not-an-address", "password": "x", "display_name": ""}
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"email", "display_name"} <= fields
    token = members.token(members.create())
    r = client.patch("/api/v1/me", headers=auth(token), json={"topics": ["!!!"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "topics"


def test_mass_assignment_is_refused(client: TestClient, members: Members) -> None:
    member = members.create()
    token = members.token(member)
    r = client.patch("/api/v1/me", headers=auth(token), json={"is_admin": True, "headline": "x"})
    assert r.status_code == 422
    assert client.get("/api/v1/me", headers=auth(token)).json()["is_admin"] is False
    assert client.get("/api/v1/me", headers=auth(token)).json()["headline"] == ""


def test_taken_handle_is_409_and_changes_nothing(client: TestClient, members: Members) -> None:
    a, b = members.create(), members.create(headline="before")
    r = client.patch(
        "/api/v1/me", headers=auth(members.token(b)), json={"handle": a.handle, "headline": "after"}
    )
    assert r.status_code == 409
    assert client.get(f"/api/v1/members/{b.handle}").json()["headline"] == "before"


def test_wrong_credentials_are_401_without_saying_which(
    client: TestClient, members: Members
) -> None:
    member = members.create()
    unknown = client.post(
        "/api/v1/auth/token", data={"username": "nobody@example.org", "password": PASSWORD}
    )
    wrong = client.post("/api/v1/auth/token", data={"username": member.email, "password": "wrong"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]


def test_unknown_things_are_404_problems(client: TestClient) -> None:
    for path in ["/api/v1/members/nobody-here", "/api/v1/topics/none-such", "/api/v1/nothing"]:
        r = client.get(path)
        assert r.status_code == 404 and r.json()["status"] == 404, path


def test_oversize_bodies_get_413(client: TestClient, members: Members) -> None:
    token = members.token(members.create())
    r = client.patch("/api/v1/me", headers=auth(token), content=b"{" + b" " * 2_100_000 + b"}")
    assert r.status_code == 413 and "bytes" in r.json()["detail"]


def test_read_only_token_cannot_write(client: TestClient, members: Members) -> None:
    member = members.create()
    read_only = members.token(member, scope="read")
    assert client.get("/api/v1/me", headers=auth(read_only)).status_code == 200
    r = client.patch("/api/v1/me", headers=auth(read_only), json={"headline": "x"})
    assert r.status_code == 403 and "read-only" in r.json()["detail"]


def test_tokens_are_listed_and_revocable(client: TestClient, members: Members) -> None:
    token = members.token(members.create())
    created = client.post(
        "/api/v1/me/tokens", headers=auth(token), json={"name": "script", "scope": "read"}
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    listed = client.get("/api/v1/me/tokens", headers=auth(token)).json()
    assert "script" in [t["name"] for t in listed] and all("token" not in t for t in listed)
    assert (
        client.delete(f"/api/v1/me/tokens/{created.json()['id']}", headers=auth(token)).status_code
        == 204
    )
    assert client.get("/api/v1/me", headers=auth(secret)).status_code == 401


def test_other_members_tokens_cannot_be_revoked(client: TestClient, members: Members) -> None:
    a, b = members.create(), members.create()
    token_b = client.post(
        "/api/v1/me/tokens", headers=auth(members.token(b)), json={"name": "b"}
    ).json()
    r = client.delete(f"/api/v1/me/tokens/{token_b['id']}", headers=auth(members.token(a)))
    assert r.status_code == 404


def test_lists_are_paginated_with_a_cap(client: TestClient, members: Members) -> None:
    for _ in range(5):
        members.create()
    page = client.get("/api/v1/members?limit=2").json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/v1/members?limit=2&cursor={page['next_cursor']}").json()
    assert not {m["handle"] for m in rest["items"]} & {m["handle"] for m in page["items"]}
    assert len(client.get("/api/v1/members?limit=100000").json()["items"]) <= 100
    assert client.get("/api/v1/members?cursor=garbage!").status_code == 422


def test_admins_suspend_members(client: TestClient, members: Members) -> None:
    admin, target, plain = members.create(admin=True), members.create(), members.create()
    assert (
        client.post(
            f"/api/v1/admin/members/{target.handle}/suspend", headers=auth(members.token(plain))
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/admin/members/{target.handle}/suspend", headers=auth(members.token(admin))
        ).status_code
        == 200
    )
    assert client.get(f"/api/v1/members/{target.handle}").status_code == 404


def test_openapi_health_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/members/{handle}" in spec["paths"]
    assert client.get("/healthz").json()["status"] == "ok"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui-bundle.js" in docs.text
