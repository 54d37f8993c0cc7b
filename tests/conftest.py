"""Shared fixtures: every database test runs on SQLite and, when SHAREWELL_TEST_POSTGRES_URL is
set, on PostgreSQL too. The schema is built once per backend with the migrations (not
create_all); each test runs inside a transaction that is rolled back."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.db import make_engine

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

POSTGRES_ENV = "SHAREWELL_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get(POSTGRES_ENV):
        return f"database backends: sqlite, postgresql ({POSTGRES_ENV} is set)"
    return f"database backends: sqlite only — PostgreSQL leg SKIPPED ({POSTGRES_ENV} not set)"


def _worker() -> str:
    """Unique per test process, so parallel runs (xdist workers, other checkouts) never share
    or drop each other's PostgreSQL databases."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


def postgres_database(name: str) -> str:
    """Create (or re-create) a PostgreSQL database of this run's own and return its URL."""
    base = make_url(os.environ[POSTGRES_ENV])
    admin = make_engine(base.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    base = make_url(os.environ[POSTGRES_ENV])
    admin = make_engine(base.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_database_url(backend: str, tmp_path: Path, name: str) -> str:
    """A database of its own (for tests that span processes or need committed data)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    return postgres_database(f"sw_{name}_{_worker()}")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"PostgreSQL leg skipped: set {POSTGRES_ENV} to run it")
    return str(request.param)


@pytest.fixture(scope="session")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from sharewell.migrations import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        url = postgres_database(f"sharewell_test_{_worker()}")
    eng = make_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()
    if backend == "postgresql":
        drop_postgres_database(f"sharewell_test_{_worker()}")


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction rolled back at the end."""
    if engine.dialect.name == "postgresql":
        # PostgreSQL rate-limit counters are committed in their own transaction (so they hold
        # across workers): without this, one test's sign-ins would count against the next's.
        with engine.begin() as counters:
            counters.execute(text("DELETE FROM rate_limit_counters"))
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(env="test", data_dir=tmp_path, secret_key="test-secret-key-" + "x" * 32)


@pytest.fixture(autouse=True)
def _semantic_state() -> Iterator[None]:
    """Semantic matching is switched on per process (``create_app`` calls
    ``search.semantic.configure``): restore it after each test, so one test's app or
    ``configure`` call does not decide whether the next test's writes are encoded."""
    from sharewell.search import semantic

    saved = dict(semantic._state)
    yield
    semantic._state.update(saved)
