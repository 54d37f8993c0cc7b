"""Data rights through HTTP: the API and the pages (CSRF, forms without JavaScript)."""

from __future__ import annotations

import io
import zipfile

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import PASSWORD, Members, auth, csrf_from, web_sign_in

from sharewell.mail.models import MailMessage


def test_api_export_and_erasure_end_every_token(client: TestClient, members: Members) -> None:
    me = members.create("Exporting Member")
    token = members.token(me)
    created = client.post("/api/v1/contacts", json={"full_name": "Zed", "emails": [{"value": "zed@example.net"}]},
                          headers=auth(token))  # fmt: skip
    assert created.status_code == 201
    r = client.get("/api/v1/me/export", headers=auth(token))
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert "contacts/contacts.vcf" in names and "manifest.json" in names
    refused = client.post("/api/v1/me/erasure", json={"confirm": "yes", "password": PASSWORD},
                          headers=auth(token))  # fmt: skip
    assert refused.status_code == 422
    done = client.post("/api/v1/me/erasure",
                       json={"confirm": "delete my account", "password": PASSWORD, "content": "remove"},
                       headers=auth(token))  # fmt: skip
    assert done.status_code == 200, done.text
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401


def test_public_erasure_request_answers_the_same(
    client: TestClient, members: Members, db: Session
) -> None:
    holder = members.create()
    token = members.token(holder)
    client.post("/api/v1/contacts", json={"full_name": "Held", "emails": [{"value": "held@example.net"}]},
                headers=auth(token))  # fmt: skip
    answers = [
        client.post("/api/v1/erasure-requests", json={"kind": "email", "identifier": addr})
        for addr in ("held@example.net", "nobody@example.net")
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    body = db.scalar(select(MailMessage.body).where(MailMessage.to_addr == "held@example.net"))
    assert body and "/erasure/confirm?token=" in body
    token_value = body.split("/erasure/confirm?token=")[1].split()[0]
    page = client.get(f"/erasure/confirm?token={token_value}")
    assert page.status_code == 200 and "Remove me from every book" in page.text
    done = client.post(
        "/erasure/confirm", data={"token": token_value, "csrf_token": csrf_from(page.text)}
    )
    assert done.status_code == 200 and "Done." in done.text
    assert client.get("/api/v1/contacts", headers=auth(token)).json()["items"] == []
    assert (
        client.post("/erasure", data={"identifier": "x@example.org"}).status_code == 403
    )  # no CSRF


def test_settings_page_deletes_the_account(client: TestClient, members: Members) -> None:
    me = members.create("Web Member")
    web_sign_in(client, me.email)
    page = client.get("/settings/data")
    assert page.status_code == 200 and "Delete your account" in page.text
    csrf = csrf_from(page.text)
    wrong = client.post("/settings/data/erase", data={"csrf_token": csrf, "confirm": "delete my account",
                                                      "password": "wrong", "content": "anonymize"})  # fmt: skip
    assert wrong.status_code == 422 and "password is not right" in wrong.text
    export = client.get("/settings/data/export")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    ok = client.post("/settings/data/erase", data={"csrf_token": csrf, "confirm": "delete my account",
                                                   "password": PASSWORD, "content": "anonymize"},
                     follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    assert client.get("/settings", follow_redirects=False).status_code == 303  # signed out


def test_admin_privacy_page_edits_the_template(client: TestClient, members: Members) -> None:
    admin = members.create("Admin", admin=True)
    web_sign_in(client, admin.email)
    page = client.get("/admin/privacy")
    assert page.status_code == 200
    bad = client.post("/admin/privacy/notices", data={"csrf_token": csrf_from(page.text),
                                                      "template": "<b>$nope</b>"})  # fmt: skip
    assert bad.status_code == 422 and "&lt;b&gt;$nope&lt;/b&gt;" in bad.text
    good = client.post("/admin/privacy/notices", data={"csrf_token": csrf_from(page.text), "required": "on",
                                                       "template": "Hi. Opt out: $optout_url"},
                       follow_redirects=False)  # fmt: skip
    assert good.status_code == 303
    token = members.token(admin)
    policy = client.get("/api/v1/admin/notice-settings", headers=auth(token)).json()
    assert policy["required"] is True and policy["template"] == "Hi. Opt out: $optout_url"
