"""Bulk inserts through the driver's fast paths, inside the caller's transaction.

PostgreSQL: ``COPY … FROM STDIN`` (psycopg's ``cursor.copy``), streamed row by row. SQLite:
``executemany`` on the raw connection in batches. Values are converted with each column's own
SQLAlchemy bind processor (JSON, timezone-aware datetimes, booleans), so rows are stored exactly
as the ORM would store them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

BATCH = 50_000


def bulk_insert(
    session: Session,
    table: Any,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    batch: int = BATCH,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` (a model or a Table)."""
    tbl: Table = getattr(table, "__table__", table)
    conn = session.connection()
    dialect = conn.dialect
    procs: list[Callable[[Any], Any] | None] = [
        tbl.c[c].type._cached_bind_processor(dialect) for c in columns
    ]
    active = [(i, p) for i, p in enumerate(procs) if p is not None]

    def convert(row: Sequence[object]) -> Sequence[object]:
        if not active:
            return row
        out = list(row)
        for i, p in active:
            out[i] = p(out[i])
        return out

    raw: Any = conn.connection.driver_connection
    cols = ", ".join(columns)
    count = 0
    if dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {tbl.name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(convert(row))
                count += 1
        return count
    sql = f"INSERT INTO {tbl.name} ({cols}) VALUES ({', '.join('?' for _ in columns)})"  # noqa: S608 - names from our metadata
    cur = raw.cursor()
    it = iter(rows)
    while True:
        chunk = [convert(r) for r in islice(it, batch)]
        if not chunk:
            break
        cur.executemany(sql, chunk)
        count += len(chunk)
    cur.close()
    return count


def insert_dicts(session: Session, table: Any, rows: list[dict[str, object]]) -> int:
    """Bulk-insert dicts that all have the same keys."""
    if not rows:
        return 0
    columns = list(rows[0])
    return bulk_insert(session, table, columns, ([r[c] for c in columns] for r in rows))
