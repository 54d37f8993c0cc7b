"""ASGI middleware: request ids and one log line per request, body-size limits and security
headers. Pure ASGI (not BaseHTTPMiddleware) so streaming and background tasks keep working."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sharewell import metrics

log = logging.getLogger("sharewell.request")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
# Swagger UI's page boots with an inline script; only /docs gets that allowance.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)

# Charts are SVG documents shown as images (web/charts.py): their own inline styles only.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _csp_for(path: str) -> str:
    if path == "/docs":
        return DOCS_CSP
    return CHART_CSP if path.startswith("/charts/") else CSP


class _TooLarge(Exception):
    pass


class RequestMiddleware:
    """Assigns a request id, enforces the body limit, adds security headers, logs one line.

    The log line holds method, path (never the query string, which may carry searched names),
    status, duration and request id: nothing a member typed about someone else.
    """

    def __init__(self, app: ASGIApp, *, body_limit: Callable[[str], int], hsts: bool) -> None:
        self.app = app
        self.body_limit = body_limit
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = (
            incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else secrets.token_hex(8)
        )
        scope.setdefault("state", {})["request_id"] = request_id
        path: str = scope["path"]
        limit = self.body_limit(path)
        status = 500

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject_too_large(scope, send, limit, request_id)
            log.info("%s %s 413 0ms rid=%s", scope["method"], path, request_id)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [
                    (b"x-request-id", request_id.encode()),
                    (b"content-security-policy", _csp_for(path).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if self.hsts:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            status = 413
            await self._reject_too_large(scope, send, limit, request_id)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.1fms rid=%s", scope["method"], path, status, elapsed, request_id)
            route = scope.get("route")
            template = getattr(route, "path", None) or (
                "/static" if path.startswith("/static/") else "unmatched"
            )
            metrics.REQUESTS.labels(scope["method"], template, str(status)).inc()
            metrics.LATENCY.labels(scope["method"], template).observe(elapsed / 1000)

    @staticmethod
    async def _reject_too_large(scope: Scope, send: Send, limit: int, request_id: str) -> None:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": "Too large",
            "status": 413,
            "detail": f"The request body is larger than the {limit:,} bytes allowed here.",
            "request_id": request_id,
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


# --- route lookup -----------------------------------------------------------------------------
#
# FastAPI (>= 0.137) keeps every `include_router` as a node that, for each request, tries each
# of its routes in turn through several layers of Python; with ~25 routers and ~350 routes, a
# request for a late route (or a 404) spent ~0.6 ms of CPU just finding its route, several
# times the whole bare-Starlette request (bench/results/http.md). A router can only answer a
# path that equals one of its literal paths or starts with the literal part (before the first
# `{`) of one of its parametrised paths; `index_included_routers` lets each included router
# rule itself out with one set lookup and one `str.startswith` before that scan. The outcome
# of matching is unchanged: a router that might match is scanned exactly as before. (The same
# idea, for prefixes only, is proposed upstream in fastapi/fastapi#16159.)

_INDEX_ATTR = "_sharewell_path_index"


def _path_index(candidates: list[Any]) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """(literal paths, literal prefixes of parametrised paths), or None when some candidate
    (a nested router, a frontend group) cannot be described that way."""
    exact: set[str] = set()
    prefixes: list[str] = []
    for candidate in candidates:
        path = getattr(candidate, "path", None)
        if (
            not isinstance(path, str)
            or not path.startswith("/")
            or not hasattr(candidate, "original_route")
        ):
            return None
        if "{" in path:
            prefixes.append(path.split("{", 1)[0])
        else:
            exact.add(path)
    return frozenset(exact), tuple(prefixes)


def index_included_routers() -> bool:
    """Install the path pre-check on FastAPI's included-router nodes (once per process).
    Returns False, changing nothing, on a FastAPI without them."""
    try:
        from fastapi.routing import _IncludedRouter
        from starlette._utils import get_route_path
        from starlette.routing import Match
    except ImportError:
        return False
    original = getattr(_IncludedRouter, "_match", None)
    if original is None or not hasattr(_IncludedRouter, "effective_candidates"):
        return False
    if getattr(original, "_sharewell_indexed", False):
        return True

    def _match(self: Any, scope: Scope) -> Any:
        candidates = self.effective_candidates()
        cached = self.__dict__.get(_INDEX_ATTR)
        if cached is None or cached[0] is not candidates:  # built, or routes changed since
            cached = (candidates, _path_index(candidates))
            self.__dict__[_INDEX_ATTR] = cached
        index = cached[1]
        if index is not None:
            path = get_route_path(scope)
            if path not in index[0] and not (index[1] and path.startswith(index[1])):
                return Match.NONE, {}, None, None
        return original(self, scope)

    _match._sharewell_indexed = True  # type: ignore[attr-defined]
    _match.__wrapped__ = original  # type: ignore[attr-defined]
    _IncludedRouter._match = _match  # type: ignore[method-assign]
    return True
