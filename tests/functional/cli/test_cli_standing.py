"""`sharewell standing …` on a database of its own, and the scheduled job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.conftest import drop_postgres_database, fresh_database_url
from typer.testing import CliRunner

from sharewell.cli.main import app
from sharewell.config import get_settings
from sharewell.db import make_engine, make_session_factory, utcnow
from sharewell.jobs.runner import run_due
from sharewell.standing.models import StandingRun, StandingScore

runner = CliRunner()


@pytest.fixture
def cli_env(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = fresh_database_url(backend, tmp_path, "cli_standing")
    monkeypatch.setenv("SHAREWELL_DATABASE_URL", url)
    monkeypatch.setenv("SHAREWELL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHAREWELL_ENV", "test")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if backend == "postgresql":
        drop_postgres_database(url.rsplit("/", 1)[1])


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_demo_then_standing_commands_and_job(cli_env: str) -> None:
    code, out = run("demo", "--members", "60", "--seed", "7")
    assert code == 0, out
    assert "standing_scored" in out
    code, out = run("standing", "seed", "list")
    assert code == 0 and "@sam-demo" in out and "administrator" in out
    code, out = run("standing", "seed", "add", "nobody")
    assert code == 1 and "No member" in out
    handle = "sam-demo"
    code, out = run("standing", "seed", "add", handle)
    assert code == 0 and f"@{handle} is a seed" in out
    code, out = run("standing", "seed", "remove", handle)
    assert code == 0 and "no longer marked" in out and "always seeds" in out
    code, out = run("standing", "recompute")
    assert code == 0 and "Standing recomputed" in out and "impacts" in out
    code, out = run("standing", "show", handle)
    assert code == 0 and "@sam-demo" in out and "As a seed" in out

    engine = make_engine(cli_env)
    with engine.connect() as conn:
        runs = conn.scalar(select(func.count()).select_from(StandingRun))
        scored = conn.scalar(select(func.count()).select_from(StandingScore))
    assert runs == 2 and scored and scored > 0
    # the scheduled job: not due right after a recompute, due when forced past the interval
    factory = make_session_factory(engine)
    settings = get_settings()
    (result,) = run_due(factory, settings, only=["standing.recompute"], force=True)
    assert result.status == "ok" and "not due" in result.detail
    off = settings.model_copy(update={"standing_recompute_minutes": 0})
    (result,) = run_due(factory, off, only=["standing.recompute"], force=True)
    assert "off" in result.detail
    with engine.begin() as conn:
        earlier = utcnow() - timedelta(hours=2)
        conn.execute(StandingRun.__table__.update().values(finished_at=earlier))
    (result,) = run_due(factory, settings, only=["standing.recompute"], force=True)
    assert result.status == "ok" and "impacts" in result.detail, result.detail
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(StandingRun)) == 3
    engine.dispose()
