"""Sharing through the API and the pages: per entry with preview, in bulk, defaults,
aggregates on profiles, the quota's 429, and the public opt-out page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import Members, auth, csrf_from, web_sign_in


def make(client: TestClient, token: str, name: str, **fields: object) -> str:
    r = client.post("/api/v1/contacts", headers=auth(token), json={"full_name": name, **fields})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_share_blind_preview_and_see_card(client: TestClient, members: Members) -> None:
    holder, viewer = members.create(), members.create()
    token, viewer_token = members.token(holder), members.token(viewer)
    cid = make(
        client, token, "Priya Sharma", company="Acme", title="Staff Data Engineer", city="Berlin"
    )
    preview = client.get(
        f"/api/v1/contacts/{cid}/preview?visibility=blind&card_fields=title&card_fields=company",
        headers=auth(token),
    ).json()
    assert preview["card"] == {"title": "Staff Data Engineer", "company": "Acme"}
    assert preview["description"] == "a staff data engineer at Acme"
    assert client.get(f"/api/v1/cards/{cid}", headers=auth(viewer_token)).status_code == 404
    r = client.put(
        f"/api/v1/contacts/{cid}/sharing",
        headers=auth(token),
        json={
            "visibility": "blind",
            "card_fields": ["title", "company"],
            "how_known": "ex-colleague",
        },
    )
    assert r.status_code == 200 and r.json()["visibility"] == "blind"
    card = client.get(f"/api/v1/cards/{cid}", headers=auth(viewer_token)).json()
    assert card["card"] == {
        "title": "Staff Data Engineer",
        "company": "Acme",
    } and "Priya" not in str(card)
    assert client.get(f"/api/v1/contacts/{cid}", headers=auth(token)).json()["views"] == 1
    bad = client.put(
        f"/api/v1/contacts/{cid}/sharing",
        headers=auth(token),
        json={"visibility": "blind", "how_known": "Priya from the data team"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "how_known"
    assert (
        client.get(f"/api/v1/contacts/{cid}", headers=auth(token)).json()["how_known"]
        == "ex-colleague"
    )


def test_bulk_defaults_and_aggregates(client: TestClient, members: Members) -> None:
    holder, viewer = members.create(), members.create()
    token = members.token(holder)
    assert (
        client.put(
            "/api/v1/contacts/settings",
            headers=auth(token),
            json={"default_visibility": "counted", "default_card_fields": []},
        ).status_code
        == 200
    )
    for i in range(3):
        make(client, token, f"Person {i}", company="Acme", tags=["team"])
    listed = client.get("/api/v1/contacts", headers=auth(token)).json()["items"]
    assert {c["visibility"] for c in listed} == {"counted"}
    knows = client.get(
        f"/api/v1/members/{holder.handle}/knows", headers=auth(members.token(viewer))
    ).json()
    assert knows == [
        {"company": "Acme", "count": 3, "by_skill": [], "description": "3 people at Acme"}
    ]
    r = client.post(
        "/api/v1/contacts/sharing",
        headers=auth(token),
        json={"visibility": "private", "tag": "team"},
    )
    assert r.json() == {"changed": 3}
    assert (
        client.get(
            f"/api/v1/members/{holder.handle}/knows", headers=auth(members.token(viewer))
        ).json()
        == []
    )
    r = client.post("/api/v1/contacts/sharing", headers=auth(token), json={"visibility": "open"})
    assert r.status_code == 422 and "exactly one" in r.json()["detail"]


def test_profile_page_shows_aggregates_to_members_only(
    client: TestClient, members: Members
) -> None:
    holder, viewer = members.create(), members.create()
    token = members.token(holder)
    for i in range(3):
        cid = make(client, token, f"P {i}", company="Globex")
        client.put(
            f"/api/v1/contacts/{cid}/sharing", headers=auth(token), json={"visibility": "counted"}
        )
    assert "3 people at Globex" not in client.get(f"/members/{holder.handle}").text
    web_sign_in(client, viewer.email)
    assert "3 people at Globex" in client.get(f"/members/{holder.handle}").text


def test_web_sharing_form_and_preview_partial(client: TestClient, members: Members) -> None:
    holder = members.create()
    cid = make(client, members.token(holder), "Sam Okafor", company="Initech", title="Recruiter")
    web_sign_in(client, holder.email)
    page = client.get(f"/contacts/{cid}")
    assert "What others will see" not in page.text and "Sharing" in page.text
    partial = client.get(
        f"/contacts/{cid}/sharing?visibility=blind&card_fields=title",
        headers={"HX-Request": "true"},
    )
    assert (
        partial.status_code == 200 and "a recruiter" in partial.text and "<html" not in partial.text
    )
    r = client.post(
        f"/contacts/{cid}/sharing",
        data={
            "csrf_token": csrf_from(page.text),
            "visibility": "open",
            "card_fields": ["title"],
            "how_known": "",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "shared as <strong>open</strong>" in client.get(f"/contacts/{cid}").text


def test_public_optout_page_answers_alike_and_forces_private(
    client: TestClient, members: Members
) -> None:
    holder = members.create()
    token = members.token(holder)
    cid = make(client, token, "Olga", emails=[{"value": "olga@example.org"}])
    client.put(f"/api/v1/contacts/{cid}/sharing", headers=auth(token), json={"visibility": "open"})
    known = client.post("/api/v1/optouts", json={"kind": "email", "identifier": "OLGA@example.org"})
    unknown = client.post(
        "/api/v1/optouts", json={"kind": "email", "identifier": "nobody@example.org"}
    )
    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    contact = client.get(f"/api/v1/contacts/{cid}", headers=auth(token)).json()
    assert contact["visibility"] == "private" and contact["opted_out"]
    again = client.put(
        f"/api/v1/contacts/{cid}/sharing", headers=auth(token), json={"visibility": "open"}
    )
    assert again.status_code == 409
    page = client.get("/optout")
    r = client.post(
        "/optout", data={"csrf_token": csrf_from(page.text), "kind": "phone", "identifier": "x"}
    )
    assert r.status_code == 422 and "phone" in r.text
    r = client.post(
        "/optout",
        data={
            "csrf_token": csrf_from(page.text),
            "kind": "linkedin",
            "identifier": "linkedin.com/in/olga",
        },
    )
    assert r.status_code == 200 and "Thank you" in r.text


def test_display_quota_answers_429_with_retry_after(
    app, client: TestClient, members: Members
) -> None:  # type: ignore[no-untyped-def]
    app.state.settings = app.state.settings.model_copy(update={"display_quota_hour": 2})
    holder, viewer = members.create(), members.create()
    token, viewer_token = members.token(holder), members.token(viewer)
    ids = [make(client, token, f"C {i}", title="Engineer") for i in range(3)]
    for cid in ids:
        client.put(
            f"/api/v1/contacts/{cid}/sharing",
            headers=auth(token),
            json={"visibility": "blind", "card_fields": ["title"]},
        )
    assert [
        client.get(f"/api/v1/cards/{cid}", headers=auth(viewer_token)).status_code for cid in ids
    ] == [200, 200, 429]
    last = client.get(f"/api/v1/cards/{ids[2]}", headers=auth(viewer_token))
    assert int(last.headers["retry-after"]) > 0 and "Try again" in last.json()["detail"]


def test_email_optout_mails_a_confirmation_link_that_confirms(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    import re

    from sqlalchemy import select

    from sharewell.contacts.models import OptOut
    from sharewell.mail.models import MailMessage

    r = client.post("/api/v1/optouts", json={"kind": "email", "identifier": "Hidden@Example.org"})
    assert r.status_code == 202
    message = db.scalars(
        select(MailMessage).where(MailMessage.to_addr == "hidden@example.org")
    ).one()
    assert (
        "hidden@example.org" not in message.body.split("/optout/confirm")[1]
    )  # the link carries no address
    token = re.search(r"/optout/confirm\?token=(\S+)", message.body).group(1)  # type: ignore[union-attr]
    page = client.get(f"/optout/confirm?token={token}")
    assert page.status_code == 200 and "Yes, this address is mine" in page.text
    assert (
        db.scalars(select(OptOut.confirmed_at)).one() is None
    )  # opening the link confirms nothing
    done = client.post("/optout/confirm", data={"csrf_token": csrf_from(page.text), "token": token})
    assert done.status_code == 200 and "confirmed as yours" in done.text
    assert db.scalars(select(OptOut.confirmed_at)).one() is not None
    bad = client.post("/api/v1/optouts/confirm", json={"token": token[:-4] + "AAAA"})
    assert bad.status_code == 422 and "not valid" in bad.json()["detail"]


def test_optout_requests_are_rate_limited_per_address(client: TestClient) -> None:
    codes = [
        client.post(
            "/api/v1/optouts", json={"kind": "email", "identifier": "spam-target@example.org"}
        ).status_code
        for _ in range(4)
    ]
    assert codes == [202, 202, 202, 429]
