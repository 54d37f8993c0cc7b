"""Introductions: requests along a path, each step, the thread, outcomes, notifications,
public links for non-member targets, and admin disputes. Thin: parse, call, shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from sharewell.api.deps import AdminMember, CurrentMember, limited
from sharewell.deps import LimiterDep, RowId, SessionDep, SettingsDep
from sharewell.errors import SharewellError
from sharewell.intros import queries, service
from sharewell.intros.schemas import (
    AcceptIn,
    CandidateOut,
    DeclineIn,
    DisputeOut,
    IntroCreate,
    IntroOut,
    IntroSummary,
    LinkAnsweredOut,
    LinkAnswerIn,
    LinkOut,
    MailModeIn,
    MessageIn,
    MessageOut,
    NoteIn,
    NotificationsOut,
    OutcomeIn,
    OutcomeOut,
    ReadIn,
    ResolveIn,
    TargetStepIn,
    TextIn,
)
from sharewell.members.models import Member
from sharewell.network import queries as network_queries
from sharewell.pagination import Page, clamp_limit

router = APIRouter(tags=["introductions"])


def path_finder(request: Request, session: SessionDep, me: Member) -> Callable[[str], list[str]]:
    """The best member–member path's handles to ``handle`` (for one-click requests)."""

    def find(handle: str) -> list[str]:
        index = request.app.state.graph.current(session)
        try:
            found = network_queries.paths_to_member(session, index, me, handle, k=1)
        except SharewellError:
            return []
        return [s.handle for s in found.paths[0].steps] if found.paths else []

    return find


def spec_from(data: IntroCreate) -> service.RequestSpec:
    return service.RequestSpec(
        target_kind=data.target_kind, why=data.why, offer=data.offer,
        target_handle=data.target_handle, card_id=data.card_id,
        holder_handle=data.holder_handle,
        filter=data.filter.model_dump() if data.filter else {}, path=list(data.path),
        pledge_amount=data.pledge_amount, pledge_rule=data.pledge_rule,
        requester_contact=data.requester_contact, source_kind=data.source_kind,
        source_ref=data.source_ref,
    )  # fmt: skip


