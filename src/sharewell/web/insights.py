"""Pages of the insights area: lists, the home feed, insight pages with nested threads, forms
for every action (all work without JavaScript, all carry a CSRF token), moderation and the
Atom feeds. Thin: parse the form, call a service or a query, render or redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from sharewell.deps import RowId, SessionDep, SettingsDep
from sharewell.errors import NotFound, PermissionDenied, SharewellError
from sharewell.insights import feeds, queries, rules, service
from sharewell.insights.schemas import CommentIn, InsightIn, InsightUpdate
from sharewell.members import queries as member_queries
from sharewell.web import forms
from sharewell.web import session as web_session
from sharewell.web.session import SignedInMember, WebMember, limited
from sharewell.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])
PAGE = 20
ATOM = "application/atom+xml; charset=utf-8"

templates.env.globals.update(
    insight_kinds=rules.KIND_LABELS,
    insight_visibilities=rules.VISIBILITY_LABELS,
    reaction_labels=rules.REACTION_LABELS,
    collapse_thread=rules.collapse,
)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _flash(response: Response, request: Request, message: str) -> Response:
    web_session.flash(response, request.app.state.settings, message)
    return response


def _topics(value: str) -> list[str]:
    return [t for t in value.split(",") if t.strip()]


# --- lists ------------------------------------------------------------------------------------


@router.get("/insights")
def insights_list(
    request: Request,
    me: WebMember,
    session: SessionDep,
    kind: str | None = None,
    topic: str | None = None,
    author: str | None = None,
    order: str = "newest",
    cursor: str | None = None,
) -> Response:
    viewer = queries.viewer_for(session, me)
    page = queries.list_insights(
        session,
        viewer,
        limit=PAGE,
        cursor=cursor,
        order=order,
        kind=kind or None,
        topic=topic or None,
        author=author or None,
    )
    query = "&".join(
        f"{k}={v}"
        for k, v in (("kind", kind), ("topic", topic), ("author", author), ("order", order))
        if v
    )
    return render(
        request,
        "insights/list.html",
        {
            "page": page,
            "title": "Insights",
            "filters": {"kind": kind, "order": order},
            "base": "/insights",
            "query": query,
        },
    )


@router.get("/feed")
def home_feed(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    order: str = "newest",
    cursor: str | None = None,
) -> Response:
    viewer = queries.viewer_for(session, me)
    page = queries.home_feed(session, viewer, limit=PAGE, cursor=cursor, order=order)
    return render(
        request,
        "insights/list.html",
        {
            "page": page,
            "title": "Your feed",
            "feed": True,
            "filters": {"order": order},
            "base": "/feed",
            "query": f"order={order}",
        },
    )


@router.get("/members/{handle}/insights")
def member_insights(
    request: Request, handle: str, me: WebMember, session: SessionDep, cursor: str | None = None
) -> Response:
    member = member_queries.active_member_by_handle(session, handle)
    viewer = queries.viewer_for(session, me)
    page = queries.list_insights(session, viewer, limit=PAGE, cursor=cursor, author=member.handle)
    following = bool(me and queries.is_following_member(session, me.id, member.id))
    return render(
        request,
        "insights/list.html",
        {
            "page": page,
            "title": f"Insights by {member.display_name}",
            "member": member,
            "following": following,
            "blocked": bool(me and member.id in viewer.blocked),
            "atom": f"/feeds/members/{member.handle}.atom",
            "base": f"/members/{member.handle}/insights",
            "query": "",
            "filters": {},
        },
    )


@router.get("/topics/{slug}/insights")
def topic_insights(
    request: Request, slug: str, me: WebMember, session: SessionDep, cursor: str | None = None
) -> Response:
    topic = member_queries.get_topic(session, slug)
    viewer = queries.viewer_for(session, me)
    page = queries.list_insights(session, viewer, limit=PAGE, cursor=cursor, topic=topic.slug)
    following = False
    if me:
        follows = queries.follows_of(session, me.id)
        following = any(t.slug == topic.slug for t in follows.topics)
    return render(
        request,
        "insights/list.html",
        {
            "page": page,
            "title": f"Insights on {topic.label}",
            "topic": topic,
            "following": following,
            "atom": f"/feeds/topics/{topic.slug}.atom",
            "base": f"/topics/{topic.slug}/insights",
            "query": "",
            "filters": {},
        },
    )


# --- publish, edit, delete --------------------------------------------------------------------


@router.get("/insights/new")
def new_form(request: Request, me: SignedInMember, kind: str = "insight") -> Response:
    values = {"kind": kind if kind in rules.KINDS else "insight", "visibility": "public"}
    return render(request, "insights/form.html", {"values": values, "action": "/insights/new"})


@router.post("/insights/new")
def publish(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    kind: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    topics: Annotated[str, Form()] = "",
    visibility: Annotated[str, Form()] = "public",
) -> Response:
    values = {
        "kind": kind,
        "title": title,
        "body": body,
        "topics": topics,
        "visibility": visibility,
    }
    try:
        try:
            data = InsightIn(
                kind=kind,
                title=title,
                body=body,
                topics=_topics(topics),
                visibility=visibility,
            )
        except ValidationError as exc:
            raise forms.first_error(exc) from None
        insight = service.publish(session, me, data, settings.insight_limits)
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "insights/form.html",
            {
                "values": values,
                "action": "/insights/new",
                "error": exc.detail,
                "error_field": exc.field,
            },
            status_code=exc.status,
        )
    return _flash(_redirect(queries.insight_url(insight.public_id)), request, "Published.")


def _thread_page(
    request: Request, template: str, insight_out: object, page: queries.ThreadPage,
    thread_url: str, fragment: bool, **extra: object,
) -> Response:  # fmt: skip
    """The nested page, or with ``fragment`` only the comments (and "more" links) htmx swaps
    in where the reader asked for more of a long thread."""
    context = {
        "insight": insight_out,
        "thread": queries.nest(page.comments),
        "more_replies": page.more_replies,
        "next_cursor": page.next_cursor,
        "thread_url": thread_url,
        **extra,
    }
    return render(request, "insights/thread_fragment.html" if fragment else template, context)


@router.get("/insights/{pid}")
def insight_page(
    request: Request, pid: str, me: WebMember, session: SessionDep,
    cursor: str | None = None, fragment: bool = False,
) -> Response:  # fmt: skip
    viewer = queries.viewer_for(session, me)
    insight = queries.find_insight(session, pid, viewer)
    out = queries.insight_outs(session, [insight], viewer)[0]
    page = queries.thread(session, insight, viewer, cursor=cursor)
    total = insight.comment_count if cursor else page.total
    return _thread_page(
        request, "insights/page.html", out, page, queries.insight_url(insight.public_id),
        fragment, comment_total=total, continued=bool(cursor),
    )  # fmt: skip


@router.get("/insights/{pid}/comments/{cid}")
def comment_page(
    request: Request, pid: str, cid: str, me: WebMember, session: SessionDep,
    cursor: str | None = None, fragment: bool = False,
) -> Response:  # fmt: skip
    viewer = queries.viewer_for(session, me)
    comment, insight = queries.find_comment(session, cid, viewer)
    if insight.public_id != pid:
        raise NotFound("No such comment.")
    out = queries.insight_outs(session, [insight], viewer)[0]
    page = queries.thread(session, insight, viewer, under=comment, cursor=cursor)
    focus = (
        page.comments[0]
        if page.comments and not cursor
        else queries.comment_out(session, comment, insight, viewer)
    )
    return _thread_page(
        request, "insights/page.html", out, page,
        queries.comment_url(insight.public_id, comment.public_id), fragment, focus=focus,
        comment_total=insight.comment_count, continued=bool(cursor),
    )  # fmt: skip


@router.get("/insights/{pid}/edit")
def edit_form(request: Request, pid: str, me: SignedInMember, session: SessionDep) -> Response:
    viewer = queries.viewer_for(session, me)
    out = queries.get_insight(session, pid, viewer)
    if out.body is None:
        raise PermissionDenied("Only its author may change this insight.")
    values = {
        "kind": out.kind,
        "title": out.title,
        "body": out.body,
        "topics": ", ".join(t.label for t in out.topics),
        "visibility": out.visibility,
    }
    return render(
        request,
        "insights/form.html",
        {"values": values, "action": f"/insights/{pid}/edit", "editing": out},
    )


@router.post("/insights/{pid}/edit")
def edit(
    request: Request,
    pid: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    kind: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    topics: Annotated[str, Form()] = "",
    visibility: Annotated[str, Form()] = "public",
) -> Response:
    values = {
        "kind": kind,
        "title": title,
        "body": body,
        "topics": topics,
        "visibility": visibility,
    }
    try:
        try:
            data = InsightUpdate(
                kind=kind,
                title=title,
                body=body,
                topics=_topics(topics),
                visibility=visibility,
            )
        except ValidationError as exc:
            raise forms.first_error(exc) from None
        service.edit_insight(session, me, pid, data, settings.insight_limits)
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "insights/form.html",
            {
                "values": values,
                "action": f"/insights/{pid}/edit",
                "error": exc.detail,
                "error_field": exc.field,
                "editing": True,
            },
            status_code=exc.status,
        )
    return _flash(
        _redirect(queries.insight_url(pid)),
        request,
        "Saved. The earlier version is in its history.",
    )


@router.post("/insights/{pid}/delete")
def delete(request: Request, pid: str, me: SignedInMember, session: SessionDep) -> Response:
    tomb = service.delete_insight(session, me, pid)
    if tomb:
        return _flash(
            _redirect(queries.insight_url(pid)),
            request,
            "Deleted. Others' replies stay under a tombstone.",
        )
    return _flash(_redirect("/insights"), request, "Deleted.")


@router.get("/insights/{pid}/history")
def history(request: Request, pid: str, me: WebMember, session: SessionDep) -> Response:
    viewer = queries.viewer_for(session, me)
    insight = queries.find_insight(session, pid, viewer)
    out = queries.insight_outs(session, [insight], viewer)[0]
    return render(
        request,
        "insights/history.html",
        {"insight": out, "revisions": queries.revisions(session, insight=insight)},
    )


@router.get("/comments/{cid}/history")
def comment_history(request: Request, cid: str, me: WebMember, session: SessionDep) -> Response:
    viewer = queries.viewer_for(session, me)
    comment, insight = queries.find_comment(session, cid, viewer)
    out = queries.insight_outs(session, [insight], viewer)[0]
    return render(
        request,
        "insights/history.html",
        {
            "insight": out,
            "revisions": queries.revisions(session, comment=comment),
            "of_comment": True,
        },
    )


# --- comments ---------------------------------------------------------------------------------


@router.post("/insights/{pid}/comments", dependencies=[limited("comment")])
def add_comment(
    request: Request,
    pid: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    body: Annotated[str, Form()] = "",
    parent: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "comment",
    points_to: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = CommentIn(
            body=body,
            parent=parent or None,
            kind=kind,
            points_to=_insight_id_from(points_to),
        )
    except ValidationError as exc:
        raise forms.first_error(exc) from None
    comment = service.add_comment(session, me, pid, data, settings.insight_limits)
    _, insight = queries.find_comment(session, comment.public_id, queries.viewer_for(session, me))
    return _flash(_redirect(queries.comment_anchor(insight, comment.public_id)), request, "Posted.")


def _insight_id_from(value: str) -> str | None:
    """Accept an insight's id or any address of it (".../insights/<id>")."""
    value = value.strip().rstrip("/")
    if not value:
        return None
    return value.rsplit("/insights/", 1)[-1].split("/")[0].split("#")[0][:16]


