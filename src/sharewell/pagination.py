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


def decode_cursor(cursor: str | None, arity: int = 1) -> list[int | str] | None:
    """Parse a cursor made by :func:`encode_cursor`; a tampered one is a clear 422."""
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
    if not all(isinstance(v, int | str) for v in values):
        raise InvalidInput("The cursor is not valid; start again without it.", field="cursor")
    return values


def clamp_limit(limit: int | None, cap: int) -> int:
    if limit is None:
        return min(DEFAULT_LIMIT, cap)
    if limit < 1:
        raise InvalidInput("limit must be at least 1.", field="limit")
    return min(limit, cap)
