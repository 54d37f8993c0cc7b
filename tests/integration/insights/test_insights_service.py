"""Insight use cases on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.errors import Conflict, NotFound
from sharewell.insights import queries, rules, service
from sharewell.insights.models import Comment, Insight, InsightTopic, Reaction
from sharewell.insights.schemas import CommentIn, InsightIn, InsightUpdate
from sharewell.members import service as members_service
from sharewell.network.models import Connection

LIMITS = rules.Limits()


def connect(db: Session, a: int, b: int) -> None:
    """An accepted connection, written directly (the network area's own tests cover requests)."""
    db.add(
        Connection(
            member_a=min(a, b), member_b=max(a, b), status="accepted", requested_by=a, strength=3
        )
    )
    db.flush()


def test_connections_visibility_follows_the_network(db: Session, members: Members) -> None:
    author, friend, stranger = members.create(), members.create(), members.create()
    post = service.publish(
        db, author, InsightIn(kind="insight", title="Close", visibility="connections"), LIMITS
    )
    connect(db, friend.id, author.id)
    for member, expected in ((author, True), (friend, True), (stranger, False), (None, False)):
        viewer = queries.viewer_for(db, member)
        listed = [i.id for i in queries.list_insights(db, viewer, limit=10).items]
        assert (post.public_id in listed) is expected
    # the network shows up in the home feed without following
    feed = queries.home_feed(db, queries.viewer_for(db, friend), limit=10)
    assert [i.id for i in feed.items] == [post.public_id]


def test_without_a_provider_connections_items_are_author_only(
    db: Session, members: Members
) -> None:
    author, other = members.create(), members.create()
    post = service.publish(
        db, author, InsightIn(kind="insight", title="Mine", visibility="connections"), LIMITS
    )
    with pytest.raises(NotFound):
        queries.find_insight(db, post.public_id, queries.viewer_for(db, other))
    assert queries.find_insight(db, post.public_id, queries.viewer_for(db, author)).id == post.id


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    posts=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(rules.VISIBILITIES)), min_size=1, max_size=8
    ),
    edges=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=6),
    viewer_ix=st.one_of(st.none(), st.integers(0, 3)),
)
def test_sql_visibility_agrees_with_the_rule(
    db: Session, members: Members, posts: list[tuple[int, str]], edges: set[tuple[int, int]],
    viewer_ix: int | None,
) -> None:  # fmt: skip
    people = getattr(test_sql_visibility_agrees_with_the_rule, "_people", {})
    key = id(db)
    if key not in people:
        people[key] = [members.create() for _ in range(4)]
        test_sql_visibility_agrees_with_the_rule._people = people  # type: ignore[attr-defined]
    cast = people[key]
    nested = db.begin_nested()
    try:
        for a, b in {(min(a, b), max(a, b)) for a, b in edges if a != b}:
            connect(db, cast[a].id, cast[b].id)
        made = [
            service.publish(db, cast[a], InsightIn(kind="insight", title="t", visibility=v), LIMITS)
            for a, v in posts
        ]
        viewer_member = cast[viewer_ix] if viewer_ix is not None else None
        viewer = queries.viewer_for(db, viewer_member)
        listed = {i.id for i in queries.list_insights(db, viewer, limit=100).items}
        # The form search uses: the connections as one array on PostgreSQL.
        dialect = db.get_bind().dialect.name
        by_dialect = set(
            db.scalars(
                select(Insight.public_id).where(
                    Insight.id.in_([p.id for p in made]), queries.visible_clause(viewer, dialect)
                )
            )
        )
        for post in made:
            expected = rules.can_view(
                visibility=post.visibility, author_id=post.author_id,
                viewer_id=viewer.id, viewer_connections=viewer.connections,
            )  # fmt: skip
            assert (post.public_id in listed) is expected
            assert (post.public_id in by_dialect) is expected
    finally:
        nested.rollback()


def test_thread_paths_give_display_order_and_counts(db: Session, members: Members) -> None:
    a, b = members.create(), members.create()
    post = service.publish(db, a, InsightIn(kind="insight", title="T"), LIMITS)
    c1 = service.add_comment(db, b, post.public_id, CommentIn(body="1"), LIMITS)
    c2 = service.add_comment(db, a, post.public_id, CommentIn(body="2"), LIMITS)
    c11 = service.add_comment(
        db, a, post.public_id, CommentIn(body="1.1", parent=c1.public_id), LIMITS
    )
    c111 = service.add_comment(
        db, b, post.public_id, CommentIn(body="1.1.1", parent=c11.public_id), LIMITS
    )
    viewer = queries.viewer_for(db, None)
    order = [c.id for c in queries.thread(db, post, viewer).comments]
    assert order == [c1.public_id, c11.public_id, c111.public_id, c2.public_id]
    assert c111.depth == 2 and c111.path.startswith(c11.path)
    sub = [c.id for c in queries.thread(db, post, viewer, under=c11).comments]
    assert sub == [c11.public_id, c111.public_id]
    # a page of two: the first top-level comment and its first reply, the rest one link away
    window = queries.thread(db, post, viewer, budget=2)
    assert [c.id for c in window.comments] == [c1.public_id, c11.public_id]
    assert window.more_replies[c11.public_id][0] == 1 and window.next_cursor is not None
    rest = queries.thread(db, post, viewer, cursor=window.next_cursor, budget=2)
    assert [c.id for c in rest.comments] == [c2.public_id] and rest.next_cursor is None
    db.refresh(post)
    assert post.comment_count == 4
    page1 = queries.comments_page(db, post, viewer, limit=2, cursor=None)
    page2 = queries.comments_page(db, post, viewer, limit=2, cursor=page1.next_cursor)
    assert [c.id for c in page1.items + page2.items] == order


