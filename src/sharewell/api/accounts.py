"""Accounts: sign-up and sign-in flows, emailed links, sessions, two-factor, linked providers,
invitations; and for administrators the registration mode, providers, mail and jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status

from sharewell.accounts import limits, queries, service
from sharewell.accounts.schemas import (
    AcceptedOut,
    CodeIn,
    EmailIn,
    IdentityOut,
    InvitationCreatedOut,
    InvitationsOut,
    PasswordResetIn,
    ProviderIn,
    ProviderOut,
    ProviderPublic,
    ProviderUpdate,
    RecoveryCodesOut,
    RegistrationIn,
    RegistrationOut,
    SessionOut,
    TokenIn,
    TwoFactorDisableIn,
    TwoFactorSetupOut,
    TwoFactorStatus,
)
from sharewell.api.deps import AdminMember, CurrentMember, limited
from sharewell.db import utcnow
from sharewell.deps import LimiterDep, RowId, SessionDep, SettingsDep, client_address
from sharewell.jobs import queries as job_queries
from sharewell.jobs import service as job_service
from sharewell.jobs.schemas import JobOut, JobRunOut
from sharewell.mail import queries as mail_queries
from sharewell.mail import service as mail_service
from sharewell.mail.schemas import MailOut, MailQueueStats
from sharewell.members.schemas import OAuthTokenOut, SignUpIn, SignUpOut

router = APIRouter()
admin = APIRouter(prefix="/admin", tags=["admin"])

SIGNUP_ACCEPTED = (
    "Thanks. We sent a message to this address: follow its link to confirm it. If the address "
    "already had an account, its owner got a note instead and nothing changed."
)
RESET_ACCEPTED = (
    "If this address has an account, we sent it a link to choose a new password. "
    "The link works once, for a limited time."
)
VERIFY_ACCEPTED = (
    "If this address has an account that still needs confirming, we sent it a new link."
)
OAUTH_TOKEN_HOURS = 12


# --- signing up and in ------------------------------------------------------------------------


@router.post(
    "/auth/signup", response_model=SignUpOut, status_code=status.HTTP_202_ACCEPTED, tags=["auth"]
)
def sign_up(
    data: SignUpIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> SignUpOut:
    """Create an account under the registration mode. Answers the same for new and
    already-registered addresses; the owner of a known address gets a note by mail."""
    limits.check(limiter, "signup", account=str(data.email), client=client_address(request))
    service.register(session, settings, data, data.invite)
    return SignUpOut(detail=SIGNUP_ACCEPTED)


@router.post("/auth/token", response_model=OAuthTokenOut, tags=["auth"])
def oauth_token(
    request: Request,
    session: SessionDep,
    limiter: LimiterDep,
    username: Annotated[str, Form(description="Your email address", max_length=254)],
    password: Annotated[str, Form(max_length=200)],
) -> OAuthTokenOut:
    """OAuth2 password flow (for /docs and scripts): a read-write token for 12 hours. Refused
    for members with two-factor sign-in on: they create personal tokens in Settings."""
    from sharewell.members import service as members

    limits.check(limiter, "signin", account=username, client=client_address(request))
    member = members.authenticate(session, username, password)
    secret = service.password_token(session, member, OAUTH_TOKEN_HOURS)
    return OAuthTokenOut(access_token=secret, expires_in=OAUTH_TOKEN_HOURS * 3600)


@router.post(
    "/auth/password-reset",
    response_model=AcceptedOut,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["auth"],
)
def request_reset(
    data: EmailIn, request: Request, session: SessionDep, settings: SettingsDep,
    limiter: LimiterDep,
) -> AcceptedOut:  # fmt: skip
    """Mail a password-reset link. The same answer whether or not the address has an account."""
    limits.check(limiter, "reset", account=str(data.email), client=client_address(request))
    service.request_password_reset(session, settings, str(data.email))
    return AcceptedOut(detail=RESET_ACCEPTED)


@router.post("/auth/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def confirm_reset(
    data: PasswordResetIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> None:
    """Choose a new password with the link's token; every session of the account ends."""
    limits.check(limiter, "reset", account=data.token, client=client_address(request))
    service.reset_password(session, settings, data.token, data.new_password)


@router.post(
    "/auth/verify-email/resend",
    response_model=AcceptedOut,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["auth"],
)
def resend_verification(
    data: EmailIn, request: Request, session: SessionDep, settings: SettingsDep,
    limiter: LimiterDep,
) -> AcceptedOut:  # fmt: skip
    limits.check(limiter, "verify", account=str(data.email), client=client_address(request))
    service.resend_verification(session, settings, str(data.email))
    return AcceptedOut(detail=VERIFY_ACCEPTED)


