"""HTTP under load: `wrk` against `sharewell serve` on loopback with 1 and 2 worker processes,
for a profile page (anonymous and signed in), a path query and a search, with a bare Starlette
endpoint measured in the same run as the framework's ceiling on this machine.

    .venv/bin/python bench/http_bench.py [--members 2000] [--database-url URL] [--duration 10]
        [--label after] [--backend sqlite]

The bare endpoint is measured again right before each Sharewell endpoint (interleaved), and
each result's ratio is to that neighbouring ceiling: on a machine shared with other work the
absolute numbers drift, the ratio much less. The load average is recorded with every run.
Results are merged into bench/results/http.json under "<label>/<backend>" (other labels are
kept, so a "before" and an "after" run sit side by side) and the table is rewritten.

The view quota and rate limits are lifted with their documented settings
(SHAREWELL_DISPLAY_QUOTA_ENABLED=false, SHAREWELL_RATE_LIMITS=false) so the numbers measure
the work. Needs Debian's `wrk`. Writes bench/results/http.json and bench/results/http.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DEMO_EMAIL = "sam@demo.sharewell.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def wait_graph_ready(base: str, workers: int, timeout: float = 1800) -> float:
    """Wait until every worker has built its graph index (``/healthz`` says ``graph_index:
    ready`` for the worker that answers; each probe is a new connection, so the kernel spreads
    them over the workers). Until then a path query or search landing on a cold worker waits
    for the whole build — tens of seconds at 10k members on a busy machine — which is what
    made those endpoints report 0 requests/s in a short wrk run. Returns the seconds waited."""
    started = time.monotonic()
    in_a_row = 0
    while in_a_row < 8 * workers:
        if time.monotonic() - started > timeout:
            raise RuntimeError("graph index not ready on every worker")
        try:
            ready = httpx.get(f"{base}/healthz", timeout=30).json().get("graph_index") == "ready"
        except (httpx.HTTPError, ValueError):
            ready = False
        in_a_row = in_a_row + 1 if ready else 0
        if not ready:
            time.sleep(0.5)
    return round(time.monotonic() - started, 1)


def demo_token(base: str, timeout: float = 600) -> dict[str, str]:
    """A bearer token for the demo member. Retried: while a worker builds its graph index at
    start-up on a loaded machine, the first sign-in can time out or find the database busy."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.post(
                f"{base}/api/v1/auth/token",
                data={"username": DEMO_EMAIL, "password": "sharewell-demo"},
                timeout=120,
            )
            if response.status_code == 200:
                return dict(response.json())
            problem = response.text[:200]
        except httpx.HTTPError as exc:
            problem = str(exc)
        if time.monotonic() > deadline:
            raise RuntimeError(f"no token: {problem}")
        time.sleep(2)


def sign_in(base: str) -> str | None:
    """The demo member's web session cookie, through the real sign-in form."""
    with httpx.Client(base_url=base, timeout=120) as client:
        form = client.get("/signin").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf, "no CSRF field on /signin"
        client.post(
            "/signin",
            data={"email": DEMO_EMAIL, "password": "sharewell-demo", "csrf_token": csrf.group(1)},
        )
        cookie = client.cookies.get("sw_session")
        return f"sw_session={cookie}" if cookie else None


