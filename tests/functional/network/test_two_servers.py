"""Two real server processes on one database of their own: a connection, a block and a
visibility change made through one are seen by the other (polling with a generous deadline;
the measured propagation time is printed and recorded in bench/results, never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import drop_postgres_database, fresh_database_url
from tests.functional.test_real_server import free_port

DEADLINE = 30.0


def _start(url: str, data_dir: Path, migrate: bool) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "SHAREWELL_DATA_DIR": str(data_dir), "SHAREWELL_DATABASE_URL": url}
    args = [sys.executable, "-m", "sharewell.cli.main", "serve", "--port", str(port)]
    if not migrate:
        args.append("--no-migrate")
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a first start migrates; slow on a loaded machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
    proc.terminate()
    pytest.fail("server did not come up")


@pytest.fixture
def two_servers(backend: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    url = fresh_database_url(backend, tmp_path, "twoservers")
    procs = []
    try:
        first, a = _start(url, tmp_path / "a", migrate=True)
        procs.append(first)
        second, b = _start(url, tmp_path / "b", migrate=False)
        procs.append(second)
        yield a, b
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
        if backend == "postgresql":
            drop_postgres_database(
                f"sw_twoservers_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
            )


def _member(base: str, name: str) -> tuple[str, dict[str, str]]:
    email = f"{name.lower()}@example.org"
    r = httpx.post(
        f"{base}/api/v1/auth/signup",
        json={
            "email": email,
            "password": "correct horse battery",
            "display_name": name,
            "handle": f"{name.lower()}-two",
        },
    )
    assert r.status_code == 202, r.text
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": email, "password": "correct horse battery"}
    ).json()["access_token"]
    return f"{name.lower()}-two", {"Authorization": f"Bearer {token}"}


def _until(check: Callable[[], bool]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail("the second server did not see the change in time")


def test_changes_through_one_server_reach_the_other(two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    ann, h_ann = _member(a, "Ann")
    bob, h_bob = _member(a, "Bob")
    cy, h_cy = _member(a, "Cy")

    def degree(base: str, handle: str) -> str:
        return str(httpx.get(f"{base}/api/v1/members/{handle}", headers=h_ann).json()["degree"])

    assert degree(b, bob) == "out of network"  # server b has built its index now
    httpx.post(
        f"{a}/api/v1/connections/requests", json={"handle": bob}, headers=h_ann
    ).raise_for_status()
    httpx.post(f"{a}/api/v1/connections/requests/{ann}/accept", headers=h_bob).raise_for_status()
    connect_s = _until(lambda: degree(b, bob) == "1st")

    httpx.post(
        f"{a}/api/v1/connections/requests", json={"handle": cy}, headers=h_bob
    ).raise_for_status()
    httpx.post(f"{a}/api/v1/connections/requests/{bob}/accept", headers=h_cy).raise_for_status()
    _until(lambda: degree(b, cy) == "2nd")
    contact = httpx.post(
        f"{a}/api/v1/contacts",
        json={"full_name": "Xavier Hidden", "company": "Acme", "title": "Data Engineer"},
        headers=h_cy,
    ).json()

    def card_paths() -> list[object]:
        r = httpx.get(f"{b}/api/v1/paths", params={"company": "Acme"}, headers=h_ann)
        return list(r.json()["paths"])

    assert card_paths() == []
    httpx.put(
        f"{a}/api/v1/contacts/{contact['id']}/sharing",
        json={"visibility": "blind", "card_fields": ["title", "company"]},
        headers=h_cy,
    ).raise_for_status()
    visibility_s = _until(lambda: len(card_paths()) == 1)
    assert "Xavier" not in str(card_paths())

    httpx.post(f"{a}/api/v1/blocks", json={"handle": bob}, headers=h_cy).raise_for_status()
    block_s = _until(lambda: degree(b, cy) == "out of network")
    print(
        f"propagation between servers: connect {connect_s * 1000:.0f} ms, visibility "
        f"{visibility_s * 1000:.0f} ms, block {block_s * 1000:.0f} ms"
    )
