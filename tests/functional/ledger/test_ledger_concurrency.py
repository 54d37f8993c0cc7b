"""Four real server worker processes on PostgreSQL and well over 1,000 concurrent HTTP
operations — pledges, splits, thanks, fall-offs and duplicate deliveries of the same
Idempotency-Key racing each other. Afterwards the books balance and every key posted once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tests.conftest import POSTGRES_ENV, drop_postgres_database, fresh_database_url
from tests.functional.test_real_server import free_port

from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.ledger import queries, rules, service
from sharewell.ledger.models import LedgerTransaction, Pledge
from sharewell.members import service as members_service
from sharewell.members.schemas import SignUpIn

pytestmark = pytest.mark.slow

MEMBERS = 12
PLEDGES_PER_MEMBER = 30  # x3 deliveries each = 1,080 pledge requests
COPIES = 3
GRANT = 1000


@pytest.fixture
def pg_server(tmp_path: Path) -> Iterator[tuple[str, str, list[tuple[int, str, str]]]]:
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"concurrency test needs PostgreSQL: set {POSTGRES_ENV}")
    url = fresh_database_url("postgresql", tmp_path, "ledger_conc")
    name = url.rsplit("/", 1)[-1]
    engine = make_engine(url)
    from sharewell.migrations import upgrade

    upgrade(engine)
    people: list[tuple[int, str, str]] = []
    policy = rules.LedgerPolicy(starter_grant=GRANT)
    from tests.factories import _PASSWORD_HASH, PASSWORD

    with session_scope(make_session_factory(engine)) as session:
        for i in range(MEMBERS):
            member = members_service.sign_up(
                session,
                SignUpIn(email=f"c{i}@example.org", password=PASSWORD, display_name=f"Conc {i}"),
                password_hash=_PASSWORD_HASH,
            )
            assert member is not None
            service.grant_starter(session, member, key=f"verify:{member.id}", policy=policy)
            _, token = members_service.create_api_token(
                session, member, name="load", scope="write", lifetime=timedelta(hours=2)
            )
            people.append((member.id, member.handle, token))
    port = free_port()
    env = {
        **os.environ,
        "SHAREWELL_DATABASE_URL": url,
        "SHAREWELL_DATA_DIR": str(tmp_path),
        "SHAREWELL_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sharewell.cli.main",
            "serve",
            "--port",
            str(port),
            "--workers",
            "4",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # only a failing start waits this long
    try:
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        yield base, url, people
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        engine.dispose()
        drop_postgres_database(name)


def test_four_workers_thousand_operations_books_balance(
    pg_server: tuple[str, str, list[tuple[int, str, str]]],
) -> None:
    base, url, people = pg_server
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    statuses: Counter[int] = Counter()
    with (
        httpx.Client(base_url=base, timeout=60, limits=limits) as client,
        ThreadPoolExecutor(24) as pool,
    ):

        def post(path: str, token: str, key: str, body: dict[str, object] | None) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
            return client.post(path, json=body, headers=headers)

        # wave 1: every pledge delivered three times, all copies in flight together
        wave1 = []
        for member_id, _, token in people:
            for j in range(PLEDGES_PER_MEMBER):
                body = {
                    "amount": 1 + j % 7,
                    "subject_kind": "intro",
                    "subject_ref": f"intro:{member_id}:{j}",
                }
                for _ in range(COPIES):
                    wave1.append(
                        (
                            member_id,
                            j,
                            pool.submit(post, "/api/v1/ledger/pledges", token, f"p{j}", body),
                        )
                    )
        pledge_ids: dict[tuple[int, int], set[str]] = {}
        for member_id, j, future in wave1:
            response = future.result()
            statuses[response.status_code] += 1
            assert response.status_code == 201, response.text
            pledge_ids.setdefault((member_id, j), set()).add(response.json()["id"])
        assert all(len(ids) == 1 for ids in pledge_ids.values()), "a duplicate made a second pledge"

        # wave 2: on each pledge, racing outcomes (split vs thanks vs duplicate deliveries)
        handles = {member_id: handle for member_id, handle, _ in people}
        tokens = {member_id: token for member_id, _, token in people}
        wave2 = []
        for (member_id, j), ids in pledge_ids.items():
            pid = ids.pop()
            others = [h for m, h in handles.items() if m != member_id]
            chain = [others[(j + k) % len(others)] for k in range(1 + j % 3)]
            token = tokens[member_id]
            if j % 3 == 0:  # split, delivered twice (racing a thanks on every other one)
                for _ in range(2):
                    wave2.append(
                        pool.submit(
                            post,
                            f"/api/v1/ledger/pledges/{pid}/split",
                            token,
                            f"s{j}",
                            {"chain": chain},
                        )
                    )
                if j % 6 == 0:  # split and thanks race: both may win, in either order
                    wave2.append(
                        pool.submit(
                            post,
                            f"/api/v1/ledger/pledges/{pid}/thanks",
                            token,
                            f"t{j}",
                            {"chain": chain},
                        )
                    )
            elif j % 3 == 1:  # thanks delivered twice
                for _ in range(2):
                    wave2.append(
                        pool.submit(
                            post,
                            f"/api/v1/ledger/pledges/{pid}/thanks",
                            token,
                            f"t{j}",
                            {"chain": chain},
                        )
                    )
        for future in wave2:
            response = future.result()
            statuses[response.status_code] += 1
            assert response.status_code in (200, 409), response.text

        # wave 3: fall-offs on the pending splits, delivered twice
        wave3 = []
        for member_id, _, token in people:
            listed = client.get(
                "/api/v1/ledger/pledges?limit=100", headers={"Authorization": f"Bearer {token}"}
            ).json()
            for p in listed["items"]:
                if (
                    p["state"] == "split_pending"
                    and int(p["subject_ref"].rsplit(":", 1)[1]) % 12 == 3
                ):
                    for _ in range(2):
                        wave3.append(
                            pool.submit(
                                post,
                                f"/api/v1/ledger/pledges/{p['id']}/fall-off",
                                token,
                                f"f{p['id']}",
                                None,
                            )
                        )
        for future in wave3:
            response = future.result()
            statuses[response.status_code] += 1
            assert response.status_code == 200, response.text

    total = sum(statuses.values())
    assert total >= 1000 and statuses[500] == 0, statuses
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            rec = queries.reconcile(session)
            assert rec.reconciles, rec
            assert (
                rec.minted == MEMBERS * GRANT == rec.in_escrow + rec.pending + rec.held_by_members
            )
            # every idempotency key posted exactly once (the UNIQUE index), and every accepted
            # pledge request produced exactly one pledge transaction
            api = (
                session.execute(
                    select(LedgerTransaction.idempotency_key, func.count())
                    .where(LedgerTransaction.idempotency_key.like("api:%"))
                    .group_by(LedgerTransaction.idempotency_key)
                )
                .tuples()
                .all()
            )
            assert all(n == 1 for _, n in api)
            pledge_txs = session.scalar(
                select(func.count()).where(LedgerTransaction.kind == rules.TX_PLEDGE)
            )
            assert (
                pledge_txs
                == MEMBERS * PLEDGES_PER_MEMBER
                == session.scalar(select(func.count(Pledge.id)))
            )
            states = dict(
                session.execute(select(Pledge.state, func.count()).group_by(Pledge.state))
                .tuples()
                .all()
            )
            assert states.get(rules.FELL_OFF, 0) == MEMBERS * 3, states
            assert states.get(rules.SPLIT_PENDING, 0) == MEMBERS * 2, states
    finally:
        engine.dispose()
    print(
        f"ledger concurrency: {total} HTTP operations on 4 workers; "
        f"statuses {dict(statuses)}; pledge states {states}"
    )
