"""Pages of the contact book: list, add/edit, import with report, duplicates, export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from sharewell.contacts import queries, service
from sharewell.contacts.importing import import_file
from sharewell.contacts.schemas import ContactIn, ContactOut, TypedValueIO
from sharewell.deps import RowId, SessionDep, SettingsDep
from sharewell.errors import SharewellError
from sharewell.importers import ContactFormat
from sharewell.web import forms
from sharewell.web import session as web_session
from sharewell.web.session import SignedInMember
from sharewell.web.templating import render

router = APIRouter(
    prefix="/contacts", include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)]
)
PAGE = 50
FORMATS = [
    ("", "Detect from the file"),
    ("linkedin", "LinkedIn Connections.csv"),
    ("vcard", "vCard (.vcf)"),
    ("google", "Google Contacts CSV"),
    ("outlook", "Outlook CSV"),
]


def contact_from_form(form: dict[str, str]) -> ContactIn:
    def typed(field: str) -> list[TypedValueIO]:
        out = []
        for line in forms.lines(form.get(field, "")):
            value, _, kind = line.partition("|")
            out.append(TypedValueIO(value=value.strip(), type=kind.strip()[:30]))
        return out

    try:
        return ContactIn(
            full_name=form.get("full_name", ""),
            company=form.get("company", ""),
            title=form.get("title", ""),
            industry=form.get("industry", ""),
            city=form.get("city", ""),
            region=form.get("region", ""),
            country=form.get("country", ""),
            linkedin_url=form.get("linkedin_url", ""),
            notes=form.get("notes", ""),
            emails=typed("emails"),
            phones=typed("phones"),
            skills=[s for s in form.get("skills", "").split(",") if s.strip()],
            tags=[t for t in form.get("tags", "").split(",") if t.strip()],
        )
    except ValidationError as exc:
        raise forms.first_error(exc) from None


def form_values(c: ContactOut | None) -> dict[str, str]:
    if c is None:
        return {}
    return {
        "full_name": c.full_name,
        "company": c.company,
        "title": c.title,
        "industry": c.industry,
        "city": c.city,
        "region": c.region,
        "country": c.country,
        "linkedin_url": c.linkedin_url,
        "notes": c.notes,
        "emails": "\n".join(f"{e.value} | {e.type}" if e.type else e.value for e in c.emails),
        "phones": "\n".join(f"{p.value} | {p.type}" if p.type else p.value for p in c.phones),
        "skills": ", ".join(c.skills),
        "tags": ", ".join(c.tags),
    }


@router.get("")
def contact_list(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    q: str | None = None,
    tag: str | None = None,
    cursor: str | None = None,
) -> Response:
    page = queries.list_contacts(
        session, me, limit=PAGE, cursor=cursor, q=q or None, tag=tag or None
    )
    return render(
        request,
        "contacts/list.html",
        {
            "page": page,
            "q": q or "",
            "tag": tag or "",
            "tags": queries.tags_of(session, me),
            "duplicates": len(queries.list_duplicates(session, me, limit=100)),
        },
    )


@router.get("/new")
def new_contact_form(request: Request, me: SignedInMember) -> Response:
    return render(request, "contacts/edit.html", {"values": {}, "contact": None})


@router.post("/new")
async def new_contact(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        contact = service.create_contact(session, me, contact_from_form(form))
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "contacts/edit.html",
            {"values": form, "contact": None, "error": exc.detail},
            status_code=exc.status,
        )
    response = RedirectResponse(f"/contacts/{contact.public_id}", status_code=303)
    web_session.flash(
        response, settings, "Contact added. It is private until you choose to share it."
    )
    return response


@router.get("/import")
def import_form(request: Request, me: SignedInMember) -> Response:
    return render(request, "contacts/import.html", {"formats": FORMATS, "report": None})


@router.post("/import")
async def import_upload(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    format: Annotated[str, Form()] = "",
    next: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    data = await file.read()
    try:
        fmt = ContactFormat(format) if format else None
        visibility, _ = service.default_visibility(session, me)
        report = import_file(
            session,
            me,
            data,
            filename=file.filename or "",
            fmt=fmt,
            max_bytes=settings.max_upload_bytes,
            secret_key=settings.secret_key,
            default_visibility=visibility,
        )
    except ValueError:
        return render(
            request,
            "contacts/import.html",
            {"formats": FORMATS, "report": None, "error": "Choose one of the listed formats."},
            status_code=422,
        )
    except SharewellError as exc:
        session.rollback()
        return render(
            request,
            "contacts/import.html",
            {"formats": FORMATS, "report": None, "error": exc.detail},
            status_code=exc.status,
        )
    if next:  # a step of the welcome path: back to it, with the counts as a message
        response = RedirectResponse(web_session.onward(next, "/contacts"), status_code=303)
        web_session.flash(
            response,
            settings,
            f"Imported {report.created} new and {report.updated} updated contacts; "
            "nothing is shared until you say so.",
        )
        return response
    return render(
        request,
        "contacts/import.html",
        {"formats": FORMATS, "report": report, "filename": file.filename},
    )


@router.get("/export.{fmt}")
def export(fmt: str, me: SignedInMember, session: SessionDep) -> Response:
    body, media_type, name = service.export_contacts(session, me, fmt)
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/duplicates")
def duplicates(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    return render(
        request, "contacts/duplicates.html", {"pairs": queries.list_duplicates(session, me)}
    )


@router.post("/duplicates/{pair_id}")
def resolve_duplicate(
    pair_id: RowId,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    action: Annotated[str, Form()] = "",
    keep: Annotated[str, Form()] = "",
) -> Response:
    if action == "merge":
        service.merge_duplicate(session, me, pair_id, keep)
        message = "Merged into one contact."
    else:
        service.dismiss_duplicate(session, me, pair_id)
        message = "Kept as two different people."
    response = RedirectResponse("/contacts/duplicates", status_code=303)
    web_session.flash(response, settings, message)
    return response


@router.get("/{contact_id}")
def contact_detail(
    request: Request, contact_id: str, me: SignedInMember, session: SessionDep
) -> Response:
    contact = queries.get_contact(session, me, contact_id)
    return render(
        request, "contacts/edit.html", {"values": form_values(contact), "contact": contact}
    )


@router.post("/{contact_id}")
async def contact_update(
    request: Request,
    contact_id: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if form.get("action") == "delete":
        service.delete_contact(session, me, contact_id)
        response = RedirectResponse("/contacts", status_code=303)
        web_session.flash(response, settings, "Contact deleted.")
        return response
    try:
        service.update_contact(session, me, contact_id, contact_from_form(form))
    except SharewellError as exc:
        session.rollback()
        contact = queries.get_contact(session, me, contact_id)
        return render(
            request,
            "contacts/edit.html",
            {"values": form, "contact": contact, "error": exc.detail},
            status_code=exc.status,
        )
    response = RedirectResponse(f"/contacts/{contact_id}", status_code=303)
    web_session.flash(response, settings, "Saved.")
    return response
