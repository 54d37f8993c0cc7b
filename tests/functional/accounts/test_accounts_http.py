"""Accounts through HTTP: verification and reset from the outbox, sessions, tokens, two-factor,
rate limits, enumeration-proof answers, invitations, admin settings and /metrics."""

from __future__ import annotations

import time

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import PASSWORD, Members, auth, csrf_from, web_sign_in
from tests.support import link_in

from sharewell.mail.models import MailMessage
from sharewell.members.models import Member
from sharewell.ratelimit import MemoryLimiter


def last_mail(db: Session, to: str) -> MailMessage:
    message = db.scalars(
        select(MailMessage).where(MailMessage.to_addr == to).order_by(MailMessage.id.desc())
    ).first()
    assert message is not None, f"no mail to {to}"
    return message


def post_form(client: TestClient, page: str, action: str, data: dict[str, str], **kw: object):  # type: ignore[no-untyped-def]
    csrf = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": csrf}, follow_redirects=False, **kw)  # type: ignore[arg-type]


def test_a_member_verifies_their_address_from_the_outbox(client: TestClient, db: Session) -> None:
    r = post_form(
        client,
        "/signup",
        "/signup",
        {"email": "ivy@example.org", "password": PASSWORD, "display_name": "Ivy"},
    )
    assert r.status_code == 303
    token = link_in(last_mail(db, "ivy@example.org").body, "/verify-email")
    page = client.get(f"/verify-email?token={token}")
    assert page.status_code == 200 and token in page.text  # a GET changes nothing
    assert (
        db.scalar(select(Member.email_verified_at).where(Member.email == "ivy@example.org")) is None
    )
    r = post_form(client, "/verify-email", "/verify-email", {"token": token})
    assert r.status_code == 303
    assert db.scalar(select(Member.email_verified_at).where(Member.email == "ivy@example.org"))
    again = post_form(client, "/verify-email", "/verify-email", {"token": token})
    assert again.status_code == 422 and "invalid" in again.text


def test_password_reset_by_emailed_link(client: TestClient, db: Session, members: Members) -> None:
    member = members.create()
    web_sign_in(client, member.email)
    other = TestClient(client.app)
    r = post_form(other, "/reset-password", "/reset-password", {"email": member.email})
    assert r.status_code == 200 and "If this address has an account" in r.text
    token = link_in(last_mail(db, member.email).body, "/reset-password/confirm")
    form = other.get(f"/reset-password/confirm?token={token}")
    assert 'autocomplete="new-password"' in form.text
    r = other.post(
        "/reset-password/confirm",
        follow_redirects=False,
        data={
            "token": token,
            "new_password": "fresh password 42",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    # The old browser session ended; the new password works, the old one does not.
    assert client.get("/settings", follow_redirects=False).status_code == 303
    r = client.post("/api/v1/auth/token", data={"username": member.email, "password": PASSWORD})
    assert r.status_code == 401
    r = client.post(
        "/api/v1/auth/token", data={"username": member.email, "password": "fresh password 42"}
    )
    assert r.status_code == 200
    r = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "x" * 12}
    )
    assert r.status_code == 422  # single use


def test_sessions_list_revoke_and_sign_out_everywhere(client: TestClient, members: Members) -> None:
    member = members.create()
    laptop = TestClient(
        client.app, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}
    )
    web_sign_in(laptop, member.email)
    web_sign_in(client, member.email)
    page = client.get("/settings/security")
    assert "Firefox on Linux" in page.text and "(this browser)" in page.text
    token = members.token(member, "read")
    sessions = client.get("/api/v1/me/sessions", headers=auth(token)).json()
    assert len(sessions) == 2 and {s["device"] for s in sessions} >= {"Firefox on Linux"}
    laptop_id = next(s["id"] for s in sessions if s["device"] == "Firefox on Linux")
    r = post_form(client, "/settings/security", f"/settings/sessions/{laptop_id}/revoke", {})
    assert r.status_code == 303
    assert laptop.get("/settings", follow_redirects=False).status_code == 303  # signed out
    assert client.get("/settings").status_code == 200
    r = post_form(client, "/settings/security", "/settings/sessions/revoke-all", {})
    assert r.status_code == 303
    assert client.get("/settings", follow_redirects=False).status_code == 303
    write = members.token(member, "write")
    assert client.delete(f"/api/v1/me/sessions/{laptop_id}", headers=auth(write)).status_code == 404


def test_a_read_only_token_cannot_write(client: TestClient, members: Members) -> None:
    member = members.create()
    read = members.token(member, "read")
    assert client.get("/api/v1/me", headers=auth(read)).status_code == 200
    r = client.patch("/api/v1/me", json={"headline": "hacked"}, headers=auth(read))
    assert r.status_code == 403 and "read-only" in r.json()["detail"]
    assert client.post("/api/v1/me/invitations", headers=auth(read)).status_code == 403
    tokens = client.get("/api/v1/me/tokens", headers=auth(read)).json()
    assert tokens[0]["scope"] == "read" and tokens[0]["last_used_at"] is not None


