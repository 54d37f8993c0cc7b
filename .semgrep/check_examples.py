"""The rules catch what they exist for: semgrep's JSON findings on .semgrep/examples must be
exactly the lines after each `ruleid: <rule>` annotation (and none after `ok: <rule>`).
Usage: semgrep scan --config .semgrep --json .semgrep/examples | python check_examples.py"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent / "examples"


def expected() -> set[tuple[str, str, int]]:
    out = set()
    for path in EXAMPLES.iterdir():
        for n, line in enumerate(path.read_text().splitlines(), 1):
            found = re.search(r"ruleid: ([\w-]+)", line)
            if found:
                out.add((found.group(1), path.name, n + 1))
    return out


def main() -> None:
    report = json.load(sys.stdin)
    got = {
        (r["check_id"].rsplit(".", 1)[-1], Path(r["path"]).name, r["start"]["line"])
        for r in report["results"]
    }
    want = expected()
    if report.get("errors") or got != want:
        print("missed:", sorted(want - got), "\nunexpected:", sorted(got - want))
        print("errors:", report.get("errors"))
        sys.exit(1)
    print(f"semgrep rules: all {len(want)} examples flagged, nothing else")


if __name__ == "__main__":
    main()