@router.get("/intros", response_model=Page[IntroSummary])
def list_intros(
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    box: Annotated[str, Query(pattern="^(to|through|from)$")] = "from",
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page[IntroSummary]:
    """My introductions: ``to`` me as target, ``through`` me as connector, ``from`` me."""
    return queries.inbox(
        session, me, box, limit=clamp_limit(limit, settings.page_size_max), cursor=cursor
    )


@router.post(
    "/intros",
    response_model=IntroOut,
    status_code=201,
    dependencies=[limited("intro")],
)
def create_intro(
    data: IntroCreate,
    request: Request,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> IntroOut:
    """Ask for an introduction along a path. Without ``path`` the best path is used."""
    intro = service.create_request(
        session, settings, me, spec_from(data),
        find_path=path_finder(request, session, me), limiter=limiter,
    )  # fmt: skip
    return queries.intro_view(session, me, intro.public_id)


@router.get("/intros/{intro_id}", response_model=IntroOut)
def get_intro(intro_id: str, me: CurrentMember, session: SessionDep) -> IntroOut:
    """The request as you may see it, with its timeline and the steps you can take."""
    return queries.intro_view(session, me, intro_id)


@router.get("/intros/{intro_id}/candidates", response_model=list[CandidateOut])
def candidates(intro_id: str, me: CurrentMember, session: SessionDep) -> list[CandidateOut]:
    """For the holder of an aggregate (or an offer) on their turn: their own contacts to pick."""
    return queries.candidates(session, me, intro_id)


@router.post("/intros/{intro_id}/forward", response_model=IntroOut)
def forward(
    intro_id: str, data: NoteIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> IntroOut:
    service.forward(session, settings, me, intro_id, data.note)
    return queries.intro_view(session, me, intro_id)


@router.post("/intros/{intro_id}/ask-target", response_model=IntroOut)
def ask_target(
    intro_id: str,
    data: TargetStepIn,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
) -> IntroOut:
    """The last connector asks the target (a member, or a contact by an emailed link)."""
    service.ask_target(session, settings, me, intro_id, data.note, data.contact_id)
    return queries.intro_view(session, me, intro_id)


@router.post("/intros/{intro_id}/attest", response_model=IntroOut)
def attest(
    intro_id: str,
    data: TargetStepIn,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
) -> IntroOut:
    """The last connector attests that their contact (no address) agreed."""
    service.attest(session, settings, me, intro_id, data.note, data.contact_id)
    return queries.intro_view(session, me, intro_id)


@router.post("/intros/{intro_id}/decline", response_model=IntroOut)
def decline(
    intro_id: str, data: DeclineIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> IntroOut:
    service.decline(session, settings, me, intro_id, data.reason, data.share_reason)
    return queries.intro_view(session, me, intro_id)


@router.post("/intros/{intro_id}/question", response_model=IntroOut)
def ask_question(
    intro_id: str, data: TextIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> IntroOut:
    service.ask_question(session, settings, me, intro_id, data.text)
    return queries.intro_view(session, me, intro_id)


@router.post("/intros/{intro_id}/answer", response_model=IntroOut)
def answer(
    intro_id: str, data: TextIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> IntroOut:
    service.answer(session, settings, me, intro_id, data.text)
    return queries.intro_view(session, me, intro_id)


@router.post("/intros/{intro_id}/accept", response_model=IntroOut)
def accept(
    intro_id: str, data: AcceptIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> IntroOut:
    service.accept(session, settings, me, intro_id, data.contact)
    return queries.intro_view(session, me, intro_id)


@router.post("/intros/{intro_id}/withdraw", response_model=IntroOut)
def withdraw(
    intro_id: str, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> IntroOut:
    service.withdraw(session, settings, me, intro_id)
    return queries.intro_view(session, me, intro_id)


@router.get("/intros/{intro_id}/messages", response_model=list[MessageOut])
def list_messages(intro_id: str, me: CurrentMember, session: SessionDep) -> list[MessageOut]:
    return queries.messages(session, me, intro_id)


@router.post("/intros/{intro_id}/messages", response_model=list[MessageOut], status_code=201)
def post_message(
    intro_id: str, data: MessageIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> list[MessageOut]:
    service.post_message(session, settings, me, intro_id, data.body)
    return queries.messages(session, me, intro_id)


@router.post("/intros/{intro_id}/leave", status_code=204)
def leave(intro_id: str, me: CurrentMember, session: SessionDep) -> Response:
    """Leave the conversation (connectors and the target; the requester keeps it)."""
    service.leave_thread(session, me, intro_id)
    return Response(status_code=204)


def _outcome_out(session: SessionDep, me: Member, intro_id: str, outcome_id: RowId) -> OutcomeOut:
    view = queries.intro_view(session, me, intro_id)
    return next(o for o in view.outcomes if o.id == outcome_id)


@router.post("/intros/{intro_id}/outcomes", response_model=OutcomeOut, status_code=201)
def record_outcome(
    intro_id: str, data: OutcomeIn, me: CurrentMember, session: SessionDep, settings: SettingsDep
) -> OutcomeOut:
    """Record what came of it (either end); it counts once the other end confirms."""
    outcome = service.record_outcome(session, settings, me, intro_id, data.kind)
    return _outcome_out(session, me, intro_id, outcome.id)


@router.post("/intros/{intro_id}/outcomes/{outcome_id}/confirm", response_model=OutcomeOut)
def confirm_outcome(
    intro_id: str,
    outcome_id: RowId,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
) -> OutcomeOut:
    service.confirm_outcome(session, settings, me, intro_id, outcome_id)
    return _outcome_out(session, me, intro_id, outcome_id)


@router.post("/intros/{intro_id}/outcomes/{outcome_id}/attest", response_model=OutcomeOut)
def attest_outcome(
    intro_id: str,
    outcome_id: RowId,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
) -> OutcomeOut:
    """The connector attests the outcome for a non-member target without an address."""
    service.attest_outcome(session, settings, me, intro_id, outcome_id)
    return _outcome_out(session, me, intro_id, outcome_id)


@router.post("/intros/{intro_id}/outcomes/{outcome_id}/fall-off", response_model=OutcomeOut)
def fall_off(
    intro_id: str,
    outcome_id: RowId,
    me: CurrentMember,
    session: SessionDep,
    settings: SettingsDep,
) -> OutcomeOut:
    """A confirmed hire fell off within the guarantee window: the pledge returns."""
    service.report_fall_off(session, settings, me, intro_id, outcome_id)
    return _outcome_out(session, me, intro_id, outcome_id)


# --- links for non-member targets (no account) ----------------------------------------------


@router.get("/intro-links", response_model=LinkOut)
def show_link(session: SessionDep, token: Annotated[str, Query(max_length=100)]) -> LinkOut:
    """What an emailed link shows: who asks and why. 404 when expired or used."""
    view = service.link_view(session, token)
    return LinkOut(**view.__dict__)


@router.post("/intro-links", response_model=LinkAnsweredOut)
def answer_link(data: LinkAnswerIn, session: SessionDep, settings: SettingsDep) -> LinkAnsweredOut:
    """Answer through an emailed link (single use): accept/decline an introduction, or
    confirm/deny an outcome."""
    state = service.answer_link(session, settings, data.token, data.answer in ("accept", "confirm"))
    return LinkAnsweredOut(state=state)


# --- notifications ------------------------------------------------------------------------------


@router.get("/notifications", response_model=NotificationsOut)
def list_notifications(me: CurrentMember, session: SessionDep) -> NotificationsOut:
    """The latest 50 notifications and the unread count."""
    return queries.notifications(session, me)


@router.post("/notifications/read", response_model=NotificationsOut)
def read_notifications(data: ReadIn, me: CurrentMember, session: SessionDep) -> NotificationsOut:
    service.mark_read(session, me, data.ids)
    return queries.notifications(session, me)


@router.put("/notifications/settings", response_model=NotificationsOut)
def notification_settings(
    data: MailModeIn, me: CurrentMember, session: SessionDep
) -> NotificationsOut:
    """Mail for each step, a daily digest, or none."""
    service.set_mail_mode(session, me, data.mail)
    return queries.notifications(session, me)


# --- admin --------------------------------------------------------------------------------------


@router.get("/admin/intros/disputes", response_model=list[DisputeOut])
def list_disputes(admin: AdminMember, session: SessionDep) -> list[DisputeOut]:
    return queries.disputes(session)


@router.post("/admin/intros/outcomes/{outcome_id}/resolve", response_model=list[DisputeOut])
def resolve(
    outcome_id: RowId,
    data: ResolveIn,
    admin: AdminMember,
    session: SessionDep,
    settings: SettingsDep,
) -> list[DisputeOut]:
    service.resolve_dispute(session, settings, admin, outcome_id, data.decision == "confirm")
    return queries.disputes(session)
