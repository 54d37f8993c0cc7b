"""Bulk inserts through the driver's fast paths, inside the caller's transaction.

Used by the demo generator and the contact importer: both write tens of thousands of rows in
one transaction, where SQLAlchemy's per-row parameter processing costs more than the database.

PostgreSQL: ``COPY … FROM STDIN`` (psycopg's ``cursor.copy``), streamed row by row. SQLite:
``executemany`` on the raw connection in batches. Values are converted with each column's own
SQLAlchemy bind processor (JSON, timezone-aware datetimes, booleans), so rows are stored exactly
as the ORM would store them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice, repeat
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Table, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

BATCH = 50_000

# Where the rows go: a session (its transaction's connection) or a connection.
Target = Session | Connection


def _connection(target: Target) -> Connection:
    return target.connection() if isinstance(target, Session) else target


def bulk_insert(
    session: Target,
    table: Any,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    batch: int = BATCH,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` (a model or a Table)."""
    tbl: Table = getattr(table, "__table__", table)
    dialect = _connection(session).dialect
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

    return _write(session, tbl, columns, (convert(r) for r in rows), batch=batch)


@dataclass(frozen=True)
class Same:
    """A column with one value on every row (converted once)."""

    value: object


@dataclass(frozen=True)
class Coded:
    """A column drawn from a few distinct ``values`` by integer ``codes``: each value is
    converted once (JSON encoded, dates formatted) and the column is gathered in numpy."""

    codes: npt.NDArray[np.int64]
    values: Sequence[object]


def bulk_insert_columns(
    session: Target,
    table: Any,
    n: int,
    data: Mapping[str, object],
    *,
    batch: int = BATCH,
    defaults: bool = False,
) -> int:
    """Insert ``n`` rows given column by column: a sequence (list or numpy array) of values,
    :class:`Same` or :class:`Coded`. Converting per column instead of per cell keeps a load of
    millions of rows out of the Python interpreter's slow path. ``defaults``: columns left out
    get their Python-side default (as an ORM insert would), evaluated once for all rows."""
    tbl: Table = getattr(table, "__table__", table)
    dialect = _connection(session).dialect
    if defaults:
        data = {**column_defaults(tbl, data), **data}
    columns = list(data)
    out: list[Iterable[object]] = []
    for name in columns:
        proc = tbl.c[name].type._cached_bind_processor(dialect)
        value = data[name]

        def conv(x: object, proc: Callable[[Any], Any] | None = proc) -> object:
            return proc(x) if proc is not None else x

        if isinstance(value, Same):
            out.append(repeat(conv(value.value), n))
        elif isinstance(value, Coded):
            table_of = np.empty(len(value.values), dtype=object)
            table_of[:] = [conv(x) for x in value.values]
            out.append(table_of[value.codes].tolist())
        else:
            seq: Any = value
            items = seq.tolist() if isinstance(seq, np.ndarray) else list(seq)
            out.append(items if proc is None else _convert(proc, items))
    # strict=False: Same columns are endless repeat()s, the other columns set the length.
    return _write(session, tbl, columns, zip(*out, strict=False), batch=batch)


def _convert(proc: Callable[[Any], Any], items: Iterable[object]) -> list[object]:
    """``proc`` applied to each item, once per distinct (hashable) value: columns repeat
    values (dates, flags, empty JSON lists as tuples), and a bind processor is a Python call."""
    memo: dict[object, object] = {}
    out: list[object] = []
    for x in items:
        try:
            y = memo[x]
        except KeyError:
            y = memo[x] = proc(x)
        except TypeError:  # unhashable (a list): converted as it is
            y = proc(x)
        out.append(y)
    return out


def column_defaults(tbl: Table, present: Collection[str]) -> dict[str, Same]:
    """The Python-side defaults (``default=""``, ``default=list``, ``default=utcnow``) of the
    columns of ``tbl`` not in ``present``, each evaluated once."""
    out: dict[str, Same] = {}
    for col in tbl.columns:
        default: Any = col.default
        if col.name in present or default is None or col.primary_key:
            continue
        if default.is_scalar:
            out[col.name] = Same(default.arg)
        elif default.is_callable:
            out[col.name] = Same(default.arg(None))  # SQLAlchemy wraps it to take a context
    return out


