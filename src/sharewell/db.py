"""Engine and session: SQLite (embedded default) or PostgreSQL.

SQLite gets WAL, foreign keys and a busy timeout on every connection. pysqlite's own implicit
transaction handling is switched off and SQLAlchemy emits ``BEGIN IMMEDIATE`` itself, which
makes SAVEPOINTs (used by the tests and by nested service calls) behave as on PostgreSQL. Why
IMMEDIATE: most requests write something (an audit row, a session's last-seen time), and a
deferred transaction that reads first and writes later fails at once with "database is locked"
when another connection wrote in between (the busy timeout cannot help a snapshot upgrade).
Taking the write lock at BEGIN makes concurrent requests wait their turn instead.

Reads need not wait: a GET or HEAD request's session runs on :func:`read_first` (the engine
with ``sharewell_read_first``), whose transaction starts DEFERRED, so any number of page views
read in parallel (WAL readers never block). Most such requests only read; the few that write
(a sign-in's sliding expiry, a display audit row) are upgraded at their first write statement:
the read part is committed and ``BEGIN IMMEDIATE`` takes the write lock, so the write never
meets a stale snapshot. The reads before that point then saw committed data, as under
PostgreSQL's READ COMMITTED, which is what the same code gets in production. Other methods
keep IMMEDIATE from the start: embedded mode serialises writing requests, and PostgreSQL is
the choice for many concurrent writers.
One transaction per request or command: :func:`session_scope` commits on success and rolls
back on error; services never commit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    Integer,
    MetaData,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from sharewell.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SQLITE_LIST_MAX = 10_000  # ids sent to SQLite as placeholders; more go as one JSON array


def ids_in(session: Session, column: Any, ids: Collection[int]) -> ColumnElement[bool]:
    """``column IN ids`` for a long, varying list of ids: on PostgreSQL one array parameter
    (``= ANY(:ids)``), so the statement's text is the same whatever the list's length and both
    SQLAlchemy and psycopg reuse their compiled and parsed forms (an expanded ``IN`` with
    hundreds of placeholders is rendered, split and sent anew on every call); on SQLite an
    ``IN`` list, or past :data:`SQLITE_LIST_MAX` ids one JSON parameter read by ``json_each``
    (SQLite refuses a statement with more than 250,000 parameters: a broad search at 100,000
    members re-checks that many contacts)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))  # type: ignore[no-any-return]
    if len(ids) > SQLITE_LIST_MAX:
        listed = func.json_each(bindparam(None, json.dumps([int(i) for i in ids]))).table_valued(
            "value"
        )
        return column.in_(select(listed.c.value))  # type: ignore[no-any-return]
    return column.in_(list(ids))  # type: ignore[no-any-return]


def ids_param(dialect: str | None, column: Any, name: str) -> ColumnElement[bool]:
    """:func:`ids_in` with the ids left to a required bind parameter ``name`` (a list given at
    execution), for a statement built once and run many times; ``dialect`` by name, since such
    a statement is built without a session (``None``: the portable ``IN`` list)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer), required=True))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True, required=True))  # type: ignore[no-any-return]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy's API


SQLITE_MMAP_MB: int = Settings.model_fields["sqlite_mmap_mb"].default  # one default, in config


def _configure_sqlite(engine: Engine, mmap_mb: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see module doc)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Pages read through a memory map rather than a read() into the connection's small
        # page cache: a search at 100,000 members touches thousands of pages, and this cut
        # its CPU time by a quarter (bench/results/search.md).
        mmap_bytes = int(mmap_mb) * 2**20  # an int: nothing else goes into the statement
        cursor.execute(f"PRAGMA mmap_size={mmap_bytes}")  # nosemgrep: sql-built-from-strings
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_FIRST):
            conn.exec_driver_sql("BEGIN")
            conn.info[_DEFERRED] = True  # after BEGIN, which itself is no write
        else:
            conn.info[_DEFERRED] = False
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _upgrade_on_write(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if conn.info.get(_DEFERRED) and not _reads_only(statement):
            # First write (or SAVEPOINT, which precedes one) of a read-first transaction:
            # end the read snapshot and take the write lock (see module doc).
            conn.info[_DEFERRED] = False
            cursor.execute("COMMIT")
            cursor.execute("BEGIN IMMEDIATE")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Any) -> None:
        conn.info[_DEFERRED] = False


READ_FIRST = "sharewell_read_first"
_DEFERRED = "sharewell_deferred"
_WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _reads_only(statement: str) -> bool:
    """SELECTs (and CTE SELECTs without a DML verb) and PRAGMA reads; anything else writes."""
    head = statement.lstrip()[:6].upper()
    if head == "SELECT":
        return True
    if head.startswith("WITH"):
        return _WRITE_WORDS.search(statement) is None
    return head == "PRAGMA" and "=" not in statement


def read_first(engine: Engine) -> Engine:
    """The engine for requests that normally only read (GET, HEAD): on SQLite their
    transaction starts DEFERRED and upgrades at the first write; elsewhere nothing changes."""
    return engine.execution_options(**{READ_FIRST: True})


def make_engine(url: str, *, echo: bool = False, sqlite_mmap_mb: int = SQLITE_MMAP_MB) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _configure_sqlite(engine, sqlite_mmap_mb)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def engine_for(settings: Settings) -> Engine:
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(
        settings.effective_database_url,
        echo=settings.sql_echo,
        sqlite_mmap_mb=settings.sqlite_mmap_mb,
    )


# The largest id an id column holds (PostgreSQL INTEGER): ids from outside are checked
# against it, so an overflow is a clear 422 and never a driver error.
MAX_ROW_ID = 2**31 - 1


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    import sharewell.all_models  # noqa: F401 - every table and ORM hook registered before use

    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
