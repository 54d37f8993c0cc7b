"""The semantic leg obeys exactly the visibility rules of full text: a document found by
meaning alone (the query shares no word with it) is shown only if a word search by the same
member could show it. Runs only with the extra installed (``sharewell[semantic]``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.insights import service as insight_service
from sharewell.insights.schemas import CommentIn, InsightIn, InsightUpdate
from sharewell.members import service as member_service
from sharewell.members.schemas import ProfileUpdate
from sharewell.network import service as network_service
from sharewell.search import semantic
from sharewell.search.queries import SearchParams, search

from .conftest import World

pytestmark = pytest.mark.skipif(
    not semantic.available(),
    reason=f"semantic extra not installed ({semantic.INSTALL_HINT}): nothing to check",
)

# Shares no word (nor stem) with the texts below, so full text finds none of them.
QUERY = "compensation ranges"
TEXT = "Salary bands and pay scales for engineers in Berlin"


@pytest.fixture
def on() -> Iterator[None]:
    assert semantic.configure(True)
    yield
    semantic.configure(False)


def found(db: Session, viewer, settings: Settings) -> set[str]:  # type: ignore[no-untyped-def]
    out = search(db, viewer, SearchParams(q=QUERY, limit=50), settings, None)
    assert out.semantic
    return {h.url for h in out.items}


def test_semantic_hits_obey_visibility(
    db: Session, world: World, members: Members, settings: Settings, on: None
) -> None:
    limits = settings.insight_limits
    me = world.searcher
    admin = members.create("Ada Admin", admin=True)
    blocked_author = members.create("Bo Blocked", headline=TEXT)
    far = world.stranger  # not connected to the searcher

    def publish(author, title: str, visibility: str = "public"):  # type: ignore[no-untyped-def]
        return insight_service.publish(
            db,
            author,
            InsightIn(kind="information", title=title, body=TEXT, visibility=visibility),
            limits,
        )

    public = publish(world.priya, "Public: salary bands")
    members_only = publish(world.priya, "Members: salary bands", "members")
    near_connections = publish(world.holder, "Connections of Holly: salary bands", "connections")
    far_connections = publish(far, "Connections of Pierre: salary bands", "connections")
    to_hide = publish(world.priya, "Hidden later: salary bands")
    to_delete = publish(world.priya, "Deleted later: salary bands")
    by_blocked = publish(blocked_author, "By a blocked member: salary bands")
    hidden_comment = insight_service.add_comment(
        db, far, public.public_id, CommentIn(body=TEXT), limits
    )
    deleted_comment = insight_service.add_comment(
        db, world.holder, public.public_id, CommentIn(body=TEXT), limits
    )
    db.commit()
    semantic.build_vectors(db)

    url = {
        i.public_id: f"/insights/{i.public_id}"
        for i in (
            public,
            members_only,
            near_connections,
            far_connections,
            to_hide,
            to_delete,
            by_blocked,
        )
    }
    before = found(db, me, settings)  # also caches this process's matrix
    assert {url[public.public_id], url[members_only.public_id]} <= before  # found by meaning
    assert url[near_connections.public_id] in before  # a connection's connections-only
    assert url[far_connections.public_id] not in before
    assert url[far_connections.public_id] in found(db, far, settings)  # its author sees it
    assert f"/members/{blocked_author.handle}" in before

    insight_service.moderate(db, admin, hide=True, insight_public_id=to_hide.public_id)
    insight_service.moderate(db, admin, hide=True, comment_public_id=hidden_comment.public_id)
    insight_service.delete_insight(db, world.priya, to_delete.public_id)
    insight_service.delete_comment(db, world.holder, deleted_comment.public_id)
    network_service.block(db, me, blocked_author)
    db.commit()

    after = found(db, me, settings)
    assert url[public.public_id] in after
    for gone in (to_hide, to_delete, by_blocked, far_connections):
        assert url[gone.public_id] not in after, gone.title
    assert f"/members/{blocked_author.handle}" not in after
    comments = [u for u in after if "/comments/" in u]
    assert not any(c.public_id in u for u in comments for c in (hidden_comment, deleted_comment))
    # Blocks work both ways: the blocked member does not find the blocker's things either.
    member_service.update_profile(db, me, ProfileUpdate(headline=TEXT))
    db.commit()
    assert f"/members/{me.handle}" not in found(db, blocked_author, settings)


def test_an_edited_document_is_no_longer_found_by_its_old_meaning(
    db: Session, world: World, settings: Settings, on: None
) -> None:
    limits = settings.insight_limits
    insight = insight_service.publish(
        db, world.priya, InsightIn(kind="information", title="Pay", body=TEXT), limits
    )
    db.commit()
    semantic.build_vectors(db)
    where = f"/insights/{insight.public_id}"
    assert where in found(db, world.searcher, settings)  # the matrix is now cached
    insight_service.edit_insight(
        db,
        world.priya,
        insight.public_id,
        InsightUpdate(title="Tomatoes", body="Growing tomatoes on a windy balcony"),
        limits,
    )
    db.commit()
    assert where not in found(db, world.searcher, settings)


def test_a_name_nobody_has_finds_nothing_by_meaning(
    db: Session, world: World, settings: Settings, on: None
) -> None:
    """Every vector has a nearest neighbour: without a similarity floor any string would
    "find" members, and the answer to a secret contact's name would differ from the answer
    to a name nobody has only by noise (tests/functional/contacts/test_no_leaks.py)."""
    semantic.build_vectors(db)
    for q in ("Quentin Nonexistentson", "Xavier Blindwell", "Zelda Privatova"):
        out = search(db, world.searcher, SearchParams(q=q), settings, None)
        assert [h.kind for h in out.items if h.kind != "card"] == [], q
