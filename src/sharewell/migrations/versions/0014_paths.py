"""paths: sharing flags on filter term rows, so matching a filter never reads ``contacts``

Revision ID: 0014_paths
Revises: 0009_privacy

``network_contact_terms.flags`` says what a term row may count for (see
``sharewell.network.terms.FLAG_*``): counted entry, card, and which fields the card shows. It is
derived from the contact's visibility, opted-out flag and card fields by database triggers, in
the same transaction as any write to ``contacts`` or to the term rows, whoever writes (ORM
hook, the importer's bulk statements, sharing's bulk ``UPDATE``s, the demo's ``COPY``). A
covering index ``(term_id, holder_id, contact_id, flags)`` makes the match index-only.
"""

# The DDL below is assembled from constant column and field names only (no input): S608 does
# not apply.
# ruff: noqa: S608

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_paths"
down_revision: str | Sequence[str] | None = "0009_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def flags_sql(row: str) -> str:
    """The flags of a contact row as SQL (same text on SQLite and PostgreSQL); kept in step with
    ``sharewell.network.terms.contact_flags`` (a test compares the two)."""

    def shows(field: str, bit: int) -> str:
        return f"(CASE WHEN CAST({row}.card_fields AS TEXT) LIKE '%\"{field}\"%' THEN {bit} ELSE 0 END)"

    return (
        f"(CASE WHEN {row}.opted_out THEN 0"
        f" WHEN {row}.visibility = 'counted' THEN 1"
        f" WHEN {row}.visibility = 'blind' THEN 2 + {shows('title', 4)} + {shows('company', 8)}"
        f" + {shows('city', 16)} + {shows('skills', 32)}"
        f" WHEN {row}.visibility = 'open' THEN 14 + {shows('city', 16)} + {shows('skills', 32)}"
        " ELSE 0 END)"
    )


SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER trg_contacts_term_flags AFTER UPDATE OF visibility, opted_out, card_fields
    ON contacts BEGIN
      UPDATE network_contact_terms SET flags = {flags_sql("NEW")} WHERE contact_id = NEW.id;
    END""",
    f"""CREATE TRIGGER trg_contact_terms_flags AFTER INSERT ON network_contact_terms BEGIN
      UPDATE network_contact_terms SET flags = coalesce((
        SELECT {flags_sql("c")} FROM contacts c WHERE c.id = NEW.contact_id
      ), 0) WHERE rowid = NEW.rowid;
    END""",
]

PG_TRIGGERS = [
    f"""CREATE FUNCTION sharewell_contacts_term_flags() RETURNS trigger AS $$
    BEGIN
      UPDATE network_contact_terms SET flags = {flags_sql("NEW")} WHERE contact_id = NEW.id;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER trg_contacts_term_flags
    AFTER UPDATE OF visibility, opted_out, card_fields ON contacts
    FOR EACH ROW EXECUTE FUNCTION sharewell_contacts_term_flags()""",
    f"""CREATE FUNCTION sharewell_contact_terms_flags() RETURNS trigger AS $$
    BEGIN
      SELECT {flags_sql("c")} INTO NEW.flags FROM contacts c WHERE c.id = NEW.contact_id;
      NEW.flags := coalesce(NEW.flags, 0);
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER trg_contact_terms_flags BEFORE INSERT ON network_contact_terms
    FOR EACH ROW EXECUTE FUNCTION sharewell_contact_terms_flags()""",
]


def upgrade() -> None:
    with op.batch_alter_table("network_contact_terms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("flags", sa.SmallInteger(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE network_contact_terms SET flags = coalesce(("
        f"SELECT {flags_sql('c')} FROM contacts c"
        " WHERE c.id = network_contact_terms.contact_id), 0)"
    )
    op.create_index(
        "ix_network_contact_terms_match",
        "network_contact_terms",
        ["term_id", "holder_id", "contact_id", "flags"],
    )
    dialect = op.get_bind().dialect.name
    for ddl in PG_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_contact_terms_flags ON network_contact_terms")
        op.execute("DROP TRIGGER IF EXISTS trg_contacts_term_flags ON contacts")
        op.execute("DROP FUNCTION IF EXISTS sharewell_contact_terms_flags()")
        op.execute("DROP FUNCTION IF EXISTS sharewell_contacts_term_flags()")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_contact_terms_flags")
        op.execute("DROP TRIGGER IF EXISTS trg_contacts_term_flags")
    op.drop_index("ix_network_contact_terms_match", table_name="network_contact_terms")
    with op.batch_alter_table("network_contact_terms", schema=None) as batch_op:
        batch_op.drop_column("flags")