@router.get("/comments/{cid}/edit")
def edit_comment_form(
    request: Request, cid: str, me: SignedInMember, session: SessionDep
) -> Response:
    viewer = queries.viewer_for(session, me)
    comment, insight = queries.find_comment(session, cid, viewer)
    out = queries.comment_out(session, comment, insight, viewer)
    if out.body is None:
        raise PermissionDenied("Only its author may change this comment.")
    return render(request, "insights/comment_edit.html", {"comment": out, "body": out.body})


@router.post("/comments/{cid}/edit")
def edit_comment(
    request: Request,
    cid: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    body: Annotated[str, Form()] = "",
) -> Response:
    comment = service.edit_comment(session, me, cid, body, settings.insight_limits)
    insight_pid = queries.find_comment(session, cid, queries.viewer_for(session, me))[1].public_id
    return _flash(_redirect(queries.comment_url(insight_pid, comment.public_id)), request, "Saved.")


@router.post("/comments/{cid}/delete")
def delete_comment(request: Request, cid: str, me: SignedInMember, session: SessionDep) -> Response:
    _, insight = queries.find_comment(session, cid, queries.viewer_for(session, me))
    service.delete_comment(session, me, cid)
    return _flash(_redirect(queries.insight_url(insight.public_id)), request, "Comment deleted.")


