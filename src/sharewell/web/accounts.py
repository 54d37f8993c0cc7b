"""Account pages: sign-up and sign-in (with two-factor and other providers), emailed links,
Settings → Security (sessions, two-factor, linked accounts, invitations) and the admin page.
Thin like every page: parse the form, call a service, render or redirect."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import ValidationError

from sharewell.accounts import limits, oidc, queries, service
from sharewell.accounts.rules import LinkDecision, ProviderClaims
from sharewell.accounts.schemas import ProviderIn
from sharewell.api.accounts import RESET_ACCEPTED, VERIFY_ACCEPTED
from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.deps import LimiterDep, RowId, SessionDep, SettingsDep, client_address
from sharewell.errors import InvalidInput, NotFound, PermissionDenied, SharewellError
from sharewell.jobs import queries as job_queries
from sharewell.jobs import service as job_service
from sharewell.mail import queries as mail_queries
from sharewell.members import service as members
from sharewell.members.models import Member
from sharewell.members.schemas import SignUpIn
from sharewell.web import forms
from sharewell.web import session as web_session
from sharewell.web.session import SignedInMember, WebMember, limited
from sharewell.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])

TWO_FACTOR_COOKIE = "sw_2fa"
OIDC_COOKIE = "sw_oidc"
LINK_COOKIE = "sw_oidc_link"
PENDING_SECONDS = 600


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=f"accounts-{purpose}")


def _set_pending(response: Response, settings: Settings, name: str, data: dict[str, Any]) -> None:
    value = _serializer(settings, name).dumps(data)
    response.set_cookie(
        name, value, max_age=PENDING_SECONDS, httponly=True, samesite="lax",
        secure=settings.secure_cookies, path="/",
    )  # fmt: skip


def _get_pending(request: Request, settings: Settings, name: str) -> dict[str, Any] | None:
    raw = request.cookies.get(name)
    if not raw:
        return None
    try:
        data = _serializer(settings, name).loads(raw, max_age=PENDING_SECONDS)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _start_session(
    request: Request, session: SessionDep, settings: Settings, member: Member, target: str
) -> Response:
    _, secret = members.start_web_session(
        session, member, user_agent=request.headers.get("user-agent", ""),
        days=settings.session_days,
    )  # fmt: skip
    if target == "/" and not member.headline:
        target = "/settings/profile"
    response = _redirect(target)
    web_session.set_session_cookie(response, settings, secret)
    web_session.flash(response, settings, f"Welcome, {member.display_name}.")
    web_session.clear_cookie(response, settings, TWO_FACTOR_COOKIE)
    return response


def _sign_in_or_second_factor(
    request: Request, session: SessionDep, settings: Settings, member: Member, target: str
) -> Response:
    if service.has_two_factor(session, member):
        response = _redirect("/signin/two-factor")
        _set_pending(response, settings, TWO_FACTOR_COOKIE, {"m": member.id, "next": target})
        return response
    return _start_session(request, session, settings, member, target)


# --- sign-up and sign-in ----------------------------------------------------------------------


@router.get("/signup")
def signup_form(request: Request, me: WebMember, session: SessionDep, invite: str = "") -> Response:
    if me:
        return _redirect("/settings/profile")
    return render(
        request,
        "signup.html",
        {
            "values": {"invite": invite[:200]},
            "registration": queries.registration(session),
            "providers": queries.public_providers(session),
        },
    )


@router.post("/signup")
def signup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=100)] = "",
    invite: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = {"email": email, "display_name": display_name, "invite": invite}
    try:
        data = SignUpIn(
            email=email, password=password, display_name=display_name, invite=invite or None
        )
        limits.check(limiter, "signup", account=email, client=client_address(request))
        service.register(session, settings, data, data.invite)
    except (ValidationError, SharewellError) as exc:
        session.rollback()
        error = forms.first_error(exc) if isinstance(exc, ValidationError) else exc
        return render(
            request,
            "signup.html",
            {
                "values": values, "error": error.detail,
                "registration": queries.registration(session),
                "providers": queries.public_providers(session),
            },
            status_code=error.status,
            headers=_retry_after(error),
        )  # fmt: skip
    # Same answer whether or not the address was known.
    return _redirect(f"/signin?welcome=1&email={quote(email.strip().lower())}&next=/welcome")


def _retry_after(exc: SharewellError) -> dict[str, str] | None:
    retry = getattr(exc, "retry_after", None)
    return {"Retry-After": str(retry)} if retry else None


@router.get("/signin")
def signin_form(
    request: Request,
    me: WebMember,
    session: SessionDep,
    next: str | None = None,
    welcome: int = 0,
    email: str = "",
) -> Response:
    if me:
        return _redirect(_safe_next(next))
    return render(
        request,
        "signin.html",
        {
            "next": _safe_next(next), "welcome": welcome, "email": email[:254],
            "providers": queries.public_providers(session),
        },
    )  # fmt: skip


@router.post("/signin")
def signin(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    try:
        limits.check(limiter, "signin", account=email, client=client_address(request))
        member = members.authenticate(session, email, password)
    except SharewellError as exc:
        return render(
            request,
            "signin.html",
            {
                "next": _safe_next(next), "email": email[:254], "error": exc.detail,
                "providers": queries.public_providers(session),
            },
            status_code=exc.status,
            headers=_retry_after(exc),
        )  # fmt: skip
    return _sign_in_or_second_factor(request, session, settings, member, _safe_next(next))


@router.get("/signin/two-factor")
def two_factor_form(request: Request, settings: SettingsDep) -> Response:
    if _get_pending(request, settings, TWO_FACTOR_COOKIE) is None:
        return _redirect("/signin")
    return render(request, "signin_2fa.html", {})


@router.post("/signin/two-factor")
def two_factor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    pending = _get_pending(request, settings, TWO_FACTOR_COOKIE)
    member = session.get(Member, int(pending["m"])) if pending else None
    if pending is None or member is None or not member.is_active:
        response = _redirect("/signin")
        web_session.flash(response, settings, "That took too long: sign in again.", "error")
        return response
    try:
        limits.check(limiter, "two_factor", account=member.email, client=client_address(request))
        service.check_second_factor(session, member, code)
    except SharewellError as exc:
        return render(
            request, "signin_2fa.html", {"error": exc.detail}, status_code=exc.status,
            headers=_retry_after(exc),
        )  # fmt: skip
    return _start_session(request, session, settings, member, _safe_next(pending.get("next")))


# --- emailed links ----------------------------------------------------------------------------


@router.get("/verify-email")
def verify_email_form(request: Request, token: str = "") -> Response:
    return render(request, "verify_email.html", {"token": token[:200]})


@router.post("/verify-email")
def verify_email(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    me: WebMember,
    token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        limits.check(limiter, "verify", account=token, client=client_address(request))
        service.verify_email(session, settings, token)
    except SharewellError as exc:
        session.rollback()
        return render(
            request, "verify_email.html", {"token": token, "error": exc.detail},
            status_code=exc.status,
        )  # fmt: skip
    response = _redirect("/settings/security" if me else "/signin")
    web_session.flash(response, settings, "Thanks: your address is confirmed.")
    return response


def _email_form(request: Request, kind: str, **extra: Any) -> Response:
    pages = {
        "verify": ("Confirm your address", "/verify-email/resend",
                   "We will mail a new confirmation link.", "Send a new link"),
        "reset": ("Forgot your password?", "/reset-password",
                  "We will mail you a link to choose a new one.", "Mail me a link"),
    }  # fmt: skip
    title, action, intro, button = pages[kind]
    context = {"title": title, "action": action, "intro": intro, "button": button, **extra}
    return render(request, "email_form.html", context, status_code=extra.get("status", 200))


@router.get("/verify-email/resend")
def resend_form(request: Request) -> Response:
    return _email_form(request, "verify")


@router.post("/verify-email/resend")
def resend(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    try:
        limits.check(limiter, "verify", account=email, client=client_address(request))
        service.resend_verification(session, settings, email)
    except SharewellError as exc:
        return _email_form(request, "verify", error=exc.detail, status=exc.status)
    return _email_form(request, "verify", done=VERIFY_ACCEPTED)


@router.get("/reset-password")
def reset_form(request: Request) -> Response:
    return _email_form(request, "reset")


@router.post("/reset-password")
def reset_request(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    try:
        limits.check(limiter, "reset", account=email, client=client_address(request))
        service.request_password_reset(session, settings, email)
    except SharewellError as exc:
        return _email_form(request, "reset", error=exc.detail, status=exc.status)
    return _email_form(request, "reset", done=RESET_ACCEPTED)


@router.get("/reset-password/confirm")
def reset_confirm_form(request: Request, token: str = "") -> Response:
    return render(request, "reset_confirm.html", {"token": token[:200]})


@router.post("/reset-password/confirm")
def reset_confirm(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    token: Annotated[str, Form(max_length=200)] = "",
    new_password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        limits.check(limiter, "reset", account=token, client=client_address(request))
        service.reset_password(session, settings, token, new_password)
    except SharewellError as exc:
        session.rollback()
        return render(
            request, "reset_confirm.html", {"token": token, "error": exc.detail},
            status_code=exc.status,
        )  # fmt: skip
    response = _redirect("/signin")
    web_session.clear_session_cookie(response, settings)
    web_session.flash(response, settings, "Your password is changed: sign in with it now.")
    return response


# --- settings → security ----------------------------------------------------------------------


def _security(
    request: Request, session: SessionDep, me: Member, status_code: int = 200, **extra: Any
) -> Response:
    cred = service.totp_credential(session, me)
    context = {
        "sessions": queries.list_sessions(session, me, request.state.web_session_id),
        "two_factor": queries.two_factor_status(session, me),
        "pending_secret": cred.secret if cred and cred.confirmed_at is None else None,
        "identities": queries.list_identities(session, me),
        "providers": queries.public_providers(session),
        "invitations": queries.list_invitations(session, me),
        **extra,
    }
    return render(request, "security.html", context, status_code=status_code)


@router.get("/settings/security")
def security(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    return _security(request, session, me)


@router.post("/settings/sessions/{session_id}/revoke")
def revoke_session(
    request: Request, session_id: RowId, me: SignedInMember, session: SessionDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    service.revoke_session(session, me, session_id)
    if session_id == request.state.web_session_id:
        response = _redirect("/signin")
        web_session.clear_session_cookie(response, settings)
        return response
    response = _redirect("/settings/security")
    web_session.flash(response, settings, "That session is signed out.")
    return response


@router.post("/settings/sessions/revoke-all")
def revoke_all(me: SignedInMember, session: SessionDep, settings: SettingsDep) -> Response:
    service.revoke_all_sessions(session, me)
    response = _redirect("/signin")
    web_session.clear_session_cookie(response, settings)
    web_session.flash(response, settings, "You are signed out everywhere.")
    return response


@router.post("/settings/verify-email/resend")
def resend_mine(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep,
    limiter: LimiterDep,
) -> Response:  # fmt: skip
    limits.check(limiter, "verify", account=me.email, client=client_address(request))
    service.resend_verification(session, settings, me.email)
    response = _redirect("/settings/security")
    web_session.flash(response, settings, f"We sent a new link to {me.email}.")
    return response


@router.post("/settings/two-factor/start")
def two_factor_start(me: SignedInMember, session: SessionDep) -> Response:
    service.begin_two_factor(session, me)
    return _redirect("/settings/security#two-factor")


def _code_action(
    request: Request, session: SessionDep, me: Member, limiter: LimiterDep, action: Any
) -> Response:
    try:
        limits.check(limiter, "two_factor", account=me.email, client=client_address(request))
        codes = action()
    except SharewellError as exc:
        session.rollback()
        return _security(request, session, me, exc.status, two_factor_error=exc.detail)
    return _security(request, session, me, recovery_codes=codes)


@router.post("/settings/two-factor/enable")
def two_factor_enable(
    request: Request, me: SignedInMember, session: SessionDep, limiter: LimiterDep,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:  # fmt: skip
    return _code_action(
        request, session, me, limiter, lambda: service.enable_two_factor(session, me, code)
    )


@router.post("/settings/two-factor/recovery-codes")
def two_factor_codes(
    request: Request, me: SignedInMember, session: SessionDep, limiter: LimiterDep,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:  # fmt: skip
    return _code_action(
        request, session, me, limiter, lambda: service.regenerate_recovery_codes(session, me, code)
    )


@router.post("/settings/two-factor/disable")
def two_factor_disable(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep,
    limiter: LimiterDep,
    password: Annotated[str, Form(max_length=200)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:  # fmt: skip
    try:
        limits.check(limiter, "two_factor", account=me.email, client=client_address(request))
        service.disable_two_factor(session, me, password, code)
    except SharewellError as exc:
        session.rollback()
        return _security(request, session, me, exc.status, two_factor_error=exc.detail)
    response = _redirect("/settings/security")
    web_session.flash(response, settings, "Two-factor sign-in is off.")
    return response


@router.post("/settings/invitations", dependencies=[limited("invite")])
def invite(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        _, code = service.create_invitation(session, settings, me)
    except SharewellError as exc:
        session.rollback()
        return _security(request, session, me, exc.status, invitation_error=exc.detail)
    return _security(request, session, me, new_invitation=service.invitation_link(settings, code))


@router.post("/settings/invitations/{invitation_id}/revoke")
def revoke_invitation(
    invitation_id: RowId, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    service.revoke_invitation(session, me, invitation_id)
    response = _redirect("/settings/security#invitations")
    web_session.flash(response, settings, "Invitation revoked.")
    return response


@router.post("/settings/identities/{identity_id}/unlink")
def unlink(
    identity_id: RowId, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    service.unlink_identity(session, me, identity_id)
    response = _redirect("/settings/security#linked")
    web_session.flash(response, settings, "The account is unlinked.")
    return response


# --- sign-in with other providers ---------------------------------------------------------------


def _config(settings: Settings, provider: Any) -> oidc.ProviderConfig:
    return oidc.ProviderConfig(
        issuer=provider.issuer, client_id=provider.client_id,
        client_secret=provider.client_secret, name=provider.name,
        redirect_uri=queries.redirect_uri(settings, provider.slug),
    )  # fmt: skip


@router.get("/auth/oidc/{slug}/start")
def oidc_start(
    slug: str, session: SessionDep, settings: SettingsDep, next: str = "/", invite: str = ""
) -> Response:
    provider = service.provider_by_slug(session, slug)
    flow = oidc.start(_config(settings, provider))
    response = RedirectResponse(flow.url, status_code=303)
    _set_pending(
        response, settings, OIDC_COOKIE,
        {"slug": provider.slug, "state": flow.state, "nonce": flow.nonce,
         "verifier": flow.code_verifier, "next": _safe_next(next), "invite": invite[:200]},
    )  # fmt: skip
    return response


@router.get("/auth/oidc/{slug}/callback")
def oidc_callback(
    request: Request,
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    me: WebMember,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    provider = service.provider_by_slug(session, slug)
    pending = _get_pending(request, settings, OIDC_COOKIE)
    if (
        pending is None
        or pending.get("slug") != provider.slug
        or not secrets.compare_digest(str(pending.get("state", "")), state)
    ):
        raise PermissionDenied(
            "This sign-in did not start here or took too long. Start again from the sign-in page."
        )
    if error or not code:
        raise PermissionDenied(f"{provider.name} did not sign you in ({error[:60] or 'no code'}).")
    claims = oidc.finish(
        _config(settings, provider), code=code, code_verifier=pending["verifier"],
        nonce=pending["nonce"],
    )  # fmt: skip
    result = service.provider_sign_in(
        session, settings, provider, claims, signed_in=me, invite=pending.get("invite") or None
    )
    response: Response
    if result.decision is LinkDecision.ASK_TO_LINK:
        assert me is not None
        response = _redirect("/auth/oidc/link")
        _set_pending(
            response, settings, LINK_COOKIE,
            {"m": me.id, "slug": provider.slug, "sub": claims.subject, "email": claims.email,
             "verified": claims.email_verified, "name": claims.name},
        )  # fmt: skip
    else:
        assert result.member is not None
        response = _sign_in_or_second_factor(
            request, session, settings, result.member, pending.get("next", "/")
        )
    web_session.clear_cookie(response, settings, OIDC_COOKIE)
    return response


@router.get("/auth/oidc/link")
def oidc_link_form(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    pending = _get_pending(request, settings, LINK_COOKIE)
    if pending is None or pending.get("m") != me.id:
        raise NotFound("There is no sign-in waiting to be linked. Start again from Settings.")
    provider = service.provider_by_slug(session, str(pending["slug"]))
    return render(
        request, "oidc_link.html", {"provider": provider, "email": pending.get("email") or ""}
    )


@router.post("/auth/oidc/link")
def oidc_link(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep,
    decision: Annotated[str, Form(max_length=10)] = "",
) -> Response:  # fmt: skip
    pending = _get_pending(request, settings, LINK_COOKIE)
    if pending is None or pending.get("m") != me.id:
        raise NotFound("There is no sign-in waiting to be linked. Start again from Settings.")
    response = _redirect("/settings/security#linked")
    web_session.clear_cookie(response, settings, LINK_COOKIE)
    if decision != "link":
        web_session.flash(response, settings, "Nothing was linked.")
        return response
    provider = service.provider_by_slug(session, str(pending["slug"]))
    claims = ProviderClaims(
        subject=str(pending["sub"]), email=pending.get("email"),
        email_verified=bool(pending.get("verified")), name=str(pending.get("name") or ""),
    )  # fmt: skip
    service.confirm_link(session, me, provider, claims)
    web_session.flash(response, settings, f"You can now sign in with {provider.name}.")
    return response


# --- administration --------------------------------------------------------------------------


def _admin(me: SignedInMember) -> Member:
    if not me.is_admin:
        raise PermissionDenied("Only administrators may see this page.")
    return me


AdminPage = Annotated[Member, Depends(_admin)]


def _admin_page(
    request: Request, session: SessionDep, settings: Settings, me: Member, status_code: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    import sharewell.all_jobs  # noqa: F401

    context = {
        "registration": queries.registration(session),
        "oidc_providers": queries.list_providers(session, settings),
        "invitations": queries.list_invitations(session, me),
        "mail_stats": mail_queries.queue_stats(session),
        "mail": mail_queries.list_messages(session, limit=20),
        "jobs": job_queries.list_jobs(session),
        "smtp": bool(settings.smtp_host),
        **extra,
    }
    return render(request, "admin_settings.html", context, status_code=status_code)


@router.get("/admin/settings")
def admin_settings(
    request: Request, me: AdminPage, session: SessionDep, settings: SettingsDep
) -> Response:
    return _admin_page(request, session, settings, me)


@router.post("/admin/registration")
def admin_registration(
    request: Request, me: AdminPage, session: SessionDep, settings: SettingsDep,
    mode: Annotated[str, Form(max_length=20)] = "open",
    domains: Annotated[str, Form(max_length=5000)] = "",
    invite_cap: Annotated[str, Form(max_length=10)] = "5",
) -> Response:  # fmt: skip
    try:
        if not invite_cap.strip().isdigit():
            raise InvalidInput("The invitation cap is a whole number.", field="invite_cap")
        service.set_registration(session, mode=mode, domains=[domains], invite_cap=int(invite_cap))
    except SharewellError as exc:
        session.rollback()
        return _admin_page(
            request, session, settings, me, exc.status, registration_error=exc.detail
        )
    response = _redirect("/admin/settings")
    web_session.flash(response, settings, "Registration settings saved.")
    return response


@router.post("/admin/oidc-providers")
def admin_add_provider(
    request: Request, me: AdminPage, session: SessionDep, settings: SettingsDep,
    slug: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=80)] = "",
    issuer: Annotated[str, Form(max_length=300)] = "",
    client_id: Annotated[str, Form(max_length=300)] = "",
    client_secret: Annotated[str, Form(max_length=500)] = "",
    trusted_for_email: Annotated[str, Form(max_length=5)] = "",
) -> Response:  # fmt: skip
    try:
        data = ProviderIn(
            slug=slug, name=name, issuer=issuer, client_id=client_id,
            client_secret=client_secret, trusted_for_email=trusted_for_email == "on",
        )  # fmt: skip
        service.add_provider(session, data)
    except (ValidationError, SharewellError) as exc:
        session.rollback()
        error = forms.first_error(exc) if isinstance(exc, ValidationError) else exc
        return _admin_page(
            request, session, settings, me, error.status, provider_error=error.detail
        )
    response = _redirect("/admin/settings#providers")
    web_session.flash(response, settings, f"Provider {slug} added.")
    return response


@router.post("/admin/oidc-providers/{slug}/delete")
def admin_remove_provider(
    slug: str, me: AdminPage, session: SessionDep, settings: SettingsDep
) -> Response:
    service.remove_provider(session, slug)
    response = _redirect("/admin/settings#providers")
    web_session.flash(response, settings, f"Provider {slug} removed.")
    return response


@router.post("/admin/invitations", dependencies=[limited("invite")])
def admin_invite(
    request: Request, me: AdminPage, session: SessionDep, settings: SettingsDep
) -> Response:
    _, code = service.create_invitation(session, settings, me)
    return _admin_page(
        request, session, settings, me, new_invitation=service.invitation_link(settings, code)
    )


@router.post("/admin/jobs/{name}/run")
def admin_run_job(name: str, me: AdminPage, session: SessionDep, settings: SettingsDep) -> Response:
    import sharewell.all_jobs  # noqa: F401

    job_service.request_run(session, name, utcnow())
    response = _redirect("/admin/settings#jobs")
    web_session.flash(response, settings, f"{name} runs at the scheduler's next tick.")
    return response
