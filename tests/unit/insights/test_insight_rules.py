"""Pure rules of the insights area."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharewell.errors import Conflict, InvalidInput, PayloadTooLarge
from sharewell.insights import rules


def test_kinds_visibility_and_titles() -> None:
    assert rules.check_kind("ask") == "ask"
    with pytest.raises(InvalidInput):
        rules.check_kind("rant")
    with pytest.raises(InvalidInput):
        rules.check_visibility("friends")
    assert rules.clean_title("  a   title ") == "a title"
    with pytest.raises(InvalidInput):
        rules.clean_title("   ")
    with pytest.raises(InvalidInput):
        rules.clean_title("x" * 201)


def test_body_limit_counts_utf8_bytes() -> None:
    limits = rules.Limits(body_max_bytes=10)
    assert rules.check_body("é" * 5, limits, required=True)
    with pytest.raises(PayloadTooLarge):
        rules.check_body("é" * 6, limits, required=True)
    with pytest.raises(InvalidInput):
        rules.check_body("  ", limits, required=True)


def test_replies_refused_to_deleted_hidden_or_too_deep() -> None:
    limits = rules.Limits(max_depth=3)
    assert (
        rules.check_can_reply(
            parent_deleted=False, parent_hidden=False, parent_depth=2, limits=limits
        )
        == 3
    )
    with pytest.raises(InvalidInput):
        rules.check_can_reply(
            parent_deleted=False, parent_hidden=False, parent_depth=3, limits=limits
        )
    with pytest.raises(Conflict):
        rules.check_can_reply(
            parent_deleted=True, parent_hidden=False, parent_depth=0, limits=limits
        )
    with pytest.raises(Conflict):
        rules.check_can_reply(
            parent_deleted=False, parent_hidden=True, parent_depth=0, limits=limits
        )


def test_answer_kinds_only_on_asks_and_at_the_top() -> None:
    assert rules.check_comment_kind("answer", insight_kind="ask", is_reply=False) == "answer"
    with pytest.raises(InvalidInput):
        rules.check_comment_kind("answer", insight_kind="insight", is_reply=False)
    with pytest.raises(InvalidInput):
        rules.check_comment_kind("intro_offer", insight_kind="ask", is_reply=True)
    assert rules.check_comment_kind("comment", insight_kind="insight", is_reply=True) == "comment"


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=6, unique=True))
def test_paths_sort_children_after_parents_in_id_order(ids: list[int]) -> None:
    parent = rules.child_path("", 5)
    paths = sorted(rules.child_path(parent, i) for i in ids)
    assert all(p.startswith(parent) and p > parent for p in paths)
    assert [int(p[-rules.PATH_WIDTH :]) for p in paths] == sorted(ids)


def test_build_thread_nests_and_counts_descendants() -> None:
    rows = [(1, None, "a", 0), (2, 1, "b", 1), (3, 2, "c", 2), (4, 1, "d", 1), (5, None, "e", 0)]
    roots = rules.build_thread(rows)
    assert [r.item for r in roots] == ["a", "e"]
    assert roots[0].descendants == 3 and [c.item for c in roots[0].children] == ["b", "d"]
    assert not rules.collapse(roots[0])
    assert rules.collapse(roots[0], fold_over=2)


@given(
    visibility=st.sampled_from(rules.VISIBILITIES),
    author=st.integers(1, 5),
    viewer=st.one_of(st.none(), st.integers(1, 5)),
    connections=st.frozensets(st.integers(1, 5)),
)
def test_visibility_rule(
    visibility: str, author: int, viewer: int | None, connections: frozenset[int]
) -> None:
    seen = rules.can_view(
        visibility=visibility, author_id=author, viewer_id=viewer, viewer_connections=connections
    )
    if visibility == "public" or viewer == author:
        assert seen
    elif viewer is None:
        assert not seen
    elif visibility == "members":
        assert seen
    else:
        assert seen == (author in connections)
