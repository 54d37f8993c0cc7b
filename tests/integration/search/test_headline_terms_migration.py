"""Migration 0027_headlineterms: a database from before it gets its members' headline words
into the typo vocabulary, so they are searched as typed, on both backends."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select
from tests.conftest import drop_postgres_database, fresh_database_url

from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.demo.generator import DemoOptions, generate
from sharewell.members.models import Member
from sharewell.migrations import downgrade, upgrade
from sharewell.search import rules
from sharewell.search.models import SearchTerm


def test_the_migration_adds_every_headline_word(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    url = fresh_database_url(backend, tmp_path, "headline_terms")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        upgrade(engine)
        with session_scope(factory) as session:
            generate(session, DemoOptions(members=40, seed=5, contacts_per_member=2,
                                          connections_per_member=3), settings=settings)  # fmt: skip
            headlines = list(session.scalars(select(Member.headline)))
        downgrade(engine, "0026_compounds")
        with session_scope(factory) as session:  # the vocabulary as 0026 left it
            session.execute(delete(SearchTerm).where(SearchTerm.kind == "headline"))
            terms = set(session.scalars(select(SearchTerm.term)))
        words = {w for h in headlines for w in rules.words(h) if len(w) >= 3}
        assert "partner" in words and "partner" not in terms
        upgrade(engine)
        with session_scope(factory) as session:
            assert words <= set(session.scalars(select(SearchTerm.term)))
            kinds = dict(session.execute(select(SearchTerm.term, SearchTerm.kind)).tuples().all())
            assert kinds["partner"] == "headline"
    finally:
        engine.dispose()
        if backend == "postgresql":
            drop_postgres_database(url.rsplit("/", 1)[1])
