"""Anonymous profile pages served from a per-process cache that the database keeps true.

A public profile page (``GET /members/{handle}`` with no sign-in cookie) looks the same to every
anonymous visitor, yet rendering it took seven SQL statements, the dependency machinery and a
template: ~5 ms of CPU against ~0.2 ms for a bare Starlette endpoint (bench/results/http*.md).
:class:`ProfilePageMiddleware` (pure ASGI, inside the request middleware so security headers,
request ids, the log line and metrics stay as they are) answers such a request from memory
after **one indexed read** that returns the page's *fingerprint*:

* the member's id, ``updated_at`` and ``suspended_at`` (by the unique index on ``handle``):
  every change to what the page shows of the member bumps ``updated_at`` — column changes
  through the ORM's ``onupdate``, topics, offers, asks and links through the hooks in
  :mod:`sharewell.members.hooks` (and ``members.service.update_profile`` touches it itself);
  suspension and erasure set ``suspended_at`` or delete the row, so the page is gone at once;
* the id of the latest finished standing run (the standing section and its history);
* today's date (the history chart's window moves with it).

The read runs before every cached answer, on every worker, against the shared database: a
change committed through any process is seen by the next request to any other — the staleness
bound is zero, not a poll interval. When the fingerprint differs (or the page is not cached,
or the member is missing or suspended) the request goes through the normal route; a 200 page
rendered for an anonymous visitor is then stored under the fingerprint read *before* it was
rendered, so a write racing the render only causes one more re-render, never a stale hit.

Personal data never enters the cache: requests carrying a sign-in or flash cookie, a query
string or another method pass straight through; the page is rendered with ``public_page`` set,
which leaves out the CSRF token (an anonymous profile has no form) and sets no cookie; a
response that sets a cookie anyway is not stored. Answers carry an ``ETag`` (a hash of the
body) and ``Cache-Control: no-cache`` with ``Vary: Cookie``, so browsers revalidate each time
and get ``304 Not Modified`` while the page is unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, bindparam, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sharewell.db import utcnow
from sharewell.members.models import Member
from sharewell.standing.models import StandingRun

log = logging.getLogger("sharewell.web")

T = TypeVar("T")
PROFILE_PATH = re.compile(r"/members/([^/]+)")
PUBLIC_PAGE = "public_page"  # request.state flag read by templating.render
_BYPASS_COOKIES = (b"sw_session=", b"sw_flash=")
_KEPT_HEADERS = frozenset({b"content-type"})


@dataclass(frozen=True, slots=True)
class CachedPage:
    fingerprint: tuple[Any, ...]
    body: bytes
    etag: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    route: Any  # the matched route, so metrics label hits as the profile route


class ProfilePageCache:
    """Rendered anonymous profile pages of one process, least recently used dropped first."""

    def __init__(self, engine: Engine, entries: int) -> None:
        self.engine = engine
        self.entries = entries
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._parts: OrderedDict[int, tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._conn: Any = None
        # Compiled once for this database; each request runs the text on a DBAPI cursor.
        latest_run = (  # newest first by primary key: stops at the first finished run
            select(StandingRun.id)
            .where(StandingRun.finished_at.is_not(None))
            .order_by(StandingRun.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        compiled = (
            select(Member.id, Member.updated_at, Member.suspended_at, latest_run)
            .where(Member.handle == bindparam("handle"))
            .compile(dialect=engine.dialect)
        )
        self._sql = str(compiled)
        self._params = dict(compiled.construct_params({"handle": ""}))  # and the LIMIT
        self._order = compiled.positiontup if compiled.positional else None

    @property
    def enabled(self) -> bool:
        return self.entries > 0

    def fingerprint(self, handle: str) -> tuple[Any, ...] | None:
        """What the public page of ``handle`` depends on, or None when there is no such active
        member (or the database could not be read: the normal route then answers)."""
        key = handle.strip().lower()  # as members.queries.profile_page_of looks it up
        with self._lock:
            try:
                cursor = self._connection().cursor()
                try:
                    params = {**self._params, "handle": key}
                    if self._order is None:
                        cursor.execute(self._sql, params)
                    else:
                        cursor.execute(self._sql, tuple(params[n] for n in self._order))
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except Exception:
                log.warning("profile cache: fingerprint read failed", exc_info=True)
                self._drop_connection()
                return None
        if row is None or row[2] is not None:  # unknown, suspended or erased
            return None
        return (row[0], row[1], row[3], utcnow().date())

    def _connection(self) -> Any:
        """One connection of the pool kept for these reads, outside any transaction: a single
        statement needs none (SQLite runs it in autocommit, PostgreSQL is switched to it), and
        pool checkout, pre-ping and reset would cost more than the read."""
        if self._conn is None:
            conn = self.engine.raw_connection()
            # Out of the pool for good: switched to autocommit, it must never be handed to a
            # caller that expects a transaction; closing it then really closes it.
            conn.detach()
            if self.engine.dialect.name == "postgresql":
                conn.dbapi_connection.autocommit = True  # type: ignore[union-attr]
            self._conn = conn
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
            except Exception:  # already broken: nothing more to release
                log.debug("profile cache: invalidating the connection failed", exc_info=True)

    def parts(self, handle: str, load: Callable[[], T], member_id: Callable[[T], int]) -> T:
        """The shared public parts of a profile page (what ``load`` returns) for every view,
        signed in or not, kept under the same fingerprint as the pages: only the personal
        parts (degree, relation, buttons, aggregates) are then read per request."""
        fingerprint = self.fingerprint(handle) if self.enabled else None
        if fingerprint is None:  # not cacheable: ``load`` answers, or says it is not found
            return load()
        with self._lock:
            hit = self._parts.get(fingerprint[0])
            if hit is not None and hit[0] == fingerprint:
                self._parts.move_to_end(fingerprint[0])
                return cast(T, hit[1])
        value = load()  # read after the fingerprint: never older than it
        with self._lock:
            self._parts[member_id(value)] = (fingerprint, value)
            while len(self._parts) > self.entries:
                self._parts.popitem(last=False)
        return value

    def get(self, path: str, fingerprint: tuple[Any, ...]) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(path)
            if page is None:
                return None
            if page.fingerprint != fingerprint:
                del self._pages[path]
                return None
            self._pages.move_to_end(path)
            return page

    def put(self, path: str, page: CachedPage) -> None:
        with self._lock:
            self._pages[path] = page
            self._pages.move_to_end(path)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)

    def close(self) -> None:
        with self._lock:
            self._pages.clear()
            self._parts.clear()
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def _cookie_header(scope: Scope) -> bytes:
    return b"; ".join(value for name, value in scope["headers"] if name == b"cookie")


def _if_none_match(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return bytes(value)
    return None


def _etag_matches(header: bytes | None, etag: bytes) -> bool:
    if header is None:
        return False
    if header.strip() == b"*":
        return True
    return etag in (tag.strip().removeprefix(b"W/") for tag in header.split(b","))


def _validators(etag: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"etag", etag), (b"cache-control", b"no-cache"), (b"vary", b"Cookie")]


class ProfilePageMiddleware:
    """Serves anonymous profile pages from :class:`ProfilePageCache` (see module doc)."""

    def __init__(self, app: ASGIApp, *, cache: ProfilePageCache, endpoint: Any) -> None:
        self.app = app
        self.cache = cache
        self.endpoint = endpoint  # the route function whose pages may be stored

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope.get("query_string")
            or not self.cache.enabled
        ):
            await self.app(scope, receive, send)
            return
        match = PROFILE_PATH.fullmatch(scope["path"])
        cookies = _cookie_header(scope) if match else b""
        if match is None or any(name in cookies for name in _BYPASS_COOKIES):
            await self.app(scope, receive, send)
            return
        fingerprint = self.cache.fingerprint(match[1])
        if fingerprint is None:  # missing, suspended or unreadable: the route answers
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        page = self.cache.get(path, fingerprint)
        if page is not None:
            if page.route is not None:
                scope["route"] = page.route
            await self._send(send, page.body, page.etag, page.headers, _if_none_match(scope))
            return
        scope.setdefault("state", {})[PUBLIC_PAGE] = True
        await self._render_and_store(scope, receive, send, path, fingerprint)

    async def _render_and_store(
        self, scope: Scope, receive: Receive, send: Send, path: str, fingerprint: tuple[Any, ...]
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(scope, send, start, b"".join(chunks), path, fingerprint)

        await self.app(scope, receive, capture)

    async def _finish(
        self,
        scope: Scope,
        send: Send,
        start: Message,
        body: bytes,
        path: str,
        fingerprint: tuple[Any, ...],
    ) -> None:
        headers = list(start.get("headers", []))
        storable = (
            start["status"] == 200
            and scope.get("endpoint") is self.endpoint
            and not any(name == b"set-cookie" for name, _ in headers)
        )
        if not storable:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
        kept = tuple((n, v) for n, v in headers if n in _KEPT_HEADERS)
        self.cache.put(path, CachedPage(fingerprint, body, etag, kept, scope.get("route")))
        await self._send(send, body, etag, kept, _if_none_match(scope))

    @staticmethod
    async def _send(
        send: Send,
        body: bytes,
        etag: bytes,
        headers: tuple[tuple[bytes, bytes], ...],
        if_none_match: bytes | None,
    ) -> None:
        if _etag_matches(if_none_match, etag):
            await send({"type": "http.response.start", "status": 304, "headers": _validators(etag)})
            await send({"type": "http.response.body", "body": b""})
            return
        out = [*headers, (b"content-length", str(len(body)).encode()), *_validators(etag)]
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": body})
