"""Distinct ids: ``np.unique`` against ``sharewell.arrays`` (sorting), on the array sizes the
path search, the term index and standing pass it.

    .venv/bin/python bench/arrays_bench.py      # writes bench/results/arrays.md and .json

CPU time per call (``time.process_time``), the best of 15 repeats, so a loaded machine
inflates both sides alike.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sharewell import arrays

RESULTS = Path(__file__).parent / "results"
SIZES = (2_000, 20_000, 200_000, 600_000, 5_000_000)


def best_ms(fn: Callable[[], Any], repeats: int = 15) -> float:
    times = []
    for _ in range(repeats):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return round(min(times) * 1000, 3)


def main() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for size in SIZES:
        ids = rng.integers(0, 100_000, size)  # node ids of a 100,000-member network
        assert (arrays.unique(ids) == np.unique(ids)).all()
        repeats = 15 if size <= 600_000 else 3
        rows.append(
            {
                "size": size,
                "np_unique_ms": best_ms(lambda: np.unique(ids), repeats),  # noqa: B023
                "arrays_unique_ms": best_ms(lambda: arrays.unique(ids), repeats),  # noqa: B023
            }
        )
    result = {
        "run": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, python {platform.python_version()}",
        "numpy": np.__version__,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "arrays.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Distinct ids: np.unique against sorting (bench/arrays_bench.py)",
        "",
        f"{result['run']}, {result['machine']}, numpy {result['numpy']}. CPU ms per call, best",
        "of 15 (3 for the largest); ids drawn from 0..99,999.",
        "",
        "| ids | np.unique | arrays.unique | × |",
        "|---|---|---|---|",
    ]
    for r in rows:
        x1 = r["np_unique_ms"] / max(r["arrays_unique_ms"], 1e-3)
        lines.append(
            f"| {r['size']:,} | {r['np_unique_ms']} | {r['arrays_unique_ms']} | {x1:.1f} |"
        )
    (RESULTS / "arrays.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
