"""Crash safety: a real `sharewell serve` process is killed with SIGKILL in the middle of large
contact imports and of ledger activity, many times, on SQLite (and PostgreSQL when configured).
After every kill the database must be intact, no import half-applied, every acknowledged write
present and the books balanced. Run alone with `pytest -m crash`; kill counts can be raised
with SHAREWELL_CRASH_IMPORT_KILLS / SHAREWELL_CRASH_LEDGER_KILLS."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from tests.conftest import drop_postgres_database, fresh_database_url
from tests.functional.test_real_server import free_port

from sharewell.contacts.models import Contact, ContactImport
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.ledger import queries as ledger_queries
from sharewell.ledger import rules as ledger_rules
from sharewell.ledger import service as ledger_service
from sharewell.ledger.models import LedgerTransaction
from sharewell.members import service as member_service
from sharewell.members.schemas import SignUpIn
from sharewell.migrations import upgrade

pytestmark = [pytest.mark.crash, pytest.mark.slow]

IMPORT_KILLS = int(os.environ.get("SHAREWELL_CRASH_IMPORT_KILLS", "30"))
LEDGER_KILLS = int(os.environ.get("SHAREWELL_CRASH_LEDGER_KILLS", "20"))
ROWS = 3000
SECRET = "crash-test-secret-" + "k" * 32
SURVIVED: dict[str, int] = {}


def _linkedin(batch: int, rows: int) -> bytes:
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    for i in range(rows):
        lines.append(
            f"Person{batch}x{i},Crash{batch},https://www.linkedin.com/in/p-{batch}-{i},"
            f"p{batch}.{i}@example.net,Company {i % 97},Engineer {i % 13},08 Jan 2018"
        )
    return ("\n".join(lines) + "\n").encode()


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def _fail(self, why: str) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        pytest.fail(f"{why}; server log:\n{self.log.read_text(errors='replace')[-3000:]}")

    def start(self) -> None:
        port = free_port()
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sharewell.cli.main", "serve", "--port", str(port),
                 "--no-migrate"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # generous: a busy CI machine starts Python slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
            if self.proc.poll() is not None:
                self._fail("the server exited at start")
        self._fail("the server did not come up")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


def _intact(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).first() is None
        else:  # every child row has its parent; every entry's transaction balances
            orphans = conn.execute(text(
                "SELECT count(*) FROM contact_emails e LEFT JOIN contacts c "
                "ON c.id = e.contact_id WHERE c.id IS NULL"
            )).scalar()  # fmt: skip
            assert orphans == 0
            assert conn.execute(text("SELECT count(*) FROM pg_stat_activity")).scalar()


def _in_background(work: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_sigkill_during_imports_and_ledger_activity(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path, "crash")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    rng = random.Random(20250107)
    policy = ledger_rules.LedgerPolicy(
        starter_grant=10**6, award_weights=(), daily_award_cap=0, min_connection=timedelta(0),
        attribution_days=30, guarantee_days=10,
    )  # fmt: skip
    try:
        upgrade(engine)
        with session_scope(factory) as s:
            holder = member_service.sign_up(s, SignUpIn(
                email="holder@example.org", password="crash test password", display_name="Holder"
            ))  # fmt: skip
            helper = member_service.sign_up(s, SignUpIn(
                email="helper@example.org", password="crash test password", display_name="Helper"
            ))  # fmt: skip
            assert holder and helper
            ledger_service.grant_starter(s, holder, key="crash:starter", policy=policy)
            _, token = member_service.create_api_token(
                s, holder, name="crash", scope="write", lifetime=None
            )
            holder_id, helper_handle = holder.id, helper.handle
        env = {**os.environ, "SHAREWELL_DATABASE_URL": url, "SHAREWELL_ENV": "test",
               "SHAREWELL_SECRET_KEY": SECRET, "SHAREWELL_DATA_DIR": str(tmp_path),
               "SHAREWELL_RATE_LIMITS": "false", "SHAREWELL_JOBS_IN_PROCESS": "false",
               "SHAREWELL_LOG_LEVEL": "WARNING"}  # fmt: skip
        bearer = {"Authorization": f"Bearer {token}"}
        server = Server(env, tmp_path / "server.log")

        def counts() -> tuple[int, int]:
            with engine.connect() as conn:
                c = conn.execute(select(func.count()).select_from(Contact)
                                 .where(Contact.holder_id == holder_id)).scalar_one()  # fmt: skip
                i = conn.execute(select(func.count()).select_from(ContactImport)
                                 .where(ContactImport.holder_id == holder_id)).scalar_one()  # fmt: skip
            return int(c), int(i)

        # --- calibrate: one import that finishes, to know how long one takes ---------------
        server.start()
        started = time.monotonic()
        files = {"file": ("Connections.csv", _linkedin(-1, ROWS), "text/csv")}
        r = httpx.post(f"{server.base}/api/v1/contacts/imports", headers=bearer, files=files,
                       timeout=120)  # fmt: skip
        assert r.status_code == 200, r.text
        import_seconds = time.monotonic() - started
        server.kill()
        assert counts() == (ROWS, 1)

        # --- kills during imports --------------------------------------------------------------
        outcomes = {"acknowledged": 0, "not_applied": 0, "applied_unacknowledged": 0}
        for batch in range(IMPORT_KILLS):
            server.start()
            before = counts()
            result: dict[str, Any] = {}

            def post(batch: int = batch, result: dict[str, Any] = result) -> None:
                body = {"file": ("Connections.csv", _linkedin(batch, ROWS), "text/csv")}
                try:
                    result["status"] = httpx.post(
                        f"{server.base}/api/v1/contacts/imports", headers=bearer, files=body,
                        timeout=120,
                    ).status_code  # fmt: skip
                except httpx.HTTPError:
                    result["status"] = None

            thread = _in_background(post)
            time.sleep(rng.uniform(0.02, import_seconds * 2.0))  # some finish, most do not
            server.kill()
            thread.join(timeout=60)
            _intact(engine)
            after = counts()
            assert after in (before, (before[0] + ROWS, before[1] + 1)), (before, after)
            if result.get("status") == 200:
                assert after == (before[0] + ROWS, before[1] + 1)
                outcomes["acknowledged"] += 1
            elif after == before:
                outcomes["not_applied"] += 1
            else:
                outcomes["applied_unacknowledged"] += 1
        SURVIVED[f"{backend}:import"] = IMPORT_KILLS

        # --- kills during ledger activity ----------------------------------------------------------
        acked: list[str] = []
        inflight: tuple[str, str, dict[str, Any]] | None = None
        for round_ in range(LEDGER_KILLS):
            server.start()
            with httpx.Client(base_url=server.base, headers=bearer, timeout=30) as client:
                if inflight is not None:  # the client retries what it never heard back about
                    key, path, body = inflight
                    again = client.post(path, json=body, headers={"Idempotency-Key": key})
                    assert again.status_code in (200, 201), again.text
                    acked.append(key)
                    inflight = None
            state: dict[str, Any] = {"inflight": None}

            def activity(round_: int = round_, state: dict[str, Any] = state) -> None:
                with httpx.Client(base_url=server.base, headers=bearer, timeout=30) as client:
                    for j in range(10_000):
                        key = f"crash-{round_}-{j}"
                        body: dict[str, Any] = {"amount": 1, "subject_kind": "opportunity",
                                                "subject_ref": f"crash {round_}/{j}"}  # fmt: skip
                        state["inflight"] = (key, "/api/v1/ledger/pledges", body)
                        try:
                            made = client.post("/api/v1/ledger/pledges", json=body,
                                               headers={"Idempotency-Key": key})  # fmt: skip
                        except httpx.HTTPError:
                            return
                        assert made.status_code == 201, made.text
                        acked.append(key)
                        thanks = (f"{key}-thanks", f"/api/v1/ledger/pledges/{made.json()['id']}"
                                  "/thanks", {"chain": [helper_handle]})  # fmt: skip
                        state["inflight"] = thanks
                        try:
                            done = client.post(thanks[1], json=thanks[2],
                                               headers={"Idempotency-Key": thanks[0]})  # fmt: skip
                        except httpx.HTTPError:
                            return
                        assert done.status_code == 200, done.text
                        acked.append(thanks[0])
                        state["inflight"] = None

            thread = _in_background(activity)
            time.sleep(rng.uniform(0.05, 0.8))
            server.kill()
            thread.join(timeout=60)
            inflight = state["inflight"]
            _intact(engine)
            with session_scope(factory) as s:
                keys = set(s.scalars(select(LedgerTransaction.idempotency_key)
                                     .where(LedgerTransaction.member_id == holder_id)))  # fmt: skip
                keys |= set(s.scalars(select(LedgerTransaction.idempotency_key)))
                missing = [k for k in acked if f"api:{holder_id}:{k}" not in keys]
                assert not missing, f"acknowledged but lost: {missing[:5]}"
                rec = ledger_queries.reconcile(s)
                assert rec.reconciles, rec
        assert len(acked) > LEDGER_KILLS  # real work happened between the kills
        SURVIVED[f"{backend}:ledger"] = LEDGER_KILLS
        assert IMPORT_KILLS + LEDGER_KILLS >= 50 or "SHAREWELL_CRASH_IMPORT_KILLS" in os.environ
        print(f"\n{backend}: survived {IMPORT_KILLS} import kills {outcomes} and "
              f"{LEDGER_KILLS} ledger kills ({len(acked)} acknowledged ledger writes)")  # fmt: skip
    finally:
        engine.dispose()
        if backend == "postgresql":
            drop_postgres_database(str(make_url(url).database))
