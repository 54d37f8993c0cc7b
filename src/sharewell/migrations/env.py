"""Alembic environment: the engine comes from ``config.attributes`` (see ``__init__.py``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import sharewell.all_models  # noqa: F401 - registers every table on Base.metadata
from sharewell.db import Base
from sharewell.migrations import COMPARE_OPTIONS

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        **COMPARE_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
