"""The ledger through HTTP: pledges, splits on a three-hop chain, windows, idempotency keys,
statements, CSV and the books."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import Members, auth

from sharewell.ledger import queries, service
from sharewell.members.models import Member


def _fund(db: Session, member: Member, amount: int = 100) -> None:
    from sharewell.ledger import rules

    service.grant_starter(
        db, member, key=f"verify:{member.id}", policy=rules.LedgerPolicy(starter_grant=amount)
    )
    db.commit()


def test_pledge_split_three_hops_and_connectors_see_their_share(
    client: TestClient, db: Session, members: Members
) -> None:
    pledger = members.create("Pia")
    a, b, c = members.create("Ana"), members.create("Ben"), members.create("Cy")
    _fund(db, pledger)
    headers = auth(members.token(pledger)) | {"Idempotency-Key": "pledge-1"}
    body = {
        "amount": 40,
        "subject_kind": "intro",
        "subject_ref": "intro:9",
        "money_amount": 300000,
        "money_currency": "eur",
    }
    created = client.post("/api/v1/ledger/pledges", json=body, headers=headers)
    assert created.status_code == 201, created.text
    again = client.post("/api/v1/ledger/pledges", json=body, headers=headers)
    assert again.json()["id"] == created.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/ledger/pledges", json=body | {"amount": 41}, headers=headers)
    assert other.status_code == 422
    assert client.get("/api/v1/ledger/me", headers=headers).json()["available"] == 60
    pid = created.json()["id"]
    split = client.post(
        f"/api/v1/ledger/pledges/{pid}/split",
        json={"chain": [a.handle, b.handle, "@" + c.handle]},
        headers=auth(members.token(pledger)) | {"Idempotency-Key": "hire-1"},
    )
    assert split.status_code == 200, split.text
    assert [s["amount"] for s in split.json()["shares"]] == [10, 10, 20]
    assert split.json()["state"] == "split_pending" and split.json()["money_currency"] == "EUR"
    c_token = auth(members.token(c))
    seen = client.get(f"/api/v1/ledger/pledges/{pid}", headers=c_token).json()
    assert seen["my_share"] == 20
    to_me = client.get("/api/v1/ledger/pledges?role=to_me", headers=c_token).json()
    assert [p["id"] for p in to_me["items"]] == [pid]
    assert client.get("/api/v1/ledger/me", headers=c_token).json()["incoming_pending"] == 20
    stranger = members.create()
    assert (
        client.get(
            f"/api/v1/ledger/pledges/{pid}", headers=auth(members.token(stranger))
        ).status_code
        == 404
    )
    # a connector cannot act on someone else's pledge; a member cannot refund directly
    assert client.post(f"/api/v1/ledger/pledges/{pid}/fall-off", headers=c_token).status_code == 403
    refund = client.post(
        f"/api/v1/ledger/pledges/{pid}/refund",
        json={"reason": "withdrawn"},
        headers=auth(members.token(pledger)),
    )
    assert refund.status_code == 403
    fell = client.post(
        f"/api/v1/ledger/pledges/{pid}/fall-off", headers=auth(members.token(pledger))
    )
    assert fell.status_code == 200 and fell.json()["state"] == "fell_off"
    assert client.get("/api/v1/ledger/me", headers=headers).json()["available"] == 100
    assert queries.reconcile(db).reconciles


def test_thanks_bad_input_and_admin_books(
    client: TestClient, db: Session, members: Members
) -> None:
    pledger, a, admin = members.create(), members.create(), members.create(admin=True)
    _fund(db, pledger, 30)
    tok = auth(members.token(pledger))
    for bad in (
        {"amount": 0, "subject_kind": "intro", "subject_ref": "x"},
        {"amount": 5, "subject_kind": "job", "subject_ref": "x"},
        {"amount": 5, "subject_kind": "intro", "subject_ref": "x", "rule": "all-mine"},
        {"amount": 5, "subject_kind": "intro", "subject_ref": "x", "money_amount": 5},
        {"amount": 5, "subject_kind": "intro", "subject_ref": "x", "is_admin": True},
    ):
        response = client.post("/api/v1/ledger/pledges", json=bad, headers=tok)
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    poor = client.post(
        "/api/v1/ledger/pledges",
        headers=tok,
        json={"amount": 31, "subject_kind": "intro", "subject_ref": "x"},
    )
    assert poor.status_code == 409 and "Not enough points" in poor.json()["detail"]
    pid = client.post(
        "/api/v1/ledger/pledges",
        headers=tok,
        json={"amount": 30, "subject_kind": "intro", "subject_ref": "x"},
    ).json()["id"]
    ghost = client.post(
        f"/api/v1/ledger/pledges/{pid}/thanks", json={"chain": ["nobody-here"]}, headers=tok
    )
    assert ghost.status_code == 422
    thanks = client.post(
        f"/api/v1/ledger/pledges/{pid}/thanks", json={"chain": [a.handle]}, headers=tok
    )
    assert thanks.status_code == 200 and thanks.json()["state"] == "thanked"
    twice = client.post(
        f"/api/v1/ledger/pledges/{pid}/thanks", json={"chain": [a.handle]}, headers=tok
    )
    assert twice.status_code == 409
    assert client.get("/api/v1/ledger/admin/reconciliation", headers=tok).status_code == 403
    rec = client.get(
        "/api/v1/ledger/admin/reconciliation", headers=auth(members.token(admin))
    ).json()
    assert (
        rec["reconciles"]
        and rec["minted"] == rec["in_escrow"] + rec["pending"] + rec["held_by_members"]
    )
    jobs = client.post("/api/v1/ledger/admin/release-due", headers=auth(members.token(admin)))
    assert jobs.status_code == 200 and jobs.json() == {"done": 0, "skipped": 0}
    assert client.get("/api/v1/ledger/rules").json()[0]["example_100_over_3"] == [25, 25, 50]


def test_statement_pages_and_csv_is_defused(
    client: TestClient, db: Session, members: Members
) -> None:
    m = members.create()
    _fund(db, m, 50)
    tok = auth(members.token(m))
    for i in range(3):
        r = client.post(
            "/api/v1/ledger/pledges",
            headers=tok,
            json={"amount": 1, "subject_kind": "intro", "subject_ref": f"=cmd|'/c calc'!A{i}"},
        )
        assert r.status_code == 201
    page = client.get("/api/v1/ledger/me/statement?limit=2", headers=tok).json()
    rest = client.get(
        f"/api/v1/ledger/me/statement?limit=2&cursor={page['next_cursor']}", headers=tok
    ).json()
    assert [line["balance_after"] for line in page["items"] + rest["items"]] == [47, 48, 49, 50]
    assert client.get("/api/v1/ledger/me/statement?cursor=garbage", headers=tok).status_code == 422
    exported = client.get("/api/v1/ledger/me/statement.csv", headers=tok)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert len(rows) == 5 and all(not row[3].startswith("=") for row in rows[1:])
    assert any(row[3].startswith("'=") or "=cmd" in row[3] for row in rows[1:])
    tally = client.get("/api/v1/ledger/me/tally?weeks=4", headers=tok).json()
    assert len(tally) == 4
    assert client.get("/api/v1/ledger/me/tally?weeks=0", headers=tok).status_code == 422
    assert client.get("/api/v1/ledger/me").status_code == 401
