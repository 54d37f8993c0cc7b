"""Docs that stay true: every setting and every command is documented in the README."""

from __future__ import annotations

from pathlib import Path

import typer

from sharewell.cli.main import app
from sharewell.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_configuration_table() -> None:
    missing = [
        f"SHAREWELL_{name.upper()}"
        for name in Settings.model_fields
        if f"`SHAREWELL_{name.upper()}`" not in README
    ]
    assert not missing, f"document these settings in README.md: {missing}"


def _commands(group: typer.Typer, prefix: str = "sharewell") -> list[str]:
    names = [
        f"{prefix} {c.name or c.callback.__name__.replace('_', '-')}"  # type: ignore[union-attr]
        for c in group.registered_commands
    ]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        names += _commands(sub.typer_instance, f"{prefix} {sub.name}")
    return names


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name in _commands(app) if f"`{name}" not in README]
    assert not missing, f"document these commands in README.md: {missing}"
