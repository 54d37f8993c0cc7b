"""The migrations and the models describe the same schema, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

import sharewell.all_models  # noqa: F401
from sharewell.db import Base
from sharewell.migrations import COMPARE_OPTIONS, current_heads


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts=dict(COMPARE_OPTIONS)), Base.metadata
        )
    assert diff == [], f"models differ from migrations; add a migration: {diff}"


def test_database_is_at_the_code_heads(engine: Engine) -> None:
    applied, heads = current_heads(engine)
    assert applied == heads
