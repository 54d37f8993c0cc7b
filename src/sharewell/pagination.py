"""Cursor pagination shared by every list: opaque cursors, a hard cap on page size."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Generic, TypeVar

from pydantic import BaseModel

from sharewell.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 20


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(*values: int | str) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Ids and counts in cursors fit a signed 64-bit column; a larger number cannot come from us.
_CURSOR_INT_MAX = 2**63 - 1


def decode_cursor(
    cursor: str | None, arity: int = 1, kinds: str | None = None
) -> list[int | str] | None:
    """Parse a cursor made by :func:`encode_cursor`; a tampered one is a clear 422.
    ``kinds`` spells each value's type, ``i`` for an integer and ``s`` for text (default:
    integers only), so a cursor of the wrong shape is refused here instead of failing deep in
    a query."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "The cursor is not valid; start again without it.", field="cursor"
        ) from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidInput("The cursor is not valid; start again without it.", field="cursor")
    expected = kinds or "i" * arity
    if not all(_of_kind(v, k) for v, k in zip(values, expected, strict=True)):
        raise InvalidInput("The cursor is not valid; start again without it.", field="cursor")
    return values


def _of_kind(value: object, kind: str) -> bool:
    if kind == "s":
        return isinstance(value, str)
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _CURSOR_INT_MAX


def clamp_limit(limit: int | None, cap: int) -> int:
    if limit is None:
        return min(DEFAULT_LIMIT, cap)
    if limit < 1:
        raise InvalidInput("limit must be at least 1.", field="limit")
    return min(limit, cap)
