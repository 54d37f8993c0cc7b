"""Standing: leaderboards, members' standing, your own standing explained, seeds (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from sharewell.api.deps import AdminMember, CurrentMember
from sharewell.db import utcnow
from sharewell.deps import SessionDep, SettingsDep
from sharewell.members.queries import active_member_by_handle
from sharewell.pagination import Page, clamp_limit
from sharewell.standing import queries, service
from sharewell.standing.schemas import (
    LeaderOut,
    MyStandingOut,
    RunOut,
    SeedIn,
    SeedOut,
    StandingOut,
    TopicBoardOut,
)

router = APIRouter(tags=["standing"])


@router.get("/standing/leaderboard", response_model=Page[LeaderOut])
def leaderboard(
    session: SessionDep,
    settings: SettingsDep,
    topic: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page[LeaderOut]:
    """Go-to people: overall, or for one topic (`topic` = its slug)."""
    return queries.leaderboard(
        session, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor, topic=topic
    )


@router.get("/standing/topics", response_model=list[TopicBoardOut])
def topic_boards(session: SessionDep) -> list[TopicBoardOut]:
    """Topics that have a leaderboard (enough impacts), most members first."""
    return queries.topic_boards(session)


@router.get("/me/standing", response_model=MyStandingOut)
def my_standing(member: CurrentMember, session: SessionDep, settings: SettingsDep) -> MyStandingOut:
    """Your standing, explained in words, with its history."""
    return queries.my_standing(session, member, days=settings.standing_history_days, now=utcnow())


@router.get("/members/{handle}/standing", response_model=StandingOut)
def member_standing(handle: str, session: SessionDep) -> StandingOut:
    return queries.member_standing(session, active_member_by_handle(session, handle))


admin = APIRouter(prefix="/admin/standing", tags=["admin"])


@admin.get("/seeds", response_model=list[SeedOut])
def list_seeds(admin: AdminMember, session: SessionDep) -> list[SeedOut]:
    """Seeds of the trust computation: administrators and members marked as seeds."""
    return queries.seeds(session)


@admin.post("/seeds", response_model=list[SeedOut], status_code=status.HTTP_201_CREATED)
def add_seed(data: SeedIn, admin: AdminMember, session: SessionDep) -> list[SeedOut]:
    service.add_seed(session, data.who, by=admin)
    return queries.seeds(session)


@admin.delete("/seeds/{handle}", status_code=status.HTTP_204_NO_CONTENT)
def remove_seed(handle: str, admin: AdminMember, session: SessionDep) -> None:
    service.remove_seed(session, handle)


@admin.post("/recompute", response_model=RunOut)
def recompute(admin: AdminMember, session: SessionDep, settings: SettingsDep) -> RunOut:
    """Recompute standing now, in this request (for large networks prefer
    `sharewell standing recompute` or the scheduled job)."""
    summary = service.recompute(session, settings, utcnow(), trigger="admin")
    del summary  # the run row holds the same numbers
    return queries.recent_runs(session, 1)[0]


@admin.get("/runs", response_model=list[RunOut])
def runs(admin: AdminMember, session: SessionDep) -> list[RunOut]:
    return queries.recent_runs(session, 20)
