"""Run every benchmark at one scale and write the summary table bench/README.md.

    .venv/bin/python bench/run_all.py --scale 2k|10k|100k [--only NAME ...]
    make bench SCALE=100k

Each benchmark writes its own JSON and Markdown under bench/results/; this script runs them
in turn (one at a time: the machine has two cores) and then gathers every results/*.md into
bench/README.md with the date and the machine. The scale sets the demo network size for the
database-backed benchmarks; the engine benchmarks (paths at 1M members, standing at 1M nodes /
20M edges) always run at their issue-defined sizes.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCALES = {"2k": 2_000, "10k": 10_000, "100k": 100_000}


def demo_database(members: int, workdir: Path) -> str:
    """A demo network of this size on SQLite, generated once per run."""
    env = {**os.environ, "SHAREWELL_DATA_DIR": str(workdir)}
    env.pop("SHAREWELL_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "sharewell.cli.main", "demo", "--members", str(members)],
        env=env,
        check=True,
    )
    return f"sqlite:///{workdir / 'sharewell.sqlite3'}"


def commands(members: int, url: str) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "import_parse": [py, str(HERE / "import_parse_bench.py")],
        "import": [py, str(HERE / "import_bench.py")],
        "paths_engine": [py, str(HERE / "paths_engine_bench.py")],
        "paths_db": [
            py,
            str(HERE / "paths_db_bench.py"),
            "--database-url",
            url,
            "--label",
            f"{members:,} members",
        ],
        "standing": [py, str(HERE / "standing_bench.py")],
        "feed": [py, str(HERE / "feed_bench.py"), "--reuse", "--database-url", url],
        "http": [py, str(HERE / "http_bench.py"), "--database-url", url],
        "http_cpu": [py, str(HERE / "http_profile.py"), "--database-url", url, "--label", "latest"],
    }


def summary() -> str:
    cores, memory = os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    parts = [
        "# Benchmarks",
        "",
        f"Summary written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {cores} cores, "
        f"{memory / 2**30:.1f} GiB, {platform.machine()}, Python {platform.python_version()}. "
        "Run them all with `make bench SCALE=2k|10k|100k` (or `python bench/run_all.py`); each "
        "section below is the Markdown its benchmark wrote to `bench/results/` (JSON beside it), "
        "with its own date and command.",
        "",
        "Numbers measured while other work was running on the machine say so in their section "
        "(load average); treat them as upper bounds.",
    ]
    for md in sorted((HERE / "results").glob("*.md")):
        text = md.read_text().strip()
        parts += [
            "",
            text.replace("\n# ", "\n## ").replace("# ", "## ", 1)
            if text.startswith("# ")
            else text,
        ]
    return "\n".join(parts) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=SCALES, default="2k")
    ap.add_argument("--only", nargs="*", help="benchmark names to run (default: all)")
    ap.add_argument("--summary-only", action="store_true", help="only rebuild bench/README.md")
    args = ap.parse_args()
    if not args.summary_only:
        members = SCALES[args.scale]
        with tempfile.TemporaryDirectory(prefix="sw-bench-") as tmp:
            url = demo_database(members, Path(tmp))
            for name, cmd in commands(members, url).items():
                if args.only and name not in args.only:
                    continue
                print(f"== {name}: {' '.join(cmd)}", flush=True)
                result = subprocess.run(cmd, cwd=ROOT)
                if result.returncode:
                    print(f"!! {name} failed with exit code {result.returncode}", flush=True)
    (HERE / "README.md").write_text(summary())
    print(f"wrote {HERE / 'README.md'}")


if __name__ == "__main__":
    main()
