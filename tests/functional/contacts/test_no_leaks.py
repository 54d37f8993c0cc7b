"""Walk every GET route of the API and the pages as another member and anonymously: no
private, counted or blind contact's name, email, phone, URL or notes may appear in any
response or log line; of an open card only the public fields may."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import Members, auth, web_sign_in
from tests.intros_support import connect
from tests.routes import all_routes

from sharewell.config import Settings
from sharewell.contacts import service, sharing
from sharewell.contacts.schemas import ContactIn
from sharewell.members.models import Member

PEOPLE = {
    "private": (
        "Zelda Privatova",
        "zelda.private@leak.example",
        "+1 415 555 0101",
        "zelda-privatova",
    ),
    "counted": (
        "Yannick Countmann",
        "yannick.count@leak.example",
        "+1 415 555 0102",
        "yannick-countmann",
    ),
    "blind": (
        "Xavier Blindwell",
        "xavier.blind@leak.example",
        "+1 415 555 0103",
        "xavier-blindwell",
    ),
    "open": ("Wanda Openshaw", "wanda.open@leak.example", "+1 415 555 0104", "wanda-openshaw"),
}


def secrets_for(visibility: str) -> list[str]:
    name, email, phone, slug = PEOPLE[visibility]
    always = [email, phone, "4155550", f"NOTE-{visibility}-SECRET"]
    return always if visibility == "open" else [*always, name, *name.split(), slug]


@pytest.fixture
def book(db: Session, members: Members, settings: Settings) -> dict[str, str]:
    holder = members.create("Holder Person", topics=["Recruiting"])
    ids: dict[str, str] = {"handle": holder.handle}
    for visibility, (name, email, phone, slug) in PEOPLE.items():
        contact = service.create_contact(
            db,
            holder,
            ContactIn(
                full_name=name,
                company="Acme",
                title="Staff Data Engineer",
                city="Berlin",
                emails=[{"value": email}],
                phones=[{"value": phone}],  # type: ignore[list-item]
                linkedin_url=f"https://www.linkedin.com/in/{slug}",
                notes=f"NOTE-{visibility}-SECRET",
                skills=["Data Engineering"],
            ),
        )
        sharing.set_visibility(
            db,
            holder,
            contact.public_id,
            visibility,
            card_fields=list(("title", "company", "city", "skills")),
            how_known="former colleague",
        )
        ids[visibility] = contact.public_id
    for i in range(3):  # enough counted entries at Acme for an aggregate to show
        c = service.create_contact(db, holder, ContactIn(full_name=f"Filler {i}", company="Acme"))
        sharing.set_visibility(db, holder, c.public_id, "counted")
    db.commit()
    ids.update(_introductions(db, members, settings, holder, ids["blind"]))
    return ids


def _introductions(
    db: Session, members: Members, settings: Settings, holder: Member, card: str
) -> dict[str, str]:
    """Introductions to the blind card through its holder, in several states: walked as a
    stranger and as their requester, none may show the person's details."""
    from datetime import timedelta

    from sharewell.db import utcnow
    from sharewell.intros import service as intros

    requester = members.create("Requester Person")
    connect(db, requester, holder, settings)

    def new() -> str:
        spec = intros.RequestSpec(target_kind="card", card_id=card, why="w", path=[holder.handle])
        return intros.create_request(db, settings, requester, spec).public_id

    out = {}
    out["intro_private"] = first = new()
    intros.decline(db, settings, holder, first, "not now", share_reason=True)
    out["intro_counted"] = second = new()
    intros.withdraw(db, settings, requester, second)
    out["intro_blind"] = third = new()
    intros.expire_due(db, settings, utcnow() + timedelta(days=settings.intro_expiry_days + 1))
    out["intro_open"] = fourth = new()
    intros.ask_question(db, settings, holder, fourth, "why?")
    intros.ask_target(db, settings, holder, fourth)  # mailed to the contact, still "asked"
    assert third
    db.commit()
    out["requester_email"] = requester.email
    return out


def concrete_paths(app: FastAPI, ids: dict[str, str]) -> list[str]:
    paths = []
    for route in all_routes(app):
        if "GET" not in route.methods:
            continue
        params = re.findall(r"{(\w+)}", route.path)
        if not params:
            paths.append(route.path)
            continue
        for visibility in PEOPLE:
            path = route.path
            for p in params:
                value = {
                    "handle": ids["handle"],
                    "slug": "recruiting",
                    "fmt": "vcf",
                    "intro_id": ids[f"intro_{visibility}"],
                }.get(p, ids[visibility])
                path = path.replace("{" + p + "}", value)
            paths.append(path)
    return sorted(set(paths))