def _write(
    session: Target,
    tbl: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    batch: int,
) -> int:
    """Rows already in the driver's form: COPY on PostgreSQL, executemany on SQLite."""
    conn = _connection(session)
    raw: Any = conn.connection.driver_connection
    cols = ", ".join(columns)
    count = 0
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {tbl.name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    sql = f"INSERT INTO {tbl.name} ({cols}) VALUES ({', '.join('?' for _ in columns)})"  # noqa: S608 - names from our metadata
    cur = raw.cursor()
    it = iter(rows)
    while True:
        chunk = list(islice(it, batch))
        if not chunk:
            break
        cur.executemany(sql, chunk)
        count += len(chunk)
    cur.close()
    return count


def insert_dicts(session: Target, table: Any, rows: list[dict[str, object]]) -> int:
    """Bulk-insert dicts that all have the same keys."""
    if not rows:
        return 0
    columns = list(rows[0])
    return bulk_insert(session, table, columns, ([r[c] for c in columns] for r in rows))


# SQLite's default page cache is 2 MB: a bulk load into tables with several indexes then reads
# the same B-tree pages back from the OS over and over, and in one long transaction every page
# that leaves the cache is written to the WAL again. 2 GB (negative = KiB) for the load: the
# 100,000-member network's largest unique index (the filter terms' primary key, ~30M rows)
# then stays in memory. The cache grows only as pages are used.
SQLITE_BULK_CACHE_KIB = 2_097_152


@contextmanager
def bulk_load_settings(session: Session) -> Iterator[None]:
    """Session settings for a large load inside one transaction, restored afterwards."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        # PRAGMA takes no bind parameters; both values are integers of ours
        bulk_cache = f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}"
        conn.exec_driver_sql(bulk_cache)
        try:
            yield
        finally:
            restore = f"PRAGMA cache_size={int(before or -2000)}"
            conn.exec_driver_sql(restore)
        return
    # PostgreSQL: index rebuilds (see deferred_indexes) sort in maintenance_work_mem; LOCAL
    # ends with the transaction.
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    yield


@contextmanager
def deferred_indexes(session: Session, *tables: Any) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` for a bulk load and rebuild them afterwards:
    building an index once from sorted data is several times cheaper than updating it row by
    row. Only plain indexes are deferred: primary keys and UNIQUE constraints keep checking every
    row. The definitions come from the database itself, so indexes made by migrations (partial,
    expression) come back exactly as they were. DDL is transactional on both backends: an error
    rolls the drop back with the load."""
    conn = session.connection()
    names = [getattr(t, "__table__", t).name for t in tables]
    if conn.dialect.name == "sqlite":
        found: list[tuple[str, str]] = [
            (str(row[0]), str(row[1]))
            for name in names
            for row in conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                    "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
                ),
                {"t": name},
            )
        ]
    else:
        found = [
            (str(a), str(b))
            for a, b in conn.execute(
                text(
                    "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                    "JOIN pg_class c ON c.oid = x.indexrelid "
                    "JOIN pg_class t ON t.oid = x.indrelid "
                    "JOIN pg_namespace ns ON ns.oid = t.relnamespace "
                    "WHERE ns.nspname = current_schema() AND t.relname = ANY(:names) "
                    "AND NOT x.indisunique AND NOT x.indisprimary"
                ),
                {"names": names},
            )
        ]
    for name, _ in found:
        # DDL takes no bind parameters; the names come from the database's own catalogue
        conn.exec_driver_sql(f'DROP INDEX "{name}"')  # nosemgrep: sql-built-from-strings
    yield
    for _, ddl in found:
        if conn.dialect.name == "postgresql":
            # psycopg reads "%" as a placeholder: a partial index's LIKE pattern (the search
            # partitions, ``search.backends``) must reach the server as written
            ddl = ddl.replace("%", "%%")
        conn.exec_driver_sql(ddl)


@contextmanager
def triggers_paused(session: Session, table: Any) -> Iterator[None]:
    """Switch off the row triggers of ``table`` for a bulk load whose rows already carry what
    the triggers would derive (they run once per row: tens of millions of times at 100,000
    members). SQLite has no switch, so its triggers are dropped and recreated from their own
    definitions; PostgreSQL disables the table's user triggers. Both are transactional: an
    error rolls the pause back with the load."""
    conn = session.connection()
    name = getattr(table, "__table__", table).name
    if conn.dialect.name == "postgresql":
        # DDL takes no bind parameters; the name comes from our own metadata
        switch = f'ALTER TABLE "{name}" {{}} TRIGGER USER'
        conn.exec_driver_sql(switch.format("DISABLE"))  # nosemgrep: sql-built-from-strings
        yield
        conn.exec_driver_sql(switch.format("ENABLE"))  # nosemgrep: sql-built-from-strings
        return
    triggers = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": name},
    ).all()
    for trigger, _ in triggers:
        # DDL takes no bind parameters; the names come from the database's own catalogue
        conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"')  # nosemgrep: sql-built-from-strings
    yield
    for _, ddl in triggers:
        conn.exec_driver_sql(ddl)
