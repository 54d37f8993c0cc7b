"""Dependencies shared by the API and the web layer: one database session per request.

``scope="function"`` makes FastAPI run the commit before the response is sent, so a failed
commit becomes an error answer instead of a success that wrote nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.db import MAX_ROW_ID, session_scope
from sharewell.ratelimit import Limiter

READ_METHODS = frozenset({"GET", "HEAD"})


def get_db(request: Request) -> Iterator[Session]:
    """GET and HEAD requests mostly read: their sessions start as readers (see db.py)."""
    state = request.app.state
    factory = (
        state.read_session_factory if request.method in READ_METHODS else state.session_factory
    )
    with session_scope(factory) as session:
        yield session


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_limiter(request: Request) -> Limiter:
    limiter: Limiter = request.app.state.limiter
    return limiter


def client_address(request: Request) -> str:
    """The caller's address (Uvicorn's proxy-headers support fills it in behind a proxy)."""
    return request.client.host if request.client else "unknown"


LimiterDep = Annotated[Limiter, Depends(get_limiter)]

# Row ids in paths: a number a database column can hold. Anything else is simply not found
# (422 with the reason), never a driver overflow turned into a 500.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A numeric id.")]
