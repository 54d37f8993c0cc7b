"""suspended: a partial index holding only suspended members

Revision ID: 0024_suspended
Revises: 0023_searchparts

``standing.queries.standing_of`` keeps the latest run's scores in memory and reads the
suspended members on every call (each search and path query): with this index that read
touches only them, not every member.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_suspended"
down_revision: str | Sequence[str] | None = "0023_searchparts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("suspended_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_members_suspended",
        "members",
        ["suspended_at"],
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_members_suspended", table_name="members")
