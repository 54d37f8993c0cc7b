"""Read side of the members area: selects that return schemas, never ORM objects."""

from __future__ import annotations

from sqlalchemy import String, func, literal, select, union_all
from sqlalchemy.orm import Session, lazyload

from sharewell.errors import NotFound
from sharewell.members.models import (
    ApiToken,
    Member,
    MemberTopic,
    ProfileItem,
    ProfileLink,
    Topic,
)
from sharewell.members.schemas import (
    LinkOut,
    MemberSummary,
    MeOut,
    ProfileOut,
    TokenOut,
    TopicOut,
    TopicWithCount,
)
from sharewell.pagination import Page, decode_cursor, encode_cursor


def summary_of(member: Member) -> MemberSummary:
    return MemberSummary(
        handle=member.handle,
        display_name=member.display_name,
        headline=member.headline,
        location=member.location,
        topics=[TopicOut(slug=t.slug, label=t.label) for t in member.topics],
    )


def profile_of(member: Member) -> ProfileOut:
    return ProfileOut(
        **summary_of(member).model_dump(),
        bio_html=member.bio_html,
        offers=[i.text for i in member.items if i.kind == "offer"],
        asks=[i.text for i in member.items if i.kind == "ask"],
        links=[LinkOut(label=link.label, url=link.url) for link in member.links],
        joined_at=member.created_at,
    )


def me_of(member: Member) -> MeOut:
    return MeOut(
        **profile_of(member).model_dump(),
        email=member.email,
        email_verified=member.email_verified_at is not None,
        is_admin=member.is_admin,
        bio=member.bio_md,
    )


def active_member_by_handle(session: Session, handle: str) -> Member:
    member = session.scalar(select(Member).where(Member.handle == handle.strip().lower()))
    if member is None or not member.is_active:
        raise NotFound(f"No member with the handle '{handle[:40]}'.")
    return member


def profile_page_of(session: Session, handle: str) -> tuple[Member, ProfileOut]:
    """The member behind a profile page and what the page shows of them, in two statements:
    the member row, then their topics, offers, asks and links in one ``UNION ALL`` (the
    relationships' own loading took a statement each on every profile view)."""
    member = session.scalar(
        select(Member)
        .where(Member.handle == handle.strip().lower())
        .options(lazyload(Member.topics), lazyload(Member.items), lazyload(Member.links))
    )
    if member is None or not member.is_active:
        raise NotFound(f"No member with the handle '{handle[:40]}'.")
    rows = session.execute(
        union_all(
            select(literal("topic", String), Topic.slug, Topic.label, literal(0), Topic.id)
            .join(MemberTopic, MemberTopic.topic_id == Topic.id)
            .where(MemberTopic.member_id == member.id),
            select(
                ProfileItem.kind,
                ProfileItem.text,
                literal("", String),
                ProfileItem.position,
                ProfileItem.id,
            ).where(ProfileItem.member_id == member.id),
            select(
                literal("link", String),
                ProfileLink.label,
                ProfileLink.url,
                ProfileLink.position,
                ProfileLink.id,
            ).where(ProfileLink.member_id == member.id),
        )
    ).all()
    # The relationships' orders: topics by slug, offers, asks and links by position.
    parts = sorted(
        rows, key=lambda p: (p[0], p[1], 0, 0) if p[0] == "topic" else (p[0], "", p[3], p[4])
    )
    return member, ProfileOut(
        handle=member.handle,
        display_name=member.display_name,
        headline=member.headline,
        location=member.location,
        topics=[TopicOut(slug=a, label=b) for kind, a, b, _, _ in parts if kind == "topic"],
        bio_html=member.bio_html,
        offers=[a for kind, a, _, _, _ in parts if kind == "offer"],
        asks=[a for kind, a, _, _, _ in parts if kind == "ask"],
        links=[LinkOut(label=a, url=b) for kind, a, b, _, _ in parts if kind == "link"],
        joined_at=member.created_at,
    )


def get_profile(session: Session, handle: str) -> ProfileOut:
    return profile_of(active_member_by_handle(session, handle))


def list_members(
    session: Session,
    *,
    limit: int,
    cursor: str | None = None,
    topic: str | None = None,
) -> Page[MemberSummary]:
    query = select(Member).where(Member.suspended_at.is_(None)).order_by(Member.id).limit(limit + 1)
    after = decode_cursor(cursor)
    if after:
        query = query.where(Member.id > int(after[0]))
    if topic is not None:
        query = (
            query.join(MemberTopic, MemberTopic.member_id == Member.id)
            .join(Topic, Topic.id == MemberTopic.topic_id)
            .where(Topic.slug == topic)
        )
    members = list(session.scalars(query))
    next_cursor = encode_cursor(members[limit - 1].id) if len(members) > limit else None
    return Page(items=[summary_of(m) for m in members[:limit]], next_cursor=next_cursor)


def get_topic(session: Session, slug: str) -> TopicWithCount:
    row = session.execute(
        select(Topic, func.count(MemberTopic.member_id))
        .outerjoin(MemberTopic, MemberTopic.topic_id == Topic.id)
        .where(Topic.slug == slug)
        .group_by(Topic.id)
    ).first()
    if row is None:
        raise NotFound(f"No topic '{slug[:40]}' yet.")
    topic, count = row
    return TopicWithCount(slug=topic.slug, label=topic.label, members=count)


def list_topics(session: Session, *, limit: int, cursor: str | None = None) -> Page[TopicWithCount]:
    """Topics by popularity (most members first); the cursor is (count, slug)."""
    count = func.count(MemberTopic.member_id).label("n")
    query = (
        select(Topic.slug, Topic.label, count)
        .join(MemberTopic, MemberTopic.topic_id == Topic.id)
        .join(Member, Member.id == MemberTopic.member_id)
        .where(Member.suspended_at.is_(None))
        .group_by(Topic.id, Topic.slug, Topic.label)
        .order_by(count.desc(), Topic.slug)
    )
    after = decode_cursor(cursor, arity=2, kinds="is")
    if after:
        n_after, slug_after = int(after[0]), str(after[1])
        query = query.having((count < n_after) | ((count == n_after) & (Topic.slug > slug_after)))
    rows = session.execute(query.limit(limit + 1)).all()
    items = [TopicWithCount(slug=s, label=lbl, members=n) for s, lbl, n in rows[:limit]]
    next_cursor = (
        encode_cursor(items[-1].members, items[-1].slug) if len(rows) > limit and items else None
    )
    return Page(items=items, next_cursor=next_cursor)


def list_tokens(session: Session, member: Member) -> list[TokenOut]:
    tokens = session.scalars(
        select(ApiToken)
        .where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())
        .limit(200)
    )
    return [
        TokenOut(
            id=t.id,
            name=t.name,
            prefix=t.prefix,
            scope=t.scope,
            created_at=t.created_at,
            expires_at=t.expires_at,
            last_used_at=t.last_used_at,
        )
        for t in tokens
    ]


def member_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Member.id))) or 0)
