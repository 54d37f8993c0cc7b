"""Pages of the network: my network (connections, requests, blocks, the introductions pause,
people I may want to know) and "Find a way in". Every form posts with a CSRF token and works
without JavaScript (each action redirects back with a flash message)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from sharewell.deps import SessionDep, SettingsDep
from sharewell.errors import NotFound, SharewellError
from sharewell.members import queries as member_queries
from sharewell.network import queries, rules, service
from sharewell.network.graph import GraphIndex
from sharewell.network.schemas import PathsOut
from sharewell.web import session as web_session
from sharewell.web.session import SignedInMember
from sharewell.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])


def graph_for(request: Request, session: Session) -> GraphIndex:
    index: GraphIndex = request.app.state.graph.current(session)
    return index


def _back(next_path: str | None, default: str = "/network") -> str:
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return next_path
    return default


def _done(request: Request, settings: object, message: str, next_path: str | None) -> Response:
    response = RedirectResponse(_back(next_path), status_code=303)
    web_session.flash(response, request.app.state.settings, message)
    return response


CONNECTIONS_PAGE = 100  # connections per page of "My network"; "More connections" pages on


@router.get("/network")
def network_page(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    graph = graph_for(request, session)
    return render(
        request,
        "network/index.html",
        {
            "connections": queries.list_connections(
                session, me, limit=CONNECTIONS_PAGE, cursor=cursor
            ),
            "continued": bool(cursor),
            "requests": queries.list_requests(session, me),
            "blocked": queries.list_blocked(session, me),
            "paused": service.is_paused(session, me.id),
            "recommendations": queries.recommendations(session, graph, me, k=8),
        },
    )


@router.post("/network/connect")
def connect(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    handle: str = Form(..., max_length=40),
    message: str = Form("", max_length=300),
    next: str | None = Form(None),
) -> Response:
    other = member_queries.active_member_by_handle(session, handle)
    row = service.request_connection(session, me, other, settings, message=message)
    text = (
        f"You are now connected with {other.display_name}."
        if row.status == "accepted"
        else f"Request sent to {other.display_name}."
    )
    return _done(request, settings, text, next)


@router.post("/network/requests/{handle}/{action}")
def answer_request(
    request: Request,
    handle: str,
    action: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    next: str | None = Form(None),
) -> Response:
    other = member_queries.active_member_by_handle(session, handle)
    if action == "accept":
        service.accept(session, me, other)
        text = f"You are now connected with {other.display_name}."
    elif action == "decline":
        service.decline(session, me, other)
        text = f"Declined {other.display_name}'s request."
    elif action == "cancel":
        service.cancel(session, me, other)
        text = f"Withdrew your request to {other.display_name}."
    else:
        raise NotFound("There is nothing at this address.")
    return _done(request, settings, text, next)


@router.post("/network/connections/{handle}/remove")
def remove(
    request: Request,
    handle: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    next: str | None = Form(None),
) -> Response:
    other = member_queries.active_member_by_handle(session, handle)
    service.remove(session, me, other)
    return _done(request, settings, f"Removed your connection with {other.display_name}.", next)


@router.post("/network/connections/{handle}/strength")
def rate(
    request: Request,
    handle: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    strength: int = Form(...),
    next: str | None = Form(None),
) -> Response:
    other = member_queries.active_member_by_handle(session, handle)
    service.rate(session, me, other, strength)
    return _done(
        request, settings, f"Rated your tie with {other.display_name}: {strength}/5.", next
    )


@router.post("/network/block")
def block(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    handle: str = Form(..., max_length=40),
    next: str | None = Form(None),
) -> Response:
    other = member_queries.active_member_by_handle(session, handle)
    service.block(session, me, other)
    return _done(request, settings, f"Blocked {other.display_name}.", next)


@router.post("/network/unblock/{handle}")
def unblock(
    request: Request,
    handle: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    next: str | None = Form(None),
) -> Response:
    other = member_queries.active_member_by_handle(session, handle)
    service.unblock(session, me, other)
    return _done(request, settings, f"Unblocked {other.display_name}.", next)


@router.post("/network/pause")
def pause(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    paused: str = Form("off"),
) -> Response:
    on = service.set_paused(session, me, paused == "on")
    text = (
        "You are not taking introductions now: nobody is routed through you."
        if on
        else "You are taking introductions again."
    )
    return _done(request, settings, text, "/network")


@router.get("/find")
def find(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    to: str = "",
    topic: str = "",
    company: str = "",
    title: str = "",
    city: str = "",
) -> Response:
    values = {"to": to, "topic": topic, "company": company, "title": title, "city": city}
    result: PathsOut | None = None
    error = None
    asked = any(v.strip() for v in values.values())
    if asked:
        try:
            graph = graph_for(request, session)
            if to.strip():
                result = queries.paths_to_member(session, graph, me, to.strip().lstrip("@"))
            else:
                flt = rules.check_filter(topic=topic, company=company, title=title, city=city)
                terms = request.app.state.graph.term_index(session)
                result = queries.paths_to_filter(session, graph, me, flt, settings, terms=terms)
        except SharewellError as exc:
            if exc.status == 429:
                raise
            error = exc.detail
    return render(
        request,
        "network/find.html",
        {"values": values, "result": result, "error": error, "asked": asked},
        status_code=422 if error else 200,
    )
