"""Coverage-guided fuzzing of the contact importers with atheris (libFuzzer).

Not collected by pytest (the name does not start with ``test_``). ``make fuzz`` runs every
target for ``FUZZ_SECONDS`` (default 60) each; by hand:

    .venv/bin/python tests/fuzz/fuzz_importers.py --target vcard --seconds 60

Targets: ``detect`` (format detection, then the detected parser), ``linkedin``, ``vcard``,
``google``, ``outlook`` and ``sharewell_csv`` (each parser forced). Each run is seeded with
the fixtures in ``tests/fixtures/contacts`` (copied into a scratch corpus, never written
back). Any exception other than ``ImportFileError`` is a bug: the input that raised it is
saved as ``tests/fuzz_corpus/<target>/crash-<sha1>``, where ``tests/safety/test_fuzz_corpus.py``
replays it in every test run from then on. Fix the importer, keep the file.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shutil
import sys
import tempfile
from pathlib import Path

from sharewell.importers.models import ContactFormat

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "fixtures" / "contacts"
CORPUS = ROOT / "tests" / "fuzz_corpus"
TARGETS: dict[str, ContactFormat | None] = {
    "detect": None,
    **{fmt.value: fmt for fmt in ContactFormat},
}


def check_one(data: bytes, fmt: ContactFormat | None) -> None:
    """Parse ``data``: a clean result or a clear ImportFileError, nothing else."""
    from sharewell.importers import ImportFileError, parse

    try:
        result = parse(data, fmt)
    except ImportFileError as exc:
        if not str(exc).strip():
            raise AssertionError("an import error must say what is wrong") from exc
        return
    for contact in result.contacts:
        if not contact.has_identity() or contact.source_line < 1:
            raise AssertionError(f"contact without identity or line: {contact!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=sorted(TARGETS), required=True)
    parser.add_argument("--seconds", type=int, default=60)
    args, libfuzzer_args = parser.parse_known_args()
    try:
        # Imported by name: atheris is a dev-only dependency and has no type stubs.
        atheris = importlib.import_module("atheris")
    except ImportError:
        sys.exit("atheris is not installed: pip install -e '.[dev]'")
    fmt = TARGETS[args.target]
    crashes = CORPUS / args.target
    crashes.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"fuzz-{args.target}-"))
    for seed in SEEDS.iterdir():
        shutil.copy(seed, scratch / seed.name)
    for known in crashes.iterdir():  # earlier finds keep guiding the search
        shutil.copy(known, scratch / f"known-{known.name}")

    def test_one_input(data: bytes) -> None:
        check_one(data, fmt)

    # Only the importers (and the parsers they lean on) are instrumented: instrumenting
    # everything takes minutes before the first input runs.
    for name in [m for m in sys.modules if m.startswith("sharewell.importers")]:
        del sys.modules[name]
    with atheris.instrument_imports(include=["sharewell.importers", "vobject"]):
        importlib.import_module("sharewell.importers")
    atheris.Setup(
        [
            sys.argv[0],
            f"-max_total_time={args.seconds}",
            f"-artifact_prefix={crashes}/",
            "-rss_limit_mb=2048",
            "-max_len=65536",
            *libfuzzer_args,
            str(scratch),
        ],
        test_one_input,
    )
    try:
        atheris.Fuzz()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        # libFuzzer names finds crash-/timeout-/oom-<sha1>; only those are kept.
        for stray in crashes.iterdir():
            if not re.match(r"(crash|timeout|oom|slow-unit)-[0-9a-f]+$", stray.name):
                stray.unlink()


if __name__ == "__main__":
    main()