@router.post("/comments/{cid}/accept")
def accept(
    request: Request,
    cid: str,
    me: SignedInMember,
    session: SessionDep,
    accept: Annotated[int, Form()] = 1,
) -> Response:
    comment = service.accept_answer(session, me, cid, bool(accept))
    _, insight = queries.find_comment(session, cid, queries.viewer_for(session, me))
    return _redirect(queries.comment_anchor(insight, comment.public_id))


# --- reactions --------------------------------------------------------------------------------


@router.post("/insights/{pid}/react")
def react_insight(
    request: Request,
    pid: str,
    me: SignedInMember,
    session: SessionDep,
    kind: Annotated[str, Form()] = "",
    on: Annotated[int, Form()] = 1,
) -> Response:
    service.react(session, me, kind=kind, insight_public_id=pid, on=bool(on))
    if request.headers.get("hx-request"):
        item = queries.get_insight(session, pid, queries.viewer_for(session, me))
        return render(
            request, "insights/_reactions.html",
            {"action": f"/insights/{pid}/react", "item": item},
        )  # fmt: skip
    return _redirect(queries.insight_url(pid))


@router.post("/comments/{cid}/react")
def react_comment(
    request: Request,
    cid: str,
    me: SignedInMember,
    session: SessionDep,
    kind: Annotated[str, Form()] = "",
    on: Annotated[int, Form()] = 1,
) -> Response:
    service.react(session, me, kind=kind, comment_public_id=cid, on=bool(on))
    viewer = queries.viewer_for(session, me)
    comment, insight = queries.find_comment(session, cid, viewer)
    if request.headers.get("hx-request"):
        item = queries.comment_out(session, comment, insight, viewer)
        return render(
            request, "insights/_reactions.html", {"action": f"/comments/{cid}/react", "item": item}
        )
    return _redirect(queries.comment_anchor(insight, cid))


