"""The domain error tree. Services raise these; the API and web layers map them to responses
in one place (``api/problems.py`` and ``web/errors.py``). Messages are shown to users, so they
say what to fix and never carry another member's private data."""

from __future__ import annotations


class SharewellError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidInput(SharewellError):
    status = 422
    title = "Invalid input"


class NotFound(SharewellError):
    """Also used for things that exist but the caller may not see, so ids cannot be probed."""

    status = 404
    title = "Not found"


class Conflict(SharewellError):
    status = 409
    title = "Conflict"


class AuthenticationFailed(SharewellError):
    status = 401
    title = "Not signed in"


class PermissionDenied(SharewellError):
    status = 403
    title = "Not allowed"


class PayloadTooLarge(SharewellError):
    status = 413
    title = "Too large"


class RateLimited(SharewellError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
