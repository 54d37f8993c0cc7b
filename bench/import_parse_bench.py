"""Parse throughput of the contact importers (no database).

Generates a realistic 30,000-contact file per format (LinkedIn Connections.csv with the
Notes preamble, BOM and CRLF; vCard 3.0 with some 2.1 quoted-printable cards; Google and
Outlook CSV), parses each several times with ``sharewell.importers.parse`` and reports the
median (p50) wall time and rows per second. Writes bench/results/import_parse.json and .md.

    .venv/bin/python bench/import_parse_bench.py [--rows 30000] [--runs 5]

The whole LinkedIn import (parse + database) must stay under 3 s for 30k rows on the 2-core
reference machine, so parsing should be well under 1 s. The database part is measured
separately by the import-service benchmark.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import json
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sharewell.importers import ContactFormat, parse

RESULTS = Path(__file__).resolve().parent / "results"

GIVEN = [
    "Jane", "Omar", "Li", "Anna", "Priya", "Zoë", "José", "Mohammed", "Yuki", "Chidi", "Ingrid",
    "Łukasz", "Ελένη", "Анна", "伟", "محمد", "प्रिया", "Sofía", "Kwame", "Aiko", "Renée", "Bob",
]  # fmt: skip
FAMILY = [
    "Doe", "Haddad", "Wei", "Petrova", "Sharma", "Ünal", "Müller", "Tanaka", "Okafor",
    "Bergström", "Wiśniewski", "Παπαδοπούλου", "王", "الأحمد", "शर्मा", "Ramírez", "Mensah",
    "O'Brien", "Nakamura", "Smith", "García", "Nguyen",
]  # fmt: skip
COMPANIES = [
    "Acme Corp", "Globex, Inc.", "Initech", "Umbrella", "Hooli", "Pied Piper, LLC", "腾讯",
    "Яндекс", "Société Générale", "Stark Industries", "Wayne Enterprises", "Contoso, Ltd.",
]  # fmt: skip
TITLES = [
    "Staff Data Engineer", "VP Sales", "Head of \"Growth\"", "CTO", "Recruiter",
    "Product Manager", "Analyst, Risk", "Software Engineer", "Founder & CEO", "Designer",
]  # fmt: skip


def people(n: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    start = date(2012, 1, 1)
    out: list[dict[str, str]] = []
    for i in range(n):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        slug = f"p{i}-{rng.randrange(16**6):06x}"
        out.append(
            {
                "given": given,
                "family": family,
                "slug": slug,
                "email": f"{slug}@example.com" if rng.random() < 0.15 else "",
                "phone": f"+1 415 555 {rng.randrange(10000):04d}",
                "company": rng.choice(COMPANIES),
                "title": rng.choice(TITLES),
                "date": (start + timedelta(days=rng.randrange(5000))).strftime("%d %b %Y"),
            }
        )
    return out


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def linkedin(ps: list[dict[str, str]]) -> bytes:
    notes = (
        'Notes:\r\n"When exporting your connection data, you may notice that some of the email '
        "addresses are missing. You will only see email addresses for connections who have "
        'allowed their connections to see or download their email address."\r\n\r\n'
    )
    header = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
              "Connected On"]  # fmt: skip
    rows = [header] + [
        [p["given"], p["family"], f"https://www.linkedin.com/in/{p['slug']}", p["email"],
         p["company"], p["title"], p["date"]]
        for p in ps
    ]  # fmt: skip
    return codecs.BOM_UTF8 + (notes + _csv(rows)).encode()


def vcard(ps: list[dict[str, str]]) -> bytes:
    cards = []
    for i, p in enumerate(ps):
        if i % 10 == 0:  # some 2.1 cards with quoted-printable names, as old phones write
            fn = "".join(f"={b:02X}" for b in f"{p['given']} {p['family']}".encode())
            cards.append(
                "BEGIN:VCARD\r\nVERSION:2.1\r\n"
                f"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{fn}\r\n"
                f"TEL;CELL;VOICE:{p['phone']}\r\nORG:{p['company']}\r\nEND:VCARD\r\n"
            )
            continue
        email = f"EMAIL;TYPE=INTERNET,WORK:{p['email']}\r\n" if p["email"] else ""
        cards.append(
            "BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"N:{p['family']};{p['given']};;;\r\nFN:{p['given']} {p['family']}\r\n{email}"
            f"TEL;TYPE=CELL:{p['phone']}\r\nORG:{p['company']}\r\nTITLE:{p['title']}\r\n"
            f"URL:https://www.linkedin.com/in/{p['slug']}\r\nEND:VCARD\r\n"
        )
    return "".join(cards).encode()


def google(ps: list[dict[str, str]]) -> bytes:
    header = ["First Name", "Middle Name", "Last Name", "Organization Name",
              "Organization Title", "Birthday", "Notes", "Labels", "E-mail 1 - Label",
              "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value", "Website 1 - Label",
              "Website 1 - Value"]  # fmt: skip
    rows = [header] + [
        [p["given"], "", p["family"], p["company"], p["title"], "", "", "* myContacts",
         "* Work" if p["email"] else "", p["email"], "Mobile", p["phone"], "Profile",
         f"https://www.linkedin.com/in/{p['slug']}"]
        for p in ps
    ]  # fmt: skip
    return codecs.BOM_UTF8 + _csv(rows).encode()


def outlook(ps: list[dict[str, str]]) -> bytes:
    header = ["First Name", "Middle Name", "Last Name", "Title", "Suffix", "E-mail Address",
              "E-mail 2 Address", "Business Phone", "Mobile Phone", "Job Title", "Company",
              "Business City", "Web Page", "Birthday", "Notes"]  # fmt: skip
    rows = [header] + [
        [p["given"], "", p["family"], "", "", p["email"], "", "", p["phone"], p["title"],
         p["company"], "", "", "0/0/00", ""]
        for p in ps
    ]  # fmt: skip
    return _csv(rows).encode()


GENERATORS: dict[ContactFormat, Callable[[list[dict[str, str]]], bytes]] = {
    ContactFormat.LINKEDIN: linkedin,
    ContactFormat.VCARD: vcard,
    ContactFormat.GOOGLE: google,
    ContactFormat.OUTLOOK: outlook,
}


def bench(rows: int, runs: int) -> dict[str, object]:
    ps = people(rows)
    results: dict[str, object] = {}
    for fmt, generate in GENERATORS.items():
        data = generate(ps)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            result = parse(data)  # detection included, as the import command does it
            times.append(time.perf_counter() - t0)
        assert result.format is fmt, result.format
        assert len(result.contacts) == rows, (fmt, len(result.contacts), result.errors[:3])
        p50 = statistics.median(times)
        results[fmt.value] = {
            "rows": rows,
            "bytes": len(data),
            "runs": runs,
            "p50_seconds": round(p50, 4),
            "min_seconds": round(min(times), 4),
            "max_seconds": round(max(times), 4),
            "rows_per_second": round(rows / p50),
        }
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    results = bench(args.rows, args.runs)
    meta = {
        "benchmark": "import_parse",
        "command": f"python bench/import_parse_bench.py --rows {args.rows} --runs {args.runs}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {platform.system()}",
        "formats": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "import_parse.json").write_text(json.dumps(meta, indent=2) + "\n")
    lines = [
        "# Contact import: parse throughput",
        "",
        f"`{meta['command']}` — Python {meta['python']}, {meta['machine']}, "
        f"{meta['measured_at']}. Parsing only (detection included, no database).",
        "",
        "| format | rows | MB | p50 s | rows/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for fmt, r in results.items():
        assert isinstance(r, dict)
        lines.append(
            f"| {fmt} | {r['rows']} | {r['bytes'] / 1e6:.1f} | {r['p50_seconds']:.3f} "
            f"| {r['rows_per_second']:,} |"
        )
    (RESULTS / "import_parse.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
