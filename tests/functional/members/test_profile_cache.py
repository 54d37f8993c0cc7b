"""The anonymous profile page cache (web/profile_cache.py) against committed data: two app
instances on one database (as two workers), so a change through one must be seen by the next
request to the other; erased and suspended members vanish at once; nothing personal is stored;
ETag and 304 answer for the page as it is now."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.conftest import drop_postgres_database, fresh_database_url
from tests.factories import PASSWORD, csrf_from, web_sign_in

from sharewell.app import create_app
from sharewell.config import Settings
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.members import service
from sharewell.members.schemas import ProfileUpdate, SignUpIn
from sharewell.migrations import upgrade


@pytest.fixture
def shared_url(backend: str, tmp_path: Path) -> Iterator[str]:
    url = fresh_database_url(backend, tmp_path, "profile_cache")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    if backend == "postgresql":
        drop_postgres_database(url.rsplit("/", 1)[1])


def _app(url: str, settings: Settings) -> tuple[FastAPI, Engine]:
    engine = make_engine(url)
    return create_app(settings, engine=engine), engine


@pytest.fixture
def two(shared_url: str, settings: Settings) -> Iterator[tuple[TestClient, TestClient, Engine]]:
    app_a, engine_a = _app(shared_url, settings)
    app_b, engine_b = _app(shared_url, settings)
    with TestClient(app_a) as a, TestClient(app_b) as b:
        yield a, b, engine_a
    engine_a.dispose()
    engine_b.dispose()


def _member(engine: Engine, handle: str, **profile: object) -> None:
    with session_scope(make_session_factory(engine)) as session:
        member = service.sign_up(
            session,
            SignUpIn(email=f"{handle}@example.org", password=PASSWORD, display_name=handle.title()),
        )
        assert member is not None
        service.update_profile(session, member, ProfileUpdate(handle=handle, **profile))  # type: ignore[arg-type]


def _edit_profile(client: TestClient, handle: str, **fields: str) -> None:
    """Edit the signed-in member's profile through the settings form of ``client``'s app."""
    form = client.get("/settings/profile")
    data = {"csrf_token": csrf_from(form.text), "display_name": handle.title(), "handle": handle}
    r = client.post("/settings/profile", data={**data, **fields}, follow_redirects=False)
    assert r.status_code == 303


def test_a_profile_edit_through_one_instance_is_seen_at_once_by_the_other(
    two: tuple[TestClient, TestClient, Engine],
) -> None:
    a, b, engine = two
    _member(engine, "amara", headline="Grain trader", topics=["Logistics"], offers=["routes"])
    first = b.get("/members/amara")
    assert first.status_code == 200 and "Grain trader" in first.text
    assert len(b.app.state.profile_cache) == 1  # type: ignore[attr-defined]
    assert b.get("/members/amara").text == first.text  # now from b's cache

    web_sign_in(a, "amara@example.org")
    _edit_profile(
        a, "amara", headline="Cold-chain lead", topics="", offers="", asks="shipping in Lagos"
    )
    page = b.get("/members/amara").text
    assert "Cold-chain lead" in page and "Grain trader" not in page
    assert "shipping in Lagos" in page
    assert "Logistics" not in page and "routes" not in page  # emptied topics and offers too


def test_suspended_and_erased_members_vanish_at_once_from_a_cached_page(
    two: tuple[TestClient, TestClient, Engine],
) -> None:
    a, b, engine = two
    _member(engine, "bea")
    _member(engine, "chidi")
    assert b.get("/members/bea").status_code == 200
    assert b.get("/members/chidi").status_code == 200
    with session_scope(make_session_factory(engine)) as session:
        service.set_suspended(session, "bea")
    assert b.get("/members/bea").status_code == 404

    web_sign_in(a, "chidi@example.org")
    data_page = a.get("/settings/data")
    erase = a.post(
        "/settings/data/erase",
        data={"csrf_token": csrf_from(data_page.text), "confirm": "delete my account",
              "password": PASSWORD, "content": "anonymize"},
        follow_redirects=False,
    )  # fmt: skip
    assert erase.status_code == 303, erase.text
    assert b.get("/members/chidi").status_code == 404


def test_cached_anonymous_pages_hold_nothing_personal(
    two: tuple[TestClient, TestClient, Engine],
) -> None:
    a, b, engine = two
    _member(engine, "dara", headline="Editor")
    _member(engine, "esi")
    web_sign_in(a, "esi@example.org")
    signed_in = a.get("/members/dara")  # a signed-in view first: never stored
    assert signed_in.status_code == 200 and "Sign out" in signed_in.text
    for _ in range(2):  # rendered, then served from the cache
        page = b.get("/members/dara")
        assert page.status_code == 200 and "Editor" in page.text
        assert "Sign out" not in page.text and "Esi" not in page.text
        assert "csrf" not in page.text.lower() and "set-cookie" not in page.headers
    assert len(b.app.state.profile_cache) == 1  # type: ignore[attr-defined]
    assert a.get("/members/dara").text.count("Sign out") == 1  # still personal when signed in
    assert len(a.app.state.profile_cache) == 0  # type: ignore[attr-defined]


def test_etag_answers_304_while_the_page_is_unchanged_and_200_after_a_change(
    two: tuple[TestClient, TestClient, Engine],
) -> None:
    a, b, engine = two
    _member(engine, "femi", headline="Baker")
    page = b.get("/members/femi")
    etag = page.headers["etag"]
    assert page.headers["cache-control"] == "no-cache" and "Cookie" in page.headers["vary"]
    assert a.get("/members/femi").headers["etag"] == etag  # the same page on the other worker
    again = b.get("/members/femi", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    with session_scope(make_session_factory(engine)) as session:
        member = service.set_suspended(session, "femi", False)
        service.update_profile(session, member, ProfileUpdate(headline="Pastry chef"))
    changed = b.get("/members/femi", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Pastry chef" in changed.text
    assert changed.headers["etag"] != etag


def test_the_cache_can_be_switched_off(shared_url: str, settings: Settings) -> None:
    off = settings.model_copy(update={"profile_cache_entries": 0})
    app, engine = _app(shared_url, off)
    _member(engine, "gita")
    with TestClient(app) as client:
        page = client.get("/members/gita")
        assert page.status_code == 200 and "etag" not in page.headers
    engine.dispose()


def test_signed_in_views_share_the_public_parts_and_keep_the_personal_ones(
    two: tuple[TestClient, TestClient, Engine],
) -> None:
    a, b, engine = two
    _member(engine, "hana", headline="Nurse")
    _member(engine, "ivo")
    web_sign_in(b, "ivo@example.org")
    web_sign_in(a, "hana@example.org")
    seen = b.get("/members/hana").text
    assert "Nurse" in seen and ">Connect<" in seen and "Edit profile" not in seen
    own = a.get("/members/hana").text  # the same public parts, the owner's own buttons
    assert "Nurse" in own and "Edit profile" in own and ">Connect<" not in own
    _edit_profile(a, "hana", headline="Midwife")
    again = b.get("/members/hana").text
    assert "Midwife" in again and "Nurse" not in again and ">Connect<" in again
    assert "Sign out" in again and "Ivo" in again  # the viewer's own navigation
