"""The route-lookup pre-check (http.index_included_routers) never changes which route answers:
literal paths, parametrised paths, routers without a prefix, nested routers, a wrong method
(405), a missing trailing slash (redirect) and an unknown path (404) behave as in FastAPI."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from sharewell.http import index_included_routers


def make_app() -> FastAPI:
    people = APIRouter()

    @people.get("/people")
    def list_people() -> dict[str, str]:
        return {"route": "list"}

    @people.get("/people/{handle}")
    def person(handle: str) -> dict[str, str]:
        return {"route": "person", "handle": handle}

    @people.post("/people/{handle}/follow")
    def follow(handle: str) -> dict[str, str]:
        return {"route": "follow", "handle": handle}

    pages = APIRouter()

    @pages.get("/")
    def home() -> dict[str, str]:
        return {"route": "home"}

    @pages.get("/about/")
    def about() -> dict[str, str]:
        return {"route": "about"}

    inner = APIRouter()

    @inner.get("/deep/{x}")
    def deep(x: int) -> dict[str, object]:
        return {"route": "deep", "x": x}

    outer = APIRouter()
    outer.include_router(inner, prefix="/nested")

    catch_all = APIRouter()

    @catch_all.get("/{anything}/page")
    def page(anything: str) -> dict[str, str]:
        return {"route": "catch-all", "anything": anything}

    app = FastAPI()
    app.include_router(people, prefix="/api/v1")
    app.include_router(pages)
    app.include_router(outer)
    app.include_router(catch_all)
    return app


CASES = [
    ("GET", "/api/v1/people"),
    ("GET", "/api/v1/people/ada"),
    ("POST", "/api/v1/people/ada/follow"),
    ("GET", "/api/v1/people/ada/follow"),  # wrong method: 405
    ("GET", "/"),
    ("GET", "/about"),  # redirect to /about/
    ("GET", "/nested/deep/7"),
    ("GET", "/nested/deep/seven"),  # 422 from the converter-free int parameter
    ("GET", "/anything/page"),
    ("GET", "/api/v1/nothing-here"),  # 404
    ("GET", "/peoplex"),
]


def answers() -> list[tuple[int, str]]:
    with TestClient(make_app()) as client:
        out = []
        for method, path in CASES:
            response = client.request(method, path, follow_redirects=False)
            out.append((response.status_code, response.text))
        return out


def test_the_index_changes_no_answer() -> None:
    from fastapi.routing import _IncludedRouter

    current = _IncludedRouter._match
    if getattr(current, "_sharewell_indexed", False):
        # Another test's create_app installed it: compare with FastAPI's own method.
        _IncludedRouter._match = current.__wrapped__  # type: ignore[attr-defined,method-assign]
    before = answers()
    assert index_included_routers()  # installed again, as create_app leaves it
    after = answers()
    assert after == before
    statuses = [status for status, _ in after]
    assert statuses == [200, 200, 200, 405, 200, 307, 200, 422, 200, 404, 404]
