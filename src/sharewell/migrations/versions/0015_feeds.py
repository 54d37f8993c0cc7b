"""feeds: the topics' copy of an insight's useful count, for the "most useful" home feed

Revision ID: 0015_feeds
Revises: 0009_privacy

``insight_topics.useful_count`` mirrors ``insights.useful_count`` (every reaction writes both
in one transaction), with the index ``(topic_id, useful_count, insight_id)``: a followed
topic's most useful insights are then one backwards index walk, where before the feed walked
every insight by usefulness and probed its topics. Existing rows are backfilled from
``insights``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_feeds"
down_revision: str | Sequence[str] | None = "0017_scale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("insight_topics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("useful_count", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE insight_topics SET useful_count = (SELECT insights.useful_count FROM insights"
        " WHERE insights.id = insight_topics.insight_id)"
    )
    with op.batch_alter_table("insight_topics", schema=None) as batch_op:
        batch_op.create_index(
            "ix_insight_topics_useful", ["topic_id", "useful_count", "insight_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("insight_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_insight_topics_useful")
        batch_op.drop_column("useful_count")
