"""A real `sharewell serve` process on a real port: migrations, demo-if-empty, pages, API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "SHAREWELL_DATA_DIR": str(tmp_path), "SHAREWELL_DATABASE_URL": ""}
    env.pop("SHAREWELL_DATABASE_URL")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sharewell.cli.main",
            "serve",
            "--port",
            str(port),
            "--demo-if-empty",
            "60",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # generous: only a failure path waits this long
    try:
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_embedded_server_comes_up_populated(server: str) -> None:
    members = httpx.get(f"{server}/api/v1/members?limit=5").json()
    assert len(members["items"]) == 5
    token = httpx.post(
        f"{server}/api/v1/auth/token",
        data={"username": "sam@demo.sharewell.example", "password": "sharewell-demo"},
    )
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    me = httpx.get(f"{server}/api/v1/me", headers=bearer)
    assert me.json()["display_name"] == "Sam Okafor"
    home = httpx.get(server)
    assert home.status_code == 200 and "60 members" in home.text


def test_concurrent_writing_requests_never_fail_with_database_locked(server: str) -> None:
    """Reads that also write (a token's last-used time, the display audit) and plain writes,
    at once from many clients: they must queue, never fail with "database is locked"."""
    from concurrent.futures import ThreadPoolExecutor

    token = httpx.post(
        f"{server}/api/v1/auth/token",
        data={"username": "sam@demo.sharewell.example", "password": "sharewell-demo"},
    )
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def read_and_write(i: int) -> list[int]:
        paths = httpx.get(f"{server}/api/v1/paths?title=engineer", headers=bearer, timeout=60)
        me = httpx.patch(
            f"{server}/api/v1/me", headers=bearer, json={"headline": f"Try {i}"}, timeout=60
        )
        return [paths.status_code, me.status_code]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = [c for result in pool.map(read_and_write, range(16)) for c in result]
    assert set(codes) == {200}, codes
