"""Sharing the contact book, cards and aggregates others may see, and the public opt-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlalchemy import select

from sharewell.accounts import limits
from sharewell.api.deps import AdminMember, CurrentMember, limited
from sharewell.contacts import queries, sharing
from sharewell.contacts import sharing_rules as rules
from sharewell.contacts.models import Contact, ContactDisplay
from sharewell.contacts.optouts import confirm_optout, register_optout, request_email_optout
from sharewell.contacts.schemas import (
    AggregateOut,
    BulkSharingIn,
    BulkSharingOut,
    CardOut,
    ContactOut,
    DisplayOut,
    OptOutConfirmIn,
    OptOutIn,
    PreviewOut,
    SharingDefaults,
    SharingIn,
)
from sharewell.deps import LimiterDep, SessionDep, SettingsDep, client_address
from sharewell.errors import NotFound
from sharewell.members.models import Member
from sharewell.members.queries import active_member_by_handle

router = APIRouter(tags=["sharing"])
OPTOUT_ACCEPTED = (
    "Thank you. From now on nobody can share you or ask to be introduced to you through "
    "Sharewell under that identifier."
)


@router.get("/contacts/settings", response_model=SharingDefaults)
def get_defaults(member: CurrentMember, session: SessionDep) -> SharingDefaults:
    found = sharing.get_defaults(session, member)
    return SharingDefaults(
        default_visibility=found.default_visibility, default_card_fields=found.default_card_fields
    )


@router.put("/contacts/settings", response_model=SharingDefaults)
def set_defaults(
    data: SharingDefaults, member: CurrentMember, session: SessionDep
) -> SharingDefaults:
    """The visibility new and imported contacts get."""
    sharing.set_defaults(session, member, data.default_visibility, data.default_card_fields)
    return data


@router.post("/contacts/sharing", response_model=BulkSharingOut)
def bulk_sharing(data: BulkSharingIn, member: CurrentMember, session: SessionDep) -> BulkSharingOut:
    """Set many entries' visibility at once (by ids, tag, company or all)."""
    selection = sharing.Selection(
        ids=tuple(data.ids or ()), tag=data.tag, company=data.company, all=data.all
    )
    changed = sharing.bulk_set_visibility(
        session, member, selection, data.visibility, card_fields=data.card_fields
    )
    return BulkSharingOut(changed=changed)


@router.put("/contacts/{contact_id}/sharing", response_model=ContactOut)
def set_sharing(
    contact_id: str, data: SharingIn, member: CurrentMember, session: SessionDep
) -> ContactOut:
    sharing.set_visibility(
        session,
        member,
        contact_id,
        data.visibility,
        card_fields=data.card_fields,
        how_known=data.how_known,
    )
    return queries.get_contact(session, member, contact_id)


@router.get("/contacts/{contact_id}/preview", response_model=PreviewOut)
def preview(
    contact_id: str,
    member: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    visibility: Annotated[str | None, Query(pattern="^(private|counted|blind|open)$")] = None,
    card_fields: Annotated[list[str] | None, Query()] = None,
) -> PreviewOut:
    """What others would see of this entry, with a warning when a blind card could single
    the person out (and coarser fields to use instead)."""
    p = sharing.preview(
        session, member, contact_id, settings, visibility=visibility, card_fields=card_fields
    )
    return PreviewOut(**p.__dict__)


@router.get("/cards/{card_id}", response_model=CardOut, dependencies=[limited("display")])
def get_card(
    card_id: str, member: CurrentMember, session: SessionDep, settings: SettingsDep
) -> CardOut:
    """A blind or open card (counts against your display quota)."""
    contact, card = sharing.shared_card(session, member, card_id, settings)
    holder = session.get(Member, contact.holder_id)
    assert holder is not None
    return CardOut(
        id=contact.public_id,
        holder=holder.handle,
        visibility=contact.visibility,
        card=card,
        description=rules.describe_card(card),
    )


@router.get(
    "/members/{handle}/knows",
    response_model=list[AggregateOut],
    dependencies=[limited("display")],
)
def knows(
    handle: str, member: CurrentMember, session: SessionDep, settings: SettingsDep
) -> list[AggregateOut]:
    """Who a member knows, in aggregate ("knows 12 people at Acme"), never below the minimum
    group size."""
    holder = active_member_by_handle(session, handle)
    aggregates = sharing.aggregates_for(session, holder.id, settings)
    sharing.record_displays(
        session, member, [(holder.id, None)] * min(len(aggregates), 1), "aggregate", settings
    )
    return [
        AggregateOut(
            company=a.company, count=a.count, by_skill=a.by_skill, description=a.describe()
        )
        for a in aggregates
    ]


@router.post("/optouts", status_code=status.HTTP_202_ACCEPTED, tags=["privacy"])
def opt_out(
    data: OptOutIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> dict[str, str]:
    """For anyone, member or not: never be shared or introduced. Takes effect at once and
    answers the same whether or not anyone holds you as a contact; an email address also gets
    a confirmation link."""
    limits.check(limiter, "optout", account=data.identifier.lower(), client=client_address(request))
    if data.kind == "email":
        request_email_optout(session, settings, data.identifier)
    else:
        register_optout(session, data.kind, data.identifier, secret_key=settings.secret_key)
    return {"status": "accepted", "detail": OPTOUT_ACCEPTED}


@router.post("/optouts/confirm", status_code=status.HTTP_200_OK, tags=["privacy"])
def confirm_opt_out(
    data: OptOutConfirmIn, session: SessionDep, settings: SettingsDep
) -> dict[str, str]:
    """Confirm an email opt-out with the token from the mailed link."""
    confirm_optout(session, settings, data.token)
    return {"status": "confirmed", "detail": "Thank you: the address is confirmed as yours."}


@router.get("/admin/contacts/{card_id}/displays", response_model=list[DisplayOut], tags=["admin"])
def displays(card_id: str, admin: AdminMember, session: SessionDep) -> list[DisplayOut]:
    """Who was shown a shared entry (administrators only: a member's searches are their own)."""
    contact_id = session.scalar(select(Contact.id).where(Contact.public_id == card_id))
    if contact_id is None:
        raise NotFound("No such entry.")
    rows = session.execute(
        select(Member.handle, ContactDisplay.surface, ContactDisplay.at)
        .join(Member, Member.id == ContactDisplay.viewer_id)
        .where(ContactDisplay.contact_id == contact_id)
        .order_by(ContactDisplay.at.desc())
        .limit(500)
    ).all()
    return [DisplayOut(viewer=h, surface=s, at=at) for h, s, at in rows]