def test_reactions_are_unique_withdrawable_and_timestamped_for_standing(
    db: Session, members: Members
) -> None:
    a, b = members.create(), members.create()
    post = service.publish(db, a, InsightIn(kind="insight", title="T"), LIMITS)
    for _ in range(3):
        service.react(db, b, kind="useful", insight_public_id=post.public_id)
    service.react(db, b, kind="acted_on", insight_public_id=post.public_id)
    rows = db.scalars(select(Reaction).where(Reaction.insight_id == post.id)).all()
    assert sorted(r.kind for r in rows) == ["acted_on", "useful"]
    assert all(r.recipient_id == a.id and r.created_at is not None for r in rows)
    db.refresh(post)
    assert (post.useful_count, post.acted_count) == (1, 1)
    service.react(db, b, kind="useful", insight_public_id=post.public_id, on=False)
    service.react(db, b, kind="useful", insight_public_id=post.public_id, on=False)
    db.refresh(post)
    assert post.useful_count == 0


def test_edit_history_and_tombstones(db: Session, members: Members) -> None:
    a, b = members.create(), members.create()
    post = service.publish(db, a, InsightIn(kind="insight", title="One", body="1"), LIMITS)
    service.edit_insight(db, a, post.public_id, InsightUpdate(title="Two"), LIMITS)
    assert [r.title for r in queries.revisions(db, insight=post)] == ["One"]
    c = service.add_comment(db, b, post.public_id, CommentIn(body="hi"), LIMITS)
    service.edit_comment(db, b, c.public_id, "hello", LIMITS)
    assert len(queries.revisions(db, comment=c)) == 1
    assert service.delete_comment(db, b, c.public_id) is False  # no replies: gone for good
    assert db.get(Comment, c.id) is None
    c = service.add_comment(db, b, post.public_id, CommentIn(body="hi"), LIMITS)
    assert service.delete_insight(db, a, post.public_id) is True  # others replied: tombstone
    with pytest.raises(Conflict):
        service.add_comment(db, b, post.public_id, CommentIn(body="more"), LIMITS)


def test_blocks_hide_items_and_stop_replies(db: Session, members: Members) -> None:
    a, b = members.create(), members.create()
    post = service.publish(db, a, InsightIn(kind="insight", title="T"), LIMITS)
    c = service.add_comment(db, a, post.public_id, CommentIn(body="mine"), LIMITS)
    members_service.block(db, a, b)
    assert members_service.is_blocked(db, a.id, b.id)
    from sharewell.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.add_comment(db, b, post.public_id, CommentIn(body="x", parent=c.public_id), LIMITS)
    # b's items disappear for a
    other = service.publish(db, members.create(), InsightIn(kind="insight", title="U"), LIMITS)
    bc = service.add_comment(db, b, other.public_id, CommentIn(body="from b"), LIMITS)
    service.publish(db, b, InsightIn(kind="insight", title="By b"), LIMITS)
    viewer = queries.viewer_for(db, a)
    assert "By b" not in [i.title for i in queries.list_insights(db, viewer, limit=50).items]
    shown = {x.id: x for x in queries.thread(db, other, viewer).comments}
    assert shown[bc.public_id].blocked and shown[bc.public_id].body_html == ""
    members_service.unblock(db, a, b)
    assert not members_service.is_blocked(db, a.id, b.id)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 2), st.sampled_from(rules.REACTIONS), st.booleans(), st.booleans()
        ),
        max_size=25,
    )
)
def test_reaction_counts_equal_the_reactions_after_any_sequence(
    db: Session, members: Members, steps: list[tuple[int, str, bool, bool]]
) -> None:
    """The "most useful" order reads ``useful_count`` instead of counting reactions, so the
    column must always equal the rows: after any mix of reacting, repeating and withdrawing."""
    author = members.create()
    readers = [members.create() for _ in range(3)]
    post = service.publish(
        db, author, InsightIn(kind="insight", title="Count me", topics=["Hiring", "Go"]), LIMITS
    )
    note = service.add_comment(db, readers[0], post.public_id, CommentIn(body="a note"), LIMITS)
    for who, kind, on_comment, on in steps:
        reader = readers[who]
        if on_comment and who == 0:
            continue  # one's own comment takes no reactions (a clear 4xx, tested elsewhere)
        if on_comment:
            service.react(db, reader, kind=kind, on=on, comment_public_id=note.public_id)
        else:
            service.react(db, reader, kind=kind, on=on, insight_public_id=post.public_id)
    for item, column in ((post, Reaction.insight_id), (note, Reaction.comment_id)):
        db.refresh(item)
        rows = db.scalars(select(Reaction.kind).where(column == item.id)).all()
        counted = (rows.count("useful"), rows.count("acted_on"))
        assert (item.useful_count, item.acted_count) == counted
    # the topics' copy, which the "most useful" feed walks, follows the insight's count
    copies = db.scalars(select(InsightTopic.useful_count).where(InsightTopic.insight_id == post.id))
    assert list(copies) == [post.useful_count] * 2
