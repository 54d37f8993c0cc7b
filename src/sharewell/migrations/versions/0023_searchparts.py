"""searchparts: the full-text index split into partitions (one per kind, and shared contacts
by visibility)

Revision ID: 0023_searchparts
Revises: 0023_termlog

A search reads only the partition it asks about (``search.backends``: one per kind for
members, insights and comments; ``open``, ``blind`` and ``counted`` contacts), so a two-word
query no longer walks the posting lists of all 6.7M documents of a 100,000-member network
for every kind; private and opted-out contacts are in no partition.

* SQLite: ``search_fts`` is replaced by ``search_fts_member``, ``search_fts_insight``,
  ``search_fts_comment``, ``search_fts_open``, ``search_fts_blind`` and ``search_fts_counted``
  (FTS5, external content over ``search_documents``); the three triggers are replaced by
  ones that feed each partition.
  Each partition is filled with one ``INSERT … SELECT`` (no batch mode: the triggers must
  survive).
* PostgreSQL: the GIN index over ``tsv`` is replaced by one partial GIN index per partition.
"""

from collections.abc import Sequence

from alembic import op

from sharewell.search import backends

revision: str = "0023_searchparts"
down_revision: str | Sequence[str] | None = "0023_termlog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("search_documents_ai", "search_documents_ad", "search_documents_au")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # A GIN build sorts its entries in memory: more room, fewer merge passes.
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for ddl in backends.postgresql_gin_ddl():
            op.execute(ddl)
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    for ddl in backends.sqlite_fts_ddl():
        op.execute(ddl)
    backends.fill_sqlite_fts(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")
        for part in backends.PARTS:
            op.execute(f"DROP INDEX IF EXISTS {backends.gin_index_name(part)}")
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for part in backends.PARTS:
        op.execute(f"DROP TABLE IF EXISTS {backends.fts_table_name(part)}")
    # 0010_search's layout: one table over every document
    single = {"search_fts": "1 = 1"}
    for ddl in backends.sqlite_fts_ddl(single):
        op.execute(ddl)
    backends.fill_sqlite_fts(op.get_bind(), single)
