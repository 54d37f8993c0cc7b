"""Page views (GET/HEAD) run in read-first transactions: they read beside a write in progress
instead of queueing behind it, and the few that write still commit their write even when
another request wrote in between (SQLite would otherwise refuse with "database is locked")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from tests.conftest import drop_postgres_database, fresh_database_url

from sharewell.db import make_engine, make_session_factory, read_first, session_scope
from sharewell.members.models import Topic


@pytest.fixture
def own_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own: the test needs several connections and committed rows."""
    from sharewell.migrations import upgrade

    url = fresh_database_url(backend, tmp_path, "readfirst")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    if backend == "postgresql":
        drop_postgres_database(engine.url.database or "")


def test_a_page_view_reads_while_another_request_is_writing(own_engine: Engine) -> None:
    writers, readers = (
        make_session_factory(own_engine),
        make_session_factory(read_first(own_engine)),
    )
    with session_scope(writers) as session:
        session.add(Topic(slug="saved", label="Saved"))
    writer = writers()
    try:
        writer.add(Topic(slug="in-progress", label="In progress"))
        writer.flush()  # holds the write lock (SQLite) until commit
        with session_scope(readers) as reader:
            slugs = set(reader.scalars(select(Topic.slug)))
        assert slugs == {"saved"}  # the committed row, not the unfinished write
        writer.commit()
    finally:
        writer.close()


def test_a_page_view_that_writes_after_another_commit_keeps_its_write(
    own_engine: Engine,
) -> None:
    writers, readers = (
        make_session_factory(own_engine),
        make_session_factory(read_first(own_engine)),
    )
    with session_scope(readers) as reader:
        before = reader.scalar(select(func.count(Topic.id)))  # the read part of the request
        with session_scope(writers) as other:  # another request writes and commits meanwhile
            other.add(Topic(slug="other", label="Other"))
        reader.add(Topic(slug="audit", label="Audit"))  # then this request writes
    assert before == 0
    with session_scope(writers) as session:
        assert set(session.scalars(select(Topic.slug))) == {"other", "audit"}


def test_a_page_view_that_fails_after_writing_leaves_nothing(own_engine: Engine) -> None:
    readers = make_session_factory(read_first(own_engine))
    with pytest.raises(RuntimeError), session_scope(readers) as reader:
        reader.scalar(select(func.count(Topic.id)))
        reader.add(Topic(slug="half", label="Half"))
        reader.flush()
        raise RuntimeError("the page failed after its first write")
    with session_scope(readers) as reader:
        assert reader.scalar(select(func.count(Topic.id))) == 0
