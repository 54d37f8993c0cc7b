"""Administration."""

from __future__ import annotations

from fastapi import APIRouter

from sharewell.api.deps import AdminMember
from sharewell.deps import SessionDep
from sharewell.members import queries, service
from sharewell.members.schemas import MemberSummary

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/members/{handle}/suspend", response_model=MemberSummary)
def suspend(handle: str, admin: AdminMember, session: SessionDep) -> MemberSummary:
    """Suspend a member: their sessions and tokens end and their profile disappears."""
    member = queries.active_member_by_handle(session, handle)
    return queries.summary_of(service.set_suspended(session, member.handle, True))


@router.post("/members/{handle}/restore", response_model=MemberSummary)
def restore(handle: str, admin: AdminMember, session: SessionDep) -> MemberSummary:
    return queries.summary_of(service.set_suspended(session, handle, False))
