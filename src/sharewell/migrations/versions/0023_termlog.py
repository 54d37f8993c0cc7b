"""paths: a change log of the holders whose shared filter terms changed

Revision ID: 0023_termlog
Revises: 0022_semantic

Every process keeps an in-memory inverted index of the shared entries' filter terms
(``sharewell.network.termindex``). It learns of changes through ``network_term_changes``: one
row per holder, carrying the sequence number of the last change to any of that holder's
shared term rows (an insert, a delete, or a change of ``flags`` — visibility, opt-out, card
fields, erasure by cascade). Database triggers write it, in the same transaction as the change
and whoever writes, like the flags themselves (``0014_paths``).

Sequence numbers come from ``graph_counter`` row 2, incremented (and so row-locked until
commit) by the trigger: they are handed out in commit order, so a process that has applied
everything up to ``seq`` never misses a later commit. The log never needs pruning (a row per
holder at most). On PostgreSQL the triggers are per statement (one counter bump and one upsert
of the distinct holders for a bulk write); SQLite has only row triggers.
"""

# The DDL below is assembled from constant table, column and trigger names only (no input):
# S608 does not apply.
# ruff: noqa: S608

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_termlog"
down_revision: str | Sequence[str] | None = "0022_semantic"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TERM_COUNTER = 2  # graph_counter row of the term log (row 1 is the graph's)


def _sqlite_trigger(name: str, event: str, row: str, when: str) -> str:
    return f"""CREATE TRIGGER {name} AFTER {event} ON network_contact_terms WHEN {when} BEGIN
      UPDATE graph_counter SET seq = seq + 1 WHERE id = {TERM_COUNTER};
      INSERT INTO network_term_changes (holder_id, seq)
        VALUES ({row}.holder_id, (SELECT seq FROM graph_counter WHERE id = {TERM_COUNTER}))
        ON CONFLICT (holder_id) DO UPDATE SET seq = excluded.seq;
    END"""


SQLITE_TRIGGERS = [
    _sqlite_trigger("trg_term_log_insert", "INSERT", "NEW", "NEW.flags > 0"),
    _sqlite_trigger("trg_term_log_update", "UPDATE OF flags", "NEW", "OLD.flags <> NEW.flags"),
    _sqlite_trigger("trg_term_log_delete", "DELETE", "OLD", "OLD.flags > 0"),
]

PG_FUNCTION = f"""CREATE FUNCTION sharewell_term_log() RETURNS trigger AS $$
    DECLARE s bigint;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM changed_rows) THEN
        RETURN NULL;
      END IF;
      UPDATE graph_counter SET seq = seq + 1 WHERE id = {TERM_COUNTER} RETURNING seq INTO s;
      INSERT INTO network_term_changes (holder_id, seq)
        SELECT DISTINCT holder_id, s FROM changed_rows
        ON CONFLICT (holder_id) DO UPDATE SET seq = excluded.seq;
      RETURN NULL;
    END $$ LANGUAGE plpgsql"""

PG_TRIGGERS = [
    f"""CREATE TRIGGER trg_term_log_{event.lower()} AFTER {event} ON network_contact_terms
    REFERENCING {table} TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sharewell_term_log()"""
    for event, table in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
]


def upgrade() -> None:
    op.create_table(
        "network_term_changes",
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("holder_id", name=op.f("pk_network_term_changes")),
    )
    op.create_index("ix_network_term_changes_seq", "network_term_changes", ["seq"])
    counter = sa.table(
        "graph_counter", sa.column("id", sa.Integer), sa.column("seq", sa.BigInteger)
    )
    op.bulk_insert(counter, [{"id": TERM_COUNTER, "seq": 0}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for ddl in PG_TRIGGERS:
            op.execute(ddl)
    else:
        for ddl in SQLITE_TRIGGERS:
            op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_term_log_{event} ON network_contact_terms")
        op.execute("DROP FUNCTION IF EXISTS sharewell_term_log()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_term_log_{event}")
    op.execute(f"DELETE FROM graph_counter WHERE id = {TERM_COUNTER}")
    op.drop_index("ix_network_term_changes_seq", table_name="network_term_changes")
    op.drop_table("network_term_changes")
