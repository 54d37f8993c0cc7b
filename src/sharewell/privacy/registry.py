"""Registries other areas plug into (like ``jobs.registry``):

* :func:`exporter` — a function that returns the area's part of a member's data export, as
  ``{file name: JSON-able value or bytes}``; the files go into the archive under the area's
  folder (``<name>/<file>``).
* :func:`on_member_erased` — a function that erases or anonymises the area's data of a member
  who deletes their account, in the caller's transaction (never commit).

Both run in a deterministic order: by ``order`` then name. The core areas use orders 100–400
and 900 (the account itself, last); a new area normally takes the default 500, so it runs
after pledges are refunded and content handled, while the member's name, email and account
still exist (for example to tell the other parties of an introduction that it was withdrawn).

An area registers in a module of its own (say ``intros/privacy.py``) and lists that module in
``sharewell/all_privacy.py``. See docs/privacy.md, "For developers".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.members.models import Member
from sharewell.privacy.rules import Registered, ordered


@dataclass(frozen=True)
class ExportContext:
    session: Session
    settings: Settings
    member: Member
    now: datetime


@dataclass
class ErasureContext:
    session: Session
    settings: Settings
    member: Member
    content: str  # "anonymize" | "remove": what the member chose for insights and comments
    now: datetime
    counts: dict[str, int]  # hooks add what they did (for the admin log; never shown to others)

    def count(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + int(n)


ExportFunc = Callable[[ExportContext], dict[str, Any]]
EraseFunc = Callable[[ErasureContext], None]


@dataclass(frozen=True)
class _Exporter(Registered):
    func: ExportFunc


@dataclass(frozen=True)
class _Eraser(Registered):
    func: EraseFunc


EXPORTERS: dict[str, _Exporter] = {}
ERASERS: dict[str, _Eraser] = {}


def exporter(name: str, *, order: int = 500) -> Callable[[ExportFunc], ExportFunc]:
    """Register an area's exporter; ``name`` is its folder in the archive."""

    def register(func: ExportFunc) -> ExportFunc:
        if name in EXPORTERS and EXPORTERS[name].func is not func:
            raise ValueError(f"an exporter named {name!r} is registered already")
        EXPORTERS[name] = _Exporter(name=name, order=order, func=func)
        return func

    return register


def on_member_erased(name: str, *, order: int = 500) -> Callable[[EraseFunc], EraseFunc]:
    """Register an area's erasure hook."""

    def register(func: EraseFunc) -> EraseFunc:
        if name in ERASERS and ERASERS[name].func is not func:
            raise ValueError(f"an erasure hook named {name!r} is registered already")
        ERASERS[name] = _Eraser(name=name, order=order, func=func)
        return func

    return register


def exporters() -> list[_Exporter]:
    _load()
    return ordered(EXPORTERS.values())  # type: ignore[return-value]


def erasers() -> list[_Eraser]:
    _load()
    return ordered(ERASERS.values())  # type: ignore[return-value]


def _load() -> None:
    import sharewell.all_privacy  # noqa: F401 - every area's hooks registered
