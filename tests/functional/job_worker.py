"""A worker process for tests/functional/test_real_processes.py: registers a job that holds
until the test releases it, waits for the start signal, runs due jobs once, prints the result."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory
from sharewell.jobs.registry import JobContext, job
from sharewell.jobs.runner import run_due

url, folder = sys.argv[1], Path(sys.argv[2])


@job("test.hold", every=timedelta(hours=1), lease=timedelta(minutes=10))
def hold(ctx: JobContext) -> str:
    (folder / f"running-{ctx.holder.split(':')[1]}").write_text(ctx.holder)
    while not (folder / "release").exists():
        time.sleep(0.05)
    with (folder / "ran").open("a") as log:
        log.write(ctx.holder + "\n")
    return "held and done"


if __name__ == "__main__":
    factory = make_session_factory(make_engine(url))
    while not (folder / "go").exists():
        time.sleep(0.02)
    results = run_due(factory, Settings(env="test"), only=["test.hold"])
    print(results[0].status, flush=True)