def wrk(url: str, duration: int, connections: int, headers: dict[str, str]) -> dict[str, float]:
    # A generous timeout: a slow endpoint's requests are reported with their real latency
    # instead of being dropped as timeouts (which is how a run used to show 0 requests/s).
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "60s", "--latency", url]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m, out
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    done = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rps,
        "requests": float(done.group(1)) if done else 0.0,
        "socket_errors": float(sum(int(g) for g in errors.groups()[:3])) if errors else 0.0,
        "timeouts": float(errors.group(4)) if errors else 0.0,
        "p50_ms": pct("50"),
        "p90_ms": pct("90"),
        "p99_ms": pct("99"),
        "non_2xx": float(non2xx.group(1)) if non2xx else 0.0,
        "load_1min": round(os.getloadavg()[0], 2),
    }


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--database-url", default=None, help="Use an existing populated database.")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument(
        "--max-duration", type=int, default=90, help="Longest run for a slow endpoint (s)."
    )
    ap.add_argument("--label", default="latest", help="e.g. before / after a change")
    ap.add_argument("--backend", default=None, help="Name for the results (default: from URL).")
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--only", nargs="*", default=None, help="Measure only these endpoints.")
    args = ap.parse_args()
    backend = args.backend or (
        "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
    )
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    data_dir = Path(tempfile.mkdtemp(prefix="sw-http-bench-"))
    env = {
        **os.environ,
        "SHAREWELL_DATA_DIR": str(data_dir),
        "SHAREWELL_LOG_LEVEL": "WARNING",
        "SHAREWELL_DISPLAY_QUOTA_ENABLED": "false",
        "SHAREWELL_RATE_LIMITS": "false",
        "SHAREWELL_JOBS_IN_PROCESS": "false",
    }
    if args.database_url:
        env["SHAREWELL_DATABASE_URL"] = args.database_url
    else:
        env.pop("SHAREWELL_DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "-m", "sharewell.cli.main", "demo", "--members", str(args.members)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    results: dict[str, dict[str, dict[str, float]]] = {}
    load_before = os.getloadavg()
    for workers in args.workers:
        port = free_port()
        bare_port = free_port()
        server = start(
            [
                sys.executable,
                "-m",
                "sharewell.cli.main",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env,
        )
        bare = start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(HERE),
                "bare_starlette:app",
                "--port",
                str(bare_port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_up(f"{base}/healthz", server)
            wait_up(f"http://127.0.0.1:{bare_port}/", bare)
            graph_wait = wait_graph_ready(base, workers)
            token = demo_token(base)
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            handle = httpx.get(f"{base}/api/v1/members?limit=2", timeout=120).json()["items"][1][
                "handle"
            ]
            bare_url = f"http://127.0.0.1:{bare_port}/"
            targets = {
                # Anonymous: served by the profile page cache after one indexed read
                # (web/profile_cache.py) ...
                "profile_page": (f"{base}/members/{handle}", {}),
                # ... and rendered anew: a query string is never cached, so this is the
                # route's own cost (what every anonymous view cost before the cache).
                "profile_page_uncached": (f"{base}/members/{handle}?uncached=1", {}),
                "path_query_api": (
                    f"{base}/api/v1/paths?company=Acme+Analytics&title=engineer",
                    auth,
                ),
            }
            cookie = next((c for c in (sign_in(base) for _ in range(5)) if c), None)
            if cookie is None:  # every endpoint reports a real number, or the run fails
                raise RuntimeError("could not sign in through /signin")
            targets["profile_page_signed_in"] = (f"{base}/members/{handle}", {"Cookie": cookie})
            targets["search_api"] = (f"{base}/api/v1/search?q=data+engineer", auth)
            if args.only:
                targets = {k: v for k, v in targets.items() if k in args.only}
            single: dict[str, float] = {}  # seconds for one request alone, after a first one
            for name, (url, headers) in targets.items():
                for _ in range(2):
                    started = time.perf_counter()
                    status = httpx.get(url, headers=headers, timeout=120).status_code
                    single[name] = time.perf_counter() - started
                if status != 200:
                    raise RuntimeError(f"{name}: {url} answered {status} before the run")
            per: dict[str, dict[str, float]] = {}
            wrk(bare_url, 2, args.connections, {})  # warm-up
            for name, (url, headers) in targets.items():
                # Warm-up with two connections: a 16-connection warm-up of a slow endpoint
                # left a backlog of requests the server was still working through while the
                # next figures were measured.
                wrk(url, 2, 2, headers)
                # wrk counts only requests that finish within the run. With every connection
                # busy on a slow endpoint, a worker finishes a batch of requests only after
                # about connections / workers times one request's time, all at once, so a
                # short run of a slow endpoint finished none (0 req/s). The run is made long
                # enough for several such batches (at most --max-duration).
                duration = min(
                    args.max_duration,
                    max(args.duration, math.ceil(3 * single[name] * args.connections / workers)),
                )
                ceiling = wrk(bare_url, args.duration, args.connections, {})
                per[name] = wrk(url, duration, args.connections, headers)
                per[name]["duration_s"] = duration
                per[name]["single_request_ms"] = round(single[name] * 1000, 1)
                per[name]["bare_rps"] = ceiling["rps"]
                per[name]["bare_p99_ms"] = ceiling["p99_ms"]
                per[name]["ratio_to_bare"] = round(per[name]["rps"] / ceiling["rps"], 3)
                per[name]["graph_ready_wait_s"] = graph_wait
                print(workers, name, per[name], flush=True)
            results[f"{workers}_worker{'s' if workers > 1 else ''}"] = per
        finally:
            for proc in (server, bare):
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:  # still finishing a slow request: stop it
                    proc.kill()
                    proc.wait()
    run: dict[str, Any] = {
        "command": f"python bench/http_bench.py --duration {args.duration} "
        f"--label {args.label} ({backend})",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "wrk": f"-t2 -c{args.connections} -d{args.duration}s",
        "results": results,
    }
    write_results(f"{args.label}/{backend}", run)


def write_results(key: str, run: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "http.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    runs = old.get("runs", {}) if isinstance(old.get("runs"), dict) else {}
    runs[key] = run
    meta = {
        "benchmark": "http",
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}",
        "runs": runs,
    }
    path.write_text(json.dumps(meta, indent=2) + "\n")
    lines = [
        "# HTTP under load (wrk on loopback)",
        "",
        f"{meta['machine']}. Goal: read endpoints at ≥ 0.25 of the bare Starlette ceiling, "
        "p99 < 50 ms. The bare endpoint is measured right before each Sharewell endpoint "
        "(interleaved) and the ratio is to that run; `load` is the 1-minute load average "
        "during the run (2 cores: anything above 2 means other work was competing, so "
        "absolute req/s and latencies are inflated, the ratios much less). `profile_page` "
        "is the anonymous page (from the profile page cache since runs labelled `*-cache`), "
        "`profile_page_uncached` the same page with a query string, which the cache never "
        "serves (the route renders it, from the cached public parts), "
        "`profile_page_signed_in` the page seen by a signed-in member (always rendered).",
    ]
    for name, r in runs.items():
        lines += [
            "",
            f"## {name}",
            "",
            f"`{r['command']}` at {r['measured_at']}, wrk {r['wrk']}, load average "
            f"{r['load_average_before'][0]:.1f} → {r['load_average_after'][0]:.1f}.",
            "",
            "| workers | endpoint | req/s | p50 ms | p99 ms | requests | errors | bare req/s "
            "| ratio to bare | load |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for workers, per in r["results"].items():
            for endpoint, x in per.items():
                # wrk reports no latencies when no request finished within the run.
                p50, p99 = (
                    (f"{x['p50_ms']:.1f}", f"{x['p99_ms']:.1f}")
                    if x["p99_ms"] > 0
                    else ("none done", "none done")
                )
                # Older runs did not record completed requests and socket errors.
                done = f"{x['requests']:.0f}" if "requests" in x else "–"
                errors = (
                    f"{x['socket_errors'] + x['timeouts'] + x['non_2xx']:.0f}"
                    if "timeouts" in x
                    else "–"
                )
                lines.append(
                    f"| {workers.split('_')[0]} | {endpoint} | {x['rps']:.1f} | {p50} | {p99} | "
                    f"{done} | {errors} | {x['bare_rps']:.0f} | {x['ratio_to_bare']:.3f} | "
                    f"{x['load_1min']:.1f} |"
                )
    (RESULTS / "http.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
