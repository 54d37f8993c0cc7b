"""Use cases of the insights area. Each takes a Session, enforces the rules and never commits.
Callers pass the configured :class:`rules.Limits` and the :class:`queries.Viewer` acting."""

from __future__ import annotations

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sharewell.db import utcnow
from sharewell.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from sharewell.insights import queries, rules
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
from sharewell.insights.schemas import CommentIn, InsightIn, InsightUpdate
from sharewell.markup import render_markdown
from sharewell.members import rules as member_rules
from sharewell.members import service as members_service
from sharewell.members.models import Member, Topic


def _topics_for(session: Session, labels: list[str]) -> list[Topic]:
    topics = members_service._topics_for(session, labels)
    if len(topics) > rules.MAX_TOPICS:
        raise InvalidInput(f"Tag at most {rules.MAX_TOPICS} topics.", field="topics")
    return topics


def _set_topics(session: Session, insight: Insight, labels: list[str]) -> None:
    topics = _topics_for(session, labels)
    session.execute(delete(InsightTopic).where(InsightTopic.insight_id == insight.id))
    session.add_all(
        InsightTopic(insight_id=insight.id, topic_id=t.id, useful_count=insight.useful_count)
        for t in topics
    )


# --- insights ---------------------------------------------------------------------------------


def publish(session: Session, author: Member, data: InsightIn, limits: rules.Limits) -> Insight:
    body = rules.check_body(data.body, limits, required=False)
    insight = Insight(
        public_id=rules.new_public_id(),
        author_id=author.id,
        kind=rules.check_kind(data.kind),
        title=rules.clean_title(data.title),
        body_md=body,
        body_html=render_markdown(body),
        visibility=rules.check_visibility(data.visibility),
        created_at=utcnow(),
    )
    topics = _topics_for(session, data.topics)  # validate before writing anything
    session.add(insight)
    session.flush()
    session.add_all(InsightTopic(insight_id=insight.id, topic_id=t.id) for t in topics)
    session.flush()
    return insight


def _own_live_insight(session: Session, member: Member, public_id: str) -> Insight:
    insight = queries.find_insight(session, public_id, queries.viewer_for(session, member))
    rules.check_author(insight.author_id, member.id, "this insight")
    if insight.deleted_at is not None:
        raise Conflict("This insight was deleted; it cannot be changed.")
    return insight


def edit_insight(
    session: Session, member: Member, public_id: str, data: InsightUpdate, limits: rules.Limits
) -> Insight:
    insight = _own_live_insight(session, member, public_id)
    fields = data.model_fields_set
    title = rules.clean_title(data.title) if data.title is not None else insight.title
    body = (
        rules.check_body(data.body, limits, required=False)
        if data.body is not None
        else insight.body_md
    )
    if title != insight.title or body != insight.body_md:
        session.add(
            Revision(
                insight_id=insight.id,
                title=insight.title,
                body_md=insight.body_md,
                written_at=insight.edited_at or insight.created_at,
                replaced_at=utcnow(),
            )
        )
        insight.title, insight.body_md, insight.body_html = title, body, render_markdown(body)
        insight.edited_at = utcnow()
    if data.kind is not None:
        insight.kind = rules.check_kind(data.kind)
    if data.visibility is not None:
        insight.visibility = rules.check_visibility(data.visibility)
    if "topics" in fields and data.topics is not None:
        _set_topics(session, insight, data.topics)
    session.flush()
    return insight


def delete_insight(session: Session, member: Member, public_id: str) -> bool:
    """Delete; returns True when a tombstone stays because others replied."""
    insight = _own_live_insight(session, member, public_id)
    others = session.scalar(
        select(exists().where(Comment.insight_id == insight.id, Comment.author_id != member.id))
    )
    if rules.tombstone_needed(has_replies_from_others=bool(others)):
        insight.deleted_at = utcnow()
        insight.title, insight.body_md, insight.body_html = "", "", ""
        session.execute(delete(Revision).where(Revision.insight_id == insight.id))
        session.execute(delete(InsightTopic).where(InsightTopic.insight_id == insight.id))
        session.flush()
        return True
    session.delete(insight)
    session.flush()
    return False


# --- comments ---------------------------------------------------------------------------------


