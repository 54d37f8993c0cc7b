"""Use cases of the accounts area. Each takes a Session and never commits. Mail is queued in
the caller's transaction (``mail.service.queue``), so a link exists exactly when its mail does.

Answers that could reveal whether an address has an account (sign-up, reset, verification
mail) return nothing: the caller answers the same words either way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sharewell.accounts import rules
from sharewell.accounts.models import (
    AccountToken,
    Invitation,
    OidcIdentity,
    OidcProvider,
    RecoveryCode,
    SiteSetting,
    TotpCredential,
)
from sharewell.accounts.schemas import ProviderIn, ProviderUpdate
from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from sharewell.ledger import service as ledger
from sharewell.mail import service as mail
from sharewell.members import rules as member_rules
from sharewell.members import service as members
from sharewell.members.models import ApiToken, Member, WebSession
from sharewell.members.passwords import hash_password, verify_password
from sharewell.members.schemas import SignUpIn

REGISTRATION_KEY = "registration"


def _link(settings: Settings, path: str, **params: str) -> str:
    return f"{settings.base_url.rstrip('/')}{path}" + (f"?{urlencode(params)}" if params else "")


# --- registration mode -----------------------------------------------------------------------


def get_registration(session: Session) -> rules.Registration:
    row = session.get(SiteSetting, REGISTRATION_KEY)
    if row is None:
        return rules.Registration()
    data = json.loads(row.value)
    return rules.Registration(
        mode=data.get("mode", "open"),
        domains=tuple(data.get("domains", ())),
        invite_cap=int(data.get("invite_cap", rules.DEFAULT_INVITE_CAP)),
    )


def set_registration(
    session: Session,
    *,
    mode: str | None = None,
    domains: list[str] | None = None,
    invite_cap: int | None = None,
) -> rules.Registration:
    current = get_registration(session)
    new = rules.Registration(
        mode=rules.check_mode(mode) if mode is not None else current.mode,
        domains=rules.normalize_domains(domains) if domains is not None else current.domains,
        invite_cap=rules.check_invite_cap(invite_cap)
        if invite_cap is not None
        else current.invite_cap,
    )
    if new.mode == "domains" and not new.domains:
        raise InvalidInput(
            "Name at least one mail domain for the 'domains' mode, such as example.org.",
            field="domains",
        )
    value = json.dumps(
        {"mode": new.mode, "domains": list(new.domains), "invite_cap": new.invite_cap}
    )
    row = session.get(SiteSetting, REGISTRATION_KEY)
    if row is None:
        session.add(SiteSetting(key=REGISTRATION_KEY, value=value))
    else:
        row.value = value
    session.flush()
    return new


# --- invitations -----------------------------------------------------------------------------


def create_invitation(
    session: Session, settings: Settings, inviter: Member | None
) -> tuple[Invitation, str]:
    """An invitation link. Members may have ``invite_cap`` of them in all (used ones count);
    administrators (and the CLI, ``inviter=None``) have no cap."""
    if inviter is not None and not inviter.is_admin:
        cap = get_registration(session).invite_cap
        made = session.scalar(
            select(func.count(Invitation.id)).where(
                Invitation.inviter_id == inviter.id, Invitation.revoked_at.is_(None)
            )
        )
        if int(made or 0) >= cap:
            raise PermissionDenied(
                f"You have used all {cap} of your invitations.", field="invitations"
            )
    code = member_rules.new_secret("swi")
    now = utcnow()
    invitation = Invitation(
        code_hash=member_rules.hash_secret(code),
        prefix=code[:10],
        inviter_id=inviter.id if inviter else None,
        created_at=now,
        expires_at=now + timedelta(days=rules.INVITE_DAYS),
    )
    session.add(invitation)
    session.flush()
    return invitation, code


def invitation_link(settings: Settings, code: str) -> str:
    return _link(settings, "/signup", invite=code)


def revoke_invitation(session: Session, member: Member, invitation_id: int) -> None:
    inv = session.get(Invitation, invitation_id)
    if inv is None or (inv.inviter_id != member.id and not member.is_admin):
        raise NotFound("No such invitation.")
    if inv.used_at is not None:
        raise Conflict("This invitation was used already; it cannot be revoked.")
    inv.revoked_at = inv.revoked_at or utcnow()


def usable_invitation(session: Session, code: str | None, now: datetime) -> Invitation | None:
    if not code or len(code) > 200:
        return None
    inv = session.scalar(
        select(Invitation)
        .where(Invitation.code_hash == member_rules.hash_secret(code.strip()))
        .execution_options(populate_existing=True)
    )
    if inv is None or inv.revoked_at is not None:
        return None
    return inv if rules.link_is_usable(inv.expires_at, inv.used_at, now) else None


def _admit(session: Session, email: str, invite: str | None, now: datetime) -> Invitation | None:
    """Check the registration mode; returns the invitation that admits, if any."""
    invitation = usable_invitation(session, invite, now)
    if invite and invitation is None:
        raise PermissionDenied(
            "This invitation link is invalid, used or expired. Ask for a new one.", field="invite"
        )
    rules.check_registration(get_registration(session), email, invited=invitation is not None)
    return invitation


def _consume(
    session: Session, invitation: Invitation | None, member: Member, now: datetime
) -> None:
    if invitation is None:
        return
    result = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now, used_by_id=member.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This invitation was just used by someone else.", field="invite")


# --- sign-up and emailed links ----------------------------------------------------------------


def register(session: Session, settings: Settings, data: SignUpIn, invite: str | None) -> None:
    """Sign up under the registration mode. A known address gets a mail telling its owner;
    the caller answers alike in both cases. The password is hashed either way (timing)."""
    member_rules.check_password(data.password)
    now = utcnow()
    email = member_rules.normalize_email(str(data.email))
    invitation = _admit(session, email, invite, now)
    password_hash = hash_password(data.password)
    member = members.sign_up(session, data, password_hash=password_hash)
    if member is None:
        owner = session.scalar(select(Member).where(Member.email == email))
        if owner is not None and owner.is_active:
            subject, body = rules.account_exists_mail(
                owner.display_name,
                _link(settings, "/signin"),
                _link(settings, "/reset-password"),
            )
            mail.queue(session, settings, to=owner.email, subject=subject, body=body,
                       kind="account_exists")  # fmt: skip
        return
    _consume(session, invitation, member, now)
    send_verification(session, settings, member)


def _new_link(session: Session, member: Member, purpose: str, lifetime: timedelta) -> str:
    secret = member_rules.new_secret("swl")
    now = utcnow()
    # A new link replaces older ones of the same kind: only the latest mail works.
    session.execute(
        update(AccountToken)
        .where(
            AccountToken.member_id == member.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(
        AccountToken(
            member_id=member.id, purpose=purpose, token_hash=member_rules.hash_secret(secret),
            email=member.email, created_at=now, expires_at=now + lifetime,
        )
    )  # fmt: skip
    session.flush()
    return secret


def send_verification(session: Session, settings: Settings, member: Member) -> None:
    secret = _new_link(session, member, "verify", timedelta(hours=settings.verify_link_hours))
    subject, body = rules.verify_mail(
        member.display_name, _link(settings, "/verify-email", token=secret),
        settings.verify_link_hours,
    )  # fmt: skip
    mail.queue(session, settings, to=member.email, subject=subject, body=body, kind="verify")


def resend_verification(session: Session, settings: Settings, email: str) -> None:
    """Mail a new link when the address has an unverified, active account; else nothing."""
    member = session.scalar(
        select(Member).where(Member.email == member_rules.normalize_email(email))
    )
    if member is not None and member.is_active and member.email_verified_at is None:
        send_verification(session, settings, member)


def _take_link(session: Session, secret: str, purpose: str) -> tuple[AccountToken, Member]:
    now = utcnow()
    row = session.execute(
        select(AccountToken, Member)
        .join(Member, Member.id == AccountToken.member_id)
        .where(
            AccountToken.token_hash == member_rules.hash_secret(secret.strip()),
            AccountToken.purpose == purpose,
        )
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise InvalidInput(rules.LINK_INVALID, field="token")
    token, member = row._tuple()
    if not rules.link_is_usable(token.expires_at, token.used_at, now) or not member.is_active:
        raise InvalidInput(rules.LINK_INVALID, field="token")
    if token.email != member.email:  # the address changed since the mail went out
        raise InvalidInput(rules.LINK_INVALID, field="token")
    # Single use even under concurrency: only one transaction flips used_at.
    result = session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput(rules.LINK_INVALID, field="token")
    return token, member


def confirm_address(session: Session, settings: Settings, member: Member) -> None:
    """Mark the address confirmed and mint the ledger's starter grant (once per member: the
    ledger guards it), so a new member can pledge on their first introduction request. Every
    way an address gets confirmed (the verify link, a reset link they read, an administrator
    vouching) goes through here, so none of them leaves a verified member without it."""
    member.email_verified_at = member.email_verified_at or utcnow()
    session.flush()
    ledger.grant_starter(
        session, member, key=f"starter:{member.id}", policy=ledger.policy_from(settings)
    )


def verify_email(session: Session, settings: Settings, secret: str) -> Member:
    _, member = _take_link(session, secret, "verify")
    confirm_address(session, settings, member)
    return member


def request_password_reset(session: Session, settings: Settings, email: str) -> None:
    member = session.scalar(
        select(Member).where(Member.email == member_rules.normalize_email(email))
    )
    if member is None or not member.is_active:
        return
    secret = _new_link(session, member, "reset", timedelta(minutes=settings.reset_link_minutes))
    subject, body = rules.reset_mail(
        member.display_name, _link(settings, "/reset-password/confirm", token=secret),
        settings.reset_link_minutes,
    )  # fmt: skip
    mail.queue(session, settings, to=member.email, subject=subject, body=body, kind="reset")


def reset_password(session: Session, settings: Settings, secret: str, new_password: str) -> Member:
    """Set a new password from an emailed link; every session of the member ends."""
    member_rules.check_password(new_password)
    _, member = _take_link(session, secret, "reset")
    member.password_hash = hash_password(new_password)
    confirm_address(session, settings, member)  # they read the mail
    revoke_all_sessions(session, member)
    return member


# --- sessions --------------------------------------------------------------------------------


def revoke_session(session: Session, member: Member, session_id: int) -> None:
    row = session.get(WebSession, session_id)
    if row is None or row.member_id != member.id or row.revoked_at is not None:
        raise NotFound("No such session.")
    row.revoked_at = utcnow()


def revoke_all_sessions(session: Session, member: Member, *, keep: int | None = None) -> int:
    result = session.execute(
        update(WebSession)
        .where(WebSession.member_id == member.id, WebSession.revoked_at.is_(None))
        .where(WebSession.id != (keep or -1))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- two-factor ------------------------------------------------------------------------------


def totp_credential(session: Session, member: Member) -> TotpCredential | None:
    return session.get(TotpCredential, member.id)


def has_two_factor(session: Session, member: Member) -> bool:
    cred = totp_credential(session, member)
    return cred is not None and cred.confirmed_at is not None


def begin_two_factor(session: Session, member: Member) -> tuple[str, str]:
    """A new secret to put into an authenticator app; on only after ``enable_two_factor``."""
    if has_two_factor(session, member):
        raise Conflict("Two-factor sign-in is on already. Turn it off first to change the app.")
    secret = rules.new_totp_secret()
    cred = totp_credential(session, member)
    if cred is None:
        session.add(TotpCredential(member_id=member.id, secret=secret))
    else:
        cred.secret, cred.last_step = secret, 0
    session.flush()
    return secret, rules.totp_uri(secret, member.email)


def _new_recovery_codes(session: Session, member: Member) -> list[str]:
    session.execute(
        RecoveryCode.__table__.delete().where(RecoveryCode.member_id == member.id)  # type: ignore[attr-defined]
    )
    codes = rules.new_recovery_codes()
    session.add_all(
        RecoveryCode(member_id=member.id, code_hash=member_rules.hash_secret(c)) for c in codes
    )
    session.flush()
    return codes


def _check_totp(cred: TotpCredential, code: str) -> bool:
    step = rules.totp_step(cred.secret, code, utcnow(), cred.last_step)
    if step is None:
        return False
    cred.last_step = step
    return True


WRONG_CODE = "That code is not right. Use the current code from your app, or a recovery code."


def enable_two_factor(session: Session, member: Member, code: str) -> list[str]:
    cred = totp_credential(session, member)
    if cred is None:
        raise Conflict("Start the two-factor setup first.")
    if cred.confirmed_at is not None:
        raise Conflict("Two-factor sign-in is on already.")
    if not _check_totp(cred, code):
        raise InvalidInput("That code is not right. Check the app and your clock.", field="code")
    cred.confirmed_at = utcnow()
    return _new_recovery_codes(session, member)


def check_second_factor(session: Session, member: Member, code: str) -> str:
    """Accept a current TOTP code or an unused recovery code (which is then used up)."""
    cred = totp_credential(session, member)
    if cred is None or cred.confirmed_at is None:
        raise Conflict("Two-factor sign-in is off for this account.")
    if rules.looks_like_recovery_code(code):
        digest = member_rules.hash_secret(rules.normalize_recovery_code(code))
        result = session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.member_id == member.id,
                RecoveryCode.code_hash == digest,
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return "recovery"
    elif _check_totp(cred, code):
        return "totp"
    raise AuthenticationFailed(WRONG_CODE)


def disable_two_factor(session: Session, member: Member, password: str, code: str) -> None:
    if member.password_hash is not None and not verify_password(member.password_hash, password):
        raise InvalidInput("Your password is not right.", field="password")
    check_second_factor(session, member, code)
    cred = totp_credential(session, member)
    if cred is not None:
        session.delete(cred)
    session.execute(
        RecoveryCode.__table__.delete().where(RecoveryCode.member_id == member.id)  # type: ignore[attr-defined]
    )


def regenerate_recovery_codes(session: Session, member: Member, code: str) -> list[str]:
    check_second_factor(session, member, code)
    return _new_recovery_codes(session, member)


def password_token(session: Session, member: Member, hours: int) -> str:
    """The OAuth2 password flow's token. Refused with two-factor on: a password alone is not
    enough for such members, who create personal tokens in Settings instead."""
    if has_two_factor(session, member):
        raise PermissionDenied(
            "Two-factor sign-in is on for this account, so a password alone cannot make a token. "
            "Create a personal API token in Settings and use it as the Bearer token."
        )
    _, secret = members.create_api_token(
        session, member, name="Signed in with password", scope="write",
        lifetime=timedelta(hours=hours),
    )  # fmt: skip
    return secret


# --- providers (OpenID Connect) ---------------------------------------------------------------


def add_provider(session: Session, data: ProviderIn) -> OidcProvider:
    slug = rules.check_provider_slug(data.slug)
    if session.scalar(select(OidcProvider.id).where(OidcProvider.slug == slug)) is not None:
        raise Conflict(f"A provider named '{slug}' exists already.", field="slug")
    provider = OidcProvider(
        slug=slug, name=" ".join(data.name.split()), issuer=rules.check_issuer(data.issuer),
        client_id=data.client_id.strip(), client_secret=data.client_secret.strip(),
        trusted_for_email=data.trusted_for_email, enabled=data.enabled,
    )  # fmt: skip
    session.add(provider)
    session.flush()
    return provider


def provider_by_slug(session: Session, slug: str, *, enabled_only: bool = True) -> OidcProvider:
    provider = session.scalar(select(OidcProvider).where(OidcProvider.slug == slug.lower()))
    if provider is None or (enabled_only and not provider.enabled):
        raise NotFound(f"No sign-in provider '{slug[:40]}'.")
    return provider


def update_provider(session: Session, slug: str, data: ProviderUpdate) -> OidcProvider:
    provider = provider_by_slug(session, slug, enabled_only=False)
    for field in ("client_id", "client_secret", "trusted_for_email", "enabled"):
        value = getattr(data, field)
        if value is not None:
            setattr(provider, field, value.strip() if isinstance(value, str) else value)
    if data.name is not None:
        provider.name = " ".join(data.name.split())
    return provider


def remove_provider(session: Session, slug: str) -> None:
    session.delete(provider_by_slug(session, slug, enabled_only=False))


@dataclass(frozen=True)
class ProviderSignIn:
    decision: rules.LinkDecision
    member: Member | None


OIDC_EMAIL_TAKEN = (
    "An account with this address exists already, and we never join accounts because their "
    "addresses match. If it is yours: sign in with your password, then link {name} under "
    "Settings → Security."
)


def provider_sign_in(
    session: Session,
    settings: Settings,
    provider: OidcProvider,
    claims: rules.ProviderClaims,
    *,
    signed_in: Member | None,
    invite: str | None = None,
) -> ProviderSignIn:
    """Apply :func:`rules.decide_link`: sign in, link, create a member, ask, or refuse."""
    now = utcnow()
    identity = session.scalar(
        select(OidcIdentity).where(
            OidcIdentity.provider_id == provider.id, OidcIdentity.subject == claims.subject
        )
    )
    email = member_rules.normalize_email(claims.email) if claims.email else None
    email_member = session.scalar(select(Member).where(Member.email == email)) if email else None
    decision = rules.decide_link(
        linked_member=identity.member_id if identity else None,
        signed_in_member=signed_in.id if signed_in else None,
        email_member=email_member.id if email_member else None,
        provider_trusted=provider.trusted_for_email,
        email_verified=claims.email_verified,
    )
    if decision is rules.LinkDecision.REFUSE_OTHER_MEMBER:
        raise Conflict(f"This {provider.name} account is linked to another Sharewell member.")
    if decision is rules.LinkDecision.REFUSE_EMAIL_MATCH:
        raise Conflict(OIDC_EMAIL_TAKEN.format(name=provider.name))
    if decision is rules.LinkDecision.ASK_TO_LINK:
        return ProviderSignIn(decision, signed_in)
    if decision is rules.LinkDecision.SIGN_IN:
        assert identity is not None
        member = session.get(Member, identity.member_id)
        if member is None or not member.is_active:
            raise AuthenticationFailed("This account is suspended.")
        identity.last_used_at = now
        return ProviderSignIn(decision, member)
    if decision is rules.LinkDecision.LINK_TRUSTED:
        assert email_member is not None
        if not email_member.is_active:
            raise AuthenticationFailed("This account is suspended.")
        _add_identity(session, provider, claims, email_member, now)
        confirm_address(session, settings, email_member)
        return ProviderSignIn(decision, email_member)
    # CREATE: a new member, under the same registration mode as everyone else.
    if email is None:
        raise InvalidInput(
            f"{provider.name} did not share an email address, which Sharewell needs. Allow it "
            "at the provider, or join with a password.",
            field="email",
        )
    invitation = _admit(session, email, invite, now)
    name = " ".join(claims.name.split()) or email.split("@")[0]
    try:
        data = SignUpIn(
            email=email, password="x" * member_rules.PASSWORD_MIN, display_name=name[:100]
        )
    except ValidationError:
        raise InvalidInput(
            f"{provider.name} shared an address Sharewell cannot use: '{email[:80]}'.",
            field="email",
        ) from None
    # The placeholder hash is replaced below: this member signs in through the provider only.
    member = members.sign_up(session, data, password_hash="!")  # noqa: S106
    if member is None:  # the address was taken between our check and the insert
        raise Conflict(OIDC_EMAIL_TAKEN.format(name=provider.name))
    member.password_hash = None
    _consume(session, invitation, member, now)
    _add_identity(session, provider, claims, member, now)
    if provider.trusted_for_email and claims.email_verified:
        confirm_address(session, settings, member)
    else:
        send_verification(session, settings, member)
    return ProviderSignIn(decision, member)


def _add_identity(
    session: Session, provider: OidcProvider, claims: rules.ProviderClaims, member: Member,
    now: datetime,
) -> OidcIdentity:  # fmt: skip
    identity = OidcIdentity(
        provider_id=provider.id, subject=claims.subject, member_id=member.id,
        email=(claims.email or "")[:254], created_at=now, last_used_at=now,
    )  # fmt: skip
    session.add(identity)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"This {provider.name} account is linked already.") from None
    return identity


def confirm_link(
    session: Session, member: Member, provider: OidcProvider, claims: rules.ProviderClaims
) -> OidcIdentity:
    """The signed-in member confirmed: link this provider account to them."""
    return _add_identity(session, provider, claims, member, utcnow())


def unlink_identity(session: Session, member: Member, identity_id: int) -> None:
    identity = session.get(OidcIdentity, identity_id)
    if identity is None or identity.member_id != member.id:
        raise NotFound("No such linked account.")
    others = session.scalar(
        select(func.count(OidcIdentity.id)).where(OidcIdentity.member_id == member.id)
    )
    if member.password_hash is None and int(others or 0) <= 1:
        raise Conflict(
            "This is your only way to sign in. Set a password first (use 'Forgot your "
            "password?' on the sign-in page), then unlink."
        )
    session.delete(identity)


# --- upkeep ----------------------------------------------------------------------------------


def sweep(session: Session, now: datetime) -> dict[str, int]:
    """Forget what has run out: used or expired links, ended sessions, expired password-flow
    tokens (all older than a week, so recent ones stay visible in lists)."""
    week_ago = now - timedelta(days=7)
    counts = {}
    counts["links"] = session.execute(
        AccountToken.__table__.delete().where(  # type: ignore[attr-defined]
            (AccountToken.expires_at < week_ago) | (AccountToken.used_at < week_ago)
        )
    ).rowcount
    counts["sessions"] = session.execute(
        WebSession.__table__.delete().where(  # type: ignore[attr-defined]
            (WebSession.expires_at < week_ago) | (WebSession.revoked_at < week_ago)
        )
    ).rowcount
    counts["tokens"] = session.execute(
        ApiToken.__table__.delete().where(  # type: ignore[attr-defined]
            (ApiToken.expires_at < week_ago) | (ApiToken.revoked_at < week_ago)
        )
    ).rowcount
    return counts
