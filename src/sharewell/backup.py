"""Backup and restore of the whole database (docs/operations.md, "Backup and restore").

* SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
  while the server keeps running; restore writes the backup into the configured file through
  the same API, under SQLite's locks, so the file is never half-replaced.
* PostgreSQL: ``pg_dump -Fc`` and ``pg_restore --clean --if-exists --single-transaction``.
  The password goes to the tools in ``PGPASSWORD``, never on the command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from sharewell.db import make_engine
from sharewell.errors import Conflict, InvalidInput

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(InvalidInput):
    """A tool is missing or failed; the message says what to do."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Back up a file database, not an in-memory one.")
    return Path(database)


def default_name(url: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if url.startswith("sqlite") else "dump"
    return f"sharewell-{stamp}.{suffix}"


def _pg_env_and_args(url: str) -> tuple[dict[str, str], list[str]]:
    u = make_url(url)
    env = {**os.environ}
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    args = []
    if u.host:
        args += ["-h", u.host]
    if u.port:
        args += ["-p", str(u.port)]
    if u.username:
        args += ["-U", u.username]
    return env, args


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"'{name}' is not installed: install the PostgreSQL client tools of your server's "
            "version (Debian/Ubuntu: apt-get install postgresql-client)."
        )
    return found


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-800:]}")


def backup(url: str, out: Path) -> Path:
    """Write a consistent backup of the database at ``url`` to ``out`` (not overwritten)."""
    if out.exists():
        raise Conflict(f"{out} exists already; choose another file name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        if url.startswith("sqlite"):
            source = sqlite3.connect(_sqlite_path(url))
            target = sqlite3.connect(partial)
            try:
                source.backup(target, pages=1024)  # other writers go on between steps
                ok = target.execute("PRAGMA integrity_check").fetchone()[0]
                if ok != "ok":
                    raise BackupError(f"the copy failed its integrity check: {ok}")
            finally:
                target.close()
                source.close()
        else:
            env, args = _pg_env_and_args(url)
            database = make_url(url).database or ""
            _run(
                [
                    _tool("pg_dump"),
                    "-Fc",
                    "--no-owner",
                    "--no-privileges",
                    *args,
                    "-d",
                    database,
                    "-f",
                    str(partial),
                ],
                env,
            )
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def holds_data(url: str) -> bool:
    """Whether the database has any member (a database with the schema but no one in it is
    empty enough to restore into without --yes)."""
    if url.startswith("sqlite") and not _sqlite_path(url).exists():
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("members"):
                return False
            return bool(conn.execute(text("SELECT 1 FROM members LIMIT 1")).first())
    finally:
        engine.dispose()


def restore(url: str, file: Path, *, overwrite: bool = False) -> None:
    """Replace the database at ``url`` with the backup in ``file``. Refuses to overwrite a
    database that holds members unless ``overwrite``. Stop the server first."""
    if not file.is_file():
        raise BackupError(f"{file} is not a file.")
    head = file.open("rb").read(16)
    sqlite_url = url.startswith("sqlite")
    if sqlite_url and head != SQLITE_MAGIC:
        raise BackupError(
            f"{file} is not a SQLite backup (a PostgreSQL dump cannot be restored into SQLite)."
        )
    if not sqlite_url and not head.startswith(PGDUMP_MAGIC):
        raise BackupError(f"{file} is not a pg_dump custom-format backup.")
    if holds_data(url) and not overwrite:
        raise Conflict(
            "The configured database already holds members; restoring replaces everything in "
            "it. Run again with --yes if that is what you want."
        )
    if sqlite_url:
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            ok = source.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise BackupError(f"{file} failed its integrity check: {ok}")
            path = _sqlite_path(url)
            path.parent.mkdir(parents=True, exist_ok=True)
            target = sqlite3.connect(path, timeout=30)
            try:
                source.backup(target)  # one locked, atomic replacement of every page
                target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                target.close()
        finally:
            source.close()
        return
    env, args = _pg_env_and_args(url)
    database = make_url(url).database or ""
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            "-d",
            database,
            str(file),
        ],
        env,
    )
