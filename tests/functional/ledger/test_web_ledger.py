"""The ledger in the browser (no JavaScript needed): pledge, split along three hops, the
connector's view, fall-off, thanks, CSV and the administrators' books."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import Members, csrf_from, web_sign_in

from sharewell.ledger import queries, rules, service
from sharewell.members.models import Member


def _fund(db: Session, member: Member) -> None:
    service.grant_starter(
        db, member, key=f"verify:{member.id}", policy=rules.LedgerPolicy(starter_grant=100)
    )
    db.commit()


def _pledge(client: TestClient, amount: int = 40, key: str = "k1") -> str:
    page = client.get("/ledger")
    response = client.post(
        "/ledger/pledges",
        data={
            "csrf_token": csrf_from(page.text),
            "amount": str(amount),
            "subject_kind": "intro",
            "subject_ref": "intro:1",
            "rule": "connector_half",
            "idempotency_key": key,
            "money_amount": "5000",
            "money_currency": "EUR",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_browser_pledge_split_connector_view_and_fall_off(
    client: TestClient, db: Session, members: Members
) -> None:
    pledger = members.create("Pia")
    a, b, c = members.create("Ana"), members.create("Ben"), members.create("Cy")
    _fund(db, pledger)
    web_sign_in(client, pledger.email)
    page = client.get("/ledger")
    assert page.status_code == 200 and "A small next give" in page.text
    assert 'src="/charts/give-take.svg"' in page.text
    chart = client.get("/charts/give-take.svg")
    assert chart.status_code == 200 and b"Gives (up)" in chart.content
    location = _pledge(client)
    assert _pledge(client) == location  # a double-submitted form posts once
    assert queries.available(db, pledger.id) == 60
    detail = client.get(location)
    assert "5,000.00 EUR" in detail.text and "escrowed" in detail.text
    split = client.post(
        location + "/split",
        data={
            "csrf_token": csrf_from(detail.text),
            "chain": f"@{a.handle} {b.handle}, {c.handle}",
            "idempotency_key": "s1",
        },
        follow_redirects=True,
    )
    assert split.status_code == 200 and "split pending" in split.text
    no_csrf = client.post(location + "/fall-off", data={"idempotency_key": "f0"})
    assert no_csrf.status_code == 403
    client.cookies.clear()
    web_sign_in(client, c.email)
    mine = client.get("/ledger")
    soup = BeautifulSoup(mine.text, "html.parser")
    assert soup.select_one("[data-testid=incoming]").get_text(strip=True) == "20"
    view = client.get(location)
    assert "(you)" in view.text and "Report a fall-off" not in view.text
    refused = client.post(
        location + "/fall-off", data={"csrf_token": csrf_from(view.text), "idempotency_key": "x"}
    )
    assert refused.status_code == 403
    client.cookies.clear()
    web_sign_in(client, pledger.email)
    view = client.get(location)
    fell = client.post(
        location + "/fall-off",
        data={"csrf_token": csrf_from(view.text), "idempotency_key": "f1"},
        follow_redirects=True,
    )
    assert "fell off" in fell.text and queries.available(db, pledger.id) == 100
    csv_text = client.get("/ledger/statement.csv").text
    assert csv_text.splitlines()[0].startswith("date (UTC)")


def test_browser_thanks_errors_and_admin_books(
    client: TestClient, db: Session, members: Members
) -> None:
    pledger, a = members.create(), members.create()
    admin = members.create(admin=True)
    _fund(db, pledger)
    web_sign_in(client, pledger.email)
    page = client.get("/ledger")
    bad = client.post(
        "/ledger/pledges",
        data={
            "csrf_token": csrf_from(page.text),
            "amount": "500",
            "subject_kind": "intro",
            "subject_ref": "x",
            "rule": "connector_half",
        },
    )
    assert bad.status_code == 409 and "Not enough points" in bad.text
    assert queries.available(db, pledger.id) == 100
    location = _pledge(client, 10, "t")
    view = client.get(location)
    wrong = client.post(
        location + "/thanks", data={"csrf_token": csrf_from(view.text), "chain": "@no-such-member"}
    )
    assert wrong.status_code == 422 and "no-such-member" in wrong.text
    thanks = client.post(
        location + "/thanks",
        data={"csrf_token": csrf_from(view.text), "chain": a.handle},
        follow_redirects=True,
    )
    assert "thanked" in thanks.text and queries.available(db, a.id) == 10
    assert client.get("/admin/ledger").status_code == 403
    client.cookies.clear()
    web_sign_in(client, admin.email)
    books = client.get("/admin/ledger")
    soup = BeautifulSoup(books.text, "html.parser")
    assert "The books balance" in soup.select_one("[data-testid=reconciles]").get_text()
    run = client.post(
        "/admin/ledger/release-due",
        data={"csrf_token": csrf_from(books.text)},
        follow_redirects=True,
    )
    assert run.status_code == 200 and re.search(r"Paid out 0 split", run.text)
