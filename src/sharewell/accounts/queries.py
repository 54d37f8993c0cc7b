"""Read side of the accounts area."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharewell.accounts import rules
from sharewell.accounts.models import (
    Invitation,
    OidcIdentity,
    OidcProvider,
    RecoveryCode,
    TotpCredential,
)
from sharewell.accounts.schemas import (
    IdentityOut,
    InvitationOut,
    InvitationsOut,
    ProviderOut,
    ProviderPublic,
    RegistrationOut,
    SessionOut,
    TwoFactorStatus,
)
from sharewell.accounts.service import get_registration
from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.members.models import Member, WebSession


def registration(session: Session) -> RegistrationOut:
    reg = get_registration(session)
    return RegistrationOut(mode=reg.mode, domains=list(reg.domains), invite_cap=reg.invite_cap)


def list_sessions(session: Session, member: Member, current_id: int | None) -> list[SessionOut]:
    rows = session.scalars(
        select(WebSession)
        .where(
            WebSession.member_id == member.id,
            WebSession.revoked_at.is_(None),
            WebSession.expires_at > utcnow(),
        )
        .order_by(WebSession.last_seen_at.desc())
        .limit(200)
    )
    return [
        SessionOut(
            id=r.id, device=rules.device_label(r.user_agent), user_agent=r.user_agent,
            created_at=r.created_at, last_seen_at=r.last_seen_at, current=r.id == current_id,
        )
        for r in rows
    ]  # fmt: skip


def two_factor_status(session: Session, member: Member) -> TwoFactorStatus:
    cred = session.get(TotpCredential, member.id)
    left = session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.member_id == member.id, RecoveryCode.used_at.is_(None)
        )
    )
    return TwoFactorStatus(
        enabled=cred is not None and cred.confirmed_at is not None,
        pending_setup=cred is not None and cred.confirmed_at is None,
        recovery_codes_left=int(left or 0),
    )


def invitation_of(inv: Invitation) -> InvitationOut:
    return InvitationOut(
        id=inv.id, prefix=inv.prefix, created_at=inv.created_at, expires_at=inv.expires_at,
        used=inv.used_at is not None, revoked=inv.revoked_at is not None,
    )  # fmt: skip


def list_invitations(session: Session, member: Member) -> InvitationsOut:
    rows = list(
        session.scalars(
            select(Invitation)
            .where(Invitation.inviter_id == member.id)
            .order_by(Invitation.id.desc())
            .limit(200)
        )
    )
    if member.is_admin:
        return InvitationsOut(items=[invitation_of(i) for i in rows], cap=None, left=None)
    cap = get_registration(session).invite_cap
    made = sum(1 for i in rows if i.revoked_at is None)
    return InvitationsOut(items=[invitation_of(i) for i in rows], cap=cap, left=max(0, cap - made))


def public_providers(session: Session) -> list[ProviderPublic]:
    rows = session.scalars(
        select(OidcProvider).where(OidcProvider.enabled.is_(True)).order_by(OidcProvider.name)
    )
    return [
        ProviderPublic(slug=p.slug, name=p.name, start_url=f"/auth/oidc/{p.slug}/start")
        for p in rows
    ]


def redirect_uri(settings: Settings, slug: str) -> str:
    return f"{settings.base_url.rstrip('/')}/auth/oidc/{slug}/callback"


def provider_of(settings: Settings, p: OidcProvider) -> ProviderOut:
    return ProviderOut(
        id=p.id, slug=p.slug, name=p.name, issuer=p.issuer, client_id=p.client_id,
        trusted_for_email=p.trusted_for_email, enabled=p.enabled,
        redirect_uri=redirect_uri(settings, p.slug),
    )  # fmt: skip


def list_providers(session: Session, settings: Settings) -> list[ProviderOut]:
    return [
        provider_of(settings, p)
        for p in session.scalars(select(OidcProvider).order_by(OidcProvider.slug).limit(100))
    ]


def list_identities(session: Session, member: Member) -> list[IdentityOut]:
    rows = session.execute(
        select(OidcIdentity, OidcProvider)
        .join(OidcProvider, OidcProvider.id == OidcIdentity.provider_id)
        .where(OidcIdentity.member_id == member.id)
        .order_by(OidcIdentity.id)
    ).all()
    return [
        IdentityOut(
            id=i.id, provider=p.slug, provider_name=p.name, email=i.email,
            created_at=i.created_at, last_used_at=i.last_used_at,
        )
        for i, p in (r._tuple() for r in rows)
    ]  # fmt: skip
