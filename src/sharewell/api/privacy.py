"""Data rights: export and erasure for members, erasure for non-members, notices to the people
in members' books, and the administrators' side of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from sharewell.api.deps import AdminMember, CurrentMember
from sharewell.deps import LimiterDep, RowId, SessionDep, SettingsDep, client_address
from sharewell.privacy import limits, rules, service
from sharewell.privacy.schemas import (
    ConfirmIn,
    ErasureIn,
    ErasureOut,
    ErasureRequestIn,
    HandleIn,
    MessageOut,
    NoticePolicyIn,
    NoticePolicyOut,
    PendingNoticeOut,
    PendingRequestOut,
)

router = APIRouter(tags=["data rights"])


@router.get("/me/export", response_class=Response)
def export_my_data(
    member: CurrentMember, session: SessionDep, settings: SettingsDep, limiter: LimiterDep
) -> Response:
    """Everything Sharewell holds about you, as a zip: JSON per area and your contacts as vCard."""
    limits.check_export(limiter, member.id)
    data, name = service.export_archive(session, settings, member)
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/me/erasure", response_model=ErasureOut)
def erase_my_account(
    data: ErasureIn, member: CurrentMember, session: SessionDep, settings: SettingsDep
) -> ErasureOut:
    """Delete your account for good. Your contacts and private data are erased, your insights
    and comments anonymized or removed as you choose, every session and token ends."""
    service.check_erasure_credentials(
        session, member, password=data.password, code=data.code, confirm=data.confirm
    )
    service.erase_member(session, settings, member, content=data.content)
    return ErasureOut(erased=True, detail="Your account is deleted. Goodbye.")


@router.post("/erasure-requests", response_model=MessageOut, status_code=status.HTTP_202_ACCEPTED)
def request_erasure(
    data: ErasureRequestIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> MessageOut:
    """For people who are not members: be removed from every contact book. By email, confirm
    with the link we mail; by phone or LinkedIn URL, an administrator handles it. The answer
    never says whether anyone held you."""
    limits.check_request(limiter, data.identifier, client_address(request))
    if data.kind == "email":
        service.request_email_erasure(session, settings, data.identifier)
        return MessageOut(detail=service.ERASURE_SENT)
    service.request_admin_erasure(session, settings, data.kind, data.identifier, data.reply_to)
    return MessageOut(detail=service.ERASURE_QUEUED)


@router.post("/erasure-requests/confirm", response_model=MessageOut)
def confirm_erasure(data: ConfirmIn, session: SessionDep, settings: SettingsDep) -> MessageOut:
    """Use the link from the confirmation mail (single use, expiring)."""
    service.confirm_email_erasure(session, settings, data.token)
    return MessageOut(detail=service.ERASURE_DONE)


@router.get("/me/notices", response_model=list[PendingNoticeOut])
def my_pending_notices(member: CurrentMember, session: SessionDep) -> list[PendingNoticeOut]:
    """Shared entries with an email address whose person has not been told yet."""
    return [
        PendingNoticeOut(
            contact_id=n.public_id, name=n.name, visibility=n.visibility, created_at=n.created_at
        )
        for n in service.pending_notices(session, member)
    ]


ContactId = Annotated[str, Path(max_length=40)]


@router.post("/me/notices/{contact_id}/send", status_code=status.HTTP_204_NO_CONTENT)
def send_notice(
    contact_id: ContactId, member: CurrentMember, session: SessionDep, settings: SettingsDep
) -> None:
    """Tell the person what is shared about them and how to opt out (limited per day)."""
    service.send_notice(session, settings, member, contact_id)


@router.post("/me/notices/{contact_id}/skip", status_code=status.HTTP_204_NO_CONTENT)
def skip_notice(contact_id: ContactId, member: CurrentMember, session: SessionDep) -> None:
    """Do not send this notice (not possible when the administrator requires notices)."""
    service.skip_notice(session, member, contact_id)


# --- administrators ---------------------------------------------------------------------------


@router.get("/admin/erasure-requests", response_model=list[PendingRequestOut])
def pending_requests(admin: AdminMember, session: SessionDep) -> list[PendingRequestOut]:
    """Open erasure requests by phone number or LinkedIn URL."""
    return [PendingRequestOut(**r.__dict__) for r in service.pending_admin_requests(session)]


@router.post("/admin/erasure-requests/{request_id}/complete", response_model=MessageOut)
def complete_request(
    request_id: RowId, admin: AdminMember, session: SessionDep, settings: SettingsDep
) -> MessageOut:
    """Erase every matching contact, answer the person, forget the identifier."""
    service.handle_admin_request(session, settings, admin, request_id, approve=True)
    return MessageOut(detail="Done; the person was told.")


@router.post("/admin/erasure-requests/{request_id}/reject", response_model=MessageOut)
def reject_request(
    request_id: RowId,
    data: HandleIn,
    admin: AdminMember,
    session: SessionDep,
    settings: SettingsDep,
) -> MessageOut:
    service.handle_admin_request(
        session, settings, admin, request_id, approve=False, note=data.note
    )
    return MessageOut(detail="Rejected; the person was told.")


def _policy_out(policy: service.NoticePolicy) -> NoticePolicyOut:
    return NoticePolicyOut(
        template=policy.template,
        required=policy.required,
        is_default=policy.is_default,
        placeholders=list(rules.NOTICE_PLACEHOLDERS),
    )


@router.get("/admin/notice-settings", response_model=NoticePolicyOut)
def notice_settings(admin: AdminMember, session: SessionDep) -> NoticePolicyOut:
    return _policy_out(service.notice_policy(session))


@router.put("/admin/notice-settings", response_model=NoticePolicyOut)
def set_notice_settings(
    data: NoticePolicyIn, admin: AdminMember, session: SessionDep
) -> NoticePolicyOut:
    """Require notices or not; edit the template ($holder_name, $shared, $optout_url,
    $erasure_url, $site_url; $optout_url must stay)."""
    return _policy_out(
        service.set_notice_policy(
            session,
            template=data.template,
            required=data.required,
            reset_template=data.reset_template,
        )
    )
