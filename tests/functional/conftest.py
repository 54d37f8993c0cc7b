"""HTTP through the real app: routing, middleware, error mapping, templates, dependencies.
Only the session dependency is swapped, for one bound to the test's rolled-back transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.deps import get_db


@pytest.fixture
def app(engine: Engine, db: Session, settings: Settings) -> FastAPI:
    application = create_app(settings, engine=engine)

    def test_db() -> Iterator[Session]:
        try:
            yield db
            db.commit()  # releases the test's savepoint: same semantics as a real request
        except BaseException:
            db.rollback()
            raise

    application.dependency_overrides[get_db] = test_db
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def members(db: Session) -> Members:
    return Members(db)
