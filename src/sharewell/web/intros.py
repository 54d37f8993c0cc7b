"""Pages of introductions: the inbox (to me, through me, from me), the request form reachable
from paths, profiles, cards, asks and offers, each request's page with its timeline, steps,
thread and outcomes, the public page of an emailed link, notifications and admin disputes.
Every form carries CSRF and works without JavaScript (post, then redirect with a message)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from sharewell.api.intros import path_finder
from sharewell.deps import LimiterDep, RowId, SessionDep, SettingsDep
from sharewell.errors import NotFound, PermissionDenied, SharewellError
from sharewell.intros import queries, service
from sharewell.web import session as web_session
from sharewell.web.session import SignedInMember, limited
from sharewell.web.templating import BADGES, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])

BADGES["/intros"] = lambda session, member: queries.unread_count(session, member.id)


INBOX_PAGE = 50  # requests per inbox page; "Older requests" pages on


def _done(request: Request, url: str, message: str, kind: str = "info") -> Response:
    response = RedirectResponse(url, status_code=303)
    web_session.flash(response, request.app.state.settings, message, kind)
    return response


@router.get("/intros")
def inbox(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    box: str = "to",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    if box not in queries.BOXES:
        raise NotFound("The inbox has boxes to, through and from.")
    page = queries.inbox(session, me, box, limit=INBOX_PAGE, cursor=cursor)
    return render(
        request,
        "intros/inbox.html",
        {
            "box": box,
            "page": page,
            "continued": bool(cursor),
            "waiting": queries.counts(session, me),
            "funnel": queries.funnel(session, me.id) if box == "from" else [("", 0)],
        },
    )


_NEW_FIELDS = ("to", "card", "holder", "topic", "company", "title", "city", "insight",
               "comment", "path")  # fmt: skip


def _spec_from(values: dict[str, str]) -> service.RequestSpec:
    path = [h for h in values.get("path", "").replace(" ", "").split(",") if h]
    common: dict[str, Any] = {
        "why": values.get("why", ""), "offer": values.get("offer", ""), "path": path,
        "requester_contact": values.get("requester_contact") or None,
        "pledge_amount": int(values["pledge"]) if values.get("pledge", "").strip() else None,
    }  # fmt: skip
    if values.get("comment"):
        return service.RequestSpec(
            target_kind="offer", source_kind="comment", source_ref=values["comment"], **common
        )
    if values.get("card"):
        return service.RequestSpec(
            target_kind="card", card_id=values["card"], source_kind="card", **common
        )
    if values.get("holder"):
        flt = {k: values.get(k, "") for k in ("topic", "company", "title", "city")}
        return service.RequestSpec(
            target_kind="aggregate", holder_handle=values["holder"], filter=flt,
            source_kind="aggregate", **common,
        )  # fmt: skip
    return service.RequestSpec(
        target_kind="member", target_handle=values.get("to", ""),
        source_kind="insight" if values.get("insight") else ("path" if path else "profile"),
        source_ref=values.get("insight", ""), **common,
    )  # fmt: skip


@router.get("/intros/new")
def new_form(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    to: str = "",
    card: str = "",
    holder: str = "",
    topic: str = "",
    company: str = "",
    title: str = "",
    city: str = "",
    insight: str = "",
    comment: str = "",
    path: str = "",
) -> Response:
    values = {
        "to": to, "card": card, "holder": holder, "topic": topic, "company": company,
        "title": title, "city": city, "insight": insight, "comment": comment, "path": path,
    }  # fmt: skip
    if not any((to, card, holder, comment)):
        raise NotFound("Start from a path, a profile, a card, an ask or an offer.")
    return render(
        request, "intros/new.html", {"values": values, "error": None, "my_email": me.email}
    )


@router.post("/intros/new", dependencies=[limited("intro")])
async def create(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        spec = _spec_from(values)
        intro = service.create_request(
            session, settings, me, spec, find_path=path_finder(request, session, me),
            limiter=limiter,
        )  # fmt: skip
    except (SharewellError, ValueError) as exc:
        session.rollback()
        status = exc.status if isinstance(exc, SharewellError) else 422
        if status == 429:
            raise
        detail = exc.detail if isinstance(exc, SharewellError) else "The pledge is a number."
        return render(
            request,
            "intros/new.html",
            {"values": values, "error": detail, "my_email": me.email},
            status_code=status,
        )
    return _done(request, service.intro_url(intro), "Your request is on its way.")


@router.get("/intros/{intro_id}")
def detail(request: Request, intro_id: str, me: SignedInMember, session: SessionDep) -> Response:
    view = queries.intro_view(session, me, intro_id)
    return render(
        request,
        "intros/detail.html",
        {
            "intro": view,
            "messages": queries.messages(session, me, intro_id) if view.in_thread else [],
            "candidates": queries.candidates(session, me, intro_id)
            if {"ask_target", "attest"} & set(view.can)
            else [],
        },
    )


_STEP_WORDS = {
    "forward": "Forwarded.",
    "ask_target": "Asked — you will hear back.",
    "attest": "Thank you: the introduction is made.",
    "decline": "Declined.",
    "question": "Your question is with the requester.",
    "answer": "Answer sent.",
    "accept": "Accepted: you can now reach each other.",
    "withdraw": "Withdrawn.",
    "message": "Sent.",
    "leave": "You left the conversation.",
    "outcome": "Recorded.",
}


@router.post("/intros/{intro_id}/step/{action}")
def step(
    request: Request,
    intro_id: str,
    action: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    note: str = Form("", max_length=1000),
    contact_id: str = Form("", max_length=40),
    reason: str = Form("", max_length=1000),
    share_reason: str = Form(""),
    text: str = Form("", max_length=5000),
    contact: str = Form("", max_length=300),
    kind: str = Form("", max_length=10),
) -> Response:
    if action == "forward":
        service.forward(session, settings, me, intro_id, note)
    elif action == "ask_target":
        service.ask_target(session, settings, me, intro_id, note, contact_id or None)
    elif action == "attest":
        service.attest(session, settings, me, intro_id, note, contact_id or None)
    elif action == "decline":
        service.decline(session, settings, me, intro_id, reason, share_reason == "on")
    elif action == "question":
        service.ask_question(session, settings, me, intro_id, text)
    elif action == "answer":
        service.answer(session, settings, me, intro_id, text)
    elif action == "accept":
        service.accept(session, settings, me, intro_id, contact or None)
    elif action == "withdraw":
        service.withdraw(session, settings, me, intro_id)
    elif action == "message":
        service.post_message(session, settings, me, intro_id, text)
    elif action == "leave":
        service.leave_thread(session, me, intro_id)
    elif action == "outcome":
        service.record_outcome(session, settings, me, intro_id, kind)
    else:
        raise NotFound("There is nothing at this address.")
    return _done(request, f"/intros/{intro_id}", _STEP_WORDS[action])


@router.post("/intros/{intro_id}/outcomes/{outcome_id}/{action}")
def outcome_step(
    request: Request,
    intro_id: str,
    outcome_id: RowId,
    action: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    if action == "confirm":
        service.confirm_outcome(session, settings, me, intro_id, outcome_id)
    elif action == "attest":
        service.attest_outcome(session, settings, me, intro_id, outcome_id)
    elif action == "fall-off":
        service.report_fall_off(session, settings, me, intro_id, outcome_id)
    else:
        raise NotFound("There is nothing at this address.")
    return _done(request, f"/intros/{intro_id}", "Thank you: recorded.")


# --- the public page of an emailed link ----------------------------------------------------------


@router.get("/intro-link")
def link_page(request: Request, session: SessionDep, token: str = "") -> Response:
    try:
        view = service.link_view(session, token[:100])
    except NotFound as exc:
        return render(
            request, "intros/link.html", {"view": None, "error": exc.detail}, status_code=404
        )
    return render(request, "intros/link.html", {"view": view, "token": token, "error": None})


@router.post("/intro-link")
def link_answer(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: str = Form(..., max_length=100),
    answer: str = Form(..., max_length=10),
) -> Response:
    state = service.answer_link(session, settings, token, answer in ("accept", "confirm"))
    words = {
        "accepted": "Thank you. You have each other's contact details now (check your mail).",
        "declined": "Thank you for answering. Nothing about you was shared.",
        "confirmed": "Thank you for confirming.",
    }
    return render(
        request, "intros/link.html",
        {"view": None, "error": None, "done": words.get(state, "Thank you for answering.")},
    )  # fmt: skip


# --- notifications -------------------------------------------------------------------------------


@router.get("/notifications")
def notifications(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    return render(
        request, "intros/notifications.html", {"data": queries.notifications(session, me)}
    )


@router.post("/notifications/read")
def notifications_read(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    service.mark_read(session, me)
    return _done(request, "/notifications", "All marked as read.")


@router.post("/notifications/settings")
def notifications_settings(
    request: Request, me: SignedInMember, session: SessionDep, mail: str = Form(...)
) -> Response:
    service.set_mail_mode(session, me, mail)
    return _done(request, "/notifications", "Saved.")


# --- admin ---------------------------------------------------------------------------------------


@router.get("/admin/intros")
def admin_disputes(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    if not me.is_admin:
        raise PermissionDenied("Only administrators may see this page.")
    return render(request, "intros/admin.html", {"disputes": queries.disputes(session)})


@router.post("/admin/intros/{outcome_id}/resolve")
def admin_resolve(
    request: Request,
    outcome_id: RowId,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    decision: str = Form(...),
) -> Response:
    service.resolve_dispute(session, settings, me, outcome_id, decision == "confirm")
    return _done(request, "/admin/intros", "Dispute resolved.")
