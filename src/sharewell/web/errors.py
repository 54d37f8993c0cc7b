"""Error pages for the web layer (the API gets problem+json instead)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from sharewell.web.templating import render


def render_error(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
        headers=headers,
    )
