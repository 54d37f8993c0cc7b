"""The welcome path and the "what now?" home over HTTP (no JavaScript): progress follows what
the member actually did, every step can be skipped, the import step previews each level,
the 'next' field only ever leads back into the path, and the home page points onward."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import Members, csrf_from, web_sign_in

from sharewell.contacts.models import Contact

LINKEDIN = Path(__file__).parents[1] / "browser" / "fixtures" / "Connections.csv"


def _progress(html: str) -> str:
    label = BeautifulSoup(html, "html.parser").find("label", attrs={"for": "welcome-progress"})
    assert label is not None
    return label.get_text(strip=True)


def test_welcome_steps_follow_what_the_member_did(
    client: TestClient, db: Session, members: Members
) -> None:
    ann = members.create("Ann")
    web_sign_in(client, ann.email)
    page = client.get("/welcome")
    assert page.status_code == 200 and "Step 1 of 4" in page.text
    assert _progress(page.text) == "0 of 4 steps done"

    saved = client.post(
        "/settings/profile",
        data={
            "csrf_token": csrf_from(page.text), "next": "/welcome?step=2",
            "display_name": "Ann", "handle": ann.handle, "headline": "Data lead",
            "topics": "data engineering", "location": "", "bio": "", "links": "",
            "offers": "", "asks": "",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == "/welcome?step=2"
    step2 = client.get("/welcome?step=2")
    assert _progress(step2.text) == "1 of 4 steps done" and "Skip this step" in step2.text

    imported = client.post(
        "/contacts/import",
        data={"csrf_token": csrf_from(step2.text), "format": "linkedin", "next": "/welcome?step=2"},
        files={"file": ("Connections.csv", LINKEDIN.read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    assert imported.status_code == 303 and imported.headers["location"] == "/welcome?step=2"
    preview = client.get("/welcome?step=2")
    assert "Imported 7 new" in preview.text and _progress(preview.text) == "2 of 4 steps done"
    table = BeautifulSoup(preview.text, "html.parser").find("table", class_="visibility-preview")
    assert table is not None
    rows = {tr.th.get_text(strip=True): tr.td.get_text(" ", strip=True) for tr in table.tbody("tr")}
    assert set(rows) == {"private", "counted", "blind", "open"}
    assert "Lindqvist" in rows["open"] and "Lindqvist" not in rows["blind"]
    assert "Lindqvist" not in rows["counted"] and "Nothing at all" in rows["private"]
    # Nothing imported is shared until the member says so.
    assert {c.visibility for c in db.query(Contact).filter_by(holder_id=ann.id)} == {"private"}

    # Skipping moves on without doing anything; the step stays open on the home page.
    step4 = client.get("/welcome?step=4")
    assert "Northwind Traders" in step4.text
    home = client.get("/")
    assert "2 of 4 steps done" in home.text and "Continue getting started" in home.text

    shared = client.post(
        "/contacts-sharing/bulk",
        data={
            "csrf_token": csrf_from(step4.text), "next": "/welcome?step=5", "by": "company",
            "value": "Northwind Traders", "visibility": "blind",
            "card_fields": ["title", "company"],
        },
        follow_redirects=False,
    )  # fmt: skip
    assert shared.headers["location"] == "/welcome?step=5"
    done = client.get("/welcome?step=5")
    assert "You're set" in done.text and _progress(done.text) == "3 of 4 steps done"


def test_next_never_leads_outside_the_welcome_path(client: TestClient, members: Members) -> None:
    ann = members.create("Ann")
    web_sign_in(client, ann.email)
    page = client.get("/contacts-sharing")
    for target in ("https://evil.example/", "//evil.example", "/settings", "/welcome//x"):
        response = client.post(
            "/contacts-sharing/defaults",
            data={"csrf_token": csrf_from(page.text), "visibility": "counted", "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/contacts-sharing", target


def test_sign_up_leads_to_the_welcome_path_and_strangers_are_sent_to_sign_in(
    client: TestClient,
) -> None:
    assert client.get("/welcome", follow_redirects=False).status_code in (303, 307)
    page = client.get("/signup")
    response = client.post(
        "/signup",
        data={
            "csrf_token": csrf_from(page.text), "display_name": "New Person",
            "email": "new@example.org", "password": "correct horse battery",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["location"].endswith("next=/welcome")
    signin = client.get(response.headers["location"])
    assert 'name="next" value="/welcome"' in signin.text


def test_home_answers_what_now_with_a_next_step_in_every_empty_part(
    client: TestClient, members: Members
) -> None:
    ann = members.create("Ann")
    web_sign_in(client, ann.email)
    home = BeautifulSoup(client.get("/").text, "html.parser")
    for heading in ("Waiting on you", "Asks you could help with", "Give and take", "Standing"):
        part = home.find("h2", string=heading)
        assert part is not None, heading
        assert part.find_parent("article").find("a") is not None, f"{heading} has no next step"
    assert home.find("a", href="/find") is not None
