"""Account services on SQLite and PostgreSQL: registration modes, invitations, emailed links,
two-factor, and what an OpenID Connect sign-in may do."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import PASSWORD, Members
from tests.support import link_in

from sharewell.accounts import rules, service
from sharewell.accounts.models import AccountToken, OidcIdentity
from sharewell.accounts.rules import LinkDecision, ProviderClaims
from sharewell.accounts.schemas import ProviderIn
from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    PermissionDenied,
)
from sharewell.ledger import queries as ledger_queries
from sharewell.mail.models import MailMessage
from sharewell.members import service as members
from sharewell.members.models import Member, WebSession
from sharewell.members.schemas import SignUpIn


def mails_to(db: Session, to: str) -> list[MailMessage]:
    return list(
        db.scalars(select(MailMessage).where(MailMessage.to_addr == to).order_by(MailMessage.id))
    )


def signup(email: str, name: str = "Ann Ode") -> SignUpIn:
    return SignUpIn(email=email, password=PASSWORD, display_name=name)


def test_sign_up_mails_a_link_and_a_known_address_mails_its_owner(
    db: Session, settings: Settings, members: Members
) -> None:
    service.register(db, settings, signup("ann@example.org"), None)
    (verify,) = mails_to(db, "ann@example.org")
    assert verify.kind == "verify" and verify.status == "outbox"
    token = link_in(verify.body, "/verify-email")
    owner = members.create()
    before = db.scalar(select(func.count(Member.id)))
    service.register(db, settings, signup(owner.email.upper(), "Mallory"), None)
    assert db.scalar(select(func.count(Member.id))) == before
    (note,) = mails_to(db, owner.email)
    assert note.kind == "account_exists" and "/reset-password" in note.body
    member = service.verify_email(db, settings, token)
    assert member.email == "ann@example.org" and member.email_verified_at is not None
    # A confirmed address brings the starter grant, so a first request can carry a pledge.
    assert ledger_queries.available(db, member.id) == settings.ledger_starter_grant
    with pytest.raises(InvalidInput, match="invalid"):
        service.verify_email(db, settings, token)  # single use
    with pytest.raises(InvalidInput):
        service.verify_email(db, settings, "swl_not-a-real-token")
    assert ledger_queries.available(db, member.id) == settings.ledger_starter_grant


def test_smtp_configured_mail_is_queued_for_the_job(db: Session, settings: Settings) -> None:
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1"})
    service.register(db, smtp, signup("bo@example.org"), None)
    (message,) = mails_to(db, "bo@example.org")
    assert message.status == "queued"


def test_invite_only_and_domain_modes(db: Session, settings: Settings, members: Members) -> None:
    inviter = members.create()
    service.set_registration(db, mode="invite", invite_cap=2)
    with pytest.raises(PermissionDenied, match="invitation"):
        service.register(db, settings, signup("cy@example.org"), None)
    with pytest.raises(PermissionDenied, match="invalid"):
        service.register(db, settings, signup("cy@example.org"), "swi_bogus")
    _, code = service.create_invitation(db, settings, inviter)
    service.register(db, settings, signup("cy@example.org"), code)
    with pytest.raises(PermissionDenied, match="invalid"):  # used up
        service.register(db, settings, signup("di@example.org"), code)
    service.create_invitation(db, settings, inviter)
    with pytest.raises(PermissionDenied, match="all 2"):
        service.create_invitation(db, settings, inviter)
    admin = members.create(admin=True)
    for _ in range(3):
        service.create_invitation(db, settings, admin)  # no cap for administrators

    service.set_registration(db, mode="domains", domains=["acme.example"])
    service.register(db, settings, signup("ed@acme.example"), None)
    with pytest.raises(PermissionDenied, match=r"acme\.example"):
        service.register(db, settings, signup("fa@else.example"), None)
    with pytest.raises(InvalidInput):
        service.set_registration(db, mode="domains", domains=[])


def test_password_reset_is_single_use_expiring_and_ends_sessions(
    db: Session, settings: Settings, members: Members
) -> None:
    member = members.create()
    members_sessions = [service_start(db, member) for _ in range(2)]
    service.request_password_reset(db, settings, "nobody@example.org")  # nothing, no error
    assert mails_to(db, "nobody@example.org") == []
    service.request_password_reset(db, settings, member.email)
    first = link_in(mails_to(db, member.email)[-1].body, "/reset-password/confirm")
    service.request_password_reset(db, settings, member.email)
    second = link_in(mails_to(db, member.email)[-1].body, "/reset-password/confirm")
    with pytest.raises(InvalidInput):  # a newer link replaces the older one
        service.reset_password(db, settings, first, "a brand new password")
    with pytest.raises(InvalidInput, match="at least"):
        service.reset_password(db, settings, second, "short")
    service.reset_password(db, settings, second, "a brand new password")
    assert service_auth(db, member.email, "a brand new password").id == member.id
    # Reading the reset mail confirms the address, and a confirmed address brings the grant.
    assert member.email_verified_at is not None
    assert ledger_queries.available(db, member.id) == settings.ledger_starter_grant
    for ws in members_sessions:
        db.refresh(ws)
        assert ws.revoked_at is not None
    with pytest.raises(InvalidInput):
        service.reset_password(db, settings, second, "another new password")
    # Expired links do not work.
    service.request_password_reset(db, settings, member.email)
    third = link_in(mails_to(db, member.email)[-1].body, "/reset-password/confirm")
    row = db.scalars(select(AccountToken).order_by(AccountToken.id.desc())).first()
    assert row is not None
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    with pytest.raises(InvalidInput):
        service.reset_password(db, settings, third, "yet another password")


def service_start(db: Session, member: Member) -> WebSession:
    ws, _ = members.start_web_session(db, member, user_agent="pytest", days=1)
    return ws


def service_auth(db: Session, email: str, password: str) -> Member:
    return members.authenticate(db, email, password)


def test_two_factor_codes_recovery_and_password_tokens(db: Session, members: Members) -> None:
    member = members.create()
    assert service.password_token(db, member, 1).startswith("swt_")
    secret, uri = service.begin_two_factor(db, member)
    assert secret in uri
    with pytest.raises(InvalidInput):
        service.enable_two_factor(db, member, "000000")
    totp = pyotp.TOTP(secret)
    codes = service.enable_two_factor(db, member, totp.now())
    assert len(codes) == rules.RECOVERY_CODES and service.has_two_factor(db, member)
    with pytest.raises(PermissionDenied, match="personal API token"):
        service.password_token(db, member, 1)
    with pytest.raises(AuthenticationFailed):
        service.check_second_factor(db, member, totp.now())  # the same code again: replay
    assert service.check_second_factor(db, member, codes[0].upper()) == "recovery"
    with pytest.raises(AuthenticationFailed):
        service.check_second_factor(db, member, codes[0])  # used up
    with pytest.raises(Conflict):
        service.begin_two_factor(db, member)
    with pytest.raises(InvalidInput):
        service.disable_two_factor(db, member, "wrong password", codes[1])
    service.disable_two_factor(db, member, PASSWORD, codes[1])
    assert not service.has_two_factor(db, member)


def _provider(db: Session, trusted: bool = False) -> object:
    return service.add_provider(
        db,
        ProviderIn(
            slug="idp",
            name="IdP",
            issuer="https://id.example.com",
            client_id="c",
            client_secret="s",
            trusted_for_email=trusted,
        ),
    )


def test_provider_sign_in_creates_links_and_refuses(
    db: Session, settings: Settings, members: Members
) -> None:
    provider = _provider(db)
    new = ProviderClaims(subject="sub-1", email="gil@example.org", email_verified=True, name="Gil")
    created = service.provider_sign_in(db, settings, provider, new, signed_in=None)  # type: ignore[arg-type]
    assert created.decision is LinkDecision.CREATE and created.member is not None
    assert created.member.password_hash is None
    assert created.member.email_verified_at is None  # untrusted provider: we mail a link
    again = service.provider_sign_in(db, settings, provider, new, signed_in=None)  # type: ignore[arg-type]
    assert again.decision is LinkDecision.SIGN_IN and again.member is created.member

    victim = members.create()
    attacker = ProviderClaims(subject="sub-2", email=victim.email, email_verified=True, name="X")
    with pytest.raises(Conflict, match="never join accounts"):
        service.provider_sign_in(db, settings, provider, attacker, signed_in=None)  # type: ignore[arg-type]
    assert (
        db.scalar(select(func.count(OidcIdentity.id)).where(OidcIdentity.member_id == victim.id))
        == 0
    )

    asked = service.provider_sign_in(db, settings, provider, attacker, signed_in=victim)  # type: ignore[arg-type]
    assert asked.decision is LinkDecision.ASK_TO_LINK
    service.confirm_link(db, victim, provider, attacker)  # type: ignore[arg-type]
    other = members.create()
    with pytest.raises(Conflict, match="another"):
        service.provider_sign_in(db, settings, provider, attacker, signed_in=other)  # type: ignore[arg-type]


def test_trusted_provider_links_verified_addresses_and_modes_hold(
    db: Session, settings: Settings, members: Members
) -> None:
    provider = _provider(db, trusted=True)
    member = members.create()
    unverified = ProviderClaims(subject="s1", email=member.email, email_verified=False, name="")
    with pytest.raises(Conflict):
        service.provider_sign_in(db, settings, provider, unverified, signed_in=None)  # type: ignore[arg-type]
    verified = ProviderClaims(subject="s1", email=member.email, email_verified=True, name="")
    linked = service.provider_sign_in(db, settings, provider, verified, signed_in=None)  # type: ignore[arg-type]
    assert linked.decision is LinkDecision.LINK_TRUSTED and linked.member is member

    service.set_registration(db, mode="invite")
    stranger = ProviderClaims(subject="s2", email="hal@example.org", email_verified=True, name="")
    with pytest.raises(PermissionDenied, match="invitation"):
        service.provider_sign_in(db, settings, provider, stranger, signed_in=None)  # type: ignore[arg-type]
    _, code = service.create_invitation(db, settings, None)
    made = service.provider_sign_in(db, settings, provider, stranger, signed_in=None, invite=code)  # type: ignore[arg-type]
    assert made.decision is LinkDecision.CREATE and made.member is not None
    assert made.member.email_verified_at is not None  # trusted + verified
    no_mail = ProviderClaims(subject="s3", email=None, email_verified=False, name="")
    with pytest.raises(InvalidInput, match="email"):
        service.provider_sign_in(db, settings, provider, no_mail, signed_in=None, invite=code)  # type: ignore[arg-type]


def test_sessions_revoke_one_and_all(db: Session, members: Members) -> None:
    member, other = members.create(), members.create()
    a, b, c = (service_start(db, member) for _ in range(3))
    theirs = service_start(db, other)
    service.revoke_session(db, member, a.id)
    with pytest.raises(Exception, match="No such session"):
        service.revoke_session(db, member, theirs.id)
    assert service.revoke_all_sessions(db, member, keep=c.id) == 1
    db.refresh(b)
    db.refresh(c)
    assert b.revoked_at is not None and c.revoked_at is None
