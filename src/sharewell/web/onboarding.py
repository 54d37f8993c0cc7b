"""The welcome path after sign-up: four small, skippable steps (shop window, import contacts,
a sharing default, share one first thing), each a form that posts to the page that already
owns it and comes back here. Progress is read from what the member has actually done, so
there is nothing to keep in sync and nothing to migrate; skipping is only moving on."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts import sharing
from sharewell.contacts import sharing_rules as rules
from sharewell.contacts.models import Contact, HolderSettings
from sharewell.deps import SessionDep, SettingsDep
from sharewell.insights.models import Insight
from sharewell.members.models import Member
from sharewell.web import forms
from sharewell.web import session as web_session
from sharewell.web.contacts import FORMATS
from sharewell.web.session import SignedInMember
from sharewell.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])

STEPS = (
    ("shop", "Your shop window"),
    ("import", "Bring your contacts"),
    ("default", "Choose how much to share"),
    ("share", "Share one first thing"),
)


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str
    done: bool


def progress(session: Session, member: Member) -> list[Step]:
    """Which steps the member has done, judged by the data itself."""
    has = {
        "shop": bool(member.headline) and bool(member.topics),
        "import": bool(session.scalar(select(exists().where(Contact.holder_id == member.id)))),
        "default": session.get(HolderSettings, member.id) is not None,
        "share": bool(
            session.scalar(
                select(
                    exists().where(
                        Contact.holder_id == member.id, Contact.visibility.in_(rules.SHARED)
                    )
                )
            )
            or session.scalar(select(exists().where(Insight.author_id == member.id)))
        ),
    }
    return [Step(i + 1, key, title, has[key]) for i, (key, title) in enumerate(STEPS)]


def visibility_previews(
    session: Session, member: Member, settings: Settings
) -> tuple[Contact | None, list[tuple[str, sharing.Preview]]]:
    """What the network would see of one of the member's own contacts at each visibility."""
    contact = session.scalars(
        select(Contact)
        .where(Contact.holder_id == member.id, Contact.company != "", Contact.title != "")
        .order_by(Contact.id)
        .limit(1)
    ).first()
    if contact is None:
        return None, []
    fields = ["title", "company"]
    return contact, [
        (vis, sharing.preview(session, member, contact.public_id, settings, visibility=vis,
                              card_fields=fields))
        for vis in rules.VISIBILITIES
    ]  # fmt: skip


def companies(session: Session, member: Member, limit: int = 30) -> list[str]:
    """The companies in the member's book, most contacts first, to pick one to share."""
    rows = session.execute(
        select(Contact.company, func.count(Contact.id).label("n"))
        .where(Contact.holder_id == member.id, Contact.company != "", Contact.opted_out.is_(False))
        .group_by(Contact.company)
        .order_by(func.count(Contact.id).desc(), Contact.company)
        .limit(limit)
    )
    return [company for company, _ in rows]


@router.get("/welcome")
def welcome(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    step: int = 0,
) -> Response:
    steps = progress(session, me)
    if not 1 <= step <= len(STEPS) + 1:
        step = next((s.number for s in steps if not s.done), len(STEPS) + 1)
    contact, previews = visibility_previews(session, me, settings) if step in (2, 3) else (None, [])
    return render(
        request,
        "welcome.html",
        {
            "steps": steps,
            "step": step,
            "done_count": sum(s.done for s in steps),
            "values": forms.profile_values(me),
            "formats": FORMATS,
            "defaults": sharing.get_defaults(session, me),
            "card_field_names": rules.CARD_FIELDS,
            "sample": contact,
            "previews": previews,
            "companies": companies(session, me) if step == 4 else [],
        },
    )
