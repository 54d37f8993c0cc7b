"""Accounts, profiles and topics."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from sharewell.api.deps import CurrentMember, MaybeMember
from sharewell.deps import RowId, SessionDep, SettingsDep
from sharewell.members import queries, service
from sharewell.members.schemas import (
    MemberSummary,
    MeOut,
    PasswordChangeIn,
    ProfileOut,
    ProfileUpdate,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
    TopicWithCount,
)
from sharewell.network.queries import with_degrees
from sharewell.pagination import Page, clamp_limit

router = APIRouter()


@router.get("/me", response_model=MeOut, tags=["members"])
def me(member: CurrentMember) -> MeOut:
    return queries.me_of(member)


@router.patch("/me", response_model=MeOut, tags=["members"])
def update_me(data: ProfileUpdate, member: CurrentMember, session: SessionDep) -> MeOut:
    """Change any of your profile's fields; fields you leave out stay as they are."""
    service.update_profile(session, member, data)
    return queries.me_of(member)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT, tags=["members"])
def change_password(data: PasswordChangeIn, member: CurrentMember, session: SessionDep) -> None:
    service.change_password(session, member, data.current_password, data.new_password)


@router.get("/me/tokens", response_model=list[TokenOut], tags=["members"])
def list_tokens(member: CurrentMember, session: SessionDep) -> list[TokenOut]:
    return queries.list_tokens(session, member)


@router.post(
    "/me/tokens",
    response_model=TokenCreatedOut,
    status_code=status.HTTP_201_CREATED,
    tags=["members"],
)
def create_token(
    data: TokenCreateIn, member: CurrentMember, session: SessionDep
) -> TokenCreatedOut:
    lifetime = timedelta(days=data.expires_in_days) if data.expires_in_days else None
    token, secret = service.create_api_token(
        session, member, name=data.name, scope=data.scope, lifetime=lifetime
    )
    listed = next(t for t in queries.list_tokens(session, member) if t.id == token.id)
    return TokenCreatedOut(**listed.model_dump(), token=secret)


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["members"])
def revoke_token(token_id: RowId, member: CurrentMember, session: SessionDep) -> None:
    service.revoke_api_token(session, member, token_id)


@router.get("/members", response_model=Page[MemberSummary], tags=["members"])
def list_members(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: MaybeMember,
    topic: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page[MemberSummary]:
    """Members; signed in, each carries its degree (1st, 2nd, 3rd, out of network)."""
    page = queries.list_members(
        session, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor, topic=topic
    )
    _degrees(request, session, viewer, page.items)
    return page


def _degrees(
    request: Request, session: SessionDep, viewer: MaybeMember, items: list[MemberSummary]
) -> None:
    graph = request.app.state.graph.current(session) if viewer is not None else None
    with_degrees(session, graph, viewer, items)


@router.get("/members/{handle}", response_model=ProfileOut, tags=["members"])
def get_member(
    request: Request, handle: str, session: SessionDep, viewer: MaybeMember
) -> ProfileOut:
    profile = queries.get_profile(session, handle)
    _degrees(request, session, viewer, [profile])
    return profile


@router.get("/topics", response_model=Page[TopicWithCount], tags=["topics"])
def list_topics(
    session: SessionDep,
    settings: SettingsDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page[TopicWithCount]:
    return queries.list_topics(
        session, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor
    )


@router.get("/topics/{slug}", response_model=TopicWithCount, tags=["topics"])
def get_topic(slug: str, session: SessionDep) -> TopicWithCount:
    return queries.get_topic(session, slug)


@router.get("/topics/{slug}/members", response_model=Page[MemberSummary], tags=["topics"])
def topic_members(
    request: Request,
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    viewer: MaybeMember,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page[MemberSummary]:
    queries.get_topic(session, slug)  # 404 for unknown topics rather than an empty list
    page = queries.list_members(
        session, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor, topic=slug
    )
    _degrees(request, session, viewer, page.items)
    return page
