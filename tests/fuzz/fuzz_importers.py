"""Coverage-guided fuzzing of ``sharewell.importers.parse`` with atheris.

Not collected by pytest (the name does not start with ``test_``). Needs ``atheris``, which
is not a project dependency (``pip install atheris``; it needs a clang/libFuzzer build):

    .venv/bin/python tests/fuzz/fuzz_importers.py -max_total_time=60
    .venv/bin/python tests/fuzz/fuzz_importers.py tests/fixtures/contacts -max_total_time=60

The first input byte picks the format (detected, or one forced format), the rest is the file.
Any exception other than ``ImportFileError`` is a bug and stops the fuzzer with a crash file.
Seeding it with the fixtures directory as corpus reaches the deep branches much faster.
"""

from __future__ import annotations

import importlib
import sys

from sharewell.importers import ContactFormat, ImportFileError, parse

FORMATS: list[ContactFormat | None] = [None, *ContactFormat]


def test_one_input(data: bytes) -> None:
    if not data:
        return
    fmt = FORMATS[data[0] % len(FORMATS)]
    try:
        result = parse(data[1:], fmt)
    except ImportFileError:
        return
    for contact in result.contacts:
        if not contact.has_identity() or contact.source_line < 1:
            raise AssertionError(f"contact without identity or line: {contact!r}")


def main() -> None:
    try:
        # Imported by name: atheris is optional and has no type stubs.
        atheris = importlib.import_module("atheris")
    except ImportError:
        sys.exit("atheris is not installed: pip install atheris (see the module docstring)")
    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
