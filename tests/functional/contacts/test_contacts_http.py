"""The contact book through the API and the pages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient
from tests.factories import Members, auth, csrf_from, web_sign_in

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "contacts"
LINKEDIN = FIXTURES / "linkedin_notes_preamble.csv"


def test_api_import_list_edit_export(client: TestClient, members: Members) -> None:
    holder = members.create()
    token = members.token(holder)
    r = client.post(
        "/api/v1/contacts/imports",
        headers=auth(token),
        files={"file": ("Connections.csv", LINKEDIN.read_bytes(), "text/csv")},
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["format"] == "linkedin" and report["created"] > 0
    page = client.get("/api/v1/contacts?limit=100", headers=auth(token)).json()
    assert len(page["items"]) == report["created"]
    first = page["items"][0]
    assert first["visibility"] == "private"
    r = client.patch(
        f"/api/v1/contacts/{first['id']}",
        headers=auth(token),
        json={"notes": "met at PyCon", "tags": ["conference"], "industry": "Software"},
    )
    assert r.status_code == 200 and r.json()["tags"] == ["conference"]
    exported = client.get("/api/v1/contacts/export?format=csv", headers=auth(token))
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert len(rows) == report["created"] + 1
    vcf = client.get("/api/v1/contacts/export?format=vcf", headers=auth(token)).text
    assert vcf.count("BEGIN:VCARD") == report["created"] and "VERSION:4.0" in vcf


def test_contacts_are_invisible_to_other_members(client: TestClient, members: Members) -> None:
    holder, other = members.create(), members.create()
    created = client.post(
        "/api/v1/contacts",
        headers=auth(members.token(holder)),
        json={"full_name": "Secret Person", "emails": [{"value": "secret@example.org"}]},
    )
    assert created.status_code == 201
    contact_id = created.json()["id"]
    other_token = members.token(other)
    assert (
        client.get(f"/api/v1/contacts/{contact_id}", headers=auth(other_token)).status_code == 404
    )
    assert (
        client.patch(
            f"/api/v1/contacts/{contact_id}", headers=auth(other_token), json={"notes": "x"}
        ).status_code
        == 404
    )
    assert (
        client.delete(f"/api/v1/contacts/{contact_id}", headers=auth(other_token)).status_code
        == 404
    )
    assert "Secret" not in client.get("/api/v1/contacts", headers=auth(other_token)).text
    assert client.get("/api/v1/contacts").status_code == 401


def test_refused_file_is_a_clear_422_and_changes_nothing(
    client: TestClient, members: Members
) -> None:
    token = members.token(members.create())
    r = client.post(
        "/api/v1/contacts/imports",
        headers=auth(token),
        files={"file": ("photo.png", (FIXTURES / "not_contacts.png").read_bytes(), "image/png")},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    assert client.get("/api/v1/contacts", headers=auth(token)).json()["items"] == []


def test_manual_contact_needs_a_name_email_or_phone(client: TestClient, members: Members) -> None:
    token = members.token(members.create())
    r = client.post("/api/v1/contacts", headers=auth(token), json={"company": "Acme"})
    assert r.status_code == 422
    r = client.post(
        "/api/v1/contacts",
        headers=auth(token),
        json={"full_name": "X", "emails": [{"value": "nope"}]},
    )
    assert r.status_code == 422 and "email" in r.json()["detail"]


def test_csv_export_is_safe_in_spreadsheets(client: TestClient, members: Members) -> None:
    token = members.token(members.create())
    client.post(
        "/api/v1/contacts",
        headers=auth(token),
        json={"full_name": '=HYPERLINK("http://x")', "company": "+cmd"},
    )
    text = client.get("/api/v1/contacts/export?format=csv", headers=auth(token)).text
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_web_import_and_duplicate_merge(client: TestClient, members: Members) -> None:
    holder = members.create()
    web_sign_in(client, holder.email)
    page = client.get("/contacts/import")
    assert page.status_code == 200
    a = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jon Smith\r\nORG:Acme\r\nEMAIL:jon@acme.example\r\nEND:VCARD\r\n"
    b = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jon Smith\r\nORG:Acme\r\nEMAIL:jsmith@home.example\r\nEND:VCARD\r\n"
    for data in (a, b):
        r = client.post(
            "/contacts/import",
            data={"csrf_token": csrf_from(page.text)},
            files={"file": ("c.vcf", data, "text/vcard")},
        )
        assert r.status_code == 200 and "new" in r.text
    dup_page = client.get("/contacts/duplicates")
    assert "Jon Smith" in dup_page.text
    pair_action = dup_page.text.split('action="/contacts/duplicates/')[1].split('"')[0]
    r = client.post(
        f"/contacts/duplicates/{pair_action}",
        data={
            "csrf_token": csrf_from(dup_page.text),
            "action": "merge",
            "keep": dup_page.text.split('name="keep" value="')[1].split('"')[0],
        },
    )
    assert r.status_code == 200
    listing = client.get("/contacts").text
    assert listing.count("Jon Smith") == 1


def test_web_refuses_non_contact_file(client: TestClient, members: Members) -> None:
    holder = members.create()
    web_sign_in(client, holder.email)
    page = client.get("/contacts/import")
    r = client.post(
        "/contacts/import",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("x.csv", (FIXTURES / "random.csv").read_bytes(), "text/csv")},
    )
    assert r.status_code == 422 and 'role="alert"' in r.text
