"""Web sign-in cookies, CSRF tokens and flash messages.

* ``sw_session``: signed (itsdangerous), HttpOnly, SameSite=Lax; carries a random secret whose
  SHA-256 identifies a ``web_sessions`` row, so sessions can be listed and revoked.
* ``sw_csrf``: a random value; every state-changing form (and htmx request, via a header) must
  carry the same value signed with the secret key (double-submit with a keyed signature).
* ``sw_flash``: signed, short-lived messages shown on the next page.
"""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, Signer

from sharewell import abuse
from sharewell.config import Settings
from sharewell.deps import LimiterDep, SessionDep, SettingsDep, client_address
from sharewell.errors import PermissionDenied
from sharewell.members import service
from sharewell.members.models import Member

SESSION_COOKIE = "sw_session"
CSRF_COOKIE = "sw_csrf"
FLASH_COOKIE = "sw_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def _signer(settings: Settings, salt: str) -> Signer:
    return Signer(settings.secret_key, salt=salt)


def _set_cookie(
    response: Response, settings: Settings, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


# --- sign-in --------------------------------------------------------------------------------


def set_session_cookie(response: Response, settings: Settings, secret: str) -> None:
    value = _signer(settings, "session").sign(secret).decode()
    _set_cookie(response, settings, SESSION_COOKIE, value, settings.session_days * 86400)


def clear_cookie(response: Response, settings: Settings, name: str) -> None:
    """Delete a cookie with the flags it was set with: a clearing header without them is
    itself a cookie a script could read or a plain-http request could carry."""
    response.delete_cookie(
        name, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    clear_cookie(response, settings, SESSION_COOKIE)


def current_member(request: Request, session: SessionDep, settings: SettingsDep) -> Member | None:
    if hasattr(request.state, "member"):
        member: Member | None = request.state.member
        return member
    request.state.db = session  # for page-wide extras such as navigation badges
    request.state.member = None
    request.state.web_session_id = None
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        try:
            secret = _signer(settings, "session").unsign(raw).decode()
        except BadSignature:
            secret = None
        found = (
            service.resolve_web_session(session, secret, days=settings.session_days)
            if secret
            else None
        )
        if found:
            request.state.web_session_id, request.state.member = found[0].id, found[1]
    return request.state.member  # type: ignore[no-any-return]


def required_member(
    request: Request, member: Annotated[Member | None, Depends(current_member)]
) -> Member:
    if member is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/")
    return member


WebMember = Annotated[Member | None, Depends(current_member)]
SignedInMember = Annotated[Member, Depends(required_member)]


def limited(action: str) -> Any:
    """A route dependency counting one ``action`` (see :mod:`sharewell.abuse`) by the signed-in
    member and their address before the page runs: ``dependencies=[limited("search")]``."""

    def count(
        request: Request, member: SignedInMember, limiter: LimiterDep, settings: SettingsDep
    ) -> None:
        abuse.check(limiter, settings, action, member_id=member.id, client=client_address(request))

    return Depends(count)


# --- CSRF -----------------------------------------------------------------------------------


def csrf_cookie_value(request: Request) -> str:
    """The browser's CSRF cookie value, creating one (set on the response later) if absent."""
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not value:
        value = secrets.token_urlsafe(24)
        request.state.new_csrf = value
    return value


def csrf_token(request: Request, settings: Settings) -> str:
    return _signer(settings, "csrf").sign(csrf_cookie_value(request)).decode()


def persist_csrf_cookie(request: Request, response: Response, settings: Settings) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        _set_cookie(response, settings, CSRF_COOKIE, new, 30 * 86400)


async def verify_csrf(request: Request, settings: SettingsDep) -> None:
    """Router dependency: refuses any unsafe request whose token does not match the cookie."""
    if request.method not in UNSAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            field = form.get(CSRF_FIELD)
            sent = field if isinstance(field, str) else None
    try:
        ok = (
            bool(cookie and sent)
            and _signer(settings, "csrf").unsign(sent or "").decode() == cookie
        )
    except BadSignature:
        ok = False
    if not ok:
        raise PermissionDenied(
            "This form has expired or came from another site. Reload the page and try again."
        )


# --- flash messages -------------------------------------------------------------------------


def flash(response: Response, settings: Settings, message: str, kind: str = "info") -> None:
    value = _signer(settings, "flash").sign(json.dumps([kind, message]).encode()).decode()
    _set_cookie(response, settings, FLASH_COOKIE, value, 120)


def pop_flash(request: Request, settings: Settings) -> tuple[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    request.state.clear_flash = True
    try:
        kind, message = json.loads(_signer(settings, "flash").unsign(raw))
    except (BadSignature, ValueError):
        return None
    return str(kind), str(message)


def onward(form_value: object, default: str) -> str:
    """Where a form that is also a step of the welcome path goes next: back into the path when
    the form says so, else its usual page. Only the welcome path is accepted, so the field
    cannot be used to send a member off-site or anywhere unexpected."""
    value = str(form_value or "")
    if value.startswith("/welcome") and "//" not in value and "\\" not in value:
        return value
    return default