def test_two_factor_on_then_sign_in_with_it(
    client: TestClient, db: Session, members: Members
) -> None:
    member = members.create()
    web_sign_in(client, member.email)
    r = post_form(client, "/settings/security", "/settings/two-factor/start", {})
    assert r.status_code == 303
    page = client.get("/settings/security")
    secret = page.text.split("<p><code>")[1].split("</code>")[0]
    totp = pyotp.TOTP(secret)
    wrong = post_form(
        client, "/settings/security", "/settings/two-factor/enable", {"code": "000000"}
    )
    assert wrong.status_code == 422
    r = post_form(client, "/settings/security", "/settings/two-factor/enable", {"code": totp.now()})
    assert r.status_code == 200 and "Your recovery codes" in r.text
    codes = r.text.split("<pre><code>")[1].split("</code>")[0].split()
    assert len(codes) == 10

    # The password-flow token endpoint now refuses; personal tokens still work.
    r = client.post("/api/v1/auth/token", data={"username": member.email, "password": PASSWORD})
    assert r.status_code == 403 and "personal API token" in r.json()["detail"]

    browser = TestClient(client.app)
    r = post_form(
        browser, "/signin", "/signin", {"email": member.email, "password": PASSWORD, "next": "/"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/signin/two-factor"
    assert browser.get("/settings", follow_redirects=False).status_code == 303  # not yet in
    bad = post_form(browser, "/signin/two-factor", "/signin/two-factor", {"code": "123456"})
    assert bad.status_code == 401
    next_code = totp.at(time.time() + 30)  # the enabling code's step is used up
    r = post_form(browser, "/signin/two-factor", "/signin/two-factor", {"code": next_code})
    assert r.status_code == 303
    assert browser.get("/settings").status_code == 200

    recovery = TestClient(client.app)
    post_form(
        recovery, "/signin", "/signin", {"email": member.email, "password": PASSWORD, "next": "/"}
    )
    r = post_form(recovery, "/signin/two-factor", "/signin/two-factor", {"code": codes[0]})
    assert r.status_code == 303
    token = client.post  # noqa: F841 - keep flake quiet about unused names
    status = recovery.get("/settings/security").text
    assert "9 recovery code(s) left" in status


def test_answers_are_identical_for_known_and_unknown_addresses(
    client: TestClient, members: Members
) -> None:
    known = members.create().email
    unknown = "nobody-here@example.org"

    def api(path: str, body: dict[str, str], form: bool = False) -> list[tuple[int, str]]:
        out = []
        for email in (known, unknown):
            payload = {k: v.replace("{email}", email) for k, v in body.items()}
            rid = {"X-Request-ID": "sameid12345678"}  # the only part allowed to differ otherwise
            r = (
                client.post(path, data=payload, headers=rid)
                if form
                else client.post(path, json=payload, headers=rid)
            )
            out.append((r.status_code, r.text.replace(email, "{email}")))
        return out

    for path, body, form in [
        (
            "/api/v1/auth/signup",
            {"email": "{email}", "password": PASSWORD, "display_name": "X"},
            False,
        ),
        ("/api/v1/auth/password-reset", {"email": "{email}"}, False),
        ("/api/v1/auth/verify-email/resend", {"email": "{email}"}, False),
        ("/api/v1/auth/token", {"username": "{email}", "password": "wrong password"}, True),
    ]:
        (status_a, body_a), (status_b, body_b) = api(path, body, form)
        assert status_a == status_b and body_a == body_b, path

    def web(page: str, action: str, data: dict[str, str]) -> list[tuple[int, str, str]]:
        out = []
        for email in (known, unknown):
            payload = {k: v.replace("{email}", email) for k, v in data.items()}
            r = post_form(client, page, action, payload, headers={"X-Request-ID": "sameid12345678"})
            out.append(
                (
                    r.status_code,
                    r.headers.get("location", "").replace(email.replace("@", "%40"), "{email}"),
                    r.text.replace(email, "{email}"),
                )
            )
        return out

    for page, action, data in [
        ("/signup", "/signup", {"email": "{email}", "password": PASSWORD, "display_name": "X"}),
        ("/reset-password", "/reset-password", {"email": "{email}"}),
        ("/verify-email/resend", "/verify-email/resend", {"email": "{email}"}),
        ("/signin", "/signin", {"email": "{email}", "password": "wrong password", "next": "/"}),
    ]:
        first, second = web(page, action, data)
        assert first == second, action


def test_rate_limits_answer_429_with_retry_after(client: TestClient, members: Members) -> None:
    # A stopped clock: windows are fixed, and a real one could roll over mid-test.
    client.app.state.limiter = MemoryLimiter(clock=lambda: 1_000_000.0)  # type: ignore[attr-defined]
    member = members.create()
    statuses = [
        client.post(
            "/api/v1/auth/token", data={"username": member.email, "password": "nope nope"}
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    r = client.post("/api/v1/auth/token", data={"username": member.email, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    page = post_form(
        client, "/signin", "/signin", {"email": member.email, "password": PASSWORD, "next": "/"}
    )
    assert page.status_code == 429 and "Too many attempts" in page.text
    for _ in range(3):
        assert (
            client.post("/api/v1/auth/password-reset", json={"email": "x@example.org"}).status_code
            == 202
        )
    assert (
        client.post("/api/v1/auth/password-reset", json={"email": "x@example.org"}).status_code
        == 429
    )


def test_invite_only_sign_up_with_invitation_links(
    client: TestClient, db: Session, members: Members
) -> None:
    admin = members.create(admin=True)
    inviter = members.create()
    admin_token, member_token = members.token(admin), members.token(inviter)
    r = client.put(
        "/api/v1/admin/registration",
        headers=auth(admin_token),
        json={"mode": "invite", "domains": [], "invite_cap": 1},
    )
    assert r.status_code == 200 and r.json()["mode"] == "invite"
    assert (
        client.put(
            "/api/v1/admin/registration", headers=auth(member_token), json={"mode": "open"}
        ).status_code
        == 403
    )
    assert (
        client.put(
            "/api/v1/admin/registration", headers=auth(admin_token), json={"mode": "closed"}
        ).status_code
        == 422
    )
    refused = client.post(
        "/api/v1/auth/signup",
        json={"email": "jo@example.org", "password": PASSWORD, "display_name": "Jo"},
    )
    assert refused.status_code == 403 and "invitation" in refused.json()["detail"]
    created = client.post("/api/v1/me/invitations", headers=auth(member_token))
    assert created.status_code == 201
    link = created.json()["link"]
    assert (
        client.post("/api/v1/me/invitations", headers=auth(member_token)).status_code == 403
    )  # cap
    code = link.split("invite=")[1]
    form = client.get(f"/signup?invite={code}")
    assert code in form.text
    r = client.post(
        "/signup",
        follow_redirects=False,
        data={
            "email": "jo@example.org",
            "password": PASSWORD,
            "display_name": "Jo",
            "invite": code,
            "csrf_token": csrf_from(form.text),
        },
    )
    assert r.status_code == 303
    assert db.scalar(select(Member.id).where(Member.email == "jo@example.org")) is not None
    listed = client.get("/api/v1/me/invitations", headers=auth(member_token)).json()
    assert listed["left"] == 0 and listed["items"][0]["used"] is True


def test_admin_pages_and_apis(client: TestClient, members: Members) -> None:
    admin = members.create(admin=True)
    token = members.token(admin)
    web_sign_in(client, admin.email)
    page = client.get("/admin/settings")
    assert (
        page.status_code == 200 and "mail.deliver" in page.text and 'for="mode-invite"' in page.text
    )
    r = post_form(
        client,
        "/admin/settings",
        "/admin/registration",
        {"mode": "domains", "domains": "acme.example, b.example", "invite_cap": "3"},
    )
    assert r.status_code == 303
    assert client.get("/api/v1/admin/registration", headers=auth(token)).json()["domains"] == [
        "acme.example",
        "b.example",
    ]
    bad = post_form(
        client,
        "/admin/settings",
        "/admin/registration",
        {"mode": "domains", "domains": "", "invite_cap": "x"},
    )
    assert bad.status_code == 422
    r = post_form(
        client,
        "/admin/settings",
        "/admin/oidc-providers",
        {
            "slug": "corp",
            "name": "Corp",
            "issuer": "http://evil.example",
            "client_id": "c",
            "client_secret": "s",
        },
    )
    assert r.status_code == 422 and "https://" in r.text
    jobs = client.get("/api/v1/admin/jobs", headers=auth(token)).json()
    assert {j["name"] for j in jobs} >= {"mail.deliver", "accounts.sweep"}
    assert (
        client.post("/api/v1/admin/jobs/accounts.sweep/run", headers=auth(token)).status_code == 202
    )
    assert client.post("/api/v1/admin/jobs/nope/run", headers=auth(token)).status_code == 404
    assert client.get("/api/v1/admin/mail?status=bogus", headers=auth(token)).status_code == 422
    member = members.create()
    web_sign_in(other := TestClient(client.app), member.email)
    assert other.get("/admin/settings").status_code == 403


def test_metrics(client: TestClient) -> None:
    client.get("/members")
    client.post(
        "/api/v1/auth/signup",
        json={"email": "kim@example.org", "password": PASSWORD, "display_name": "Kim"},
    )
    text = client.get("/metrics").text
    assert 'sharewell_http_requests_total{method="GET",route="/members",status="200"}' in text
    assert "sharewell_http_request_duration_seconds_bucket" in text
    assert 'sharewell_mail_messages{status="outbox"}' in text
    assert "sharewell_job_runs_total" in text or "# HELP sharewell_job_runs_total" in text