# --- follows and blocks -----------------------------------------------------------------------


@router.post("/members/{handle}/follow")
def follow_member(
    request: Request,
    handle: str,
    me: SignedInMember,
    session: SessionDep,
    on: Annotated[int, Form()] = 1,
) -> Response:
    other = service.follow_member(session, me, handle, bool(on))
    message = (
        f"You follow {other.display_name}."
        if on
        else f"You stopped following {other.display_name}."
    )
    return _flash(_redirect(f"/members/{other.handle}/insights"), request, message)


@router.post("/members/{handle}/block")
def block_member(
    request: Request,
    handle: str,
    me: SignedInMember,
    session: SessionDep,
    on: Annotated[int, Form()] = 1,
) -> Response:
    other = service.block_member(session, me, handle, bool(on))
    message = (
        f"You blocked {other.display_name}: their items no longer appear for you."
        if on
        else f"You unblocked {other.display_name}."
    )
    return _flash(_redirect(f"/members/{other.handle}/insights"), request, message)


@router.post("/topics/{slug}/follow")
def follow_topic(
    request: Request,
    slug: str,
    me: SignedInMember,
    session: SessionDep,
    on: Annotated[int, Form()] = 1,
) -> Response:
    topic = service.follow_topic(session, me, slug, bool(on))
    message = f"You follow {topic.label}." if on else f"You stopped following {topic.label}."
    return _flash(_redirect(f"/topics/{topic.slug}/insights"), request, message)