@router.post("/auth/verify-email", response_model=AcceptedOut, tags=["auth"])
def verify_email(
    data: TokenIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> AcceptedOut:
    limits.check(limiter, "verify", account=data.token, client=client_address(request))
    service.verify_email(session, settings, data.token)
    return AcceptedOut(detail="Thanks: your address is confirmed.")


@router.get("/auth/providers", response_model=list[ProviderPublic], tags=["auth"])
def providers(session: SessionDep) -> list[ProviderPublic]:
    """Other accounts you can sign in with (OpenID Connect); start in a browser."""
    return queries.public_providers(session)


# --- sessions --------------------------------------------------------------------------------


@router.get("/me/sessions", response_model=list[SessionOut], tags=["security"])
def list_sessions(member: CurrentMember, session: SessionDep) -> list[SessionOut]:
    """Your signed-in browsers: device and last activity."""
    return queries.list_sessions(session, member, None)


@router.delete("/me/sessions/{session_id}", status_code=204, tags=["security"])
def revoke_session(session_id: RowId, member: CurrentMember, session: SessionDep) -> None:
    service.revoke_session(session, member, session_id)


@router.post("/me/sessions/revoke-all", status_code=204, tags=["security"])
def revoke_all_sessions(member: CurrentMember, session: SessionDep) -> None:
    """Sign out everywhere: every browser session ends (API tokens stay; revoke them apart)."""
    service.revoke_all_sessions(session, member)


@router.post(
    "/me/verify-email/resend",
    response_model=AcceptedOut,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["security"],
)
def resend_my_verification(
    request: Request, member: CurrentMember, session: SessionDep, settings: SettingsDep,
    limiter: LimiterDep,
) -> AcceptedOut:  # fmt: skip
    limits.check(limiter, "verify", account=member.email, client=client_address(request))
    service.resend_verification(session, settings, member.email)
    return AcceptedOut(detail=VERIFY_ACCEPTED)


# --- two-factor ------------------------------------------------------------------------------


@router.get("/me/two-factor", response_model=TwoFactorStatus, tags=["security"])
def two_factor_status(member: CurrentMember, session: SessionDep) -> TwoFactorStatus:
    return queries.two_factor_status(session, member)


@router.post("/me/two-factor/setup", response_model=TwoFactorSetupOut, tags=["security"])
def two_factor_setup(member: CurrentMember, session: SessionDep) -> TwoFactorSetupOut:
    """Step 1: a new key for your authenticator app. Nothing changes until step 2."""
    secret, uri = service.begin_two_factor(session, member)
    return TwoFactorSetupOut(secret=secret, otpauth_uri=uri)


@router.post("/me/two-factor/enable", response_model=RecoveryCodesOut, tags=["security"])
def two_factor_enable(
    data: CodeIn, request: Request, member: CurrentMember, session: SessionDep,
    limiter: LimiterDep,
) -> RecoveryCodesOut:  # fmt: skip
    """Step 2: a current code from the app turns two-factor on; returns recovery codes once."""
    limits.check(limiter, "two_factor", account=member.email, client=client_address(request))
    return RecoveryCodesOut(recovery_codes=service.enable_two_factor(session, member, data.code))


@router.post("/me/two-factor/disable", status_code=204, tags=["security"])
def two_factor_disable(
    data: TwoFactorDisableIn, request: Request, member: CurrentMember, session: SessionDep,
    limiter: LimiterDep,
) -> None:  # fmt: skip
    limits.check(limiter, "two_factor", account=member.email, client=client_address(request))
    service.disable_two_factor(session, member, data.password, data.code)


@router.post("/me/two-factor/recovery-codes", response_model=RecoveryCodesOut, tags=["security"])
def two_factor_recovery_codes(
    data: CodeIn, request: Request, member: CurrentMember, session: SessionDep,
    limiter: LimiterDep,
) -> RecoveryCodesOut:  # fmt: skip
    """New recovery codes (the old ones stop working)."""
    limits.check(limiter, "two_factor", account=member.email, client=client_address(request))
    return RecoveryCodesOut(
        recovery_codes=service.regenerate_recovery_codes(session, member, data.code)
    )


# --- linked accounts and invitations -----------------------------------------------------------


@router.get("/me/identities", response_model=list[IdentityOut], tags=["security"])
def identities(member: CurrentMember, session: SessionDep) -> list[IdentityOut]:
    return queries.list_identities(session, member)


@router.delete("/me/identities/{identity_id}", status_code=204, tags=["security"])
def unlink(identity_id: RowId, member: CurrentMember, session: SessionDep) -> None:
    service.unlink_identity(session, member, identity_id)


@router.get("/me/invitations", response_model=InvitationsOut, tags=["invitations"])
def invitations(member: CurrentMember, session: SessionDep) -> InvitationsOut:
    return queries.list_invitations(session, member)


@router.post(
    "/me/invitations",
    response_model=InvitationCreatedOut,
    status_code=201,
    tags=["invitations"],
    dependencies=[limited("invite")],
)
def create_invitation(
    member: CurrentMember, session: SessionDep, settings: SettingsDep
) -> InvitationCreatedOut:
    """An invitation link (single use, 14 days); members have a cap, administrators none."""
    inv, code = service.create_invitation(session, settings, member)
    return InvitationCreatedOut(
        **queries.invitation_of(inv).model_dump(), link=service.invitation_link(settings, code)
    )


@router.delete("/me/invitations/{invitation_id}", status_code=204, tags=["invitations"])
def revoke_invitation(invitation_id: RowId, member: CurrentMember, session: SessionDep) -> None:
    service.revoke_invitation(session, member, invitation_id)


# --- administration --------------------------------------------------------------------------


@admin.get("/registration", response_model=RegistrationOut)
def get_registration(admin_member: AdminMember, session: SessionDep) -> RegistrationOut:
    return queries.registration(session)


@admin.put("/registration", response_model=RegistrationOut)
def put_registration(
    data: RegistrationIn, admin_member: AdminMember, session: SessionDep
) -> RegistrationOut:
    """Who may join: `open`, `invite` (invitation links only) or `domains` (listed mail
    domains, plus anyone invited). Holds for sign-in with other providers too."""
    service.set_registration(
        session, mode=data.mode, domains=data.domains, invite_cap=data.invite_cap
    )
    return queries.registration(session)


@admin.get("/oidc-providers", response_model=list[ProviderOut])
def list_providers(
    admin_member: AdminMember, session: SessionDep, settings: SettingsDep
) -> list[ProviderOut]:
    return queries.list_providers(session, settings)


@admin.post("/oidc-providers", response_model=ProviderOut, status_code=201)
def add_provider(
    data: ProviderIn, admin_member: AdminMember, session: SessionDep, settings: SettingsDep
) -> ProviderOut:
    """Add an OpenID Connect provider by issuer URL, client id and secret. Register the
    returned `redirect_uri` at the provider."""
    return queries.provider_of(settings, service.add_provider(session, data))


@admin.patch("/oidc-providers/{slug}", response_model=ProviderOut)
def update_provider(
    slug: str, data: ProviderUpdate, admin_member: AdminMember, session: SessionDep,
    settings: SettingsDep,
) -> ProviderOut:  # fmt: skip
    return queries.provider_of(settings, service.update_provider(session, slug, data))


@admin.delete("/oidc-providers/{slug}", status_code=204)
def remove_provider(slug: str, admin_member: AdminMember, session: SessionDep) -> None:
    service.remove_provider(session, slug)


@admin.get("/invitations", response_model=InvitationsOut)
def admin_invitations(admin_member: AdminMember, session: SessionDep) -> InvitationsOut:
    return queries.list_invitations(session, admin_member)


@admin.get("/mail", response_model=list[MailOut])
def outbox(
    admin_member: AdminMember,
    session: SessionDep,
    status_: Annotated[str | None, Query(alias="status")] = None,
    to: Annotated[str | None, Query(max_length=254)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> list[MailOut]:
    """Outgoing mail, newest first (the outbox when no SMTP server is configured)."""
    return mail_queries.list_messages(session, status=status_, to=to, limit=limit)


@admin.get("/mail/stats", response_model=MailQueueStats)
def mail_stats(admin_member: AdminMember, session: SessionDep) -> MailQueueStats:
    return mail_queries.queue_stats(session)


@admin.post("/mail/retry", response_model=AcceptedOut)
def retry_mail(admin_member: AdminMember, session: SessionDep) -> AcceptedOut:
    """Queue failed messages again (after fixing the SMTP settings)."""
    n = mail_service.retry_failed(session, utcnow())
    return AcceptedOut(detail=f"{n} message(s) queued again.")


@admin.get("/jobs", response_model=list[JobOut])
def jobs(admin_member: AdminMember, session: SessionDep) -> list[JobOut]:
    import sharewell.all_jobs  # noqa: F401

    return job_queries.list_jobs(session)


@admin.get("/jobs/runs", response_model=list[JobRunOut])
def job_runs(
    admin_member: AdminMember,
    session: SessionDep,
    name: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[JobRunOut]:
    return job_queries.recent_runs(session, name, limit)


@admin.post("/jobs/{name}/run", response_model=AcceptedOut, status_code=202)
def run_job(name: str, admin_member: AdminMember, session: SessionDep) -> AcceptedOut:
    """Make a job due now; the next scheduler tick (or `sharewell jobs run-once`) runs it."""
    import sharewell.all_jobs  # noqa: F401

    job_service.request_run(session, name, utcnow())
    return AcceptedOut(detail=f"{name} is due now; it runs at the scheduler's next tick.")
