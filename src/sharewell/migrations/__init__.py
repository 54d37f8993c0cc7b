"""Alembic migrations, run programmatically (``sharewell db upgrade``) so no ``alembic.ini`` is
needed beside the installed package."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from sharewell.search.backends import PARTS

HERE = Path(__file__).resolve().parent

# Backend-specific full-text DDL that the models do not describe (migrations 0010_search and
# 0023_searchparts): SQLite's FTS5 tables and their shadow tables, PostgreSQL's generated
# tsvector column and the GIN indexes. Autogenerate must neither drop nor compare them.
UNMODELLED_TABLE_PREFIX = "search_fts"
UNMODELLED_COLUMNS = frozenset({("search_documents", "tsv")})
UNMODELLED_INDEXES = frozenset(
    {"ix_search_terms_trgm"} | {f"ix_search_documents_tsv_{part}" for part in PARTS}
)


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Reflection filter for autogenerate (before anything is reflected)."""
    if type_ == "table" and name and name.startswith(UNMODELLED_TABLE_PREFIX):
        return False
    if type_ == "column" and (parent_names.get("table_name"), name) in UNMODELLED_COLUMNS:
        return False
    return not (type_ == "index" and name in UNMODELLED_INDEXES)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table" and name and name.startswith(UNMODELLED_TABLE_PREFIX):
        return False
    if type_ == "column" and (getattr(obj.table, "name", None), name) in UNMODELLED_COLUMNS:
        return False
    return not (type_ == "index" and name in UNMODELLED_INDEXES)


COMPARE_OPTIONS: dict[str, Any] = {"include_name": include_name, "include_object": include_object}


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def current_heads(engine: Engine) -> tuple[set[str], set[str]]:
    """(revisions applied to the database, revisions the code has)."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        applied = set(MigrationContext.configure(conn).get_current_heads())
    return applied, set(script.get_heads())


def revision(engine: Engine, message: str, autogenerate: bool = True) -> None:
    command.revision(alembic_config(engine), message=message, autogenerate=autogenerate)
