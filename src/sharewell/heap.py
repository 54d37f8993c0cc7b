"""Garbage collection in a long-running server process.

A full (oldest-generation) collection walks every tracked object, and a Sharewell process
holds about 130,000 of them before its first request: modules, classes, SQLAlchemy's mappers
and compiled statements, the app. On a 2-core machine one such walk took 60-80 ms of CPU, and
CPython runs one every few hundred requests, inside whichever request happens to allocate
at that moment: it was most of the search's 99th percentile (bench/search_bench.py). Objects
that live as long as the process never become garbage, so they are moved out of the
collector's sight once, at startup (``gc.freeze``); a full collection then walks only what
was created since.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect once, then freeze every object still alive (moved to the permanent generation,
    never collected nor walked again). Returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
