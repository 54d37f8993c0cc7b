"""The ledger: balances, statements, the give/take tally, pledges and reconciliation.

POSTs accept an ``Idempotency-Key`` header: a retried request with the same key returns the
original result (with ``Idempotent-Replayed: true``) and posts nothing again; the same key with
different parameters is a 422. Keys are scoped to the caller."""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response, status

from sharewell.api.deps import AdminMember, CurrentMember
from sharewell.db import utcnow
from sharewell.deps import SessionDep, SettingsDep
from sharewell.errors import InvalidInput, PermissionDenied
from sharewell.ledger import csv_export, queries, rules, service
from sharewell.ledger.models import Pledge
from sharewell.ledger.schemas import (
    ChainIn,
    JobOut,
    LedgerSummary,
    PledgeIn,
    PledgeOut,
    Reconciliation,
    RefundIn,
    RuleOut,
    StatementLine,
    TallyPointOut,
    ThanksIn,
)
from sharewell.members.models import Member
from sharewell.pagination import Page, clamp_limit

router = APIRouter(prefix="/ledger", tags=["ledger"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=120,
        description="Any unique string per intended change; a retry with it posts nothing new.",
    ),
]


def _key(member: Member, header: str | None, response: Response, session: SessionDep) -> str:
    if header is None:
        return f"api:{member.id}:{secrets.token_urlsafe(16)}"
    key = f"api:{member.id}:{rules.check_idempotency_key(header.strip())}"
    if queries.transaction_by_key(session, key) is not None:
        response.headers["Idempotent-Replayed"] = "true"
    return key


def _own_pledge(session: SessionDep, public_id: str, member: Member) -> Pledge:
    pledge = queries.visible_pledge(session, public_id, member)
    if pledge.pledger_id != member.id:
        raise PermissionDenied("Only the pledger can do this with a pledge.")
    return pledge


@router.get("/rules", response_model=list[RuleOut])
def split_rules() -> list[RuleOut]:
    """The published split rules a pledger can choose from, with a worked example."""
    return queries.split_rules()


@router.get("/me", response_model=LedgerSummary)
def my_ledger(member: CurrentMember, session: SessionDep) -> LedgerSummary:
    """Available points, pledges in escrow and pending, incoming splits, gives and takes."""
    return queries.summary(session, member)


@router.get("/me/statement", response_model=Page[StatementLine])
def my_statement(
    member: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page[StatementLine]:
    return queries.statement(
        session, member, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor
    )


@router.get("/me/statement.csv", response_class=Response)
def my_statement_csv(member: CurrentMember, session: SessionDep) -> Response:
    """The whole statement as CSV (text cells escaped against spreadsheet formulas)."""
    body = csv_export.statement_csv(queries.statement_all(session, member))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="sharewell-statement.csv"'},
    )


@router.get("/me/tally", response_model=list[TallyPointOut])
def my_tally(
    member: CurrentMember,
    session: SessionDep,
    weeks: Annotated[int, Query(ge=1, le=queries.MAX_WEEKS)] = 26,
) -> list[TallyPointOut]:
    """Gives and takes per week, with the cumulative balance, oldest week first."""
    return queries.tally_series(session, member, now=utcnow(), weeks=weeks)


