"""Schemathesis against the app's own OpenAPI document, in process (ASGI), signed in with a
bearer token: every operation, bounded examples each. No answer may be a server error, and
every answer the document describes must match its schema and content type.

Each operation gets a fresh admin member (so admin routes are exercised too, and an operation
that revokes its own token, erases its own account or changes its password cannot starve the
next one). Runs on SQLite only: the query layer's PostgreSQL behaviour is covered by the
integration tests; this test is about input handling. ``SHAREWELL_FUZZ_EXAMPLES`` raises or
lowers the per-operation budget (default keeps the whole run around a minute on 2 cores).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as oa_checks
from sqlalchemy.orm import Session

from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.db import make_engine
from sharewell.migrations import upgrade
from tests.factories import Members

EXAMPLES = int(os.environ.get("SHAREWELL_FUZZ_EXAMPLES", "6"))
CHECKS = [
    st_checks.not_a_server_error,
    oa_checks.response_schema_conformance,
    oa_checks.content_type_conformance,
]
_tokens = itertools.count()
CASES = {"run": 0}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    engine = make_engine(f"sqlite:///{data_dir / 'fuzz.sqlite3'}")
    upgrade(engine)
    app_settings = Settings(
        env="test",
        data_dir=data_dir,
        secret_key="fuzz-secret-key-" + "x" * 32,
        rate_limits=False,  # the fuzzer sends far more than a person would; limits have own tests
    )
    yield create_app(app_settings, engine=engine)
    engine.dispose()
    print(f"\nschemathesis: {CASES['run']} cases run")


@pytest.fixture(scope="module")
def api_schema(fuzz_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


def test_no_server_errors_and_answers_match_the_schema(
    api_schema: schemathesis.BaseSchema, fuzz_app: FastAPI
) -> None:
    failures: list[str] = []
    operations = 0
    current: dict[str, dict[str, str]] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        with Session(fuzz_app.state.engine) as db:
            members = Members(db)
            who = members.create(f"Fuzz Admin {next(_tokens)}", admin=True)
            current["bearer"] = {"Authorization": f"Bearer {members.token(who)}"}

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,  # the same cases every run: a CI failure reproduces locally
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: report, do not minimise
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            CASES["run"] += 1
            headers = {**(case.headers or {}), **current["bearer"]}
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every failure, then fail once
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations > 100
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
