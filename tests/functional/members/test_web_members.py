"""The web shell: sign-up, sign-in, profile editing, topic pages, settings, CSRF."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import PASSWORD, Members, auth, csrf_from, web_sign_in


def test_sign_up_sign_in_fill_profile_and_appear_on_topic_page(client: TestClient) -> None:
    page = client.get("/signup")
    assert page.status_code == 200 and 'autocomplete="new-password"' in page.text
    r = client.post(
        "/signup",
        data={
            "email": "kofi@example.org",
            "password": PASSWORD,
            "display_name": "Kofi Mensah",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    web_sign_in(client, "kofi@example.org")
    form = client.get("/settings/profile")
    assert form.status_code == 200
    r = client.post(
        "/settings/profile",
        data={
            "csrf_token": csrf_from(form.text),
            "display_name": "Kofi Mensah",
            "handle": "kofi",
            "headline": "Supply chain lead",
            "location": "Accra",
            "topics": "Supply Chain, Logistics",
            "offers": "vendor negotiations\nprocess design",
            "asks": "suppliers in Vietnam",
            "bio": "I **ship** things.",
            "links": "Site | https://kofi.example.org",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/members/kofi"
    profile = client.get("/members/kofi").text
    assert "Supply chain lead" in profile and "<strong>ship</strong>" in profile
    assert "vendor negotiations" in profile and "https://kofi.example.org" in profile
    topic = client.get("/topics/supply-chain").text
    assert "Kofi Mensah" in topic


def test_forms_without_csrf_token_are_refused(client: TestClient, members: Members) -> None:
    member = members.create()
    client.get("/signin")
    r = client.post(
        "/signin", data={"email": member.email, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 403 and "expired" in r.text


def test_wrong_password_shows_a_clear_error(client: TestClient, members: Members) -> None:
    member = members.create()
    page = client.get("/signin")
    r = client.post(
        "/signin",
        data={"email": member.email, "password": "nope", "csrf_token": csrf_from(page.text)},
    )
    assert r.status_code == 401 and "not right" in r.text


def test_invalid_profile_form_is_rerendered_and_nothing_saved(
    client: TestClient, members: Members
) -> None:
    member = members.create(headline="kept")
    web_sign_in(client, member.email)
    form = client.get("/settings/profile")
    r = client.post(
        "/settings/profile",
        data={
            "csrf_token": csrf_from(form.text),
            "display_name": "X",
            "handle": member.handle,
            "headline": "changed",
            "topics": "ok-topic",
            "links": "bad | javascript:alert(1)",
        },
    )
    assert r.status_code == 422 and "http" in r.text and 'value="changed"' in r.text
    assert "kept" in client.get(f"/members/{member.handle}").text


def test_pages_need_sign_in_where_private(client: TestClient) -> None:
    r = client.get("/settings", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/settings"


def test_public_pages_render_for_everyone(client: TestClient, members: Members) -> None:
    member = members.create(topics=["Hiring"])
    for path in [
        "/",
        "/members",
        "/topics",
        "/topics/hiring",
        f"/members/{member.handle}",
        "/signin",
        "/signup",
    ]:
        r = client.get(path)
        assert r.status_code == 200, path
        assert "content-security-policy" in r.headers and r.headers["x-frame-options"] == "DENY"
    missing = client.get("/members/nobody-at-all")
    assert missing.status_code == 404 and "No member" in missing.text


def test_tokens_from_settings_work_on_the_api(client: TestClient, members: Members) -> None:
    member = members.create()
    web_sign_in(client, member.email)
    page = client.get("/settings")
    r = client.post(
        "/settings/tokens",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "cli",
            "scope": "read",
            "expires_in_days": "30",
        },
    )
    assert r.status_code == 200
    import re

    secret = re.search(r"<code>(swt_[^<]+)</code>", r.text)
    assert secret
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret.group(1)}"}).json()[
            "handle"
        ]
        == member.handle
    )


def test_sign_out_ends_the_session(client: TestClient, members: Members) -> None:
    member = members.create()
    web_sign_in(client, member.email)
    page = client.get("/settings")
    client.post("/signout", data={"csrf_token": csrf_from(page.text)})
    assert client.get("/settings", follow_redirects=False).status_code == 303


def test_open_redirects_are_refused(client: TestClient, members: Members) -> None:
    member = members.create()
    page = client.get("/signin")
    r = client.post(
        "/signin",
        data={
            "email": member.email,
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] in {"/", "/settings/profile"}


def test_profile_page_shows_topics_offers_asks_and_links_in_the_members_order(
    client: TestClient, members: Members
) -> None:
    """The page reads a profile in one statement of its own: a visitor still sees every part,
    in the order the member gave (topics alphabetically), exactly as the API returns it."""
    member = members.create(
        "Ines Duarte",
        topics=["Zoning", "Accessibility", "Mobility"],
        offers=["first offer", "second offer", "last offer"],
        asks=["an ask", "another ask"],
        links=[{"label": "Blog", "url": "https://ines.example.org"},
               {"label": "Talks", "url": "https://talks.example.org"}],
    )  # fmt: skip
    api = client.get(f"/api/v1/members/{member.handle}").json()
    page = client.get(f"/members/{member.handle}").text

    def in_page_order(texts: list[str]) -> list[str]:
        return sorted(texts, key=page.index)

    assert [t["label"] for t in api["topics"]] == ["Accessibility", "Mobility", "Zoning"]
    for part in (
        [t["label"] for t in api["topics"]],
        api["offers"],
        api["asks"],
        [link["url"] for link in api["links"]],
    ):
        assert all(text in page for text in part)
        assert in_page_order(part) == part


def test_health_check_says_when_the_worker_has_its_graph_index(
    client: TestClient, members: Members
) -> None:
    """A readiness probe (and the HTTP benchmark) can wait for a worker's graph index."""
    assert client.get("/healthz").json()["graph_index"] in ("ready", "building")
    member = members.create()
    client.get("/api/v1/paths?company=Acme", headers=auth(members.token(member)))
    assert client.get("/healthz").json()["graph_index"] == "ready"
