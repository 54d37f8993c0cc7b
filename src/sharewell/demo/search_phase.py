"""Demo phase of the search area: the earlier phases inserted in bulk (bypassing the ORM hook),
so the search documents, full-text index and vocabulary are built here in one pass."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sharewell.search import indexing

if TYPE_CHECKING:
    from sharewell.demo.generator import DemoContext


def phase_search(ctx: DemoContext) -> None:
    counts = indexing.rebuild_all(ctx.session)
    ctx.counts["search_documents"] = sum(counts.values())
