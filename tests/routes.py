"""Every route the app serves, with full paths (FastAPI keeps included routers lazily)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    in_schema: bool


def _walk(routes: Iterable[object], prefix: str) -> Iterable[RouteInfo]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = route.include_context  # type: ignore[attr-defined]
            yield from _walk(included.routes, prefix + context.prefix)
        elif isinstance(route, APIRoute):
            yield RouteInfo(prefix + route.path, frozenset(route.methods), route.include_in_schema)


def all_routes(app: FastAPI) -> list[RouteInfo]:
    return list(_walk(app.routes, ""))
