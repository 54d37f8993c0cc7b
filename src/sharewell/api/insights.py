"""Insights, comments, reactions, follows, blocks, the home feed, feed tokens and reports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from sharewell.api.deps import AdminMember, CurrentMember, MaybeMember, limited
from sharewell.deps import RowId, SessionDep, SettingsDep
from sharewell.insights import queries, service
from sharewell.insights.schemas import (
    AuthorOut,
    CommentIn,
    CommentOut,
    CommentUpdate,
    FeedTokenCreatedOut,
    FeedTokenOut,
    FollowsOut,
    InsightIn,
    InsightOut,
    InsightUpdate,
    ReactionKind,
    ReportIn,
    ReportOut,
    RevisionOut,
)
from sharewell.members.schemas import TopicOut
from sharewell.pagination import Page, clamp_limit

router = APIRouter()
Limit = Annotated[int | None, Query(ge=1)]
Order = Literal["newest", "useful"]
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.get("/insights", response_model=Page[InsightOut], tags=["insights"])
def list_insights(
    session: SessionDep,
    settings: SettingsDep,
    me: MaybeMember,
    author: str | None = None,
    topic: str | None = None,
    kind: Literal["information", "insight", "capability", "ask", "opportunity"] | None = None,
    order: Order = "newest",
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[InsightOut]:
    """Insights you may see, newest or most useful first; filter by author, topic or kind."""
    return queries.list_insights(
        session,
        queries.viewer_for(session, me),
        limit=clamp_limit(limit, settings.page_size_max),
        cursor=cursor,
        order=order,
        author=author,
        topic=topic,
        kind=kind,
    )


@router.post(
    "/insights", response_model=InsightOut, status_code=status.HTTP_201_CREATED, tags=["insights"]
)
def publish(
    data: InsightIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> InsightOut:
    insight = service.publish(session, me, data, settings.insight_limits)
    return queries.get_insight(session, insight.public_id, queries.viewer_for(session, me))


@router.get("/insights/{insight_id}", response_model=InsightOut, tags=["insights"])
def get_insight(insight_id: str, session: SessionDep, me: MaybeMember) -> InsightOut:
    return queries.get_insight(session, insight_id, queries.viewer_for(session, me))


@router.patch("/insights/{insight_id}", response_model=InsightOut, tags=["insights"])
def edit_insight(
    insight_id: str,
    data: InsightUpdate,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
) -> InsightOut:
    """Change it; the previous title and body are kept in its history."""
    service.edit_insight(session, me, insight_id, data, settings.insight_limits)
    return queries.get_insight(session, insight_id, queries.viewer_for(session, me))


@router.delete("/insights/{insight_id}", status_code=NO_CONTENT, tags=["insights"])
def delete_insight(insight_id: str, me: CurrentMember, session: SessionDep) -> None:
    """Delete it; a tombstone stays when others replied, so their comments keep their place."""
    service.delete_insight(session, me, insight_id)


@router.get("/insights/{insight_id}/revisions", response_model=list[RevisionOut], tags=["insights"])
def insight_revisions(insight_id: str, session: SessionDep, me: MaybeMember) -> list[RevisionOut]:
    insight = queries.find_insight(session, insight_id, queries.viewer_for(session, me))
    return queries.revisions(session, insight=insight)


@router.get("/insights/{insight_id}/comments", response_model=Page[CommentOut], tags=["comments"])
def list_comments(
    insight_id: str,
    session: SessionDep,
    settings: SettingsDep,
    me: MaybeMember,
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[CommentOut]:
    """The thread in display order (each comment after its parent), with `parent` and `depth`."""
    viewer = queries.viewer_for(session, me)
    insight = queries.find_insight(session, insight_id, viewer)
    return queries.comments_page(
        session, insight, viewer, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor
    )


@router.post(
    "/insights/{insight_id}/comments",
    response_model=CommentOut,
    status_code=status.HTTP_201_CREATED,
    tags=["comments"],
    dependencies=[limited("comment")],
)
def add_comment(
    insight_id: str, data: CommentIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> CommentOut:
    """Comment, or reply (`parent`). On an ask: `answer`, `pointer` to an insight, or
    `intro_offer` (an offer to introduce; the introductions feature turns it into a request)."""
    comment = service.add_comment(session, me, insight_id, data, settings.insight_limits)
    viewer = queries.viewer_for(session, me)
    found, insight = queries.find_comment(session, comment.public_id, viewer)
    return queries.comment_out(session, found, insight, viewer)


@router.get("/comments/{comment_id}", response_model=CommentOut, tags=["comments"])
def get_comment(comment_id: str, session: SessionDep, me: MaybeMember) -> CommentOut:
    viewer = queries.viewer_for(session, me)
    comment, insight = queries.find_comment(session, comment_id, viewer)
    return queries.comment_out(session, comment, insight, viewer)


@router.patch("/comments/{comment_id}", response_model=CommentOut, tags=["comments"])
def edit_comment(
    comment_id: str,
    data: CommentUpdate,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
) -> CommentOut:
    service.edit_comment(session, me, comment_id, data.body, settings.insight_limits)
    return get_comment(comment_id, session, me)


@router.delete("/comments/{comment_id}", status_code=NO_CONTENT, tags=["comments"])
def delete_comment(comment_id: str, me: CurrentMember, session: SessionDep) -> None:
    """Delete it; a tombstone stays when it has replies."""
    service.delete_comment(session, me, comment_id)


@router.get("/comments/{comment_id}/revisions", response_model=list[RevisionOut], tags=["comments"])
def comment_revisions(comment_id: str, session: SessionDep, me: MaybeMember) -> list[RevisionOut]:
    comment, _ = queries.find_comment(session, comment_id, queries.viewer_for(session, me))
    return queries.revisions(session, comment=comment)


@router.put("/comments/{comment_id}/accepted", response_model=CommentOut, tags=["comments"])
def accept(comment_id: str, me: CurrentMember, session: SessionDep) -> CommentOut:
    """The asker accepts this answer (only one per ask)."""
    service.accept_answer(session, me, comment_id, True)
    return get_comment(comment_id, session, me)


@router.delete("/comments/{comment_id}/accepted", response_model=CommentOut, tags=["comments"])
def unaccept(comment_id: str, me: CurrentMember, session: SessionDep) -> CommentOut:
    service.accept_answer(session, me, comment_id, False)
    return get_comment(comment_id, session, me)


# --- reactions --------------------------------------------------------------------------------


@router.put("/insights/{insight_id}/reactions/{kind}", status_code=NO_CONTENT, tags=["reactions"])
def react_insight(
    insight_id: str, kind: ReactionKind, me: CurrentMember, session: SessionDep
) -> None:
    """Mark it `useful` or `acted_on` (once each; idempotent)."""
    service.react(session, me, kind=kind, insight_public_id=insight_id)


@router.delete(
    "/insights/{insight_id}/reactions/{kind}", status_code=NO_CONTENT, tags=["reactions"]
)
def withdraw_insight(
    insight_id: str, kind: ReactionKind, me: CurrentMember, session: SessionDep
) -> None:
    service.react(session, me, kind=kind, insight_public_id=insight_id, on=False)


@router.put("/comments/{comment_id}/reactions/{kind}", status_code=NO_CONTENT, tags=["reactions"])
def react_comment(
    comment_id: str, kind: ReactionKind, me: CurrentMember, session: SessionDep
) -> None:
    service.react(session, me, kind=kind, comment_public_id=comment_id)


@router.delete(
    "/comments/{comment_id}/reactions/{kind}", status_code=NO_CONTENT, tags=["reactions"]
)
def withdraw_comment(
    comment_id: str, kind: ReactionKind, me: CurrentMember, session: SessionDep
) -> None:
    service.react(session, me, kind=kind, comment_public_id=comment_id, on=False)


# --- feed, follows, blocks --------------------------------------------------------------------


@router.get("/feed", response_model=Page[InsightOut], tags=["feed"])
def home_feed(
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    order: Order = "newest",
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[InsightOut]:
    """What the people and topics you follow (and your network) shared."""
    return queries.home_feed(
        session,
        queries.viewer_for(session, me),
        limit=clamp_limit(limit, settings.page_size_max),
        cursor=cursor,
        order=order,
    )


@router.get("/me/follows", response_model=FollowsOut, tags=["feed"])
def my_follows(me: CurrentMember, session: SessionDep) -> FollowsOut:
    return queries.follows_of(session, me.id)


@router.put("/me/follows/members/{handle}", response_model=AuthorOut, tags=["feed"])
def follow_member(handle: str, me: CurrentMember, session: SessionDep) -> AuthorOut:
    other = service.follow_member(session, me, handle)
    return AuthorOut(handle=other.handle, display_name=other.display_name)


@router.delete("/me/follows/members/{handle}", status_code=NO_CONTENT, tags=["feed"])
def unfollow_member(handle: str, me: CurrentMember, session: SessionDep) -> None:
    service.follow_member(session, me, handle, on=False)


@router.put("/me/follows/topics/{slug}", response_model=TopicOut, tags=["feed"])
def follow_topic(slug: str, me: CurrentMember, session: SessionDep) -> TopicOut:
    topic = service.follow_topic(session, me, slug)
    return TopicOut(slug=topic.slug, label=topic.label)


@router.delete("/me/follows/topics/{slug}", status_code=NO_CONTENT, tags=["feed"])
def unfollow_topic(slug: str, me: CurrentMember, session: SessionDep) -> None:
    service.follow_topic(session, me, slug, on=False)


@router.get("/me/blocks", response_model=list[AuthorOut], tags=["moderation"])
def my_blocks(me: CurrentMember, session: SessionDep) -> list[AuthorOut]:
    return queries.blocked_members(session, me.id)


@router.put("/me/blocks/{handle}", response_model=AuthorOut, tags=["moderation"])
def block(handle: str, me: CurrentMember, session: SessionDep) -> AuthorOut:
    """Their insights and comments disappear for you; they cannot reply to yours."""
    other = service.block_member(session, me, handle)
    return AuthorOut(handle=other.handle, display_name=other.display_name)


@router.delete("/me/blocks/{handle}", status_code=NO_CONTENT, tags=["moderation"])
def unblock(handle: str, me: CurrentMember, session: SessionDep) -> None:
    service.block_member(session, me, handle, on=False)


@router.get("/me/feed-tokens", response_model=list[FeedTokenOut], tags=["feed"])
def list_feed_tokens(me: CurrentMember, session: SessionDep) -> list[FeedTokenOut]:
    return queries.feed_tokens(session, me.id)


@router.post(
    "/me/feed-tokens",
    response_model=FeedTokenCreatedOut,
    status_code=status.HTTP_201_CREATED,
    tags=["feed"],
)
def create_feed_token(
    me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> FeedTokenCreatedOut:
    """A private Atom address of your home feed for a feed reader (revocable)."""
    token, secret = service.create_feed_token(session, me)
    return FeedTokenCreatedOut(
        id=token.id,
        prefix=token.prefix,
        created_at=token.created_at,
        url=f"{settings.base_url.rstrip('/')}/feeds/network/{secret}.atom",
    )


@router.delete("/me/feed-tokens/{token_id}", status_code=NO_CONTENT, tags=["feed"])
def revoke_feed_token(token_id: RowId, me: CurrentMember, session: SessionDep) -> None:
    service.revoke_feed_token(session, me, token_id)


# --- reports and moderation -------------------------------------------------------------------


@router.post("/insights/{insight_id}/reports", status_code=status.HTTP_202_ACCEPTED,
             tags=["moderation"])  # fmt: skip
def report_insight(
    insight_id: str, data: ReportIn, me: CurrentMember, session: SessionDep
) -> Response:
    service.report(session, me, data.reason, insight_public_id=insight_id)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post("/comments/{comment_id}/reports", status_code=status.HTTP_202_ACCEPTED,
             tags=["moderation"])  # fmt: skip
def report_comment(
    comment_id: str, data: ReportIn, me: CurrentMember, session: SessionDep
) -> Response:
    service.report(session, me, data.reason, comment_public_id=comment_id)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.get("/admin/reports", response_model=Page[ReportOut], tags=["admin"])
def open_reports(
    admin: AdminMember,
    session: SessionDep,
    settings: SettingsDep,
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[ReportOut]:
    return queries.open_reports(
        session, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor
    )


@router.post("/admin/reports/{report_id}/dismiss", status_code=NO_CONTENT, tags=["admin"])
def dismiss_report(report_id: RowId, admin: AdminMember, session: SessionDep) -> None:
    service.dismiss_report(session, admin, report_id)


@router.post("/admin/insights/{insight_id}/hide", status_code=NO_CONTENT, tags=["admin"])
def hide_insight(insight_id: str, admin: AdminMember, session: SessionDep) -> None:
    service.moderate(session, admin, hide=True, insight_public_id=insight_id)


@router.post("/admin/insights/{insight_id}/restore", status_code=NO_CONTENT, tags=["admin"])
def restore_insight(insight_id: str, admin: AdminMember, session: SessionDep) -> None:
    service.moderate(session, admin, hide=False, insight_public_id=insight_id)


@router.post("/admin/comments/{comment_id}/hide", status_code=NO_CONTENT, tags=["admin"])
def hide_comment(comment_id: str, admin: AdminMember, session: SessionDep) -> None:
    service.moderate(session, admin, hide=True, comment_public_id=comment_id)


@router.post("/admin/comments/{comment_id}/restore", status_code=NO_CONTENT, tags=["admin"])
def restore_comment(comment_id: str, admin: AdminMember, session: SessionDep) -> None:
    service.moderate(session, admin, hide=False, comment_public_id=comment_id)
