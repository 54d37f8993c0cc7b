"""Error pages for the web layer (the API gets problem+json instead)."""

from __future__ import annotations

import logging
from contextlib import ExitStack

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Connection, inspect
from sqlalchemy.orm import Session

from sharewell.db import session_scope
from sharewell.members.models import Member
from sharewell.web.templating import render

log = logging.getLogger("sharewell.web")


def render_error(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    with ExitStack() as stack:
        _reload_member(request, stack)
        return render(
            request,
            "error.html",
            {"status": status, "title": title, "detail": detail},
            status_code=status,
            headers=headers,
        )


def _reload_member(request: Request, stack: ExitStack) -> None:
    """By the time an error is rendered, the request's session has been rolled back and
    closed, which detaches the signed-in member: reading their name for the navigation would
    raise and turn a 404 into a 500. Re-read them in a short session of the page's own."""
    member = getattr(request.state, "member", None)
    if member is None:
        return
    state = inspect(member)
    if state.session is not None and not state.expired_attributes:
        return
    previous = getattr(request.state, "db", None)
    request.state.member = None  # anonymous navigation unless the member can be re-read
    request.state.db = None
    identity = state.identity
    if not identity:
        return
    try:
        session: Session
        if isinstance(previous, Session) and isinstance(previous.bind, Connection):
            # A session pinned to one connection (an outer transaction, as in tests) can only
            # be read through that connection: a second one would wait for its write lock.
            # The read begins a new transaction on it: end that one (only that one) once the
            # page is rendered, or it would stay open past the request.
            session = previous
            if not previous.in_transaction():
                stack.callback(previous.rollback)
        else:
            session = stack.enter_context(session_scope(request.app.state.session_factory))
        request.state.member = session.get(Member, identity[0])
        request.state.db = session
    except Exception:  # an error page must render even when the database does not answer
        log.exception("could not re-read the signed-in member for an error page")
