"""Introductions through the API: a three-member chain to a contact of the last connector,
by emailed link and by attestation, with details revealed only at acceptance; decline,
withdraw, questions, outcomes with the ledger split, and bad input."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import Members, auth
from tests.intros_support import (
    SILENT_NAME,
    SILENT_PHONE,
    TARGET_EMAIL,
    TARGET_NAME,
    TARGET_PHONE,
    Chain,
    make_chain,
)

from sharewell.config import Settings
from sharewell.intros.models import Intro
from sharewell.mail.models import MailMessage

SECRETS = [TARGET_NAME, TARGET_EMAIL, TARGET_PHONE, "Tamsin", "Targetova", SILENT_NAME,
           SILENT_PHONE, "NOTE-target-SECRET", "target-person"]  # fmt: skip


def _tokens(members: Members, chain: Chain) -> dict[str, dict[str, str]]:
    return {
        name: auth(members.token(m))
        for name, m in (
            ("r", chain.requester), ("c1", chain.c1), ("c2", chain.c2),
            ("mt", chain.member_target),
        )
    }  # fmt: skip


def _no_secrets(*bodies: str) -> None:
    for body in bodies:
        for secret in SECRETS:
            assert secret not in body, f"{secret!r} leaked before acceptance"


def _request(
    client: TestClient, h: dict[str, dict[str, str]], chain: Chain, **extra: object
) -> str:
    payload = {
        "target_kind": "card", "card_id": chain.target_card,
        "path": [chain.c1.handle, chain.c2.handle],
        "why": "I am hiring a staff data engineer", "offer": "Advice on fundraising",
        **extra,
    }  # fmt: skip
    r = client.post("/api/v1/intros", json=payload, headers=h["r"])
    assert r.status_code == 201, r.text
    return str(r.json()["public_id"])


def _link_from_outbox(db: Session, to: str) -> str:
    msg = db.scalars(
        select(MailMessage).where(MailMessage.to_addr == to).order_by(MailMessage.id.desc())
    ).first()
    assert msg is not None, f"no mail to {to}"
    found = re.search(r"/intro-link\?token=([\w-]+)", msg.body)
    assert found, msg.body
    return found.group(1)


def test_chain_by_emailed_link(
    client: TestClient, db: Session, members: Members, settings: Settings
) -> None:
    chain = make_chain(db, members, settings)
    h = _tokens(members, chain)
    pid = _request(client, h, chain)
    # the requester sees the card description only
    view = client.get(f"/api/v1/intros/{pid}", headers=h["r"]).json()
    assert view["state"] == "requested" and view["target_details"] is None
    # c2 cannot act before c1, and does not even see it yet
    assert client.get(f"/api/v1/intros/{pid}", headers=h["c2"]).status_code == 404
    r = client.post(f"/api/v1/intros/{pid}/ask-target", json={}, headers=h["c2"])
    assert r.status_code == 404
    r = client.post(f"/api/v1/intros/{pid}/forward", json={"note": "Rita is great"},
                    headers=h["c1"])  # fmt: skip
    assert r.status_code == 200 and r.json()["state"] == "forwarded", r.text
    # c1 cannot forward twice
    r = client.post(f"/api/v1/intros/{pid}/forward", json={}, headers=h["c1"])
    assert r.status_code == 409
    c2_view = client.get(f"/api/v1/intros/{pid}", headers=h["c2"])
    assert c2_view.status_code == 200 and "ask_target" in c2_view.json()["can"]
    r = client.post(f"/api/v1/intros/{pid}/ask-target", json={"note": "worth a chat"},
                    headers=h["c2"])  # fmt: skip
    assert r.status_code == 200 and r.json()["state"] == "asked", r.text
    bodies = [client.get(f"/api/v1/intros/{pid}", headers=h[x]).text for x in ("r", "c1")]
    bodies.append(client.get("/api/v1/intros?box=from", headers=h["r"]).text)
    bodies.append(client.get("/api/v1/notifications", headers=h["r"]).text)
    _no_secrets(*bodies)
    token = _link_from_outbox(db, TARGET_EMAIL)
    shown = client.get("/api/v1/intro-links", params={"token": token})
    assert shown.status_code == 200 and shown.json()["requester_name"] == "Rita Requester"
    r = client.post("/api/v1/intro-links", json={"token": token, "answer": "accept"})
    assert r.status_code == 200 and r.json()["state"] == "accepted", r.text
    # single use
    r = client.post("/api/v1/intro-links", json={"token": token, "answer": "decline"})
    assert r.status_code == 404
    view = client.get(f"/api/v1/intros/{pid}", headers=h["r"]).json()
    assert view["state"] == "accepted" and view["consent_method"] == "link"
    assert view["target_details"]["emails"] == [TARGET_EMAIL]
    assert view["target_details"]["name"] == TARGET_NAME
    # connectors never receive the details
    _no_secrets(client.get(f"/api/v1/intros/{pid}", headers=h["c1"]).text,
                client.get(f"/api/v1/intros/{pid}", headers=h["c2"]).text)  # fmt: skip
    # the requester's address went to the target by mail
    sent = db.scalars(select(MailMessage).where(MailMessage.to_addr == TARGET_EMAIL)).all()
    assert any(chain.requester.email in m.body for m in sent)
    # the thread
    r = client.post(f"/api/v1/intros/{pid}/messages", json={"body": "Hello there"},
                    headers=h["r"])  # fmt: skip
    assert r.status_code == 201 and r.json()[-1]["body"] == "Hello there"
    assert client.get(f"/api/v1/intros/{pid}/messages", headers=h["c1"]).json()[0]["body"]
    assert client.post(f"/api/v1/intros/{pid}/leave", headers=h["c1"]).status_code == 204
    assert client.get(f"/api/v1/intros/{pid}/messages", headers=h["c1"]).json() == []


def test_chain_by_attestation_with_pledge_and_hire(
    client: TestClient, db: Session, members: Members, settings: Settings
) -> None:
    chain = make_chain(db, members, settings, points=1)
    h = _tokens(members, chain)
    pid = _request(client, h, chain, card_id=chain.silent_card, pledge_amount=40)
    me = client.get("/api/v1/ledger/me", headers=h["r"]).json()
    assert client.post(f"/api/v1/intros/{pid}/forward", json={}, headers=h["c1"]).status_code == 200
    # no address: asking by link is refused, attestation works
    r = client.post(f"/api/v1/intros/{pid}/ask-target", json={}, headers=h["c2"])
    assert r.status_code == 409 and "attest" in r.json()["detail"]
    _no_secrets(client.get(f"/api/v1/intros/{pid}", headers=h["r"]).text)
    r = client.post(f"/api/v1/intros/{pid}/attest", json={"note": "called her"}, headers=h["c2"])
    assert r.status_code == 200 and r.json()["state"] == "accepted", r.text
    view = client.get(f"/api/v1/intros/{pid}", headers=h["r"]).json()
    assert view["consent_method"] == "attested"
    assert view["target_details"]["name"] == SILENT_NAME
    assert view["target_details"]["phones"] == [SILENT_PHONE]
    assert view["pledge"]["state"] == "escrowed"
    # the connector who attested gets the requester's contact to pass on
    assert client.get(f"/api/v1/intros/{pid}", headers=h["c2"]).json()["requester_contact"]
    # outcome: the requester records a hire; the connector attests for the target
    r = client.post(f"/api/v1/intros/{pid}/outcomes", json={"kind": "hire"}, headers=h["r"])
    assert r.status_code == 201 and r.json()["state"] == "proposed", r.text
    oid = r.json()["id"]
    r = client.post(f"/api/v1/intros/{pid}/outcomes/{oid}/confirm", headers=h["c1"])
    assert r.status_code == 403
    r = client.post(f"/api/v1/intros/{pid}/outcomes/{oid}/attest", headers=h["c2"])
    assert r.status_code == 200 and r.json()["state"] == "confirmed", r.text
    assert r.json()["attested"] is True
    for who in ("c1", "c2"):
        pledge = client.get(f"/api/v1/intros/{pid}", headers=h[who]).json()["pledge"]
        assert pledge["state"] == "split_pending"
        assert sorted(s["amount"] for s in pledge["shares"]) == [20, 20]
    # fall-off within the guarantee window returns the pledge
    r = client.post(f"/api/v1/intros/{pid}/outcomes/{oid}/fall-off", headers=h["r"])
    assert r.status_code == 200 and r.json()["state"] == "fell_off", r.text
    after = client.get("/api/v1/ledger/me", headers=h["r"]).json()
    assert after != me


def test_member_target_decline_withdraw_question(
    client: TestClient, db: Session, members: Members, settings: Settings
) -> None:
    chain = make_chain(db, members, settings)
    h = _tokens(members, chain)
    body = {
        "target_kind": "member", "target_handle": chain.member_target.handle,
        "path": [chain.c1.handle, chain.c2.handle, chain.member_target.handle],
        "why": "Talk about data platforms",
    }  # fmt: skip
    r = client.post("/api/v1/intros", json=body, headers=h["r"])
    assert r.status_code == 201, r.text
    pid = r.json()["public_id"]
    # duplicate open request
    assert client.post("/api/v1/intros", json=body, headers=h["r"]).status_code == 409
    r = client.post(f"/api/v1/intros/{pid}/question", json={"text": "Why her?"}, headers=h["c1"])
    assert r.status_code == 200
    assert "answer" in client.get(f"/api/v1/intros/{pid}", headers=h["r"]).json()["can"]
    r = client.post(f"/api/v1/intros/{pid}/answer", json={"text": "Her talk"}, headers=h["r"])
    assert r.status_code == 200
    assert client.post(f"/api/v1/intros/{pid}/forward", json={}, headers=h["c1"]).status_code == 200
    r = client.post(f"/api/v1/intros/{pid}/ask-target", json={}, headers=h["c2"])
    assert r.status_code == 200 and r.json()["state"] == "asked"
    inbox = client.get("/api/v1/intros?box=to", headers=h["mt"]).json()
    assert [i["public_id"] for i in inbox["items"]] == [pid]
    # the target declines with a private reason: the requester reads the generic words
    r = client.post(f"/api/v1/intros/{pid}/decline", json={"reason": "too busy, secretly"},
                    headers=h["mt"])  # fmt: skip
    assert r.status_code == 200 and r.json()["state"] == "declined"
    seen = client.get(f"/api/v1/intros/{pid}", headers=h["r"]).text
    assert "secretly" not in seen and "says nothing about you" in seen
    # a final state refuses everything
    assert client.post(f"/api/v1/intros/{pid}/withdraw", headers=h["r"]).status_code == 409
    # withdraw a fresh one
    r = client.post("/api/v1/intros", json=body, headers=h["r"])
    pid2 = r.json()["public_id"]
    assert client.post(f"/api/v1/intros/{pid2}/withdraw", headers=h["c1"]).status_code == 409
    r = client.post(f"/api/v1/intros/{pid2}/withdraw", headers=h["r"])
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    assert (
        client.post(f"/api/v1/intros/{pid2}/forward", json={}, headers=h["c1"]).status_code == 409
    )


def test_bad_requests_change_nothing(
    client: TestClient, db: Session, members: Members, settings: Settings
) -> None:
    chain = make_chain(db, members, settings)
    h = _tokens(members, chain)
    count = lambda: len(db.scalars(select(Intro.id)).all())  # noqa: E731
    before = count()
    base = {"why": "hello", "target_kind": "member"}
    cases = [
        ({**base, "target_handle": chain.requester.handle, "path": [chain.requester.handle]}, 422),
        # broken path: c1 and the member target are not connected
        (
            {
                **base,
                "target_handle": chain.member_target.handle,
                "path": [chain.c1.handle, chain.member_target.handle],
            },
            422,
        ),
        # directly connected
        ({**base, "target_handle": chain.c1.handle, "path": [chain.c1.handle]}, 409),
        ({"why": "", "target_kind": "member", "target_handle": chain.c2.handle}, 422),
        ({**base, "target_kind": "card", "card_id": "nope", "path": [chain.c1.handle]}, 404),
    ]
    for payload, status in cases:
        r = client.post("/api/v1/intros", json=payload, headers=h["r"])
        assert r.status_code == status, (payload, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    # blocked connector
    from sharewell.network import service as network

    network.set_paused(db, chain.c1, True)
    db.commit()
    r = client.post("/api/v1/intros", json={**base, "target_handle": chain.c2.handle,
                                            "path": [chain.c1.handle, chain.c2.handle]},
                    headers=h["r"])  # fmt: skip
    assert r.status_code == 409 and "not taking introductions" in r.json()["detail"]
    network.set_paused(db, chain.c1, False)
    network.block(db, chain.c2, chain.requester)
    db.commit()
    r = client.post("/api/v1/intros", json={**base, "target_handle": chain.member_target.handle,
                                            "path": [chain.c1.handle, chain.c2.handle,
                                                     chain.member_target.handle]},
                    headers=h["r"])  # fmt: skip
    assert r.status_code == 403
    assert count() == before
