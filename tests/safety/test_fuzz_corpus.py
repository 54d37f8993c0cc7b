"""Replays every input the importer fuzzer ever kept (tests/fuzz_corpus/<target>/), and the
import fixtures under every target: each must give a clean result or a clear import error,
never an unexpected exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.fuzz_importers import CORPUS, SEEDS, TARGETS, check_one

KEPT = sorted(p for p in CORPUS.glob("*/*") if p.is_file())


def test_every_kept_input_belongs_to_a_target() -> None:
    strays = [p for p in KEPT if p.parent.name not in TARGETS]
    assert not strays, f"inputs under unknown targets: {strays}"


@pytest.mark.parametrize("path", KEPT, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_kept_fuzz_inputs_import_cleanly_or_fail_clearly(path: Path) -> None:
    check_one(path.read_bytes(), TARGETS[path.parent.name])


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_fixture_under_every_importer(target: str) -> None:
    """The seeds the fuzzer starts from, forced through each parser: a wrong-format file is
    an import error that says so, not a crash."""
    seeds = sorted(SEEDS.iterdir())
    assert len(seeds) >= 10
    for seed in seeds:
        check_one(seed.read_bytes(), TARGETS[target])
