"""Web hardening: CSRF on every state-changing page route, a Content-Security-Policy that
allows no inline script (and templates that need none), cookie flags, clickjacking
protection, and the scheme and client address behind a reverse proxy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import sharewell.all_models  # noqa: F401 - every table registered
from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.db import Base
from sharewell.deps import client_address
from tests.factories import PASSWORD, Members, csrf_from
from tests.routes import all_routes
from tests.safety.conftest import Harness

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "sharewell" / "web" / "templates"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def row_counts(harness: Harness) -> dict[str, int]:
    with Session(bind=harness.connection) as db:
        return {
            t.name: int(db.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def concrete(path: str, harness: Harness) -> str:
    values = {**harness.world.params, "action": "accept"}
    return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)


def test_every_state_changing_page_refuses_a_missing_or_forged_csrf_token(
    harness: Harness,
) -> None:
    """Signed in as the owner, with a session that could do everything: without the token,
    or with one signed for another browser, every form answers 403 and changes nothing."""
    routes = [
        (method, r.path)
        for r in all_routes(harness.app)
        if not r.in_schema and not r.path.startswith("/api/")
        for method in sorted(r.methods & UNSAFE)
    ]
    assert len(routes) > 80
    before = row_counts(harness)
    forged = harness.csrf["other"]  # a valid signature, for another browser's cookie
    checked = 0
    for method, template in routes:
        path = concrete(template, harness)
        for token in (None, forged, "not-a-token"):
            harness.client.cookies.clear()
            headers = {"cookie": harness.cookies["owner"]}
            data = {"csrf_token": token} if token else {}
            r = harness.client.request(
                method, path, data=data, headers=headers, follow_redirects=False
            )
            assert r.status_code == 403, (method, template, token, r.status_code)
            assert "expired or came from another site" in r.text
            checked += 1
    assert row_counts(harness) == before, "a refused form changed something"
    print(f"\nCSRF: {len(routes)} page routes x 3 bad tokens = {checked} refusals")


def test_pages_carry_a_strict_policy_and_refuse_framing(harness: Harness) -> None:
    harness.client.cookies.clear()
    for path in ("/", "/signin", "/members", "/contacts"):
        r = harness.client.get(path, headers={"cookie": harness.cookies["owner"]})
        policy = r.headers["content-security-policy"]
        directives = dict(
            ([*d.split(" ", 1), ""])[:2] for d in (p.strip() for p in policy.split(";")) if d
        )
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        assert "'unsafe-inline'" not in directives["style-src"]
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "pattern, what",
    [
        (r"<script(?![^>]*\bsrc=)[^>]*>", "an inline <script> body"),
        (r"\son[a-z]+\s*=", "an inline event handler (on…=)"),
        (r"\sstyle\s*=", "an inline style attribute"),
        (r"javascript:", "a javascript: URL"),
        (r"\shx-on", "an htmx inline handler"),
    ],
)
def test_templates_need_nothing_the_policy_forbids(pattern: str, what: str) -> None:
    """The policy forbids inline script and style; a template that relied on them would be
    silently broken in every browser, so none may."""
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{n}"
        for path in TEMPLATES.rglob("*.html")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(pattern, line, re.IGNORECASE)
    ]
    assert not offenders, f"{what} in {offenders}"


def _set_cookies(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("https", [False, True])
def test_session_cookies_are_httponly_lax_and_secure_over_https(
    engine: object, db: Session, settings: Settings, https: bool
) -> None:
    from sharewell.deps import get_db

    base_url = "https://sharewell.example" if https else "http://localhost:8000"
    app = create_app(settings.model_copy(update={"base_url": base_url}), engine=engine)  # type: ignore[arg-type]

    def test_db() -> object:
        yield db
        db.commit()

    app.dependency_overrides[get_db] = test_db
    member = Members(db).create()
    client = TestClient(app, base_url=base_url)
    page = client.get("/signin")
    signed_in = client.post(
        "/signin",
        data={"email": member.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    home = client.get("/")
    signed_out = client.post(
        "/signout", data={"csrf_token": csrf_from(home.text)}, follow_redirects=False
    )
    cookies = [*_set_cookies(page), *_set_cookies(signed_in), *_set_cookies(signed_out)]
    session_cookies = [c for c in cookies if c.startswith("sw_session=")]
    assert len(session_cookies) >= 2, cookies  # set at sign-in, cleared at sign-out
    assert any('sw_session=""' in c or "sw_session=;" in c for c in session_cookies)
    for cookie in cookies:
        flags = {f.strip().lower() for f in cookie.split(";")[1:]}
        assert "httponly" in flags, cookie
        assert "samesite=lax" in flags, cookie
        assert ("secure" in flags) is https, cookie
        assert "path=/" in flags, cookie


def _echo_app() -> FastAPI:
    app = FastAPI()

    @app.get("/whoami")
    def whoami(request: Request) -> JSONResponse:
        return JSONResponse({"scheme": request.url.scheme, "client": client_address(request)})

    return app


@pytest.mark.parametrize(
    "peer, trusted, expected",
    [
        # The proxy on this machine (the default setting) is believed…
        ("127.0.0.1", Settings().forwarded_allow_ips, ("https", "203.0.113.50")),
        # …a stranger who sends the same headers straight to the server is not.
        ("198.51.100.7", Settings().forwarded_allow_ips, ("http", "198.51.100.7")),
        ("10.0.0.5", "10.0.0.5", ("https", "203.0.113.50")),
    ],
)
def test_forwarded_headers_are_believed_only_from_the_configured_proxies(
    peer: str, trusted: str, expected: tuple[str, str]
) -> None:
    """What `sharewell serve` runs: Uvicorn's proxy-headers support with
    ``SHAREWELL_FORWARDED_ALLOW_IPS``. The client address feeds every rate limit, the scheme
    the links and cookie flags, so a spoofed header must change neither."""
    assert Settings().forwarded_allow_ips == "127.0.0.1"
    app = ProxyHeadersMiddleware(_echo_app(), trusted_hosts=trusted)
    client = TestClient(app, client=(peer, 4321))  # type: ignore[arg-type]
    answer = client.get(
        "/whoami",
        headers={"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.50"},
    ).json()
    assert (answer["scheme"], answer["client"]) == expected


def test_serve_hands_the_trusted_proxies_to_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from sharewell.cli.main import app as cli
    from sharewell.config import get_settings

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("SHAREWELL_FORWARDED_ALLOW_IPS", "192.0.2.10")
    monkeypatch.setenv("SHAREWELL_DATABASE_URL", "sqlite://")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--no-migrate"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is True
    assert seen["forwarded_allow_ips"] == "192.0.2.10"
