"""semantic: a search vector records when it was written

Revision ID: 0022_semantic
Revises: 0016_searchspeed

Each process keeps the vectors in a numpy matrix and reloads it when the table changes. The
change was told by (row count, highest document id), which stays the same when a profile,
insight or comment is edited (its vector is replaced under the same document id), so a
process kept finding an edited document by its old meaning. ``written_at`` (indexed, so its
maximum is one index probe) is part of that signature now. Existing rows keep NULL until
they are next written; ``sharewell search reindex --vectors`` writes them all.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sharewell.db

revision: str = "0022_semantic"
down_revision: str | Sequence[str] | None = "0016_searchspeed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "search_vectors",
        sa.Column("written_at", sharewell.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f("ix_search_vectors_written_at"), "search_vectors", ["written_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_search_vectors_written_at"), table_name="search_vectors")
    with op.batch_alter_table("search_vectors") as batch:
        batch.drop_column("written_at")