# --- settings: follows, blocks, private feed --------------------------------------------------


@router.get("/settings/feeds")
def feed_settings(
    request: Request, me: SignedInMember, session: SessionDep, new_url: str | None = None
) -> Response:
    return render(
        request,
        "insights/settings.html",
        {
            "follows": queries.follows_of(session, me.id),
            "blocks": queries.blocked_members(session, me.id),
            "tokens": queries.feed_tokens(session, me.id),
            "new_url": None,
        },
    )


@router.post("/settings/feeds/tokens")
def create_feed_token(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    _, secret = service.create_feed_token(session, me)
    return render(
        request,
        "insights/settings.html",
        {
            "follows": queries.follows_of(session, me.id),
            "blocks": queries.blocked_members(session, me.id),
            "tokens": queries.feed_tokens(session, me.id),
            "new_url": f"{settings.base_url.rstrip('/')}/feeds/network/{secret}.atom",
        },
    )


@router.post("/settings/feeds/tokens/{token_id}/revoke")
def revoke_feed_token(
    request: Request, token_id: RowId, me: SignedInMember, session: SessionDep
) -> Response:
    service.revoke_feed_token(session, me, token_id)
    return _flash(_redirect("/settings/feeds"), request, "Feed address revoked.")


# --- reports and moderation -------------------------------------------------------------------


@router.get("/insights/{pid}/report")
def report_insight_form(
    request: Request, pid: str, me: SignedInMember, session: SessionDep
) -> Response:
    out = queries.get_insight(session, pid, queries.viewer_for(session, me))
    return render(
        request, "insights/report.html", {"insight": out, "action": f"/insights/{pid}/report"}
    )


@router.get("/comments/{cid}/report")
def report_comment_form(
    request: Request, cid: str, me: SignedInMember, session: SessionDep
) -> Response:
    viewer = queries.viewer_for(session, me)
    comment, insight = queries.find_comment(session, cid, viewer)
    out = queries.insight_outs(session, [insight], viewer)[0]
    return render(
        request,
        "insights/report.html",
        {
            "insight": out,
            "comment": queries.comment_out(session, comment, insight, viewer),
            "action": f"/comments/{cid}/report",
        },
    )


@router.post("/insights/{pid}/report")
def report_insight(
    request: Request,
    pid: str,
    me: SignedInMember,
    session: SessionDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    service.report(session, me, reason, insight_public_id=pid)
    return _flash(
        _redirect(queries.insight_url(pid)), request, "Thanks: an administrator will look at it."
    )


@router.post("/comments/{cid}/report")
def report_comment(
    request: Request,
    cid: str,
    me: SignedInMember,
    session: SessionDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    service.report(session, me, reason, comment_public_id=cid)
    _, insight = queries.find_comment(session, cid, queries.viewer_for(session, me))
    return _flash(
        _redirect(queries.insight_url(insight.public_id)),
        request,
        "Thanks: an administrator will look at it.",
    )


def _admin(me: SignedInMember) -> None:
    if not me.is_admin:
        raise PermissionDenied("Only administrators may do this.")


@router.get("/admin/reports")
def reports_page(
    request: Request, me: SignedInMember, session: SessionDep, cursor: str | None = None
) -> Response:
    _admin(me)
    page = queries.open_reports(session, limit=50, cursor=cursor)
    return render(request, "insights/reports.html", {"page": page})


@router.post("/admin/reports/{report_id}/dismiss")
def dismiss(
    request: Request, report_id: RowId, me: SignedInMember, session: SessionDep
) -> Response:
    service.dismiss_report(session, me, report_id)
    return _flash(_redirect("/admin/reports"), request, "Report dismissed.")


@router.post("/admin/insights/{pid}/moderate")
def moderate_insight(
    request: Request,
    pid: str,
    me: SignedInMember,
    session: SessionDep,
    hide: Annotated[int, Form()] = 1,
) -> Response:
    service.moderate(session, me, hide=bool(hide), insight_public_id=pid)
    return _flash(_redirect(queries.insight_url(pid)), request, "Hidden." if hide else "Restored.")


@router.post("/admin/comments/{cid}/moderate")
def moderate_comment(
    request: Request,
    cid: str,
    me: SignedInMember,
    session: SessionDep,
    hide: Annotated[int, Form()] = 1,
) -> Response:
    service.moderate(session, me, hide=bool(hide), comment_public_id=cid)
    _, insight = queries.find_comment(session, cid, queries.viewer_for(session, me))
    return _flash(
        _redirect(queries.comment_anchor(insight, cid)),
        request,
        "Hidden." if hide else "Restored.",
    )


# --- Atom feeds -------------------------------------------------------------------------------


def _atom(body: bytes) -> Response:
    return Response(body, media_type=ATOM, headers={"Cache-Control": "private, max-age=300"})


@router.get("/feeds/members/{handle}.atom")
def member_feed(handle: str, session: SessionDep, settings: SettingsDep) -> Response:
    member = member_queries.active_member_by_handle(session, handle)
    page = queries.list_insights(
        session, queries.ANONYMOUS, limit=settings.feed_entries, author=member.handle
    )
    return _atom(
        feeds.atom(
            feed_id=f"/members/{member.handle}/insights",
            title=f"{member.display_name} on Sharewell",
            subtitle=member.headline,
            self_url=f"/feeds/members/{member.handle}.atom",
            alternate_url=f"/members/{member.handle}/insights",
            items=page.items,
            base_url=settings.base_url,
        )
    )


@router.get("/feeds/topics/{slug}.atom")
def topic_feed(slug: str, session: SessionDep, settings: SettingsDep) -> Response:
    topic = member_queries.get_topic(session, slug)
    page = queries.list_insights(
        session, queries.ANONYMOUS, limit=settings.feed_entries, topic=topic.slug
    )
    return _atom(
        feeds.atom(
            feed_id=f"/topics/{topic.slug}/insights",
            title=f"{topic.label} on Sharewell",
            subtitle=f"Insights about {topic.label}",
            self_url=f"/feeds/topics/{topic.slug}.atom",
            alternate_url=f"/topics/{topic.slug}/insights",
            items=page.items,
            base_url=settings.base_url,
        )
    )


@router.get("/feeds/network/{token}.atom")
def network_feed(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The owner's home feed, as they would see it. The token is the only credential: anyone
    holding the address can read it, so it is revocable in Settings → Feeds."""
    member = service.member_for_feed_token(session, token)
    viewer = queries.viewer_for(session, member)
    page = queries.home_feed(session, viewer, limit=settings.feed_entries)
    return _atom(
        feeds.atom(
            feed_id=f"/feeds/network/{member.handle}",
            title=f"{member.display_name}'s Sharewell feed",
            subtitle="What the people and topics you follow shared",
            self_url="/feed",
            alternate_url="/feed",
            items=page.items,
            base_url=settings.base_url,
        )
    )
