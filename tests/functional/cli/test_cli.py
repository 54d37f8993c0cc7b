"""The `sharewell` command on a database of its own (commands commit for real)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import drop_postgres_database, fresh_database_url
from typer.testing import CliRunner

from sharewell.cli.main import app
from sharewell.config import get_settings
from sharewell.db import make_engine
from sharewell.ledger import queries as ledger_queries
from sharewell.members.models import Member

runner = CliRunner()


@pytest.fixture
def cli_env(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = fresh_database_url(backend, tmp_path, "cli")
    monkeypatch.setenv("SHAREWELL_DATABASE_URL", url)
    monkeypatch.setenv("SHAREWELL_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if backend == "postgresql":
        drop_postgres_database(url.rsplit("/", 1)[1])


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_upgrade_create_admin_suspend(cli_env: str) -> None:
    assert run("db", "upgrade")[0] == 0
    code, out = run(
        "user",
        "create",
        "--email",
        "ada@example.org",
        "--name",
        "Ada L",
        "--password",
        "a long password",
        "--handle",
        "ada",
    )
    assert code == 0 and "@ada" in out
    code, out = run(
        "user",
        "create",
        "--email",
        "ADA@example.org",
        "--name",
        "Again",
        "--password",
        "a long password",
    )
    assert code == 1 and "already has an account" in out
    code, out = run(
        "user", "create", "--email", "b@example.org", "--name", "B", "--password", "short"
    )
    assert code == 1 and "at least 10" in out
    assert run("user", "set-admin", "ada")[0] == 0
    assert run("user", "suspend", "ada@example.org")[0] == 0
    code, out = run("user", "set-admin", "nobody")
    assert code == 1 and "No member" in out
    engine = make_engine(cli_env)
    with engine.connect() as conn:
        admin, suspended, verified, member_id = conn.execute(
            select(Member.is_admin, Member.suspended_at, Member.email_verified_at, Member.id).where(
                Member.handle == "ada"
            )
        ).one()
    with Session(engine) as session:  # a vouched-for address brings the starter grant too
        available = ledger_queries.available(session, member_id)
    engine.dispose()
    assert admin and suspended is not None and verified is not None
    assert available == get_settings().ledger_starter_grant
    assert run("db", "status")[0] == 0


def test_demo_is_deterministic_and_refuses_to_run_twice(cli_env: str) -> None:
    code, out = run("demo", "--members", "150", "--seed", "7")
    assert code == 0 and "members: 150" in out and "sam@demo.sharewell.example" in out
    engine = make_engine(cli_env)
    with engine.connect() as conn:
        names = (
            conn.execute(select(Member.display_name).order_by(Member.id).limit(20)).scalars().all()
        )
        assert conn.scalar(select(func.count(Member.id))) == 150
    engine.dispose()
    code, out = run("demo", "--members", "10")
    assert code == 1 and "already has a demo network" in out
    assert names[0] == "Sam Okafor" and len(set(names)) > 10


def test_help_explains_every_command() -> None:
    for args in [
        [],
        ["serve"],
        ["db", "upgrade"],
        ["user", "create"],
        ["user", "set-admin"],
        ["user", "suspend"],
        ["demo"],
    ]:
        code, out = run(*args, "--help")
        assert code == 0 and "Usage" in out, args


def test_import_command_reports_counts_as_json(cli_env: str) -> None:
    import json
    from pathlib import Path

    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "contacts"
    assert run("db", "upgrade")[0] == 0
    assert run("user", "create", "--email", "rec@example.org", "--name", "Rec Ruiter",
               "--password", "a long password")[0] == 0  # fmt: skip
    code, out = run(
        "import", str(fixtures / "linkedin_no_url.csv"), "--owner", "rec@example.org", "--json"
    )
    assert code == 0, out
    report = json.loads(out)
    assert set(report) >= {"created", "updated", "unchanged", "possible_duplicates", "errors"}
    assert report["created"] == 4 and all({"line", "reason"} <= set(e) for e in report["errors"])
    code, out = run(
        "import", str(fixtures / "linkedin_no_url.csv"), "--owner", "rec@example.org", "--json"
    )
    again = json.loads(out)
    assert (again["created"], again["unchanged"]) == (0, 4)
    code, out = run("import", str(fixtures / "not_contacts.png"), "--owner", "rec@example.org")
    assert code == 1 and "image" in out.lower()
    code, out = run("import", str(fixtures / "vcard40.vcf"), "--owner", "nobody@example.org")
    assert code == 1 and "No member" in out
