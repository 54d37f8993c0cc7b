"""Read side of the insights area: visibility, lists, the home feed and threads.

``connections`` visibility and the home feed use the viewer's 1st-degree connections from
the network area (``network.queries.connected_member_ids``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, false, or_, select
from sqlalchemy.orm import Session

from sharewell.db import ids_param
from sharewell.errors import NotFound
from sharewell.insights import rules
from sharewell.insights.models import (
    Comment,
    FeedToken,
    Insight,
    InsightTopic,
    MemberFollow,
    Reaction,
    Report,
    Revision,
    TopicFollow,
)
from sharewell.insights.schemas import (
    AuthorOut,
    CommentOut,
    FeedTokenOut,
    FollowsOut,
    InsightOut,
    InsightRef,
    ReportOut,
    RevisionOut,
)
from sharewell.markup import render_markdown
from sharewell.members.models import Member, MemberBlock, Topic
from sharewell.members.schemas import TopicOut
from sharewell.network import queries as network_queries
from sharewell.pagination import Page, decode_cursor, encode_cursor


def connected_member_ids(session: Session, member_id: int) -> set[int]:
    """The member's 1st-degree connections (owned by the network area)."""
    return network_queries.connected_member_ids(session, member_id)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: anonymous (``id`` None), a member, or an administrator."""

    id: int | None = None
    is_admin: bool = False
    connections: frozenset[int] = field(default_factory=frozenset)
    blocked: frozenset[int] = field(default_factory=frozenset)


ANONYMOUS = Viewer()


def viewer_for(session: Session, member: Member | None) -> Viewer:
    if member is None:
        return ANONYMOUS
    blocked = session.scalars(
        select(MemberBlock.blocked_id).where(MemberBlock.blocker_id == member.id)
    )
    return Viewer(
        id=member.id,
        is_admin=member.is_admin,
        connections=frozenset(connected_member_ids(session, member.id)),
        blocked=frozenset(blocked),
    )


def visible_clause(viewer: Viewer, dialect: str | None = None) -> ColumnElement[bool]:
    """SQL twin of :func:`rules.can_view` (a property test keeps the two in agreement). With
    the ``dialect`` named, the viewer's connections go as one array on PostgreSQL
    (``db.ids_param``) instead of a placeholder each."""
    shape = listable_shape(viewer)
    return _visible_template(shape, dialect).params(listable_params(viewer))


def listable_clause(viewer: Viewer, dialect: str | None = None) -> ColumnElement[bool]:
    """Visible, not deleted, not hidden, not by someone the viewer blocked."""
    return listable_template(listable_shape(viewer), dialect).params(listable_params(viewer))


# The same clauses as templates: the viewer's id, connections and blocked members are required
# bind parameters (``listable_params``), so a statement built once per shape of viewer (with or
# without connections, blocks) runs for every viewer of that shape; one value left out fails
# loudly instead of running with another viewer's.

ListableShape = tuple[bool, bool, bool]  # (anonymous, has connections, has blocked members)


def listable_shape(viewer: Viewer) -> ListableShape:
    return (viewer.id is None, bool(viewer.connections), bool(viewer.blocked))


def listable_params(viewer: Viewer) -> dict[str, Any]:
    """The values :func:`listable_template` asks for."""
    return {
        "insight_viewer_id": viewer.id,
        "insight_viewer_connections": sorted(viewer.connections),
        "insight_viewer_blocked": sorted(viewer.blocked),
    }


def _visible_template(shape: ListableShape, dialect: str | None) -> ColumnElement[bool]:
    anonymous, connected, _ = shape
    if anonymous:
        return Insight.visibility == "public"
    options: list[ColumnElement[bool]] = [
        Insight.visibility.in_(("public", "members")),
        Insight.author_id == bindparam("insight_viewer_id", required=True),
    ]
    if connected:
        options.append(
            and_(
                Insight.visibility == "connections",
                ids_param(dialect, Insight.author_id, "insight_viewer_connections"),
            )
        )
    return or_(*options)


def listable_template(shape: ListableShape, dialect: str | None = None) -> ColumnElement[bool]:
    """:func:`listable_clause` for every viewer of ``shape``, the viewer left to bind."""
    clause = and_(
        _visible_template(shape, dialect),
        Insight.deleted_at.is_(None),
        Insight.hidden_at.is_(None),
    )
    if shape[2]:
        blocked: BindParameter[int] = bindparam(
            "insight_viewer_blocked", expanding=True, required=True
        )
        clause = and_(clause, Insight.author_id.not_in(blocked))
    return clause


def insight_url(public_id: str) -> str:
    return f"/insights/{public_id}"


def comment_url(insight_public_id: str, comment_public_id: str) -> str:
    return f"/insights/{insight_public_id}/comments/{comment_public_id}"


def comment_anchor(insight: Insight, comment_public_id: str) -> str:
    """Where a reader sees a comment: its place on the thread page while the whole thread
    fits on that page, else its permalink page (a long thread's first page shows only the
    first :data:`rules.THREAD_WINDOW` comments)."""
    if insight.comment_count <= rules.THREAD_WINDOW:
        return f"{insight_url(insight.public_id)}#c-{comment_public_id}"
    return f"{comment_url(insight.public_id, comment_public_id)}#c-{comment_public_id}"


# --- loading ----------------------------------------------------------------------------------


def find_insight(session: Session, public_id: str, viewer: Viewer) -> Insight:
    """The insight if the viewer may open it; hidden ones only for admins and the author,
    and never one whose author the viewer blocked. Unknown and invisible look the same."""
    insight = session.scalar(select(Insight).where(Insight.public_id == public_id[:16]))
    if insight is None or not may_open(insight, viewer):
        raise NotFound("No such insight, or it is not shared with you.")
    return insight


def may_open(insight: Insight, viewer: Viewer) -> bool:
    if viewer.is_admin:
        return True
    if insight.author_id in viewer.blocked:
        return False
    if insight.hidden_at is not None and insight.author_id != viewer.id:
        return False
    return rules.can_view(
        visibility=insight.visibility,
        author_id=insight.author_id,
        viewer_id=viewer.id,
        viewer_connections=viewer.connections,
    )


def find_comment(session: Session, public_id: str, viewer: Viewer) -> tuple[Comment, Insight]:
    comment = session.scalar(select(Comment).where(Comment.public_id == public_id[:16]))
    if comment is None:
        raise NotFound("No such comment.")
    insight = session.get(Insight, comment.insight_id)
    if insight is None or not may_open(insight, viewer):
        raise NotFound("No such comment.")
    return comment, insight


def _authors(session: Session, ids: set[int]) -> dict[int, AuthorOut]:
    if not ids:
        return {}
    rows = session.execute(
        select(Member.id, Member.handle, Member.display_name).where(Member.id.in_(sorted(ids)))
    )
    return {i: AuthorOut.model_construct(handle=h, display_name=n) for i, h, n in rows}


def _topics(session: Session, insight_ids: list[int]) -> dict[int, list[TopicOut]]:
    out: dict[int, list[TopicOut]] = {i: [] for i in insight_ids}
    if not insight_ids:
        return out
    rows = session.execute(
        select(InsightTopic.insight_id, Topic.slug, Topic.label)
        .join(Topic, Topic.id == InsightTopic.topic_id)
        .where(InsightTopic.insight_id.in_(insight_ids))
        .order_by(Topic.slug)
    )
    for iid, slug, label in rows:
        out[iid].append(TopicOut(slug=slug, label=label))
    return out


def _my_reactions(
    session: Session, viewer: Viewer, *, insight_ids: Sequence[int] = (),
    comment_ids: Sequence[int] = (),
) -> dict[tuple[str, int], list[str]]:  # fmt: skip
    out: dict[tuple[str, int], list[str]] = {}
    if viewer.id is None or not (insight_ids or comment_ids):
        return out
    target = or_(
        Reaction.insight_id.in_(list(insight_ids)) if insight_ids else false(),
        Reaction.comment_id.in_(list(comment_ids)) if comment_ids else false(),
    )
    rows = session.execute(
        select(Reaction.insight_id, Reaction.comment_id, Reaction.kind).where(
            Reaction.member_id == viewer.id, target
        )
    )
    for iid, cid, kind in rows:
        key = ("i", iid) if iid is not None else ("c", cid)
        out.setdefault(key, []).append(kind)
    for kinds in out.values():
        kinds.sort(key=rules.REACTIONS.index)
    return out


def insight_outs(session: Session, insights: Sequence[Insight], viewer: Viewer) -> list[InsightOut]:
    ids = [i.id for i in insights]
    authors = _authors(session, {i.author_id for i in insights})
    topics = _topics(session, ids)
    mine = _my_reactions(session, viewer, insight_ids=ids)
    out = []
    for i in insights:
        gone = i.deleted_at is not None
        out.append(
            InsightOut(
                id=i.public_id,
                url=insight_url(i.public_id),
                kind=i.kind,
                title="[deleted]" if gone else i.title,
                body_html="" if gone else i.body_html,
                body=i.body_md if viewer.id == i.author_id and not gone else None,
                author=authors[i.author_id],
                topics=topics[i.id],
                visibility=i.visibility,
                created_at=i.created_at,
                edited_at=i.edited_at,
                deleted=gone,
                hidden=i.hidden_at is not None,
                useful_count=i.useful_count,
                acted_count=i.acted_count,
                comment_count=i.comment_count,
                my_reactions=mine.get(("i", i.id), []),
            )
        )
    return out


def get_insight(session: Session, public_id: str, viewer: Viewer) -> InsightOut:
    return insight_outs(session, [find_insight(session, public_id, viewer)], viewer)[0]


# --- lists and the home feed ------------------------------------------------------------------


def _ordered(
    query: Select[tuple[Insight]], order: str, cursor: str | None
) -> Select[tuple[Insight]]:
    rules.check_order(order)
    if order == "useful":
        after = decode_cursor(cursor, arity=2)
        if after:
            n, last = int(after[0]), int(after[1])
            query = query.where(
                or_(
                    Insight.useful_count < n,
                    and_(Insight.useful_count == n, Insight.id < last),
                )
            )
        return query.order_by(Insight.useful_count.desc(), Insight.id.desc())
    after = decode_cursor(cursor)
    if after:
        query = query.where(Insight.id < int(after[0]))
    return query.order_by(Insight.id.desc())


def _page_of(
    session: Session, rows: list[Insight], viewer: Viewer, *, order: str, limit: int
) -> Page[InsightOut]:
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last_row = items[-1]
        next_cursor = (
            encode_cursor(last_row.useful_count, last_row.id)
            if order == "useful"
            else encode_cursor(last_row.id)
        )
    return Page(items=insight_outs(session, items, viewer), next_cursor=next_cursor)


def _paged(
    session: Session, query: Select[tuple[Insight]], viewer: Viewer, *, order: str,
    cursor: str | None, limit: int,
) -> Page[InsightOut]:  # fmt: skip
    rows = list(session.scalars(_ordered(query, order, cursor).limit(limit + 1)))
    return _page_of(session, rows, viewer, order=order, limit=limit)


def list_insights(
    session: Session,
    viewer: Viewer,
    *,
    limit: int,
    cursor: str | None = None,
    order: str = "newest",
    author: str | None = None,
    topic: str | None = None,
    kind: str | None = None,
) -> Page[InsightOut]:
    query = select(Insight).where(listable_clause(viewer))
    if author is not None:
        member_id = session.scalar(
            select(Member.id).where(
                Member.handle == author.strip().lower(), Member.suspended_at.is_(None)
            )
        )
        if member_id is None:
            raise NotFound(f"No member with the handle '{author[:40]}'.")
        query = query.where(Insight.author_id == member_id)
    if topic is not None:
        topic_id = session.scalar(select(Topic.id).where(Topic.slug == topic))
        if topic_id is None:
            raise NotFound(f"No topic '{topic[:40]}' yet.")
        query = query.where(
            Insight.id.in_(select(InsightTopic.insight_id).where(InsightTopic.topic_id == topic_id))
        )
    if kind is not None:
        query = query.where(Insight.kind == rules.check_kind(kind))
    return _paged(session, query, viewer, order=order, cursor=cursor, limit=limit)


FEED_TOPICS_MAX = 100  # followed topics read per feed page (most recently followed first)


def home_feed(
    session: Session, viewer: Viewer, *, limit: int, cursor: str | None = None,
    order: str = "newest",
) -> Page[InsightOut]:  # fmt: skip
    """What the people and topics the viewer follows, their network and they themselves
    shared, newest first or most useful first.

    Each source yields its own best ``limit + 1`` listable insights from its own index
    (authors: ``ix_insights_author``; each topic: ``ix_insight_topics_topic``), and the page is
    the best of those candidates. One big ``OR`` over the sources made both databases gather
    and sort every matching row (tens of thousands on a large network)."""
    assert viewer.id is not None
    take = limit + 1
    authors = set(
        session.scalars(
            select(MemberFollow.followed_id).where(MemberFollow.follower_id == viewer.id)
        )
    )
    authors |= {viewer.id} | set(viewer.connections)
    candidates: set[int] = set()
    base = select(Insight.id).where(listable_clause(viewer))
    candidates.update(
        session.scalars(
            _ordered(base.where(Insight.author_id.in_(sorted(authors))), order, cursor).limit(take)  # type: ignore[arg-type]
        )
    )
    topic_ids = session.scalars(
        select(TopicFollow.topic_id)
        .where(TopicFollow.follower_id == viewer.id)
        .order_by(TopicFollow.created_at.desc())
        .limit(FEED_TOPICS_MAX)
    ).all()
    after = decode_cursor(cursor) if order == "newest" else None
    useful_after = decode_cursor(cursor, arity=2) if order == "useful" else None
    for topic_id in topic_ids:
        if order == "newest":
            # Walk this topic's index backwards: the newest listable ones come first.
            on_topic = (
                select(InsightTopic.insight_id)
                .join(Insight, Insight.id == InsightTopic.insight_id)
                .where(InsightTopic.topic_id == topic_id, listable_clause(viewer))
                .order_by(InsightTopic.insight_id.desc())
            )
            if after:
                on_topic = on_topic.where(InsightTopic.insight_id < int(after[0]))
            candidates.update(session.scalars(on_topic.limit(take)))
        else:
            # Walk this topic's ix_insight_topics_useful backwards (its copy of useful_count):
            # the most useful listable ones come first, without probing other topics' rows.
            by_use = (
                select(InsightTopic.insight_id)
                .join(Insight, Insight.id == InsightTopic.insight_id)
                .where(InsightTopic.topic_id == topic_id, listable_clause(viewer))
                .order_by(InsightTopic.useful_count.desc(), InsightTopic.insight_id.desc())
            )
            if useful_after:
                n, last = int(useful_after[0]), int(useful_after[1])
                by_use = by_use.where(
                    or_(
                        InsightTopic.useful_count < n,
                        and_(InsightTopic.useful_count == n, InsightTopic.insight_id < last),
                    )
                )
            candidates.update(session.scalars(by_use.limit(take)))
    if not candidates:
        return Page(items=[], next_cursor=None)
    rows = list(
        session.scalars(
            _ordered(select(Insight).where(Insight.id.in_(sorted(candidates))), order, None).limit(
                take
            )
        )
    )
    return _page_of(session, rows, viewer, order=order, limit=limit)


# --- threads ----------------------------------------------------------------------------------


def _comment_outs(
    session: Session, insight: Insight, comments: Sequence[Any], viewer: Viewer
) -> list[CommentOut]:
    """Shape comments (ORM objects, or rows of ``comments`` columns, which are cheaper)."""
    by_id = {c.id: c.public_id for c in comments}
    missing_parents = {c.parent_id for c in comments if c.parent_id and c.parent_id not in by_id}
    if missing_parents:
        by_id.update(
            dict(
                session.execute(
                    select(Comment.id, Comment.public_id).where(
                        Comment.id.in_(sorted(missing_parents))
                    )
                )
                .tuples()
                .all()
            )
        )
    authors = _authors(session, {c.author_id for c in comments})
    pointed_ids = {c.pointed_insight_id for c in comments if c.pointed_insight_id}
    pointed: dict[int, InsightRef] = {}
    if pointed_ids:
        for target in session.scalars(select(Insight).where(Insight.id.in_(sorted(pointed_ids)))):
            if may_open(target, viewer) and target.deleted_at is None:
                pointed[target.id] = InsightRef(
                    id=target.public_id, title=target.title, url=insight_url(target.public_id)
                )
    mine = _my_reactions(session, viewer, comment_ids=[c.id for c in comments])
    out = []
    for c in comments:
        deleted = c.deleted_at is not None
        hidden = c.hidden_at is not None and not viewer.is_admin and c.author_id != viewer.id
        blocked = c.author_id in viewer.blocked
        withheld = deleted or hidden or blocked
        out.append(
            # Built from our own rows: skip re-validation, which dominated 500-comment threads.
            CommentOut.model_construct(
                id=c.public_id,
                url=comment_url(insight.public_id, c.public_id),
                insight=insight.public_id,
                parent=by_id.get(c.parent_id) if c.parent_id else None,
                kind=c.kind,
                depth=c.depth,
                author=None if deleted else authors[c.author_id],
                body_html="" if withheld else c.body_html,
                body=c.body_md if viewer.id == c.author_id and not deleted else None,
                points_to=None if withheld else pointed.get(c.pointed_insight_id or 0),
                accepted=c.accepted_at is not None,
                created_at=c.created_at,
                edited_at=c.edited_at,
                deleted=deleted,
                hidden=c.hidden_at is not None,
                blocked=blocked,
                useful_count=c.useful_count,
                acted_count=c.acted_count,
                my_reactions=mine.get(("c", c.id), []),  # type: ignore[arg-type]
            )
        )
    return out


@dataclass(frozen=True)
class ThreadPage:
    """One page of a thread for the nested page: the comments it renders (display order);
    for a shown comment (by public id) whose replies did not all fit, how many were left out
    and the cursor of its permalink page where they continue; the cursor of the next page of
    top-level comments; and how many comments the page covers."""

    comments: list[CommentOut]
    more_replies: dict[str, tuple[int, str]]
    next_cursor: str | None
    total: int


def thread(
    session: Session, insight: Insight, viewer: Viewer, *, under: Comment | None = None,
    cursor: str | None = None, budget: int = rules.THREAD_WINDOW,
) -> ThreadPage:  # fmt: skip
    """A window of the thread (or of one comment's subtree) in display order.

    The thread's shape (ids, parents, paths) comes from one range scan of
    ``ix_comments_thread``; :func:`rules.thread_window` picks what this page renders, and
    only those rows are read in full and shaped (a 500-comment thread spent most of its time
    shaping and rendering comments below the fold)."""
    shape = select(Comment.id, Comment.parent_id, Comment.path).where(
        Comment.insight_id == insight.id
    )
    if under is not None:
        shape = shape.where(Comment.path >= under.path, Comment.path < under.path + ":")
    after = decode_cursor(cursor, kinds="s")
    if after:
        shape = shape.where(Comment.path >= str(after[0]))
    rows = session.execute(shape.order_by(Comment.path)).tuples().all()
    window = rules.thread_window([(cid, parent) for cid, parent, _ in rows], budget)
    next_cursor = encode_cursor(rows[window.next_root][2]) if window.next_root is not None else None
    if not window.shown:
        return ThreadPage(comments=[], more_replies={}, next_cursor=None, total=len(rows))
    # Plain rows, not ORM objects: identity bookkeeping is not needed to render.
    full = list(
        session.execute(
            select(*Comment.__table__.columns)
            .where(Comment.id.in_(window.shown))
            .order_by(Comment.path)
        )
    )
    public = {c.id: c.public_id for c in full}
    return ThreadPage(
        comments=_comment_outs(session, insight, full, viewer),
        more_replies={
            public[cid]: (n, encode_cursor(rows[first][2]))
            for cid, (n, first) in window.more_replies.items()
        },
        next_cursor=next_cursor,
        total=len(rows),
    )


def comments_page(
    session: Session, insight: Insight, viewer: Viewer, *, limit: int, cursor: str | None
) -> Page[CommentOut]:
    """The thread in display order, a page at a time (the cursor is the last path)."""
    query = select(Comment).where(Comment.insight_id == insight.id)
    after = decode_cursor(cursor, kinds="s")
    if after:
        query = query.where(Comment.path > str(after[0]))
    rows = list(session.scalars(query.order_by(Comment.path).limit(limit + 1)))
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].path) if len(rows) > limit else None
    return Page(items=_comment_outs(session, insight, items, viewer), next_cursor=next_cursor)


def comment_out(session: Session, comment: Comment, insight: Insight, viewer: Viewer) -> CommentOut:
    return _comment_outs(session, insight, [comment], viewer)[0]


def nest(comments: list[CommentOut]) -> list[rules.ThreadNode]:
    """Comments in path order → a tree for the nested page."""
    ids = {c.id: n for n, c in enumerate(comments)}
    rows = [(ids[c.id], ids.get(c.parent or ""), c, c.depth) for c in comments]
    return rules.build_thread(rows)


def revisions(
    session: Session, *, insight: Insight | None = None, comment: Comment | None = None
) -> list[RevisionOut]:
    query = select(Revision).order_by(Revision.id.desc()).limit(200)
    if insight is not None:
        query = query.where(Revision.insight_id == insight.id)
    elif comment is not None:
        query = query.where(Revision.comment_id == comment.id)
    else:
        return []
    return [
        RevisionOut(
            title=r.title,
            body_html=render_markdown(r.body_md),
            written_at=r.written_at,
            replaced_at=r.replaced_at,
        )
        for r in session.scalars(query)
    ]


# --- follows, tokens, reports -----------------------------------------------------------------


def follows_of(session: Session, member_id: int) -> FollowsOut:
    members = session.execute(
        select(Member.handle, Member.display_name)
        .join(MemberFollow, MemberFollow.followed_id == Member.id)
        .where(MemberFollow.follower_id == member_id)
        .order_by(Member.display_name)
        .limit(1000)
    )
    topics = session.execute(
        select(Topic.slug, Topic.label)
        .join(TopicFollow, TopicFollow.topic_id == Topic.id)
        .where(TopicFollow.follower_id == member_id)
        .order_by(Topic.slug)
        .limit(1000)
    )
    return FollowsOut(
        members=[AuthorOut(handle=h, display_name=n) for h, n in members],
        topics=[TopicOut(slug=s, label=lbl) for s, lbl in topics],
    )


def is_following_member(session: Session, follower_id: int, member_id: int) -> bool:
    return (
        session.scalar(
            select(MemberFollow.follower_id).where(
                MemberFollow.follower_id == follower_id, MemberFollow.followed_id == member_id
            )
        )
        is not None
    )


def is_following_topic(session: Session, follower_id: int, topic_id: int) -> bool:
    return (
        session.scalar(
            select(TopicFollow.follower_id).where(
                TopicFollow.follower_id == follower_id, TopicFollow.topic_id == topic_id
            )
        )
        is not None
    )


def blocked_members(session: Session, member_id: int) -> list[AuthorOut]:
    rows = session.execute(
        select(Member.handle, Member.display_name)
        .join(MemberBlock, MemberBlock.blocked_id == Member.id)
        .where(MemberBlock.blocker_id == member_id)
        .order_by(Member.display_name)
        .limit(1000)
    )
    return [AuthorOut(handle=h, display_name=n) for h, n in rows]


def feed_tokens(session: Session, member_id: int) -> list[FeedTokenOut]:
    rows = session.scalars(
        select(FeedToken)
        .where(FeedToken.member_id == member_id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.id.desc())
        .limit(50)
    )
    return [FeedTokenOut(id=t.id, prefix=t.prefix, created_at=t.created_at) for t in rows]


def open_reports(session: Session, *, limit: int, cursor: str | None = None) -> Page[ReportOut]:
    query = select(Report).where(Report.resolved_at.is_(None)).order_by(Report.id)
    after = decode_cursor(cursor)
    if after:
        query = query.where(Report.id > int(after[0]))
    rows = list(session.scalars(query.limit(limit + 1)))
    items = rows[:limit]
    reporters = _authors(session, {r.reporter_id for r in items})
    out = []
    for r in items:
        insight_id = r.insight_id
        comment = session.get(Comment, r.comment_id) if r.comment_id else None
        if comment is not None:
            insight_id = comment.insight_id
        insight = session.get(Insight, insight_id) if insight_id else None
        hidden = comment.hidden_at if comment else insight.hidden_at if insight else None
        out.append(
            ReportOut(
                id=r.id,
                reason=r.reason,
                created_at=r.created_at,
                reporter=reporters[r.reporter_id],
                insight=InsightRef(
                    id=insight.public_id, title=insight.title, url=insight_url(insight.public_id)
                )
                if insight
                else None,
                comment=comment.public_id if comment else None,
                comment_url=comment_url(insight.public_id, comment.public_id)
                if comment and insight
                else None,
                item_hidden=hidden is not None,
            )
        )
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page(items=out, next_cursor=next_cursor)
