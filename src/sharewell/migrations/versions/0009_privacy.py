"""privacy: erasure requests, erased members, notices to non-members

Revision ID: 0009_privacy
Revises: 0010_search

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sharewell.db

revision: str = "0009_privacy"
down_revision: str | Sequence[str] | None = "0010_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("identifier", sa.String(length=300), nullable=False),
        sa.Column("reply_to", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sharewell.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sharewell.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sharewell.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_erasure_requests")),
    )
    op.create_index("ix_privacy_erasure_requests_key", "privacy_erasure_requests", ["key_hash"])
    op.create_index(
        "ix_privacy_erasure_requests_status", "privacy_erasure_requests", ["status", "created_at"]
    )
    op.create_table(
        "privacy_member_erasures",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.String(length=10), nullable=False),
        sa.Column("erased_at", sharewell.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_privacy_member_erasures_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_privacy_member_erasures")),
    )
    op.create_table(
        "privacy_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sharewell.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sharewell.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_privacy_notices_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["members.id"],
            name=op.f("fk_privacy_notices_holder_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notices")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_privacy_notices_contact_id")),
    )
    op.create_index(
        "ix_privacy_notices_holder", "privacy_notices", ["holder_id", "status", "sent_at"]
    )
    op.create_index("ix_privacy_notices_status", "privacy_notices", ["status", "id"])


def downgrade() -> None:
    op.drop_table("privacy_notices")
    op.drop_table("privacy_member_erasures")
    op.drop_index("ix_privacy_erasure_requests_status", "privacy_erasure_requests")
    op.drop_index("ix_privacy_erasure_requests_key", "privacy_erasure_requests")
    op.drop_table("privacy_erasure_requests")
