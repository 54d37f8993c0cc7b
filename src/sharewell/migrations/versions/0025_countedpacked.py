"""countedpacked: SQLite's counted partition keeps the holder in its rowid

Revision ID: 0025_countedpacked
Revises: 0024_suspended

An aggregate ("X knows N people matching …") counts each holder's counted entries that match
every word. SQLite's ``search_fts_counted`` becomes contentless with the rowid
``owner_id << 32 | id`` (``search.backends.PACKED_TABLES``), so those counts group the
rowids the index returns and no longer read every matching document. The triggers are
recreated (the counted table's rows now carry the packed rowid) and the table is refilled.
PostgreSQL is unchanged.
"""

from collections.abc import Sequence

from alembic import op

from sharewell.search import backends

revision: str = "0025_countedpacked"
down_revision: str | Sequence[str] | None = "0024_suspended"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("search_documents_ai", "search_documents_ad", "search_documents_au")
COUNTED = backends.fts_table_name("counted")


def _rebuild_counted(packed: frozenset[str]) -> None:
    layout = backends.fts_layout()
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(f"DROP TABLE IF EXISTS {COUNTED}")
    counted = {COUNTED: layout[COUNTED]}
    for ddl in backends.sqlite_fts_tables(counted, packed):
        op.execute(ddl)
    for ddl in backends.sqlite_fts_triggers(layout, packed):
        op.execute(ddl)
    backends.fill_sqlite_fts(op.get_bind(), counted, packed)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_counted(backends.PACKED_TABLES)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_counted(frozenset())  # 0023_searchparts' layout: plain rowids everywhere
