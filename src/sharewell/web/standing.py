"""Pages of standing: go-to people (leaderboards) and the administrators' seeds page. The
profile's standing section is rendered by ``web/routes.py`` with :func:`profile_context`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.deps import SessionDep, SettingsDep
from sharewell.errors import PermissionDenied, SharewellError
from sharewell.members.models import Member
from sharewell.standing import queries, service
from sharewell.web import session as web_session
from sharewell.web.session import SignedInMember, WebMember
from sharewell.web.templating import NAVIGATION, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])

PAGE = 50

if ("Go-to people", "/standing", False) not in NAVIGATION:
    NAVIGATION.append(("Go-to people", "/standing", False))


def profile_context(session: Session, settings: Settings, member: Member) -> dict[str, Any]:
    """The standing part of a profile page every visitor sees (the explanation, for the member
    themself only, is :func:`standing.queries.explanation`)."""
    info = queries.member_standing(session, member)
    points = queries.history(session, member.id, days=settings.standing_history_days, now=utcnow())
    return {"standing": info, "standing_history": points}


@router.get("/standing")
def leaders(
    request: Request, me: WebMember, session: SessionDep, settings: SettingsDep,
    cursor: str | None = None,
) -> Response:  # fmt: skip
    page = queries.leaderboard(session, limit=PAGE, cursor=cursor)
    return render(
        request,
        "standing/leaders.html",
        {
            "page": page, "topic": None, "boards": queries.topic_boards(session),
            "run": queries.latest_run(session), "base": "/standing",
            "go_to_top": settings.standing_go_to_top,
        },
    )  # fmt: skip


@router.get("/standing/topics/{slug}")
def topic_leaders(
    request: Request, slug: str, me: WebMember, session: SessionDep, settings: SettingsDep,
    cursor: str | None = None,
) -> Response:  # fmt: skip
    topic = queries.topic_by_slug(session, slug)
    page = queries.leaderboard(session, limit=PAGE, cursor=cursor, topic=slug)
    return render(
        request,
        "standing/leaders.html",
        {
            "page": page, "topic": topic, "boards": queries.topic_boards(session),
            "run": queries.latest_run(session), "base": f"/standing/topics/{slug}",
            "go_to_top": settings.standing_go_to_top,
        },
    )  # fmt: skip


# --- administration ---------------------------------------------------------------------------


def _admin(me: SignedInMember) -> Member:
    if not me.is_admin:
        raise PermissionDenied("Only administrators may see this page.")
    return me


AdminPage = Annotated[Member, Depends(_admin)]


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _admin_page(
    request: Request, session: Session, status_code: int = 200, **extra: Any
) -> Response:
    context = {
        "seeds": queries.seeds(session),
        "runs": queries.recent_runs(session, 10),
        **extra,
    }
    return render(request, "standing/admin.html", context, status_code=status_code)


@router.get("/admin/standing")
def admin_standing(request: Request, me: AdminPage, session: SessionDep) -> Response:
    return _admin_page(request, session)


@router.post("/admin/standing/seeds")
def admin_add_seed(
    request: Request, me: AdminPage, session: SessionDep, settings: SettingsDep,
    who: Annotated[str, Form(max_length=254)] = "",
) -> Response:  # fmt: skip
    try:
        member = service.add_seed(session, who, by=me)
    except SharewellError as exc:
        session.rollback()
        return _admin_page(request, session, exc.status, seed_error=exc.detail, who=who)
    response = _redirect("/admin/standing")
    web_session.flash(response, settings, f"@{member.handle} is a seed from the next recompute.")
    return response


@router.post("/admin/standing/seeds/{handle}/remove")
def admin_remove_seed(
    handle: str, me: AdminPage, session: SessionDep, settings: SettingsDep
) -> Response:
    member, was = service.remove_seed(session, handle)
    response = _redirect("/admin/standing")
    message = (
        f"@{member.handle} is no longer marked as a seed."
        if was
        else f"@{member.handle} was not marked as a seed."
    )
    if member.is_admin:
        message += " Administrators are always seeds."
    web_session.flash(response, settings, message)
    return response


@router.post("/admin/standing/recompute")
def admin_recompute(me: AdminPage, session: SessionDep, settings: SettingsDep) -> Response:
    summary = service.recompute(session, settings, utcnow(), trigger="admin")
    response = _redirect("/admin/standing")
    web_session.flash(response, settings, f"Standing recomputed: {summary.describe()}.")
    return response
