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


# --- the window of a long thread --------------------------------------------------------------


@st.composite
def threads(draw: st.DrawFn) -> list[tuple[int, int | None]]:
    """A random forest of comments as ``(id, parent_id)`` rows in display (preorder) order."""
    n = draw(st.integers(min_value=0, max_value=80))
    parents = [None if i == 0 else draw(st.none() | st.integers(0, i - 1)) for i in range(n)]
    children: dict[int | None, list[int]] = {}
    for i, p in enumerate(parents):
        children.setdefault(p, []).append(i)
    rows: list[tuple[int, int | None]] = []

    def walk(node: int) -> None:
        rows.append((node + 1, None if parents[node] is None else parents[node] + 1))  # type: ignore[operator]
        for child in children.get(node, []):
            walk(child)

    for root in children.get(None, []):
        walk(root)
    return rows


def _subtree_from(
    rows: list[tuple[int, int | None]], anchor: int, first: int
) -> list[tuple[int, int | None]]:
    """What a comment's permalink page lists from a cursor: its descendants from ``first`` on."""
    inside = {anchor}
    out = []
    for cid, parent in rows:
        if parent in inside:
            inside.add(cid)
    for cid, parent in rows[first:]:
        if cid in inside and cid != anchor:
            out.append((cid, parent))
    return out


def _read_everything(
    rows: list[tuple[int, int | None]], budget: int, all_rows: list[tuple[int, int | None]]
) -> list[int]:
    """Follow every "show more" and "more comments" link, as a reader clicking them all."""
    window = rules.thread_window(rows, budget)
    seen = list(window.shown)
    for anchor, (count, first) in window.more_replies.items():
        rest = _subtree_from(rows, anchor, first)
        assert len(rest) == count  # the link's number is what it opens
        seen += _read_everything(rest, budget, all_rows)
    if window.next_root is not None:
        seen += _read_everything(rows[window.next_root :], budget, all_rows)
    return seen


@given(threads(), st.integers(min_value=1, max_value=30))
def test_thread_window_shows_a_bounded_page_and_every_comment_is_reachable_once(
    rows: list[tuple[int, int | None]], budget: int
) -> None:
    window = rules.thread_window(rows, budget)
    assert len(window.shown) <= budget
    shown = set(window.shown)
    order = [cid for cid, _ in rows]
    # display order is kept, and a shown reply is shown under its (shown) parent
    assert window.shown == [cid for cid in order if cid in shown]
    known = set()
    for cid, parent in rows[: window.next_root]:
        if cid in shown and parent is not None and parent in known:
            assert parent in shown
        known.add(cid)
    # clicking every link reads each comment exactly once
    seen = _read_everything(rows, budget, rows)
    assert sorted(seen) == sorted(order)


def test_thread_window_keeps_short_threads_whole_and_splits_long_ones() -> None:
    short = [(1, None), (2, 1), (3, 2), (4, None)]
    assert rules.thread_window(short, 10) == rules.ThreadWindow([1, 2, 3, 4], {}, None)
    # one root with five replies, then a second root; a page of three
    rows = [(1, None), (2, 1), (3, 1), (4, 1), (5, 4), (6, 1), (7, None)]
    window = rules.thread_window(rows, 3)
    assert window.shown == [1, 2, 3]
    assert window.more_replies == {1: (3, 3)}  # 4, 5 and 6 continue from row 3 under comment 1
    assert window.next_root == 6  # comment 7 starts the next page
