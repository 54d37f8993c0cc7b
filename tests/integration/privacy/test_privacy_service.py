"""Export, erasure (members and non-members), notices and retention, on both databases."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.contacts import optouts, sharing
from sharewell.contacts import service as contacts_service
from sharewell.contacts.models import Contact, ContactDisplay
from sharewell.contacts.rules import ContactKeys
from sharewell.contacts.schemas import ContactIn, TypedValueIO
from sharewell.db import utcnow
from sharewell.errors import Conflict, InvalidInput, NotFound, RateLimited
from sharewell.insights import service as insights_service
from sharewell.insights.models import Comment, Insight
from sharewell.insights.schemas import CommentIn, InsightIn
from sharewell.ledger import queries as ledger_queries
from sharewell.ledger import rules as ledger_rules
from sharewell.ledger import service as ledger_service
from sharewell.ledger.models import LedgerAccount, Pledge
from sharewell.mail.models import MailMessage
from sharewell.members import service as member_service
from sharewell.members.models import ApiToken, Member, WebSession
from sharewell.network import service as network_service
from sharewell.network.models import Connection, GraphChange
from sharewell.privacy import registry, rules, service
from sharewell.privacy.models import ContactNotice, ErasureRequest, MemberErasure

POLICY = ledger_rules.LedgerPolicy(
    starter_grant=100, award_weights=(), daily_award_cap=0, min_connection=timedelta(0),
    attribution_days=30, guarantee_days=10,
)  # fmt: skip


def _contact(db: Session, holder: Member, name: str, email: str = "", **extra: object) -> Contact:
    data = ContactIn(
        full_name=name,
        emails=[TypedValueIO(value=email)] if email else None,
        notes=f"private note about {name}",
        **extra,  # type: ignore[arg-type]
    )
    return contacts_service.create_contact(db, holder, data)


def _world(db: Session, members: Members, settings: Settings) -> dict[str, object]:
    alice, bob, carol = (
        members.create("Alice A"),
        members.create("Bob B"),
        members.create("Carol C"),
    )
    for m in (alice, bob, carol):
        ledger_service.grant_starter(db, m, key=f"starter:{m.id}", policy=POLICY)
    network_service.request_connection(db, alice, bob, settings)
    network_service.accept(db, bob, alice)
    network_service.request_connection(db, alice, carol, settings)
    network_service.block(db, alice, carol)  # removes the pending request too
    member_service.create_api_token(db, alice, name="t", scope="write", lifetime=None)
    member_service.start_web_session(db, alice, user_agent="Firefox", days=30)
    jane = _contact(db, alice, "Jane Person", "jane@example.net", company="Acme")
    _contact(db, bob, "Jane Elsewhere", "JANE@example.net")
    post = insights_service.publish(
        db, alice, InsightIn(kind="insight", title="Hiring is about trust", body="Long text"),
        settings.insight_limits,
    )  # fmt: skip
    reply = insights_service.add_comment(
        db, bob, post.public_id, CommentIn(body="Agreed"), settings.insight_limits
    )
    mine = insights_service.add_comment(
        db,
        alice,
        post.public_id,
        CommentIn(body="Thanks Bob", parent=reply.public_id),
        settings.insight_limits,
    )
    escrowed = ledger_service.create_pledge(
        db, alice, 30, subject_kind="opportunity", subject_ref="job", key="p1", policy=POLICY
    )
    split = ledger_service.create_pledge(
        db, bob, 20, subject_kind="opportunity", subject_ref="job2", key="p2", policy=POLICY
    )
    ledger_service.split_pledge(db, split, [alice.id], key="s2")
    db.commit()
    return {"alice": alice, "bob": bob, "carol": carol, "jane": jane, "post": post,
            "escrowed": escrowed, "split": split, "mine": mine}  # fmt: skip


def _archive(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_export_holds_everything_of_mine_and_nothing_secret(
    db: Session, members: Members, settings: Settings
) -> None:
    w = _world(db, members, settings)
    alice, bob = w["alice"], w["bob"]
    assert isinstance(alice, Member) and isinstance(bob, Member)
    data, name = service.export_archive(db, settings, alice)
    files = _archive(data)
    assert name.endswith(".zip") and "manifest.json" in files
    for expected in ("account/profile.json", "account/sessions.json", "account/tokens.json",
                     "contacts/contacts.json", "contacts/contacts.vcf", "insights/insights.json",
                     "insights/comments.json", "network/connections.json", "network/blocks.json",
                     "ledger/statement.json", "ledger/pledges_made.json", "ledger/tally.json"):  # fmt: skip
        assert expected in files, expected
    contacts = json.loads(files["contacts/contacts.json"])
    assert contacts[0]["emails"][0]["value"] == "jane@example.net"
    assert contacts[0]["notes"] == "private note about Jane Person"
    assert b"BEGIN:VCARD" in files["contacts/contacts.vcf"]
    connections = json.loads(files["network/connections.json"])
    assert connections[0]["handle"] == bob.handle
    everything = b"".join(files.values())
    token_hash = db.scalar(select(ApiToken.token_hash).where(ApiToken.member_id == alice.id))
    assert alice.password_hash and alice.password_hash.encode() not in everything
    assert token_hash and token_hash.encode() not in everything
    assert bob.email.encode() not in everything  # a connection's address is theirs
    assert b"Jane Elsewhere" not in everything  # another member's book


def test_member_erasure_keeps_books_balanced_and_removes_everything_private(
    db: Session, members: Members, settings: Settings
) -> None:
    w = _world(db, members, settings)
    alice, bob, escrowed, split = w["alice"], w["bob"], w["escrowed"], w["split"]
    assert isinstance(alice, Member) and isinstance(bob, Member)
    assert isinstance(escrowed, Pledge) and isinstance(split, Pledge)
    before_seq = db.scalar(select(func.max(GraphChange.seq))) or 0
    counts = service.erase_member(db, settings, alice, content="anonymize")
    db.commit()
    assert counts["pledges_refunded"] == 1 and counts["contacts_erased"] == 1
    assert db.get(Pledge, escrowed.id).state == ledger_rules.REFUNDED  # type: ignore[union-attr]
    assert db.get(Pledge, split.id).state == ledger_rules.SPLIT_PENDING  # type: ignore[union-attr]
    assert ledger_queries.reconcile(db).reconciles
    account = db.scalar(select(LedgerAccount).where(LedgerAccount.member_id == alice.id))
    assert account is not None and account.balance == 100  # refunded, entries untouched
    assert (
        db.scalar(select(func.count()).select_from(Contact).where(Contact.holder_id == alice.id))
        == 0
    )
    assert (
        db.scalar(
            select(func.count()).select_from(WebSession).where(WebSession.member_id == alice.id)
        )
        == 0
    )
    assert (
        db.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.member_id == alice.id))
        == 0
    )
    assert db.scalar(select(func.count()).select_from(Connection).where(
        (Connection.member_a == alice.id) | (Connection.member_b == alice.id))) == 0  # fmt: skip
    kinds = set(db.scalars(select(GraphChange.kind).where(GraphChange.seq > before_seq)))
    assert {"disconnect", "unblock"} <= kinds
    db.refresh(alice)
    assert alice.display_name == rules.FORMER_MEMBER and not alice.is_active
    assert "alice" not in alice.email.lower() and alice.password_hash is None
    post = db.scalar(select(Insight).where(Insight.author_id == alice.id))
    assert post is not None and post.title == "Hiring is about trust"  # kept, anonymous
    assert db.get(MemberErasure, alice.id) is not None
    with pytest.raises(Conflict):
        service.erase_member(db, settings, alice, content="anonymize")
    # the pending split to her follows the ordinary rules: released into the anonymous account
    ledger_service.release_due(db, utcnow() + timedelta(days=11))
    assert ledger_queries.reconcile(db).reconciles


def test_erasure_can_remove_content(db: Session, members: Members, settings: Settings) -> None:
    w = _world(db, members, settings)
    alice = w["alice"]
    assert isinstance(alice, Member)
    service.erase_member(db, settings, alice, content="remove")
    post = db.scalar(select(Insight).where(Insight.author_id == alice.id))
    # Bob replied, so a tombstone keeps the thread's shape, with no text
    assert post is not None and post.deleted_at is not None and post.title == ""
    live = db.scalar(select(func.count()).select_from(Comment).where(
        Comment.author_id == alice.id, Comment.deleted_at.is_(None)))  # fmt: skip
    assert live == 0


def test_erasure_needs_password_and_typed_confirmation(
    db: Session, members: Members, settings: Settings
) -> None:
    from tests.factories import PASSWORD

    m = members.create()
    with pytest.raises(InvalidInput) as wrong_phrase:
        service.check_erasure_credentials(db, m, password=PASSWORD, code="", confirm="yes")
    assert wrong_phrase.value.field == "confirm"
    with pytest.raises(InvalidInput) as wrong_password:
        service.check_erasure_credentials(
            db, m, password="nope", code="", confirm="Delete my account"
        )
    assert wrong_password.value.field == "password"
    service.check_erasure_credentials(
        db, m, password=PASSWORD, code="", confirm=" delete  my ACCOUNT "
    )


def _link_token(db: Session, to: str) -> str:
    body = db.scalars(
        select(MailMessage.body).where(MailMessage.to_addr == to, MailMessage.kind == "privacy.erasure")
        .order_by(MailMessage.id.desc())
    ).first()  # fmt: skip
    assert body is not None
    url = next(word for word in body.split() if "/erasure/confirm?" in word)
    return parse_qs(urlsplit(url).query)["token"][0]


def test_non_member_erasure_by_email_link(
    db: Session, members: Members, settings: Settings
) -> None:
    _world(db, members, settings)
    service.request_email_erasure(db, settings, "Jane@Example.net")
    assert (
        db.scalar(select(func.count()).select_from(Contact).where(Contact.full_name.like("Jane%")))
        == 2
    )
    token = _link_token(db, "jane@example.net")
    row = db.scalar(select(ErasureRequest))
    assert row is not None and "jane" not in (row.identifier + row.key_hash)
    service.confirm_email_erasure(db, settings, token)
    assert (
        db.scalar(select(func.count()).select_from(Contact).where(Contact.full_name.like("Jane%")))
        == 0
    )
    assert optouts.opted_out_keys(db, [_keys("jane@example.net")], secret_key=settings.secret_key)
    with pytest.raises(InvalidInput):  # single use
        service.confirm_email_erasure(db, settings, token)
    with pytest.raises(InvalidInput):
        service.confirm_email_erasure(db, settings, token[:-3] + "abc")


def test_erasure_link_expires(db: Session, members: Members, settings: Settings) -> None:
    service.request_email_erasure(
        db, settings, "late@example.net", now=utcnow() - timedelta(days=3)
    )
    with pytest.raises(InvalidInput):
        service.confirm_email_erasure(db, settings, _link_token(db, "late@example.net"))


def _keys(email: str) -> ContactKeys:
    return ContactKeys(
        emails=frozenset({email}), phones=frozenset(), linkedin=None, name="", company=""
    )


def test_admin_handled_erasure_by_linkedin(
    db: Session, members: Members, settings: Settings
) -> None:
    alice, admin = members.create("Holder"), members.create("Admin", admin=True)
    _contact(db, alice, "Lin Kedin", linkedin_url="https://www.linkedin.com/in/lin-kedin")
    service.request_admin_erasure(
        db, settings, "linkedin", "linkedin.com/in/lin-kedin/", "lin@example.org"
    )
    [pending] = service.pending_admin_requests(db)
    with pytest.raises(NotFound):
        service.handle_admin_request(db, settings, alice, pending.id, approve=True)
    service.handle_admin_request(db, settings, admin, pending.id, approve=True)
    assert (
        db.scalar(select(func.count()).select_from(Contact).where(Contact.holder_id == alice.id))
        == 0
    )
    row = db.get(ErasureRequest, pending.id)
    assert row is not None and row.identifier == "" and row.reply_to == "" and row.status == "done"
    assert service.pending_admin_requests(db) == []


def test_first_share_creates_a_notice_once_and_sending_is_limited(
    db: Session, members: Members, settings: Settings
) -> None:
    alice = members.create("Alice Holder")
    jane = _contact(db, alice, "Jane", "jane@example.net", company="Acme", title="CTO")
    nomail = _contact(db, alice, "No Mail")
    sharing.set_visibility(db, alice, jane.public_id, "blind", card_fields=["company", "title"])
    sharing.set_visibility(db, alice, nomail.public_id, "counted")
    assert [n.public_id for n in service.pending_notices(db, alice)] == [jane.public_id]
    sharing.set_visibility(db, alice, jane.public_id, "private")
    sharing.set_visibility(db, alice, jane.public_id, "open")
    assert db.scalar(select(func.count()).select_from(ContactNotice)) == 1
    service.send_notice(db, settings, alice, jane.public_id)
    mail = db.scalar(select(MailMessage).where(MailMessage.kind == "privacy.notice"))
    assert mail is not None and mail.to_addr == "jane@example.net"
    assert "Alice Holder" in mail.body and "/optout" in mail.body and "Acme" in mail.body
    with pytest.raises(Conflict):
        service.send_notice(db, settings, alice, jane.public_id)
    others = [_contact(db, alice, f"P{i}", f"p{i}@example.net") for i in range(3)]
    n = sharing.bulk_set_visibility(db, alice, sharing.Selection(all=True), "counted")
    assert n >= 3 and len(service.pending_notices(db, alice)) == 3
    db.expire_all()  # the bulk update bypasses the identity map, like a new request would
    limited = settings.model_copy(update={"notice_daily_limit": 2})
    service.send_notice(db, limited, alice, others[0].public_id)
    with pytest.raises(RateLimited):
        service.send_notice(db, limited, alice, others[1].public_id)


def test_required_notices_are_sent_by_the_job_and_template_is_checked(
    db: Session, members: Members, settings: Settings
) -> None:
    alice = members.create("Alice <script>")
    with pytest.raises(InvalidInput):
        service.set_notice_policy(db, template="Hello $name, $optout_url")
    with pytest.raises(InvalidInput):
        service.set_notice_policy(db, template="No way out")
    service.set_notice_policy(db, template="$holder_name shares: $shared. Opt out: $optout_url",
                              required=True)  # fmt: skip
    jane = _contact(db, alice, "Jane", "jane@example.net")
    sharing.set_visibility(db, alice, jane.public_id, "counted")
    with pytest.raises(Conflict):
        service.skip_notice(db, alice, jane.public_id)
    assert service.send_required_notices(db, settings, utcnow()) == 1
    body = db.scalar(select(MailMessage.body).where(MailMessage.kind == "privacy.notice"))
    assert body is not None and body.startswith("Alice <script> shares: only counted")
    assert service.send_required_notices(db, settings, utcnow()) == 0
    service.set_notice_policy(db, reset_template=True, required=False)
    assert service.notice_policy(db).template == rules.DEFAULT_NOTICE_TEMPLATE


def test_sweep_forgets_old_display_audit(db: Session, members: Members, settings: Settings) -> None:
    a, b = members.create(), members.create()
    old = utcnow() - timedelta(days=settings.display_audit_days + 1)
    db.add(ContactDisplay(viewer_id=a.id, holder_id=b.id, contact_id=None, surface="path", at=old))
    db.add(ContactDisplay(viewer_id=a.id, holder_id=b.id, contact_id=None, surface="path"))
    db.flush()
    assert service.sweep(db, settings, utcnow())["display_audit"] == 1


def test_registries_run_in_a_deterministic_order() -> None:
    names = [e.name for e in registry.erasers()]
    assert names[0] == "ledger" and names[-1] == "account"
    orders = [(e.order, e.name) for e in registry.erasers()]
    assert orders == sorted(orders)
    assert [e.name for e in registry.exporters()][:2] == ["account", "contacts"]
