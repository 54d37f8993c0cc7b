"""The topics' copy of each insight's useful count (``insight_topics.useful_count``, read by
the "most useful" home feed): written by the demo, backfilled by migration 0015_feeds on an
existing database, and the feed it serves is in order, on both backends."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from tests.conftest import drop_postgres_database, fresh_database_url

from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.demo.generator import DemoOptions, generate
from sharewell.insights import queries
from sharewell.insights.models import Insight, InsightTopic
from sharewell.members.models import Member
from sharewell.migrations import downgrade, upgrade


def _mismatches(engine: Engine) -> tuple[int, int]:
    """(topic rows whose copy differs from the insight's count, topic rows with a count)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(InsightTopic.useful_count, Insight.useful_count).join(
                Insight, Insight.id == InsightTopic.insight_id
            )
        ).all()
    return sum(a != b for a, b in rows), sum(b > 0 for _, b in rows)


def test_demo_writes_the_copy_the_migration_backfills_it_and_the_feed_is_ordered(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    url = fresh_database_url(backend, tmp_path, "useful_copy")
    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            generate(session, DemoOptions(members=60, seed=3, contacts_per_member=2,
                                          connections_per_member=4), settings=settings)  # fmt: skip
        wrong, counted = _mismatches(engine)
        assert wrong == 0 and counted > 0  # the demo has useful insights, copied to topics
        # An existing database from before the column: the migration fills it in.
        downgrade(engine, "0009_privacy")
        upgrade(engine)
        assert _mismatches(engine) == (0, counted)
        with session_scope(make_session_factory(engine)) as session:
            for member in session.scalars(select(Member).order_by(Member.id).limit(10)):
                viewer = queries.viewer_for(session, member)
                seen: list[tuple[int, str]] = []
                cursor = None
                for _ in range(3):  # a few pages, following the keyset cursor
                    page = queries.home_feed(session, viewer, limit=5, order="useful",
                                             cursor=cursor)  # fmt: skip
                    seen += [(i.useful_count, i.id) for i in page.items]
                    cursor = page.next_cursor
                    if cursor is None:
                        break
                counts = [n for n, _ in seen]
                assert counts == sorted(counts, reverse=True)
                assert len({pid for _, pid in seen}) == len(seen)  # no item twice across pages
    finally:
        engine.dispose()
        if backend == "postgresql":
            drop_postgres_database(url.rsplit("/", 1)[1])
