"""standing: seeds, recompute runs, current scores (overall, per topic, by kind), history

Revision ID: 0007_standing
Revises: 0006_network
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sharewell.db

revision: str = "0007_standing"
down_revision: str | Sequence[str] | None = "0006_network"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "standing_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sharewell.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sharewell.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("impacts", sa.Integer(), nullable=False),
        sa.Column("seeds", sa.Integer(), nullable=False),
        sa.Column("default_seeds", sa.Boolean(), nullable=False),
        sa.Column("topics", sa.Integer(), nullable=False),
        sa.Column("half_life_days", sa.Float(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_runs")),
    )
    with op.batch_alter_table("standing_runs", schema=None) as batch_op:
        batch_op.create_index("ix_standing_runs_started", ["started_at"], unique=False)

    op.create_table(
        "standing_explanations",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("regarded", sa.Integer(), nullable=False),
        sa.Column("fraction", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_standing_explanations_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "kind", name=op.f("pk_standing_explanations")),
    )
    op.create_table(
        "standing_history",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("percentile", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_standing_history_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "day", name=op.f("pk_standing_history")),
    )
    with op.batch_alter_table("standing_history", schema=None) as batch_op:
        batch_op.create_index("ix_standing_history_day", ["day"], unique=False)

    op.create_table(
        "standing_scores",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("percentile", sa.Float(), nullable=False),
        sa.Column("seed_share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_standing_scores_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["standing_runs.id"],
            name=op.f("fk_standing_scores_run_id_standing_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_standing_scores")),
    )
    with op.batch_alter_table("standing_scores", schema=None) as batch_op:
        batch_op.create_index("ix_standing_scores_rank", ["rank", "member_id"], unique=False)
        batch_op.create_index("ix_standing_scores_run", ["run_id"], unique=False)

    op.create_table(
        "standing_seeds",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sharewell.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["members.id"],
            name=op.f("fk_standing_seeds_added_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_standing_seeds_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_standing_seeds")),
    )
    op.create_table(
        "standing_topic_scores",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("go_to", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_standing_topic_scores_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_standing_topic_scores_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("topic_id", "member_id", name=op.f("pk_standing_topic_scores")),
    )
    with op.batch_alter_table("standing_topic_scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_standing_topic_scores_member", ["member_id", "go_to"], unique=False
        )
        batch_op.create_index(
            "ix_standing_topic_scores_rank", ["topic_id", "rank", "member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("standing_topic_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_standing_topic_scores_rank")
        batch_op.drop_index("ix_standing_topic_scores_member")

    op.drop_table("standing_topic_scores")
    op.drop_table("standing_seeds")
    with op.batch_alter_table("standing_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_standing_scores_run")
        batch_op.drop_index("ix_standing_scores_rank")

    op.drop_table("standing_scores")
    with op.batch_alter_table("standing_history", schema=None) as batch_op:
        batch_op.drop_index("ix_standing_history_day")

    op.drop_table("standing_history")
    op.drop_table("standing_explanations")
    with op.batch_alter_table("standing_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_standing_runs_started")

    op.drop_table("standing_runs")
