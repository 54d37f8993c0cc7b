"""Connections, blocks, the introductions pause, paths and recommendations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from sharewell.api.deps import CurrentMember
from sharewell.deps import SessionDep, SettingsDep
from sharewell.errors import InvalidInput
from sharewell.members import queries as member_queries
from sharewell.members.schemas import MemberSummary
from sharewell.network import queries, rules, service
from sharewell.network.graph import GraphIndex
from sharewell.network.schemas import (
    ConnectIn,
    ConnectionOut,
    HandleIn,
    PathsOut,
    PauseIn,
    PauseOut,
    RecommendationOut,
    RequestOut,
    StrengthIn,
)
from sharewell.pagination import Page, clamp_limit

router = APIRouter(tags=["network"])


def current_graph(request: Request, session: SessionDep) -> GraphIndex:
    """The process's graph index, brought up to date with the change log first."""
    index: GraphIndex = request.app.state.graph.current(session)
    return index


GraphDep = Annotated[GraphIndex, Depends(current_graph)]


@router.get("/connections", response_model=Page[ConnectionOut])
def list_connections(
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page[ConnectionOut]:
    return queries.list_connections(
        session, me, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor
    )


@router.get("/connections/requests", response_model=list[RequestOut])
def list_requests(me: CurrentMember, session: SessionDep) -> list[RequestOut]:
    """Pending requests, incoming and outgoing (at most 100)."""
    return queries.list_requests(session, me)


@router.post("/connections/requests", response_model=RequestOut | ConnectionOut, status_code=201)
def request_connection(
    data: ConnectIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> RequestOut | ConnectionOut:
    """Ask a member to connect. If they already asked you, this accepts their request."""
    other = member_queries.active_member_by_handle(session, data.handle)
    row = service.request_connection(session, me, other, settings, message=data.message)
    summary = member_queries.summary_of(other)
    if row.status == "accepted":
        return ConnectionOut(
            member=summary,
            strength=row.strength,
            my_rating=None,
            origin=row.origin,
            since=row.responded_at,
        )
    return RequestOut(
        member=summary, direction="outgoing", message=row.message, requested_at=row.requested_at
    )


@router.post("/connections/requests/{handle}/accept", response_model=ConnectionOut)
def accept(handle: str, me: CurrentMember, session: SessionDep) -> ConnectionOut:
    other = member_queries.active_member_by_handle(session, handle)
    row = service.accept(session, me, other)
    return ConnectionOut(
        member=member_queries.summary_of(other),
        strength=row.strength,
        my_rating=None,
        origin=row.origin,
        since=row.responded_at,
    )


@router.post("/connections/requests/{handle}/decline", status_code=status.HTTP_204_NO_CONTENT)
def decline(handle: str, me: CurrentMember, session: SessionDep) -> None:
    service.decline(session, me, member_queries.active_member_by_handle(session, handle))


@router.delete("/connections/requests/{handle}", status_code=status.HTTP_204_NO_CONTENT)
def cancel(handle: str, me: CurrentMember, session: SessionDep) -> None:
    """Withdraw a request you sent."""
    service.cancel(session, me, member_queries.active_member_by_handle(session, handle))


@router.delete("/connections/{handle}", status_code=status.HTTP_204_NO_CONTENT)
def remove(handle: str, me: CurrentMember, session: SessionDep) -> None:
    service.remove(session, me, member_queries.active_member_by_handle(session, handle))


@router.put("/connections/{handle}/strength", response_model=ConnectionOut)
def rate(handle: str, data: StrengthIn, me: CurrentMember, session: SessionDep) -> ConnectionOut:
    """Rate your tie 1–5; paths use the weaker of both sides' ratings."""
    other = member_queries.active_member_by_handle(session, handle)
    row = service.rate(session, me, other, data.strength)
    return ConnectionOut(
        member=member_queries.summary_of(other),
        strength=row.strength,
        my_rating=data.strength,
        origin=row.origin,
        since=row.responded_at,
    )


@router.get("/blocks", response_model=list[MemberSummary])
def list_blocks(me: CurrentMember, session: SessionDep) -> list[MemberSummary]:
    return queries.list_blocked(session, me)


@router.post("/blocks", status_code=status.HTTP_204_NO_CONTENT)
def block(data: HandleIn, me: CurrentMember, session: SessionDep) -> None:
    """Block a member: removes the connection, cancels requests, no paths between you."""
    service.block(session, me, member_queries.active_member_by_handle(session, data.handle))


@router.delete("/blocks/{handle}", status_code=status.HTTP_204_NO_CONTENT)
def unblock(handle: str, me: CurrentMember, session: SessionDep) -> None:
    service.unblock(session, me, member_queries.active_member_by_handle(session, handle))


@router.get("/me/introductions", response_model=PauseOut)
def get_pause(me: CurrentMember, session: SessionDep) -> PauseOut:
    return PauseOut(paused=service.is_paused(session, me.id))


@router.put("/me/introductions", response_model=PauseOut)
def set_pause(data: PauseIn, me: CurrentMember, session: SessionDep) -> PauseOut:
    """`paused: true`: you are not taking introductions now and are never offered as a
    connector (you stay reachable as a target)."""
    return PauseOut(paused=service.set_paused(session, me, data.paused))


@router.get("/paths", response_model=PathsOut)
def paths(
    request: Request,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    graph: GraphDep,
    to: Annotated[str | None, Query(max_length=40, description="A member's handle")] = None,
    topic: Annotated[str, Query(max_length=100, description="Topic or skill")] = "",
    company: Annotated[str, Query(max_length=100)] = "",
    title: Annotated[str, Query(max_length=100, description="Title words (all must match)")] = "",
    city: Annotated[str, Query(max_length=100)] = "",
    k: Annotated[int, Query(ge=1, le=queries.MAX_K)] = 5,
) -> PathsOut:
    """The best k paths within three hops: `to` a member (through connections only), or to
    anyone matching a filter (members, blind and open cards, counted groups)."""
    if to and any((topic, company, title, city)):
        raise InvalidInput("Ask either for a member (to) or for a filter, not both.", field="to")
    if to:
        return queries.paths_to_member(session, graph, me, to, k=k)
    flt = rules.check_filter(topic=topic, company=company, title=title, city=city)
    terms = request.app.state.graph.term_index(session)
    return queries.paths_to_filter(session, graph, me, flt, settings, k=k, terms=terms)


@router.get("/recommendations", response_model=list[RecommendationOut])
def recommendations(
    me: CurrentMember,
    session: SessionDep,
    graph: GraphDep,
    k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[RecommendationOut]:
    """People you may want to know, from shared connections and shared topics."""
    return queries.recommendations(session, graph, me, k=k)
