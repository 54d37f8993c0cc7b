"""The introductions area's part of data export and account erasure (privacy registries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from sharewell.errors import SharewellError
from sharewell.intros import service
from sharewell.intros.models import Intro, IntroHop
from sharewell.intros.rules import OPEN_STATES
from sharewell.privacy.registry import ErasureContext, ExportContext, exporter, on_member_erased


def _involving(ctx: ExportContext | ErasureContext) -> list[Intro]:
    member_id = ctx.member.id
    as_connector = select(IntroHop.intro_id).where(IntroHop.connector_id == member_id)
    return list(
        ctx.session.scalars(
            select(Intro)
            .where(
                or_(
                    Intro.requester_id == member_id,
                    Intro.target_member_id == member_id,
                    Intro.id.in_(as_connector),
                )
            )
            .order_by(Intro.id)
        )
    )


@exporter("intros")
def export_intros(ctx: ExportContext) -> dict[str, Any]:
    """The introductions the member asked for, made or received: their own words and states;
    other parties only as the member saw them (no one else's contact details)."""
    rows = []
    for intro in _involving(ctx):
        own = intro.requester_id == ctx.member.id
        rows.append(
            {
                "id": intro.public_id,
                "role": "requester"
                if own
                else ("target" if intro.target_member_id == ctx.member.id else "connector"),
                "state": intro.state,
                "target": intro.target_description,
                "why": intro.why if own else "",
                "offer": intro.offer if own else "",
                "target_details": intro.target_details if own else None,
            }
        )
    return {"introductions.json": rows}


@on_member_erased("intros")
def withdraw_in_flight(ctx: ErasureContext) -> None:
    """Introductions in flight end, and the other parties are told (through the service,
    which notifies them): withdrawn where the member asked, declined where they were asked."""
    for intro in _involving(ctx):
        if intro.state not in OPEN_STATES:
            continue
        try:
            if intro.requester_id == ctx.member.id:
                service.withdraw(ctx.session, ctx.settings, ctx.member, intro.public_id)
                ctx.count("introductions withdrawn", 1)
            else:
                service.decline(ctx.session, ctx.settings, ctx.member, intro.public_id)
                ctx.count("introductions declined", 1)
        except SharewellError:
            # Not this member's turn: the request stays with whoever holds it and expires.
            ctx.count("introductions left to expire", 1)
