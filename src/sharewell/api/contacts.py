"""The holder's own contact book: CRUD, import, export, duplicates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from sharewell.api.deps import CurrentMember
from sharewell.contacts import queries, service
from sharewell.contacts.importing import import_file
from sharewell.contacts.schemas import ContactIn, ContactOut, DuplicatePair, ImportReport
from sharewell.deps import RowId, SessionDep, SettingsDep
from sharewell.importers import ContactFormat
from sharewell.pagination import Page, clamp_limit

router = APIRouter(prefix="/contacts", tags=["contacts"])


@router.get("", response_model=Page[ContactOut])
def list_contacts(
    member: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=100, description="Name or company contains")] = None,
    tag: Annotated[str | None, Query(max_length=60)] = None,
    visibility: Annotated[str | None, Query(pattern="^(private|counted|blind|open)$")] = None,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page[ContactOut]:
    """Your own contacts (nobody else's book is ever listed)."""
    return queries.list_contacts(
        session,
        member,
        limit=clamp_limit(limit, settings.page_size_max),
        cursor=cursor,
        q=q,
        tag=tag,
        visibility=visibility,
    )


@router.post("", response_model=ContactOut, status_code=status.HTTP_201_CREATED)
def create_contact(data: ContactIn, member: CurrentMember, session: SessionDep) -> ContactOut:
    contact = service.create_contact(session, member, data)
    return queries.get_contact(session, member, contact.public_id)


@router.post("/imports", response_model=ImportReport)
async def import_contacts(
    member: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[
        UploadFile, File(description="LinkedIn Connections.csv, .vcf, Google or Outlook CSV")
    ],
    format: Annotated[ContactFormat | None, Form(description="Override format detection")] = None,
) -> ImportReport:
    """Import a contact file. All-or-nothing: a refused file changes nothing."""
    data = await file.read()
    visibility, _ = service.default_visibility(session, member)
    return import_file(
        session,
        member,
        data,
        filename=file.filename or "",
        fmt=format,
        max_bytes=settings.max_upload_bytes,
        secret_key=settings.secret_key,
        default_visibility=visibility,
    )


@router.get("/export", response_class=Response)
def export_contacts(
    member: CurrentMember,
    session: SessionDep,
    format: Annotated[str, Query(pattern="^(vcf|csv)$")] = "vcf",
) -> Response:
    """Your whole book as vCard 4.0 or CSV (cells escaped against formula injection)."""
    body, media_type, name = service.export_contacts(session, member, format)
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/duplicates", response_model=list[DuplicatePair])
def list_duplicates(member: CurrentMember, session: SessionDep) -> list[DuplicatePair]:
    return queries.list_duplicates(session, member)


class MergeIn(BaseModel):
    # Unknown fields are refused (422), as on every other input: no mass assignment.
    model_config = ConfigDict(extra="forbid")

    keep: str


@router.post("/duplicates/{pair_id}/merge", response_model=ContactOut)
def merge_duplicate(
    pair_id: RowId, data: MergeIn, member: CurrentMember, session: SessionDep
) -> ContactOut:
    kept = service.merge_duplicate(session, member, pair_id, data.keep)
    return queries.get_contact(session, member, kept.public_id)


@router.delete("/duplicates/{pair_id}", status_code=status.HTTP_204_NO_CONTENT)
def dismiss_duplicate(pair_id: RowId, member: CurrentMember, session: SessionDep) -> None:
    """They are different people: stop offering the merge."""
    service.dismiss_duplicate(session, member, pair_id)


@router.get("/{contact_id}", response_model=ContactOut)
def get_contact(contact_id: str, member: CurrentMember, session: SessionDep) -> ContactOut:
    return queries.get_contact(session, member, contact_id)


@router.patch("/{contact_id}", response_model=ContactOut)
def update_contact(
    contact_id: str, data: ContactIn, member: CurrentMember, session: SessionDep
) -> ContactOut:
    service.update_contact(session, member, contact_id, data)
    return queries.get_contact(session, member, contact_id)


@router.delete("/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_contact(contact_id: str, member: CurrentMember, session: SessionDep) -> None:
    service.delete_contact(session, member, contact_id)
