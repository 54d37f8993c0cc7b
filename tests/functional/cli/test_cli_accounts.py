"""`sharewell mail`, `jobs`, `admin` and `oidc` on a database of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import drop_postgres_database, fresh_database_url
from tests.factories import PASSWORD
from typer.testing import CliRunner

from sharewell.accounts import service
from sharewell.cli.main import app
from sharewell.config import get_settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.members.schemas import SignUpIn

runner = CliRunner()


@pytest.fixture
def cli_env(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = fresh_database_url(backend, tmp_path, "cliacc")
    monkeypatch.setenv("SHAREWELL_DATABASE_URL", url)
    monkeypatch.setenv("SHAREWELL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SHAREWELL_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if backend == "postgresql":
        drop_postgres_database(url.rsplit("/", 1)[1])


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_outbox_jobs_registration_and_providers(cli_env: str) -> None:
    assert run("db", "upgrade")[0] == 0
    engine = make_engine(cli_env)
    with session_scope(make_session_factory(engine)) as session:
        service.register(
            session,
            get_settings(),
            SignUpIn(email="nia@example.org", password=PASSWORD, display_name="Nia"),
            None,
        )
    engine.dispose()
    code, out = run("mail", "outbox", "--to", "nia@example.org")
    assert code == 0 and "Confirm your address" in out and "/verify-email?token=swl_" in out
    assert run("mail", "outbox", "--status", "lost")[0] == 1
    code, out = run("mail", "send-test", "--to", "admin@example.org")
    assert code == 0 and "outbox" in out

    code, out = run("jobs", "run-once")
    assert code == 0 and "accounts.sweep: ok" in out and "mail.deliver: ok" in out
    code, out = run("jobs", "run-once")
    assert "skipped" in out  # not due again yet
    code, out = run("jobs", "run-once", "--job", "accounts.sweep", "--force")
    assert code == 0 and "accounts.sweep: ok" in out
    assert run("jobs", "run-once", "--job", "nope")[0] == 1
    code, out = run("jobs", "list")
    assert code == 0 and "mail.deliver" in out

    code, out = run("admin", "registration", "--mode", "domains", "--domains", "acme.example")
    assert code == 0 and "mode: domains" in out and "acme.example" in out
    assert run("admin", "registration", "--mode", "closed")[0] == 1
    code, out = run("admin", "invite")
    assert code == 0 and "/signup?invite=swi_" in out

    code, out = run(
        "oidc",
        "add",
        "--slug",
        "corp",
        "--name",
        "Corp",
        "--issuer",
        "https://id.corp.example",
        "--client-id",
        "abc",
        "--client-secret",
        "xyz",
    )
    assert code == 0 and "/auth/oidc/corp/callback" in out
    assert "corp" in run("oidc", "list")[1]
    assert (
        run(
            "oidc",
            "add",
            "--slug",
            "bad",
            "--name",
            "B",
            "--issuer",
            "http://x.example",
            "--client-id",
            "a",
            "--client-secret",
            "b",
        )[0]
        == 1
    )
    assert run("oidc", "remove", "corp")[0] == 0
    assert run("oidc", "remove", "corp")[0] == 1
