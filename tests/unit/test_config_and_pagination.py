"""Settings refuse unsafe production setups; cursors are opaque and tamper-evident."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sharewell.config import DEFAULT_SECRET_KEY, Settings
from sharewell.errors import InvalidInput
from sharewell.pagination import clamp_limit, decode_cursor, encode_cursor


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="SHAREWELL_SECRET_KEY"):
        Settings(env="production", secret_key=DEFAULT_SECRET_KEY)
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(env="production", secret_key="short")
    assert Settings(env="production", secret_key="k" * 40).secure_cookies


def test_default_database_is_sqlite_in_the_data_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'sharewell.sqlite3'}"


def test_cursor_round_trip_and_tampering() -> None:
    assert decode_cursor(encode_cursor(42)) == [42]
    assert decode_cursor(encode_cursor(3, "sql"), arity=2, kinds="is") == [3, "sql"]
    assert decode_cursor(encode_cursor("0001.0002"), kinds="s") == ["0001.0002"]
    assert decode_cursor(None) is None
    for bad in ["%%%", "bm90IGpzb24", encode_cursor(1, 2)]:
        with pytest.raises(InvalidInput, match="cursor"):
            decode_cursor(bad)
    # A cursor of the wrong shape is refused up front, never turned into a failing query:
    # text where an id belongs, a flag, a number no column holds, an id where text belongs.
    for bad, kinds in [("abc", None), (True, None), (10**30, None), (7, "s")]:
        with pytest.raises(InvalidInput, match="cursor"):
            decode_cursor(encode_cursor(bad), kinds=kinds)  # type: ignore[arg-type]


def test_page_size_is_capped() -> None:
    assert clamp_limit(None, 100) == 20
    assert clamp_limit(10_000, 100) == 100
    with pytest.raises(InvalidInput):
        clamp_limit(0, 100)