@router.get("/pledges", response_model=Page[PledgeOut])
def list_pledges(
    member: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    role: Literal["made", "to_me"] = "made",
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page[PledgeOut]:
    """Pledges you made, or (``role=to_me``) pledges split to you as a connector."""
    lister = queries.pledges_made if role == "made" else queries.pledges_to_me
    return lister(session, member, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor)


@router.post("/pledges", response_model=PledgeOut, status_code=status.HTTP_201_CREATED)
def create_pledge(
    data: PledgeIn,
    member: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PledgeOut:
    """Pledge points on an introduction or an opportunity; they move to escrow at once."""
    terms = None
    if data.money_amount is not None or data.money_currency is not None:
        if data.money_amount is None or data.money_currency is None:
            raise InvalidInput(
                "Give both money_amount and money_currency, or neither.", field="money_amount"
            )
        terms = service.MoneyTerms(data.money_amount, data.money_currency)
    pledge = service.create_pledge(
        session, member, data.amount, subject_kind=data.subject_kind,
        subject_ref=data.subject_ref, rule=data.rule, money_terms=terms,
        key=_key(member, idempotency_key, response, session),
        policy=service.policy_from(settings),
    )  # fmt: skip
    return queries.pledge_out(session, pledge, member.id)


@router.get("/pledges/{pledge_id}", response_model=PledgeOut)
def get_pledge(pledge_id: str, member: CurrentMember, session: SessionDep) -> PledgeOut:
    """A pledge you made, one split to you, or (administrators) any pledge."""
    pledge = queries.visible_pledge(session, pledge_id, member)
    return queries.pledge_out(session, pledge, member.id)


@router.post("/pledges/{pledge_id}/split", response_model=PledgeOut)
def split_pledge(
    pledge_id: str,
    data: ChainIn,
    member: CurrentMember,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PledgeOut:
    """The pledger confirms a hire or deal: the pledge is split along the chain by its rule and
    stays pending through the guarantee window. (The introductions area calls the same service
    when both ends confirm an outcome.)"""
    pledge = _own_pledge(session, pledge_id, member)
    chain = queries.member_ids_for_handles(session, data.chain)
    key = _key(member, idempotency_key, response, session)
    service.split_pledge(session, pledge, chain, key=key)
    return queries.pledge_out(session, pledge, member.id)


@router.post("/pledges/{pledge_id}/thanks", response_model=PledgeOut)
def thank(
    pledge_id: str,
    data: ThanksIn,
    member: CurrentMember,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PledgeOut:
    """Release a pledge as thanks now: an escrowed one needs the chain; a pending split is paid
    to its connectors without waiting for the guarantee window."""
    pledge = _own_pledge(session, pledge_id, member)
    chain = queries.member_ids_for_handles(session, data.chain) if data.chain else None
    key = _key(member, idempotency_key, response, session)
    service.release_as_thanks(session, pledge, chain, key=key)
    return queries.pledge_out(session, pledge, member.id)


@router.post("/pledges/{pledge_id}/fall-off", response_model=PledgeOut)
def fall_off(
    pledge_id: str,
    member: CurrentMember,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PledgeOut:
    """Report that the hire fell off within the guarantee window: the split returns."""
    pledge = _own_pledge(session, pledge_id, member)
    key = _key(member, idempotency_key, response, session)
    service.report_fall_off(session, pledge, key=key)
    return queries.pledge_out(session, pledge, member.id)


@router.post("/pledges/{pledge_id}/refund", response_model=PledgeOut)
def refund(
    pledge_id: str,
    data: RefundIn,
    admin: AdminMember,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PledgeOut:
    """(Administrators) return an escrowed pledge. Members' pledges return through their
    introduction (declined, withdrawn, expired) or when the attribution window ends."""
    pledge = queries.visible_pledge(session, pledge_id, admin)
    key = _key(admin, idempotency_key, response, session)
    service.refund_pledge(session, pledge, reason=data.reason, key=key)
    return queries.pledge_out(session, pledge, admin.id)


@router.get("/admin/reconciliation", response_model=Reconciliation)
def reconciliation(admin: AdminMember, session: SessionDep) -> Reconciliation:
    """Points minted = in escrow + pending + held by members, with the cross-checks."""
    return queries.reconcile(session)


@router.post("/admin/release-due", response_model=JobOut)
def run_release_due(admin: AdminMember, session: SessionDep) -> JobOut:
    """Pay out splits whose guarantee window has ended (idempotent; also a CLI command)."""
    result = service.release_due(session, utcnow())
    return JobOut(done=result.done, skipped=result.skipped)


@router.post("/admin/expire-attribution", response_model=JobOut)
def run_expire_attribution(admin: AdminMember, session: SessionDep) -> JobOut:
    """Return pledges whose attribution window ended (idempotent; also a CLI command)."""
    result = service.expire_attribution(session, utcnow())
    return JobOut(done=result.done, skipped=result.skipped)
