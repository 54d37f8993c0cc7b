"""Demo phase of the search area: the earlier phases inserted in bulk (bypassing the ORM hook),
so the search documents, full-text index and vocabulary are built here in one pass."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from sharewell.bulk import deferred_indexes, triggers_paused
from sharewell.search import backends, indexing
from sharewell.search.models import SearchDocument

if TYPE_CHECKING:
    from sharewell.demo.generator import DemoContext


def phase_search(ctx: DemoContext) -> None:
    # The GIN index over the tsvector (PostgreSQL), SQLite's FTS5 index and the owner/insight
    # indexes are built once over the full table instead of row by row.
    with deferred_indexes(ctx.session, SearchDocument), _fts_rebuilt_after(ctx.session):
        counts = indexing.reindex_all(ctx.session)
    ctx.counts["search_documents"] = sum(counts.values())


@contextmanager
def _fts_rebuilt_after(session: Session) -> Iterator[None]:
    """SQLite: the triggers that feed the FTS5 partitions (``search_fts``, ``search_fts_open``
    …, external content over ``search_documents``; migration 0023) are paused for the load
    and each partition is built in one pass (``search.backends.fill_sqlite_fts``). Inside the
    caller's transaction: an error rolls it all back. (PostgreSQL's tsvector is a column of
    the rows themselves.)"""
    if session.connection().dialect.name != "sqlite":
        yield
        return
    with triggers_paused(session, SearchDocument):
        yield
    backends.fill_sqlite_fts(session.connection())
