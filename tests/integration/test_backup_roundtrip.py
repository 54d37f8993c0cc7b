"""Backup and restore round trip on both databases: a demo network (members, contacts,
connections, insights, ledger), backed up with `sharewell backup`'s function, restored into a
fresh database, and every table compared row by row, ordered by primary key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.engine import make_url
from tests.conftest import drop_postgres_database, fresh_database_url

from sharewell import backup
from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.demo.generator import DemoOptions, generate
from sharewell.errors import Conflict
from sharewell.migrations import upgrade


def _dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    meta = MetaData()
    meta.reflect(engine)
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            key = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*key))]
    return out


@pytest.mark.slow
def test_backup_restore_round_trip(backend: str, tmp_path: Path, settings: Settings) -> None:
    if backend == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump/pg_restore are missing: install postgresql-client (see .ci/run)")
    source_url = fresh_database_url(backend, tmp_path, "bk_source")
    target_url = fresh_database_url(backend, tmp_path, "bk_target")
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        upgrade(source)
        with session_scope(make_session_factory(source)) as session:
            generate(session, DemoOptions(members=40, seed=7, contacts_per_member=8,
                                          connections_per_member=4), settings=settings)  # fmt: skip
        file = backup.backup(source_url, tmp_path / backup.default_name(source_url))
        with pytest.raises(Conflict):
            backup.backup(source_url, file)  # never overwrites a backup
        assert not backup.holds_data(target_url)
        backup.restore(target_url, file)
        before, after = _dump(source), _dump(target)
        assert set(before) == set(after)
        counted = {name: len(rows) for name, rows in before.items()}
        for name in ("members", "contacts", "connections", "insights", "comments",
                     "ledger_entries", "ledger_pledges", "alembic_version"):  # fmt: skip
            assert counted[name] > 0, name
        for name in before:
            assert before[name] == after[name], f"table {name} differs after the round trip"
        with pytest.raises(Conflict):  # now it holds members: --yes needed
            backup.restore(target_url, file)
        backup.restore(target_url, file, overwrite=True)
        assert _dump(target) == before
    finally:
        source.dispose()
        target.dispose()
        if backend == "postgresql":
            for url in (source_url, target_url):
                drop_postgres_database(str(make_url(url).database))
