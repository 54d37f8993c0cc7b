"""Sign-in with another account against a real OpenID Connect provider running locally
(oidc-provider-mock on a free port): new members, linking with confirmation, trusted
providers, and the refusal to link on a bare email match; the registration mode holds."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import Members, auth, csrf_from, web_sign_in
from tests.functional.accounts.conftest import add_provider
from tests.support import oidc_dance

from sharewell.accounts import service
from sharewell.accounts.models import OidcIdentity
from sharewell.ledger import queries as ledger_queries
from sharewell.members.models import Member

START = "/auth/oidc/mock/start"


def sub() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def test_a_new_identity_becomes_a_new_member_and_signs_in_again(
    client: TestClient, db: Session, oidc_provider_url: str
) -> None:
    add_provider(db, oidc_provider_url)
    assert "Mock ID" in client.get("/signin").text
    who = sub()
    email = f"{who}@example.org"
    r = oidc_dance(
        client,
        oidc_provider_url,
        who,
        START,
        {"email": email, "email_verified": True, "name": "Lena Oyelaran"},
    )
    assert r.status_code == 303, r.text
    assert client.get("/settings").status_code == 200  # signed in
    member = db.scalar(select(Member).where(Member.email == email))
    assert member is not None and member.display_name == "Lena Oyelaran"
    assert member.password_hash is None and member.email_verified_at is None  # untrusted
    fresh = TestClient(client.app)
    r = oidc_dance(fresh, oidc_provider_url, who, START, None)
    assert r.status_code == 303 and fresh.get("/settings").status_code == 200
    assert db.scalar(select(func.count(Member.id)).where(Member.email == email)) == 1


def test_a_bare_email_match_is_refused_and_nothing_is_linked(
    client: TestClient, db: Session, members: Members, oidc_provider_url: str
) -> None:
    add_provider(db, oidc_provider_url)
    victim = members.create()
    r = oidc_dance(
        client,
        oidc_provider_url,
        sub(),
        START,
        {"email": victim.email, "email_verified": True, "name": "Mallory"},
    )
    assert r.status_code == 409 and "never join accounts" in r.text
    assert client.get("/settings", follow_redirects=False).status_code == 303  # not signed in
    assert db.scalar(select(func.count(OidcIdentity.id))) == 0


def test_a_signed_in_member_links_after_confirming(
    client: TestClient, db: Session, members: Members, oidc_provider_url: str
) -> None:
    add_provider(db, oidc_provider_url)
    member = members.create()
    web_sign_in(client, member.email)
    who = sub()
    r = oidc_dance(
        client,
        oidc_provider_url,
        who,
        START,
        {"email": "elsewhere@example.org", "email_verified": True},
    )
    assert r.status_code == 303 and r.headers["location"] == "/auth/oidc/link"
    assert db.scalar(select(func.count(OidcIdentity.id))) == 0  # not before confirming
    page = client.get("/auth/oidc/link")
    assert "Link Mock ID" in page.text
    r = client.post(
        "/auth/oidc/link",
        follow_redirects=False,
        data={"decision": "link", "csrf_token": csrf_from(page.text)},
    )
    assert r.status_code == 303
    token = members.token(member, "read")
    identities = client.get("/api/v1/me/identities", headers=auth(token)).json()
    assert [i["provider"] for i in identities] == ["mock"]
    # Now that identity signs in to this member, in a fresh browser.
    fresh = TestClient(client.app)
    oidc_dance(fresh, oidc_provider_url, who, START, None)
    assert member.display_name in fresh.get("/settings/security").text


def test_a_trusted_provider_links_a_verified_address(
    client: TestClient, db: Session, members: Members, oidc_provider_url: str
) -> None:
    add_provider(db, oidc_provider_url, trusted=True)
    member = members.create()
    r = oidc_dance(
        client, oidc_provider_url, sub(), START, {"email": member.email, "email_verified": False}
    )
    assert r.status_code == 409  # trusted, but the provider does not vouch for the address
    r = oidc_dance(
        client, oidc_provider_url, sub(), START, {"email": member.email, "email_verified": True}
    )
    assert r.status_code == 303
    assert (
        db.scalar(select(func.count(OidcIdentity.id)).where(OidcIdentity.member_id == member.id))
        == 1
    )
    # The provider vouched for the address: it counts as confirmed, starter grant included.
    db.expire_all()
    assert ledger_queries.available(db, member.id) == 50


def test_invite_only_mode_holds_for_provider_sign_ups(
    client: TestClient, db: Session, settings: object, oidc_provider_url: str
) -> None:
    add_provider(db, oidc_provider_url)
    service.set_registration(db, mode="invite")
    db.commit()
    who = sub()
    r = oidc_dance(client, oidc_provider_url, who, START, {"email": f"{who}@example.org"})
    assert r.status_code == 403 and "invitation" in r.text
    assert db.scalar(select(func.count(Member.id)).where(Member.email == f"{who}@example.org")) == 0
    _, code = service.create_invitation(db, client.app.state.settings, None)  # type: ignore[attr-defined]
    db.commit()
    r = oidc_dance(client, oidc_provider_url, who, f"{START}?invite={code}", None)
    assert r.status_code == 303
    assert db.scalar(select(func.count(Member.id)).where(Member.email == f"{who}@example.org")) == 1


def test_forged_or_stale_callbacks_are_refused(
    client: TestClient, db: Session, oidc_provider_url: str
) -> None:
    add_provider(db, oidc_provider_url)
    r = client.get("/auth/oidc/mock/callback?code=abc&state=forged")
    assert r.status_code == 403 and "did not start here" in r.text
    client.get(START, follow_redirects=False)
    r = client.get("/auth/oidc/mock/callback?code=abc&state=wrong")
    assert r.status_code == 403
    assert client.get("/auth/oidc/nope/start").status_code == 404
