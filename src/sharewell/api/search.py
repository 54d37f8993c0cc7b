"""Search: one query over people, shared contacts and insights; autocomplete; saved searches
and their alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from sharewell.api.deps import CurrentMember, limited
from sharewell.deps import SessionDep, SettingsDep
from sharewell.network.graph import GraphIndex
from sharewell.search import queries, rules, service
from sharewell.search.schemas import AlertOut, SavedSearchIn, SavedSearchOut, SearchOut, Suggestion

router = APIRouter(tags=["search"])


def split_kinds(kind: list[str] | None) -> tuple[str, ...]:
    return rules.check_kinds(k for value in (kind or []) for k in value.split(","))


@router.get(
    "/search",
    response_model=SearchOut,
    response_model_exclude_none=True,
    dependencies=[limited("search")],
)
def search(
    request: Request,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=rules.MAX_QUERY_LEN)] = "",
    kind: Annotated[
        list[str] | None,
        Query(description="member, card, aggregate, insight, comment (repeat or comma-separate)"),
    ] = None,
    topic: Annotated[str | None, Query(max_length=60)] = None,
    company: Annotated[str | None, Query(max_length=100)] = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    degree: Annotated[int | None, Query(ge=1, le=3, description="Within this many hops")] = None,
    limit: Annotated[int, Query(ge=1, le=rules.LIMIT_MAX)] = 20,
    explain: Annotated[bool, Query(description="Show each ranking signal's part")] = False,
) -> SearchOut:
    """Members, shared cards, aggregates, insights and comments you may see, best first.
    Every card or aggregate shown counts against your display quota (429 beyond it)."""
    index: GraphIndex = request.app.state.graph.current(session)
    params = queries.SearchParams(
        q=q,
        kinds=split_kinds(kind),
        topic=topic,
        company=company,
        city=city,
        degree=degree,
        limit=limit,
        explain=explain,
    )
    return queries.search(session, me, params, settings, index)


@router.get("/search/suggest", response_model=list[Suggestion])
def suggest(
    me: CurrentMember,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> list[Suggestion]:
    """Autocomplete: members by name and topics (never a contact's name)."""
    return queries.suggest(session, me, q, limit=limit)


@router.get("/search/saved", response_model=list[SavedSearchOut])
def list_saved(me: CurrentMember, session: SessionDep) -> list[SavedSearchOut]:
    return queries.list_saved(session, me)


@router.post("/search/saved", response_model=SavedSearchOut, status_code=201)
def save(data: SavedSearchIn, me: CurrentMember, session: SessionDep) -> SavedSearchOut:
    """Watch a search: new members, insights and comments that match arrive as alerts."""
    saved = service.save_search(session, me, data)
    return next(s for s in queries.list_saved(session, me) if s.id == saved.public_id)


@router.delete("/search/saved/{saved_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_saved(saved_id: str, me: CurrentMember, session: SessionDep) -> Response:
    service.delete_saved(session, me, saved_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/search/alerts", response_model=list[AlertOut])
def alerts(
    me: CurrentMember, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 100
) -> list[AlertOut]:
    """New matches of your saved searches, newest first."""
    return queries.list_alerts(session, me, limit=limit)


@router.post("/search/alerts/read")
def read_alerts(me: CurrentMember, session: SessionDep) -> dict[str, int]:
    return {"marked": service.mark_read(session, me)}
