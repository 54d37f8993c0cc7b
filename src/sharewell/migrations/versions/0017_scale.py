"""scale: rate-limit counters shared by every worker through the database (PostgreSQL without
Redis); see ``sharewell.ratelimit.DatabaseLimiter``.

Revision ID: 0017_scale
Revises: 0009_privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_scale"
down_revision: str | Sequence[str] | None = "0014_paths"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nothing to backfill: counts are per time window and start empty.
    op.create_table(
        "rate_limit_counters",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rate_limit_counters")),
    )
    op.create_index(
        op.f("ix_rate_limit_counters_expires_at"), "rate_limit_counters", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_counters_expires_at"), table_name="rate_limit_counters")
    op.drop_table("rate_limit_counters")
