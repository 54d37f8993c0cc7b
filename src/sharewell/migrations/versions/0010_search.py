"""search: documents, full-text index (FTS5 / tsvector + GIN), vocabulary, vectors, saved searches

Revision ID: 0010_search
Revises: 0008_intros

The full-text index is backend-specific DDL, kept out of the models (``migrations.include_name``
and ``include_object`` keep autogenerate from proposing to drop it):

* SQLite: an FTS5 external-content table ``search_fts`` over ``search_documents`` (porter
  stemming, accents folded), fed by triggers in the same transaction as every row change.
* PostgreSQL: a generated ``tsvector`` column ``tsv`` (weights A name, B title, C body,
  D facets) with a GIN index, and ``pg_trgm`` for typo candidates (``postgresql-contrib``).
"""

# ruff: noqa: S608 - DDL built from constants of this file, never from input
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sharewell.db

revision: str = "0010_search"
down_revision: str | Sequence[str] | None = "0008_intros"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_COLUMNS = "name, title, body, facets"


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("insight_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("facets", sa.Text(), nullable=False),
        sa.Column("indexed_at", sharewell.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["insight_id"],
            ["insights.id"],
            name=op.f("fk_search_documents_insight_id_insights"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["members.id"],
            name=op.f("fk_search_documents_owner_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("kind", "ref_id", name="uq_search_documents_kind_ref"),
    )
    op.create_index("ix_search_documents_owner", "search_documents", ["owner_id"])
    op.create_index("ix_search_documents_insight", "search_documents", ["insight_id"])
    op.create_table(
        "search_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_terms")),
        sa.UniqueConstraint("term", name=op.f("uq_search_terms_term")),
    )
    op.create_table(
        "search_term_grams",
        sa.Column("gram", sa.String(length=12), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["search_terms.id"],
            name=op.f("fk_search_term_grams_term_id_search_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gram", "term_id", name=op.f("pk_search_term_grams")),
    )
    op.create_table(
        "search_vectors",
        sa.Column("doc_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_id"],
            ["search_documents.id"],
            name=op.f("fk_search_vectors_doc_id_search_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("doc_id", name=op.f("pk_search_vectors")),
    )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("mail", sa.Boolean(), nullable=False),
        sa.Column("last_doc_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sharewell.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sharewell.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_saved_searches_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint("public_id", name=op.f("uq_saved_searches_public_id")),
    )
    op.create_index("ix_saved_searches_member", "saved_searches", ["member_id", "id"])
    op.create_table(
        "search_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("saved_search_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("created_at", sharewell.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", sharewell.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_search_alerts_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_search_id"],
            ["saved_searches.id"],
            name=op.f("fk_search_alerts_saved_search_id_saved_searches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_alerts")),
        sa.UniqueConstraint("saved_search_id", "doc_id", name="uq_search_alerts_search_doc"),
    )
    op.create_index("ix_search_alerts_member", "search_alerts", ["member_id", "id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            """
            ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') ||
                setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'B') ||
                setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C') ||
                setweight(to_tsvector('english'::regconfig, coalesce(facets, '')), 'D')
            ) STORED
            """
        )
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")
        op.execute(
            "CREATE INDEX ix_search_terms_trgm ON search_terms USING gin (term gin_trgm_ops)"
        )
    else:
        op.execute(
            f"CREATE VIRTUAL TABLE search_fts USING fts5({FTS_COLUMNS}, "
            "content='search_documents', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        new = "new.id, new.name, new.title, new.body, new.facets"
        old = "'delete', old.id, old.name, old.title, old.body, old.facets"
        op.execute(
            "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
            f"INSERT INTO search_fts(rowid, {FTS_COLUMNS}) VALUES ({new}); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
            f"INSERT INTO search_fts(search_fts, rowid, {FTS_COLUMNS}) VALUES ({old}); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
            f"INSERT INTO search_fts(search_fts, rowid, {FTS_COLUMNS}) VALUES ({old}); "
            f"INSERT INTO search_fts(rowid, {FTS_COLUMNS}) VALUES ({new}); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_terms_trgm")
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
    else:
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_alerts_member", table_name="search_alerts")
    op.drop_table("search_alerts")
    op.drop_index("ix_saved_searches_member", table_name="saved_searches")
    op.drop_table("saved_searches")
    op.drop_table("search_vectors")
    op.drop_table("search_term_grams")
    op.drop_table("search_terms")
    op.drop_index("ix_search_documents_insight", table_name="search_documents")
    op.drop_index("ix_search_documents_owner", table_name="search_documents")
    op.drop_table("search_documents")
