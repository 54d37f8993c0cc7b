"""Ledger pages: my ledger (balance, give/take chart, statement, pledges, splits to me), a
pledge's page with its actions, and the administrators' reconciliation. Forms carry CSRF and a
one-time idempotency key, so a double-submitted form posts once."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from sharewell.db import utcnow
from sharewell.deps import SessionDep, SettingsDep
from sharewell.errors import InvalidInput, PermissionDenied, SharewellError
from sharewell.ledger import csv_export, queries, rules, service
from sharewell.ledger.models import Pledge
from sharewell.members.models import Member
from sharewell.web import session as web_session
from sharewell.web.charts import give_take_summary
from sharewell.web.session import SignedInMember
from sharewell.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])

STATEMENT_PAGE = 20


def _form_key(member: Member, value: str) -> str:
    if not value:
        value = secrets.token_urlsafe(16)  # no key sent: a fresh event
    return f"web:{member.id}:{rules.check_idempotency_key(value[:120])}"


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _ledger_context(session: SessionDep, me: Member, cursor: str | None) -> dict[str, object]:
    series = queries.tally_series(session, me, now=utcnow(), weeks=26)
    return {
        "summary": queries.summary(session, me),
        "chart_summary": give_take_summary(series),
        "series": series,
        "statement": queries.statement(session, me, limit=STATEMENT_PAGE, cursor=cursor),
        "made": queries.pledges_made(session, me, limit=50),
        "to_me": queries.pledges_to_me(session, me, limit=50),
        "rules": queries.split_rules(),
        "form_key": secrets.token_urlsafe(16),
        "values": {},
    }


@router.get("/ledger")
def my_ledger(
    request: Request, me: SignedInMember, session: SessionDep, cursor: str | None = None
) -> Response:
    return render(request, "ledger.html", _ledger_context(session, me, cursor))


@router.get("/ledger/statement.csv")
def statement_csv(me: SignedInMember, session: SessionDep) -> Response:
    return Response(
        csv_export.statement_csv(queries.statement_all(session, me)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="sharewell-statement.csv"'},
    )


@router.post("/ledger/pledges")
def create_pledge(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    amount: Annotated[str, Form()] = "",
    subject_kind: Annotated[str, Form()] = "intro",
    subject_ref: Annotated[str, Form()] = "",
    rule: Annotated[str, Form()] = rules.RULE_CONNECTOR_HALF,
    money_amount: Annotated[str, Form()] = "",
    money_currency: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "amount": amount, "subject_kind": subject_kind, "subject_ref": subject_ref,
        "rule": rule, "money_amount": money_amount, "money_currency": money_currency,
    }  # fmt: skip
    try:
        terms = None
        if money_amount.strip() or money_currency.strip():
            terms = service.MoneyTerms(
                _whole(money_amount, "money_amount") * 100, money_currency or ""
            )
        pledge = service.create_pledge(
            session, me, _whole(amount, "amount"), subject_kind=subject_kind,
            subject_ref=subject_ref, rule=rule, money_terms=terms,
            key=_form_key(me, idempotency_key), policy=service.policy_from(settings),
        )  # fmt: skip
    except SharewellError as exc:
        session.rollback()  # nothing of a refused form is kept
        context = _ledger_context(session, me, None)
        context.update(values=values, error=exc.detail, error_field=exc.field)
        return render(request, "ledger.html", context, status_code=exc.status)
    response = _redirect(f"/ledger/pledges/{pledge.public_id}")
    web_session.flash(response, settings, f"{pledge.amount} points are now in escrow.")
    return response


def _whole(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{field.replace('_', ' ')}: enter a whole number.", field=field
        ) from None


def _chain(session: SessionDep, value: str) -> list[int]:
    handles = [h for h in value.replace(",", " ").split() if h]
    if not handles:
        raise InvalidInput("Name the connectors by handle, e.g. @ana @ben.", field="chain")
    return queries.member_ids_for_handles(session, handles)


@router.get("/ledger/pledges/{pledge_id}")
def pledge_page(
    request: Request, pledge_id: str, me: SignedInMember, session: SessionDep
) -> Response:
    pledge = queries.visible_pledge(session, pledge_id, me)
    return render(request, "pledge.html", _pledge_context(session, pledge, me))


def _pledge_context(session: SessionDep, pledge: Pledge, me: Member) -> dict[str, object]:
    return {
        "pledge": queries.pledge_out(session, pledge, me.id),
        "is_pledger": pledge.pledger_id == me.id,
        "is_admin": me.is_admin,
        "form_key": secrets.token_urlsafe(16),
        "refund_reasons": rules.REFUND_REASONS,
        "now": utcnow(),
    }


@router.post("/ledger/pledges/{pledge_id}/{action}")
def pledge_action(
    request: Request,
    pledge_id: str,
    action: str,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    chain: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    pledge = queries.visible_pledge(session, pledge_id, me)
    messages = {
        "split": "Split recorded: it stays pending through the guarantee window.",
        "thanks": "Released as thanks: the connectors have their points.",
        "fall-off": "Recorded: the points are back with the pledger.",
        "refund": "Returned to the pledger.",
    }
    if action not in messages:
        raise InvalidInput("Unknown action.")
    try:
        key = _form_key(me, idempotency_key)
        if action == "refund":
            if not me.is_admin:
                raise PermissionDenied("Only administrators can return a pledge directly.")
            service.refund_pledge(session, pledge, reason=reason or "admin", key=key)
        elif pledge.pledger_id != me.id:
            raise PermissionDenied("Only the pledger can do this with a pledge.")
        elif action == "split":
            service.split_pledge(session, pledge, _chain(session, chain), key=key)
        elif action == "thanks":
            ids = _chain(session, chain) if pledge.state == rules.ESCROWED else None
            service.release_as_thanks(session, pledge, ids, key=key)
        else:
            service.report_fall_off(session, pledge, key=key)
    except SharewellError as exc:
        session.rollback()
        pledge = queries.visible_pledge(session, pledge_id, me)
        context = _pledge_context(session, pledge, me)
        context.update(error=exc.detail, chain=chain)
        return render(request, "pledge.html", context, status_code=exc.status)
    response = _redirect(f"/ledger/pledges/{pledge.public_id}")
    web_session.flash(response, settings, messages[action])
    return response


# --- administration -------------------------------------------------------------------------


def _admin(me: Member) -> Member:
    if not me.is_admin:
        raise PermissionDenied("Only administrators may see the ledger's books.")
    return me


@router.get("/admin/ledger")
def admin_ledger(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    _admin(me)
    return render(request, "admin_ledger.html", {"rec": queries.reconcile(session)})


@router.post("/admin/ledger/{job}")
def admin_job(
    request: Request, job: str, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    _admin(me)
    if job == "release-due":
        result = service.release_due(session, utcnow())
        text = f"Paid out {result.done} split(s) whose guarantee window ended."
    elif job == "expire-attribution":
        result = service.expire_attribution(session, utcnow())
        text = f"Returned {result.done} pledge(s) whose attribution window ended."
    else:
        raise InvalidInput("Unknown job.")
    response = _redirect("/admin/ledger")
    web_session.flash(response, settings, text)
    return response
