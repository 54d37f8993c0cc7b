"""Pages for data rights: Settings → Your data (export, notices, delete the account), the
public erasure request and its confirmation, and the administrators' privacy page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from sharewell.deps import LimiterDep, RowId, SessionDep, SettingsDep, client_address
from sharewell.errors import PermissionDenied, SharewellError
from sharewell.members.models import Member
from sharewell.privacy import limits, rules, service
from sharewell.web import session as web_session
from sharewell.web.session import SignedInMember
from sharewell.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _data_page(
    request: Request, session: SessionDep, me: Member, status_code: int = 200, **extra: Any
) -> Response:
    from sharewell.accounts.service import has_two_factor

    context = {
        "notices": service.pending_notices(session, me),
        "notices_required": service.notice_policy(session).required,
        "two_factor": has_two_factor(session, me),
        "has_password": me.password_hash is not None,
        "phrase": rules.CONFIRM_PHRASE,
        **extra,
    }
    return render(request, "settings_data.html", context, status_code=status_code)


@router.get("/settings/data")
def your_data(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    return _data_page(request, session, me)


@router.get("/settings/data/export")
def download_export(
    me: SignedInMember, session: SessionDep, settings: SettingsDep, limiter: LimiterDep
) -> Response:
    limits.check_export(limiter, me.id)
    data, name = service.export_archive(session, settings, me)
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/settings/data/notices/{contact_id}/{action}")
def notice_action(
    contact_id: str, action: str, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    if action == "send":
        service.send_notice(session, settings, me, contact_id)
        message = "The notice is on its way."
    elif action == "skip":
        service.skip_notice(session, me, contact_id)
        message = "No notice will be sent for that entry."
    else:
        raise PermissionDenied("Unknown action.")
    response = _see_other("/settings/data")
    web_session.flash(response, settings, message)
    return response


@router.post("/settings/data/erase")
def erase_account(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    confirm: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    try:
        service.check_erasure_credentials(
            session, me, password=password, code=code, confirm=confirm
        )
        service.erase_member(session, settings, me, content=content)
    except SharewellError as exc:
        session.rollback()  # nothing of a refused request is kept
        return _data_page(
            request,
            session,
            me,
            status_code=exc.status,
            erase_error=exc.detail,
            erase_field=exc.field,
            content=content,
        )
    response = _see_other("/")
    web_session.clear_session_cookie(response, settings)
    web_session.flash(response, settings, "Your account is deleted. Goodbye.")
    return response


# --- people who are not members --------------------------------------------------------------


@router.get("/erasure")
def erasure_form(request: Request) -> Response:
    return render(request, "erasure.html", {"message": None})


@router.post("/erasure")
def erasure_request(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    kind: Annotated[str, Form()] = "email",
    identifier: Annotated[str, Form(max_length=300)] = "",
    reply_to: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    try:
        limits.check_request(limiter, identifier, client_address(request))
        if kind == "email":
            service.request_email_erasure(session, settings, identifier)
            message = service.ERASURE_SENT
        else:
            service.request_admin_erasure(session, settings, kind, identifier, reply_to)
            message = service.ERASURE_QUEUED
    except SharewellError as exc:
        session.rollback()
        context = {
            "message": None,
            "error": exc.detail,
            "kind": kind,
            "identifier": identifier,
            "reply_to": reply_to,
        }
        return render(request, "erasure.html", context, status_code=exc.status)
    return render(request, "erasure.html", {"message": message})


@router.get("/erasure/confirm")
def erasure_confirm_form(request: Request, token: str = "") -> Response:
    # A button, not an action on GET: mail scanners that open links must not use them up.
    return render(request, "erasure_confirm.html", {"token": token, "done": False})


@router.post("/erasure/confirm")
def erasure_confirm(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        service.confirm_email_erasure(session, settings, token)
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "erasure_confirm.html",
            {"token": "", "error": exc.detail},
            status_code=exc.status,
        )
    return render(request, "erasure_confirm.html", {"done": True, "message": service.ERASURE_DONE})


# --- administrators --------------------------------------------------------------------------


def _admin(me: SignedInMember) -> Member:
    if not me.is_admin:
        raise PermissionDenied("Only administrators may see this page.")
    return me


AdminPage = Annotated[Member, Depends(_admin)]


def _admin_page(
    request: Request, session: SessionDep, status_code: int = 200, **extra: Any
) -> Response:
    policy = service.notice_policy(session)
    context = {
        "policy": policy,
        "template_text": extra.pop("template_text", policy.template),
        "placeholders": rules.NOTICE_PLACEHOLDERS,
        "requests": service.pending_admin_requests(session),
        **extra,
    }
    return render(request, "admin_privacy.html", context, status_code=status_code)


@router.get("/admin/privacy")
def admin_privacy(request: Request, me: AdminPage, session: SessionDep) -> Response:
    return _admin_page(request, session)


@router.post("/admin/privacy/notices")
def admin_notices(
    request: Request,
    me: AdminPage,
    session: SessionDep,
    settings: SettingsDep,
    template: Annotated[str, Form()] = "",
    required: Annotated[str, Form()] = "",
    reset: Annotated[str, Form()] = "",
) -> Response:
    try:
        service.set_notice_policy(
            session,
            template=None if reset else template,
            required=required == "on",
            reset_template=bool(reset),
        )
    except SharewellError as exc:
        session.rollback()
        return _admin_page(
            request, session, status_code=exc.status, error=exc.detail, template_text=template
        )
    response = _see_other("/admin/privacy")
    web_session.flash(response, settings, "Notice settings saved.")
    return response


@router.post("/admin/privacy/requests/{request_id}/{action}")
def admin_request_action(
    request_id: RowId,
    action: str,
    me: AdminPage,
    session: SessionDep,
    settings: SettingsDep,
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if action not in ("complete", "reject"):
        raise PermissionDenied("Unknown action.")
    service.handle_admin_request(
        session, settings, me, request_id, approve=action == "complete", note=note
    )
    response = _see_other("/admin/privacy")
    web_session.flash(response, settings, "Request handled; the person was told.")
    return response
