"""The semantic extra: vectors in the database, nearest neighbours fused with full text.
Skipped, with the reason, when ``sharewell[semantic]`` is not installed; search without it is
covered by every other search test."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.search import semantic
from sharewell.search.queries import SearchParams, search

from .conftest import World


def test_without_the_extra_search_is_full_text_only(
    db: Session, world: World, settings: Settings
) -> None:
    if semantic.available():
        pytest.skip("the semantic extra is installed here; see the test below")
    assert semantic.configure(True) is False
    out = search(db, world.searcher, SearchParams(q="pipelines"), settings, None)
    assert out.semantic is False and out.items


def test_semantic_matches_meaning_offline(db: Session, world: World, settings: Settings) -> None:
    if not semantic.available():
        pytest.skip(f"semantic extra not installed: {semantic.INSTALL_HINT}")
    assert semantic.configure(True)
    try:
        semantic.build_vectors(db)
        out = search(
            db,
            world.searcher,
            # No word in common with the insight (full text alone finds nothing).
            SearchParams(q="slow delivery of analytics projects", kinds=("insight",), explain=True),
            settings,
            None,
        )
        assert out.semantic
        assert [h.title for h in out.items] == ["Why most data pipelines stall"]
        assert out.items[0].explain is not None and out.items[0].explain.semantic_rank == 1
    finally:
        semantic.configure(False)
