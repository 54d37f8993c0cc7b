"""An error page for a signed-in member is the error, not a server error: by the time it is
rendered the request's session has been rolled back and closed (production's get_db), and the
page still shows the member's own navigation."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.db import make_engine, session_scope
from sharewell.migrations import upgrade
from tests.conftest import fresh_database_url
from tests.factories import Members, web_sign_in


def test_a_signed_in_member_gets_a_404_page_with_their_navigation(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, "errorpages"))
    upgrade(engine)
    app = create_app(settings, engine=engine)  # the real session per request, no override
    with session_scope(app.state.session_factory) as db:
        email = Members(db).create("Nora Navigator").email
    with TestClient(app, raise_server_exceptions=False) as client:
        web_sign_in(client, email)
        for path in ("/insights/no-such-insight", "/contacts/no-such-contact", "/intros/nope"):
            page = client.get(path)
            assert page.status_code == 404, (path, page.status_code)
            assert "Nora Navigator" in page.text or "Sign out" in page.text, path
    engine.dispose()
