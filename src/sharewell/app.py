"""``create_app()``: the FastAPI application, its routers and the one place errors are mapped."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from sharewell import __version__, metrics
from sharewell.api import accounts as accounts_api
from sharewell.api import admin as admin_api
from sharewell.api import contacts as contacts_api
from sharewell.api import insights as insights_api
from sharewell.api import intros as intros_api
from sharewell.api import ledger as ledger_api
from sharewell.api import members as members_api
from sharewell.api import network as network_api
from sharewell.api import privacy as privacy_api
from sharewell.api import search as search_api
from sharewell.api import sharing as sharing_api
from sharewell.api import standing as standing_api
from sharewell.api.problems import describe_problems, problem
from sharewell.config import Settings, get_settings
from sharewell.db import engine_for, make_session_factory, read_first
from sharewell.deps import SessionDep
from sharewell.errors import RateLimited, SharewellError
from sharewell.heap import freeze_startup_objects
from sharewell.http import RequestMiddleware, index_included_routers
from sharewell.network.index import GraphHolder
from sharewell.ratelimit import limiter_for
from sharewell.web import accounts as web_accounts
from sharewell.web import charts as web_charts
from sharewell.web import contacts as web_contacts
from sharewell.web import errors as web_errors
from sharewell.web import insights as web_insights
from sharewell.web import intros as web_intros
from sharewell.web import ledger as web_ledger
from sharewell.web import network as web_network
from sharewell.web import onboarding as web_onboarding
from sharewell.web import privacy as web_privacy
from sharewell.web import routes as web_routes
from sharewell.web import search as web_search
from sharewell.web import sharing as web_sharing
from sharewell.web import standing as web_standing
from sharewell.web.profile_cache import ProfilePageCache, ProfilePageMiddleware
from sharewell.web.session import SignInRequired

log = logging.getLogger("sharewell")
STATIC_DIR = Path(__file__).parent / "web" / "static"

API_DESCRIPTION = """
Sharewell's JSON API. Authenticate with `Authorization: Bearer <token>`: create a personal
token under Settings → API tokens, or use **Authorize** here (OAuth2 password flow).
Errors are `application/problem+json`; lists take `cursor` and `limit` (capped).
"""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
        out.append({"field": ".".join(loc) or "body", "reason": err.get("msg", "invalid")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SharewellError)
    async def domain_error(request: Request, exc: SharewellError) -> Response:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        if _is_api(request):
            errors = [{"field": exc.field, "reason": exc.detail}] if exc.field else None
            if exc.status == 401:
                headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
            return problem(
                exc.status,
                exc.title,
                exc.detail,
                errors=errors,
                headers=headers,
                request_id=request.state.request_id,
            )
        return web_errors.render_error(request, exc.status, exc.title, exc.detail, headers)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/signin?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = _field_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        if _is_api(request):
            return problem(
                422, "Invalid input", detail, errors=errors, request_id=request.state.request_id
            )
        return web_errors.render_error(request, 422, "Invalid input", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Not signed in"}
        title = titles.get(exc.status_code, "Error")
        detail = str(exc.detail) if exc.status_code != 404 else "There is nothing at this address."
        if _is_api(request):
            return problem(
                exc.status_code,
                title,
                detail,
                request_id=request.state.request_id,
                headers=getattr(exc, "headers", None),
            )
        return web_errors.render_error(request, exc.status_code, title, detail)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        rid = request.state.request_id
        log.exception("unhandled error rid=%s", rid)
        detail = f"Something went wrong on our side; nothing was changed. Reference: {rid}."
        if _is_api(request):
            return problem(500, "Server error", detail, request_id=rid)
        return web_errors.render_error(request, 500, "Server error", detail)


def _warm_graph(app: FastAPI) -> None:
    """Build (or load) the graph index in the background as the process starts, so the first
    path query does not pay for it; a failure only means it is built on first use."""
    import threading

    from sharewell.db import session_scope

    def build() -> None:
        try:
            # A reader: building the index must not hold the SQLite write lock (see db.py).
            with session_scope(app.state.read_session_factory) as session:
                app.state.graph.current(session)
                app.state.graph.term_index(session)
        except Exception:
            log.warning("graph index not built at start-up; it will be on first use")

    threading.Thread(target=build, name="graph-warmup", daemon=True).start()


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI document describes errors as they are sent: problem+json."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or engine_for(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """The embedded scheduler runs jobs inside this process (see docs/operations.md)."""
        scheduler = None
        if settings.env != "test":  # a test process builds many apps that should not outlive it
            freeze_startup_objects()  # what lives as long as the process: see sharewell.heap
        if settings.jobs_in_process and settings.env != "test":
            from sharewell.jobs.runner import Scheduler

            scheduler = Scheduler(app.state.session_factory, settings)
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            app.state.profile_cache.close()

    app = FastAPI(
        title="Sharewell",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.read_session_factory = make_session_factory(read_first(engine))
    app.state.limiter = limiter_for(settings, engine)
    from sharewell.search import semantic

    semantic.configure(settings.search_semantic, settings.search_semantic_model)
    app.state.graph = GraphHolder(settings)  # built at start-up (below) or on first use
    if settings.env != "test":
        _warm_graph(app)

    def body_limit(path: str) -> int:
        return settings.max_upload_bytes if "/import" in path else settings.max_body_bytes

    # Inside the request middleware, so cached pages get the same headers, log line and metrics.
    app.state.profile_cache = ProfilePageCache(engine, settings.profile_cache_entries)
    app.add_middleware(
        ProfilePageMiddleware, cache=app.state.profile_cache, endpoint=web_routes.profile
    )
    app.add_middleware(RequestMiddleware, body_limit=body_limit, hsts=settings.secure_cookies)
    index_included_routers()  # route lookup without scanning every router (see http.py)
    install_error_handlers(app)

    app.include_router(members_api.router, prefix="/api/v1")
    app.include_router(accounts_api.router, prefix="/api/v1")
    app.include_router(admin_api.router, prefix="/api/v1")
    app.include_router(accounts_api.admin, prefix="/api/v1")
    app.include_router(sharing_api.router, prefix="/api/v1")  # before /contacts/{id}
    app.include_router(contacts_api.router, prefix="/api/v1")
    app.include_router(insights_api.router, prefix="/api/v1")
    app.include_router(standing_api.router, prefix="/api/v1")
    app.include_router(standing_api.admin, prefix="/api/v1")
    app.include_router(web_insights.router)
    app.include_router(network_api.router, prefix="/api/v1")
    app.include_router(web_standing.router)
    app.include_router(web_routes.router)
    app.include_router(web_accounts.router)
    app.include_router(web_sharing.router)  # before /contacts/{id}
    app.include_router(web_contacts.router)
    app.include_router(ledger_api.router, prefix="/api/v1")
    app.include_router(web_ledger.router)
    app.include_router(web_network.router)
    app.include_router(intros_api.router, prefix="/api/v1")
    app.include_router(web_intros.router)
    app.include_router(search_api.router, prefix="/api/v1")
    app.include_router(web_search.router)
    app.include_router(privacy_api.router, prefix="/api/v1")
    app.include_router(web_privacy.router)
    app.include_router(web_onboarding.router)
    app.include_router(web_charts.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _document_problems(app)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Sharewell API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/healthz", tags=["operations"])
    def healthz() -> JSONResponse:
        """Liveness and database reachability."""
        try:
            # A raw DBAPI read: no transaction, so it never waits for SQLite's write lock.
            raw = engine.raw_connection()
            try:
                raw.cursor().execute("SELECT 1")
            finally:
                raw.close()
        except Exception:  # any driver error means "not healthy", never a 500
            log.exception("health check failed")
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        # Whether this worker has built its graph index yet: until then path queries and
        # searches on it wait for the build (benchmarks and probes can wait for "ready").
        graph = "ready" if app.state.graph.all_ready else "building"
        return JSONResponse({"status": "ok", "version": __version__, "graph_index": graph})

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics_endpoint(request: Request, session: SessionDep) -> Response:
        """Prometheus metrics: requests, latencies, job runs, the mail queue."""
        if settings.metrics_token:
            sent = request.headers.get("authorization", "")
            expected = f"Bearer {settings.metrics_token}".encode()
            if not secrets.compare_digest(sent.encode(), expected):
                return Response(
                    "metrics need the configured bearer token\n",
                    401,
                    headers={"WWW-Authenticate": "Bearer"},
                    media_type="text/plain",
                )
        from sharewell.mail.queries import queue_stats

        try:
            stats = queue_stats(session)
            for status_name, count in stats.model_dump().items():
                metrics.MAIL_QUEUE.labels(status=status_name).set(count)
        except Exception:  # metrics must answer even when the database does not
            session.rollback()
            log.exception("could not read the mail queue for /metrics")
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    return app