def _refuse_if_blocked_by(session: Session, owner_id: int, member: Member) -> None:
    if owner_id != member.id and members_service.is_blocked(session, owner_id, member.id):
        raise PermissionDenied("You cannot reply here.")


def add_comment(
    session: Session, member: Member, insight_public_id: str, data: CommentIn,
    limits: rules.Limits,
) -> Comment:  # fmt: skip
    viewer = queries.viewer_for(session, member)
    insight = queries.find_insight(session, insight_public_id, viewer)
    rules.check_open_for_comments(
        deleted=insight.deleted_at is not None, hidden=insight.hidden_at is not None
    )
    _refuse_if_blocked_by(session, insight.author_id, member)
    kind = rules.check_comment_kind(
        data.kind, insight_kind=insight.kind, is_reply=bool(data.parent)
    )
    pointed_id: int | None = None
    if kind == "pointer":
        if not data.points_to:
            raise InvalidInput("Say which insight you point to.", field="points_to")
        target = queries.find_insight(session, data.points_to, viewer)
        if target.deleted_at is not None or target.id == insight.id:
            raise InvalidInput("Point to another, live insight.", field="points_to")
        pointed_id = target.id
    body = rules.check_body(data.body, limits, required=kind != "pointer")
    parent: Comment | None = None
    depth = 0
    if data.parent:
        parent = session.scalar(
            select(Comment).where(
                Comment.public_id == data.parent[:16], Comment.insight_id == insight.id
            )
        )
        if parent is None:
            raise NotFound("The comment you reply to is not in this thread.")
        depth = rules.check_can_reply(
            parent_deleted=parent.deleted_at is not None,
            parent_hidden=parent.hidden_at is not None,
            parent_depth=parent.depth,
            limits=limits,
        )
        _refuse_if_blocked_by(session, parent.author_id, member)
    comment = Comment(
        public_id=rules.new_public_id(),
        insight_id=insight.id,
        parent_id=parent.id if parent else None,
        author_id=member.id,
        kind=kind,
        depth=depth,
        body_md=body,
        body_html=render_markdown(body),
        pointed_insight_id=pointed_id,
        created_at=utcnow(),
    )
    session.add(comment)
    session.flush()  # assigns the id the path needs
    comment.path = rules.child_path(parent.path if parent else "", comment.id)
    session.execute(
        update(Insight)
        .where(Insight.id == insight.id)
        .values(comment_count=Insight.comment_count + 1)
    )
    session.flush()
    return comment


def _own_live_comment(session: Session, member: Member, public_id: str) -> tuple[Comment, Insight]:
    comment, insight = queries.find_comment(session, public_id, queries.viewer_for(session, member))
    rules.check_author(comment.author_id, member.id, "this comment")
    if comment.deleted_at is not None:
        raise Conflict("This comment was deleted; it cannot be changed.")
    return comment, insight


def edit_comment(
    session: Session, member: Member, public_id: str, body: str, limits: rules.Limits
) -> Comment:
    comment, _ = _own_live_comment(session, member, public_id)
    body = rules.check_body(body, limits, required=comment.kind != "pointer")
    if body != comment.body_md:
        session.add(
            Revision(
                comment_id=comment.id,
                body_md=comment.body_md,
                written_at=comment.edited_at or comment.created_at,
                replaced_at=utcnow(),
            )
        )
        comment.body_md, comment.body_html = body, render_markdown(body)
        comment.edited_at = utcnow()
    session.flush()
    return comment


def delete_comment(session: Session, member: Member, public_id: str) -> bool:
    """Delete; returns True when a tombstone stays because the comment has replies."""
    comment, insight = _own_live_comment(session, member, public_id)
    replies = session.scalar(select(exists().where(Comment.parent_id == comment.id)))
    if rules.tombstone_needed(has_replies_from_others=bool(replies)):
        comment.deleted_at = utcnow()
        comment.body_md, comment.body_html = "", ""
        comment.accepted_at = None
        comment.pointed_insight_id = None
        session.execute(delete(Revision).where(Revision.comment_id == comment.id))
        session.flush()
        return True
    session.delete(comment)
    session.execute(
        update(Insight)
        .where(Insight.id == insight.id)
        .values(comment_count=Insight.comment_count - 1)
    )
    session.flush()
    return False


