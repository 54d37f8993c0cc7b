"""Rendering pages: the Jinja2 environment and the one ``render`` every page goes through, which
adds the signed-in member, the CSRF token and flash messages to the context."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from sharewell import __version__
from sharewell.config import Settings
from sharewell.web import session as web_session
from sharewell.web.profile_cache import PUBLIC_PAGE

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["version"] = __version__

# Areas register their navigation entries here: (label, path, needs sign-in).
NAVIGATION: list[tuple[str, str, bool]] = [
    ("Members", "/members", False),
    ("Topics", "/topics", False),
    ("Contacts", "/contacts", True),
    ("Insights", "/insights", False),
    ("Feed", "/feed", True),
    ("Ledger", "/ledger", True),
    ("Network", "/network", True),
    ("Find a way in", "/find", True),
    ("Introductions", "/intros", True),
    ("Saved searches", "/search/saved", True),
]

# Areas register unread counts shown beside a navigation entry: path -> fn(session, member).
BADGES: dict[str, Callable[[Any, Any], int]] = {}
log = logging.getLogger("sharewell.web")


def _badges(request: Request, member: Any) -> dict[str, int]:
    session = getattr(request.state, "db", None)
    if member is None or session is None:
        return {}
    out = {}
    for path, count in BADGES.items():
        try:
            out[path] = count(session, member)
        except Exception:  # a badge must never break a page
            log.exception("navigation badge for %s failed", path)
    return out


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    member = getattr(request.state, "member", None)
    # A page the anonymous profile cache may store (web/profile_cache.py) is the same for every
    # visitor: no CSRF token (it has no form) and so no cookie, no flash message.
    public = member is None and getattr(request.state, PUBLIC_PAGE, False)
    ctx: dict[str, Any] = {
        "request": request,
        "me": member,
        "csrf_token": "" if public else web_session.csrf_token(request, settings),
        "flash": None if public else web_session.pop_flash(request, settings),
        "navigation": [
            (label, path) for label, path, private in NAVIGATION if member or not private
        ],
        "badges": _badges(request, member),
        **(context or {}),
    }
    response = templates.TemplateResponse(
        request, template, ctx, status_code=status_code, headers=headers
    )
    web_session.persist_csrf_cookie(request, response, settings)
    if getattr(request.state, "clear_flash", False):
        web_session.clear_cookie(response, settings, web_session.FLASH_COOKIE)
    return response
