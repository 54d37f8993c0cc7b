"""Pages for sharing: per-entry sharing with a live preview, bulk sharing, defaults, the
public opt-out page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from sharewell.accounts import limits
from sharewell.config import Settings
from sharewell.contacts import queries, sharing
from sharewell.contacts import sharing_rules as rules
from sharewell.contacts.optouts import confirm_optout, register_optout, request_email_optout
from sharewell.deps import LimiterDep, SessionDep, SettingsDep, client_address
from sharewell.errors import SharewellError
from sharewell.members.models import Member
from sharewell.web import session as web_session
from sharewell.web.contacts import form_values
from sharewell.web.session import SignedInMember, WebMember
from sharewell.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])


def _sharing_context(
    contact_id: str,
    me: Member,
    session: Session,
    settings: Settings,
    visibility: str | None = None,
    card_fields: list[str] | None = None,
) -> dict[str, object]:
    preview = sharing.preview(
        session, me, contact_id, settings, visibility=visibility, card_fields=card_fields
    )
    return {"preview": preview, "card_field_names": rules.CARD_FIELDS}


@router.get("/contacts/{contact_id}/sharing")
def sharing_preview(
    request: Request,
    contact_id: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    visibility: str | None = None,
) -> Response:
    """The preview partial (htmx) or the full page without JavaScript."""
    try:
        ctx = _sharing_context(
            contact_id,
            me,
            session,
            settings,
            visibility,
            request.query_params.getlist("card_fields") or None,
        )
    except SharewellError as exc:
        return render(
            request, "contacts/_preview.html", {"error": exc.detail}, status_code=exc.status
        )
    if request.headers.get("hx-request"):
        return render(request, "contacts/_preview.html", ctx)
    contact = queries.get_contact(session, me, contact_id)
    return render(
        request, "contacts/edit.html", {"values": form_values(contact), "contact": contact, **ctx}
    )


@router.post("/contacts/{contact_id}/sharing")
async def save_sharing(
    request: Request,
    contact_id: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    visibility = str(form.get("visibility", "private"))
    fields = [str(f) for f in form.getlist("card_fields")]
    try:
        sharing.set_visibility(
            session,
            me,
            contact_id,
            visibility,
            card_fields=fields,
            how_known=str(form.get("how_known", "")),
        )
    except SharewellError as exc:
        session.rollback()
        contact = queries.get_contact(session, me, contact_id)
        ctx = _sharing_context(contact_id, me, session, settings)
        return render(
            request,
            "contacts/edit.html",
            {
                "values": form_values(contact),
                "contact": contact,
                "sharing_error": exc.detail,
                **ctx,
            },
            status_code=exc.status,
        )
    response = RedirectResponse(f"/contacts/{contact_id}", status_code=303)
    web_session.flash(response, settings, f"Now shared as {visibility}.")
    return response


@router.get("/contacts-sharing")
def sharing_settings(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    defaults = sharing.get_defaults(session, me)
    return render(
        request,
        "contacts/sharing.html",
        {
            "defaults": defaults,
            "tags": queries.tags_of(session, me),
            "card_field_names": rules.CARD_FIELDS,
        },
    )


@router.post("/contacts-sharing/defaults")
async def save_defaults(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    form = await request.form()
    try:
        sharing.set_defaults(
            session,
            me,
            str(form.get("visibility", "private")),
            [str(f) for f in form.getlist("card_fields")],
        )
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "error.html",
            {"status": exc.status, "title": exc.title, "detail": exc.detail},
            status_code=exc.status,
        )
    response = RedirectResponse(
        web_session.onward(form.get("next"), "/contacts-sharing"), status_code=303
    )
    web_session.flash(response, settings, "Default saved: new and imported contacts will use it.")
    return response


@router.post("/contacts-sharing/bulk")
async def bulk(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    form = await request.form()
    by = str(form.get("by", ""))
    value = str(form.get("value", "")).strip()
    selection = sharing.Selection(
        tag=value if by == "tag" else None,
        company=value if by == "company" else None,
        all=by == "all",
    )
    try:
        changed = sharing.bulk_set_visibility(
            session,
            me,
            selection,
            str(form.get("visibility", "")),
            card_fields=[str(f) for f in form.getlist("card_fields")],
        )
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "error.html",
            {"status": exc.status, "title": exc.title, "detail": exc.detail},
            status_code=exc.status,
        )
    response = RedirectResponse(
        web_session.onward(form.get("next"), "/contacts-sharing"), status_code=303
    )
    web_session.flash(
        response, settings, f"{changed} contact{'' if changed == 1 else 's'} changed."
    )
    return response


@router.get("/optout")
def optout_form(request: Request, me: WebMember) -> Response:
    return render(request, "optout.html", {"done": False})


@router.post("/optout")
def optout(
    request: Request,
    me: WebMember,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    kind: Annotated[str, Form()] = "email",
    identifier: Annotated[str, Form()] = "",
) -> Response:
    if kind not in ("email", "phone", "linkedin"):
        return render(
            request,
            "optout.html",
            {"done": False, "error": "Choose email, phone or LinkedIn."},
            status_code=422,
        )
    try:
        limits.check(limiter, "optout", account=identifier.lower(), client=client_address(request))
        if kind == "email":
            request_email_optout(session, settings, identifier)
        else:
            register_optout(session, kind, identifier, secret_key=settings.secret_key)  # type: ignore[arg-type]
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "optout.html",
            {"done": False, "error": exc.detail, "identifier": identifier},
            status_code=exc.status,
        )
    return render(request, "optout.html", {"done": True})


@router.get("/optout/confirm")
def optout_confirm_form(request: Request, me: WebMember, token: str = "") -> Response:
    """A button, not an action: mail scanners that follow links must not confirm."""
    return render(request, "optout_confirm.html", {"token": token[:500], "done": False})


@router.post("/optout/confirm")
def optout_confirm(
    request: Request,
    me: WebMember,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form()] = "",
) -> Response:
    try:
        confirm_optout(session, settings, token)
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "optout_confirm.html",
            {"token": "", "done": False, "error": exc.detail},
            status_code=exc.status,
        )
    return render(request, "optout_confirm.html", {"token": "", "done": True})