def accept_answer(session: Session, member: Member, public_id: str, accept: bool = True) -> Comment:
    """The asker accepts one answer (or pointer/intro offer); accepting another moves it."""
    comment, insight = queries.find_comment(session, public_id, queries.viewer_for(session, member))
    if insight.kind != "ask":
        raise InvalidInput("Only answers to an ask can be accepted.")
    rules.check_author(insight.author_id, member.id, "which answer is accepted")
    if comment.kind not in rules.ASK_ONLY_KINDS or comment.deleted_at or comment.hidden_at:
        raise InvalidInput("Accept an answer, a pointer or an introduction offer.")
    if accept:
        session.execute(
            update(Comment)
            .where(Comment.insight_id == insight.id, Comment.accepted_at.is_not(None))
            .values(accepted_at=None)
        )
        comment.accepted_at = utcnow()
    else:
        comment.accepted_at = None
    session.flush()
    return comment


# --- reactions --------------------------------------------------------------------------------


def react(
    session: Session, member: Member, *, kind: str, insight_public_id: str | None = None,
    comment_public_id: str | None = None, on: bool = True,
) -> None:  # fmt: skip
    """Add (``on``) or withdraw a reaction. Idempotent both ways; not on one's own items."""
    rules.check_reaction(kind)
    viewer = queries.viewer_for(session, member)
    target: Insight | Comment
    if comment_public_id is not None:
        target, _ = queries.find_comment(session, comment_public_id, viewer)
        match = Reaction.comment_id == target.id
        table: type[Insight] | type[Comment] = Comment
    elif insight_public_id is not None:
        target = queries.find_insight(session, insight_public_id, viewer)
        match = Reaction.insight_id == target.id
        table = Insight
    else:
        raise InvalidInput("Say what you react to.")
    column = "useful_count" if kind == "useful" else "acted_count"
    existing = session.scalar(
        select(Reaction.id).where(Reaction.member_id == member.id, Reaction.kind == kind, match)
    )
    if on:
        if target.author_id == member.id:
            raise InvalidInput("You cannot react to your own contribution.", field="kind")
        if target.deleted_at is not None or target.hidden_at is not None:
            raise Conflict("This item was deleted or hidden; it takes no reactions.")
        if existing is not None:
            return
        reaction = Reaction(
            member_id=member.id,
            recipient_id=target.author_id,
            kind=kind,
            insight_id=target.id if table is Insight else None,
            comment_id=target.id if table is Comment else None,
            created_at=utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(reaction)
                session.flush()
        except IntegrityError:  # the same reaction arrived twice at once: keep one
            return
        delta = 1
    else:
        if existing is None:
            return
        session.execute(delete(Reaction).where(Reaction.id == existing))
        delta = -1
    counter = getattr(table, column)
    session.execute(update(table).where(table.id == target.id).values({column: counter + delta}))
    if table is Insight and kind == "useful":
        # The topics' copy of the count, which the "most useful" feed walks (models.InsightTopic).
        session.execute(
            update(InsightTopic)
            .where(InsightTopic.insight_id == target.id)
            .values(useful_count=InsightTopic.useful_count + delta)
        )
    session.flush()
    session.expire(target)


# --- follows ----------------------------------------------------------------------------------


def follow_member(session: Session, member: Member, handle: str, on: bool = True) -> Member:
    from sharewell.members.queries import active_member_by_handle

    other = active_member_by_handle(session, handle)
    if other.id == member.id:
        raise InvalidInput("You see your own insights already.", field="handle")
    if on:
        if not queries.is_following_member(session, member.id, other.id):
            _insert_once(session, MemberFollow(follower_id=member.id, followed_id=other.id))
    else:
        session.execute(
            delete(MemberFollow).where(
                MemberFollow.follower_id == member.id, MemberFollow.followed_id == other.id
            )
        )
    return other


def follow_topic(session: Session, member: Member, slug: str, on: bool = True) -> Topic:
    topic = session.scalar(select(Topic).where(Topic.slug == member_rules.topic_slug(slug)))
    if topic is None:
        raise NotFound(f"No topic '{slug[:40]}' yet.")
    if on:
        if not queries.is_following_topic(session, member.id, topic.id):
            _insert_once(session, TopicFollow(follower_id=member.id, topic_id=topic.id))
    else:
        session.execute(
            delete(TopicFollow).where(
                TopicFollow.follower_id == member.id, TopicFollow.topic_id == topic.id
            )
        )
    return topic


def _insert_once(session: Session, row: object) -> None:
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # done concurrently: the same outcome
        pass


def block_member(session: Session, member: Member, handle: str, on: bool = True) -> Member:
    """Block (or unblock) a member; blocking also stops following them."""
    from sharewell.members.queries import active_member_by_handle

    other = active_member_by_handle(session, handle)
    if on:
        members_service.block(session, member, other)
        follow_member(session, member, other.handle, on=False)
    else:
        members_service.unblock(session, member, other)
    return other


# --- private feed tokens ----------------------------------------------------------------------


def create_feed_token(session: Session, member: Member) -> tuple[FeedToken, str]:
    secret = member_rules.new_secret("swf")
    token = FeedToken(
        member_id=member.id,
        token_hash=member_rules.hash_secret(secret),
        prefix=secret[:10],
        created_at=utcnow(),
    )
    session.add(token)
    session.flush()
    return token, secret


def revoke_feed_token(session: Session, member: Member, token_id: int) -> None:
    token = session.get(FeedToken, token_id)
    if token is None or token.member_id != member.id or token.revoked_at is not None:
        raise NotFound("No such feed address.")
    token.revoked_at = utcnow()


def member_for_feed_token(session: Session, secret: str) -> Member:
    row = session.execute(
        select(FeedToken, Member)
        .join(Member, Member.id == FeedToken.member_id)
        .where(FeedToken.token_hash == member_rules.hash_secret(secret))
    ).first()
    if row is None:
        raise NotFound("This feed address is unknown or was revoked.")
    token, member = row._tuple()
    if token.revoked_at is not None or not member.is_active:
        raise NotFound("This feed address is unknown or was revoked.")
    return member


# --- moderation -------------------------------------------------------------------------------


def report(
    session: Session, member: Member, reason: str, *, insight_public_id: str | None = None,
    comment_public_id: str | None = None,
) -> Report:  # fmt: skip
    viewer = queries.viewer_for(session, member)
    text = rules.check_reason(reason)
    if comment_public_id is not None:
        comment, _ = queries.find_comment(session, comment_public_id, viewer)
        row = Report(reporter_id=member.id, comment_id=comment.id, reason=text)
    elif insight_public_id is not None:
        insight = queries.find_insight(session, insight_public_id, viewer)
        row = Report(reporter_id=member.id, insight_id=insight.id, reason=text)
    else:
        raise InvalidInput("Say what you report.")
    row.created_at = utcnow()
    session.add(row)
    session.flush()
    return row


def _require_admin(member: Member) -> None:
    if not member.is_admin:
        raise PermissionDenied("Only administrators may do this.")


def moderate(
    session: Session, admin: Member, *, hide: bool, insight_public_id: str | None = None,
    comment_public_id: str | None = None,
) -> None:  # fmt: skip
    """Hide or restore an insight or a comment; open reports about it are resolved."""
    _require_admin(admin)
    viewer = queries.viewer_for(session, admin)
    now = utcnow()
    target: Insight | Comment
    if comment_public_id is not None:
        target, _ = queries.find_comment(session, comment_public_id, viewer)
        reports = Report.comment_id == target.id
    elif insight_public_id is not None:
        target = queries.find_insight(session, insight_public_id, viewer)
        reports = Report.insight_id == target.id
    else:
        raise InvalidInput("Say what to hide or restore.")
    target.hidden_at = now if hide else None
    target.hidden_by_id = admin.id if hide else None
    session.execute(
        update(Report)
        .where(reports, Report.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=admin.id, resolution="hidden" if hide else "kept")
    )
    session.flush()


def dismiss_report(session: Session, admin: Member, report_id: int) -> None:
    _require_admin(admin)
    row = session.get(Report, report_id)
    if row is None or row.resolved_at is not None:
        raise NotFound("No such open report.")
    row.resolved_at, row.resolved_by_id, row.resolution = utcnow(), admin.id, "dismissed"
    session.flush()