def test_nothing_private_reaches_others(
    app: FastAPI,
    client: TestClient,
    book: dict[str, str],
    members: Members,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    paths = concrete_paths(app, book)
    assert len(paths) > 20
    other = members.create()
    token = members.token(other)
    web_sign_in(client, other.email)
    anonymous = TestClient(app)
    from sqlalchemy import select

    from sharewell.members.models import Member

    requester = members.db.scalar(select(Member).where(Member.email == book["requester_email"]))
    assert requester is not None
    requester_token = members.token(requester)
    requester_web = TestClient(app)
    web_sign_in(requester_web, requester.email)
    checked = 0
    seen_open_name = False
    for path in paths:
        for who, response in (
            ("member-api", client.get(path, headers=auth(token))),
            ("member-web", client.get(path)),
            ("anonymous", anonymous.get(path)),
            ("requester-api", client.get(path, headers=auth(requester_token))),
            ("requester-web", requester_web.get(path)),
        ):
            assert response.status_code < 500, (who, path, response.text[:300])
            body = response.text
            for visibility in PEOPLE:
                for secret in secrets_for(visibility):
                    assert secret not in body, (
                        f"{secret!r} ({visibility}) leaked to {who} at {path}"
                    )
            seen_open_name |= PEOPLE["open"][0] in body
            checked += 1
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for visibility in PEOPLE:
        for secret in [*secrets_for(visibility), PEOPLE["open"][1]]:
            assert secret not in logs, f"{secret!r} in a log line"
    assert checked >= 5 * len(paths)
    assert seen_open_name, (
        "the open card's public name should be visible somewhere (cards endpoint)"
    )


def test_the_holder_sees_everything_of_their_own(
    client: TestClient, book: dict[str, str], members: Members
) -> None:
    from sqlalchemy import select

    from sharewell.members.models import Member

    holder = members.db.scalar(select(Member).where(Member.handle == book["handle"]))
    assert holder is not None
    body = client.get(
        f"/api/v1/contacts/{book['private']}", headers=auth(members.token(holder))
    ).text
    assert PEOPLE["private"][1] in body and "NOTE-private-SECRET" in body


def test_name_searches_reveal_nothing_about_blind_counted_or_private_entries(
    client: TestClient, book: dict[str, str], members: Members
) -> None:
    """Search by each secret name (and each part of it), through the API, the page and the
    autocomplete, as another member: nothing leaks, and the answer is the one a search for a
    name nobody has gets."""
    other = members.create()
    token = members.token(other)
    web_sign_in(client, other.email)

    def answer(q: str) -> tuple[list[object], dict[str, object]]:
        r = client.get("/api/v1/search", params={"q": q, "explain": 1}, headers=auth(token))
        assert r.status_code == 200, r.text
        body = r.json()
        return body["items"], body["corrections"]

    nobody = answer("Quentin Nonexistentson")
    for visibility in ("private", "counted", "blind"):
        name = PEOPLE[visibility][0]
        for q in (name, *name.split(), PEOPLE[visibility][1], PEOPLE[visibility][3]):
            got = answer(q)
            assert got == nobody, (visibility, q, got)
            for path in ("/search", "/search/suggest"):
                # The page echoes what the searcher typed; nothing else may carry a secret.
                page = client.get(path, params={"q": q}).text.replace(q, "")
                for v in PEOPLE:
                    for secret in secrets_for(v):
                        assert secret not in page, (secret, path)
            suggestions = client.get(
                "/api/v1/search/suggest", params={"q": q}, headers=auth(token)
            ).json()
            assert suggestions == []
    # The open card is found by its name, with only its public fields.
    items, _ = answer(PEOPLE["open"][0])
    assert [i["kind"] for i in items] == ["card"]
    text = str(items)
    for secret in secrets_for("open"):
        assert secret not in text
    # A search by shared fields shows the blind card as a card, counted entries as a count.
    items, _ = answer("acme")
    kinds = sorted(i["kind"] for i in items)
    assert kinds.count("card") == 2 and "aggregate" in kinds
    for v in ("private", "counted", "blind"):
        for secret in secrets_for(v):
            assert secret not in str(items)
