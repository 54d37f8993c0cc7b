"""Pages of the foundation: home, sign-up/in/out, members, profiles, topics and settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, lazyload

from sharewell.config import Settings
from sharewell.contacts import sharing
from sharewell.deps import RowId, SessionDep, SettingsDep
from sharewell.errors import SharewellError
from sharewell.members import queries, service
from sharewell.members.models import Member
from sharewell.members.schemas import ProfileOut
from sharewell.network import queries as network_queries
from sharewell.standing import queries as standing_queries
from sharewell.web import forms
from sharewell.web import session as web_session
from sharewell.web.home import context as home_context
from sharewell.web.session import SignedInMember, WebMember
from sharewell.web.standing import profile_context
from sharewell.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])

PAGE = 24


def _safe_next(value: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce a member to another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _redirect(path: str, settings: object | None = None) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/")
def home(request: Request, me: WebMember, session: SessionDep, settings: SettingsDep) -> Response:
    topics = queries.list_topics(session, limit=12)
    newest = queries.list_members(session, limit=6)
    return render(
        request,
        "home.html",
        {
            "topics": topics.items,
            "members": newest.items,
            "member_total": queries.member_count(session),
            **(home_context(session, settings, me) if me else {}),
        },
    )


# --- sign-out (sign-up and sign-in are in web/accounts.py) -------------------------------------


@router.post("/signout")
def signout(
    request: Request, me: WebMember, session: SessionDep, settings: SettingsDep
) -> Response:
    if me is not None and request.state.web_session_id:
        service.end_web_session(session, request.state.web_session_id)
    response = _redirect("/")
    web_session.clear_session_cookie(response, settings)
    return response


# --- members, profiles, topics ----------------------------------------------------------------


@router.get("/members")
def members(
    request: Request, me: WebMember, session: SessionDep, cursor: str | None = None
) -> Response:
    page = queries.list_members(session, limit=PAGE, cursor=cursor)
    _degrees(request, session, me, page.items)
    standing = standing_queries.briefs_by_handle(session, [m.handle for m in page.items])
    return render(
        request,
        "members.html",
        {"page": page, "title": "Members", "base": "/members", "standing": standing},
    )


@dataclass(frozen=True, slots=True)
class PublicProfile:
    """What a profile page shows every visitor: shared by all views of the member while the
    page cache's fingerprint holds (web/profile_cache.py); never changed after loading."""

    member_id: int
    profile: ProfileOut
    standing: dict[str, Any]


def _public_profile(session: Session, settings: Settings, handle: str) -> PublicProfile:
    member, profile_out = queries.profile_page_of(session, handle)
    return PublicProfile(member.id, profile_out, profile_context(session, settings, member))


@router.get("/members/{handle}")
def profile(
    request: Request, handle: str, me: WebMember, session: SessionDep, settings: SettingsDep
) -> Response:
    public = request.app.state.profile_cache.parts(
        handle, lambda: _public_profile(session, settings, handle), lambda p: p.member_id
    )
    profile_out = public.profile.model_copy()  # the cached one is shared: degree is personal
    knows: list[sharing.Aggregate] = []
    relation = explanation = None
    if me is not None:  # aggregates are for members, and count against the viewer's quota
        member_id = public.member_id
        knows = sharing.aggregates_for(session, member_id, settings)
        sharing.record_displays(
            session, me, [(member_id, None)] * min(len(knows), 1), "aggregate", settings
        )
        # The member's id is known: no lookup by handle (see _degrees).
        graph = request.app.state.graph.current(session)
        profile_out.degree = network_queries.degree_labels(graph, me.id, [member_id])[0]
        # Only the row: its topics, offers and links would load with it (``selectin``).
        member = (
            me if me.id == member_id else session.get(Member, member_id, options=[lazyload("*")])
        )
        if member is not None:
            relation = network_queries.relation(session, me, member)
        if me.id == member_id:  # the explanation is for the member themself only
            explanation = standing_queries.explanation(session, me)
    return render(
        request,
        "profile.html",
        {
            "profile": profile_out,
            "knows": knows,
            "relation": relation,
            **public.standing,
            "standing_explanation": explanation,
        },
    )


def _degrees(request: Request, session: SessionDep, me: object, items: list[Any]) -> None:
    """Degree labels (1st/2nd/3rd/out of network) for a signed-in viewer; the same function
    the API uses."""
    if me is None:
        return
    graph = request.app.state.graph.current(session)
    network_queries.with_degrees(session, graph, me, items)  # type: ignore[arg-type]


@router.get("/topics")
def topics(
    request: Request, me: WebMember, session: SessionDep, cursor: str | None = None
) -> Response:
    page = queries.list_topics(session, limit=60, cursor=cursor)
    return render(request, "topics.html", {"page": page})


@router.get("/topics/{slug}")
def topic(
    request: Request, slug: str, me: WebMember, session: SessionDep, cursor: str | None = None
) -> Response:
    info = queries.get_topic(session, slug)
    page = queries.list_members(session, limit=PAGE, cursor=cursor, topic=slug)
    _degrees(request, session, me, page.items)
    standing = standing_queries.briefs_by_handle(session, [m.handle for m in page.items])
    return render(
        request,
        "members.html",
        {
            "page": page, "topic": info, "title": info.label, "base": f"/topics/{slug}",
            "standing": standing,
        },
    )  # fmt: skip


# --- settings ---------------------------------------------------------------------------------


@router.get("/settings/profile")
def edit_profile_form(request: Request, me: SignedInMember) -> Response:
    return render(request, "profile_edit.html", {"values": forms.profile_values(me)})


@router.post("/settings/profile")
async def edit_profile(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        service.update_profile(session, me, forms.profile_update_from_form(form))
    except SharewellError as exc:
        session.rollback()  # nothing of a refused form is kept
        return render(
            request,
            "profile_edit.html",
            {"values": form, "error": exc.detail, "error_field": exc.field},
            status_code=exc.status,
        )
    response = _redirect(web_session.onward(form.get("next"), f"/members/{me.handle}"))
    web_session.flash(response, settings, "Your profile is saved.")
    return response


@router.get("/settings")
def account_settings(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    return render(
        request, "settings.html", {"tokens": queries.list_tokens(session, me), "new_token": None}
    )


@router.post("/settings/password")
def change_password(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
) -> Response:
    try:
        service.change_password(
            session, me, current_password, new_password, keep_session=request.state.web_session_id
        )
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "settings.html",
            {"tokens": queries.list_tokens(session, me), "password_error": exc.detail},
            status_code=exc.status,
        )
    response = _redirect("/settings")
    web_session.flash(response, settings, "Password changed. Other browsers were signed out.")
    return response


@router.post("/settings/tokens")
def create_token(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    name: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "read",
    expires_in_days: Annotated[int, Form()] = 90,
) -> Response:
    error = None
    new_token = None
    if not name.strip() or len(name) > 80:
        error = "Give the token a name of 1 to 80 characters, such as 'laptop script'."
    elif scope not in {"read", "write"}:
        error = "Choose read or read-write."
    elif not 1 <= expires_in_days <= 3650:
        error = "Choose an expiry between 1 and 3650 days."
    else:
        _, new_token = service.create_api_token(
            session, me, name=name, scope=scope, lifetime=timedelta(days=expires_in_days)
        )
    return render(
        request,
        "settings.html",
        {"tokens": queries.list_tokens(session, me), "new_token": new_token, "token_error": error},
        status_code=422 if error else 200,
    )


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    token_id: RowId,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    service.revoke_api_token(session, me, token_id)
    response = _redirect("/settings")
    web_session.flash(response, settings, "Token revoked.")
    return response
