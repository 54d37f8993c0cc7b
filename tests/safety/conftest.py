"""The safety harness's app: the real application on the ``backend`` database, with the world
built once per test and every request in a session of its own (savepoints inside one outer
transaction), so a walk can run each row inside a savepoint and roll its writes back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import Signer
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.deps import get_db
from sharewell.members import service as members_service
from tests.functional.conftest import app, client, members  # noqa: F401 - shared fixtures
from tests.safety.world import World, build_world


@dataclass
class Harness:
    app: FastAPI
    client: TestClient
    world: World
    connection: Connection
    settings: Settings
    cookies: dict[str, str]  # role -> Cookie header ("" for nobody's CSRF cookie only)
    csrf: dict[str, str]  # role -> the signed CSRF token matching that cookie

    def headers(self, role: str, path: str) -> dict[str, str]:
        """What a browser (pages) or an API client (``/api/``) of ``role`` sends."""
        headers = {"x-csrf-token": self.csrf[role], "cookie": self.cookies[role]}
        if path.startswith("/api/") and role in self.world.tokens:
            headers["authorization"] = f"Bearer {self.world.tokens[role]}"
        return headers

    def request(self, role: str, method: str, path: str, body: bool = True) -> object:
        self.client.cookies.clear()  # each request carries exactly its role's cookies
        kwargs: dict[str, object] = {"headers": self.headers(role, path)}
        if body and method in ("POST", "PUT", "PATCH"):
            if path.startswith("/api/"):
                kwargs["json"] = {}
            else:
                kwargs["data"] = {"csrf_token": self.csrf[role]}
        return self.client.request(method, path, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def harness(engine: Engine, settings: Settings) -> Iterator[Harness]:
    settings = settings.model_copy(update={"rate_limits": False})
    connection = engine.connect()
    outer = connection.begin()

    def session() -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint",
                       expire_on_commit=False)  # fmt: skip

    application = create_app(settings, engine=engine)

    def test_db() -> Iterator[Session]:
        db = session()
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    application.dependency_overrides[get_db] = test_db
    # Work the app does in sessions of its own (error pages, jobs run from admin pages) joins
    # the same outer transaction, so it sees the world and is rolled back with it.
    application.state.session_factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    db = session()
    world = build_world(db, settings)
    csrf_signer = Signer(settings.secret_key, salt="csrf")
    session_signer = Signer(settings.secret_key, salt="session")
    cookies, csrf = {}, {}
    for role, who in (("anon", None), ("other", world.other), ("owner", world.owner),
                      ("admin", world.admin)):  # fmt: skip
        value = f"csrf-cookie-of-{role}"
        csrf[role] = csrf_signer.sign(value).decode()
        cookies[role] = f"sw_csrf={value}"
        if who is not None:
            _, secret = members_service.start_web_session(db, who, user_agent="t", days=1)
            cookies[role] += f"; sw_session={session_signer.sign(secret).decode()}"
    db.commit()
    db.close()
    with TestClient(application, raise_server_exceptions=False) as browser:
        yield Harness(application, browser, world, connection, settings, cookies, csrf)
    outer.rollback()
    connection.close()
