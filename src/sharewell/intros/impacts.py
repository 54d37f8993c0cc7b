"""Impact sources of the introductions area (read by the standing recompute): every connector
of an introduction the target accepted, and of a confirmed outcome, gave the requester an
impact (see ``queries.impacts_since``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from sharewell.intros.queries import impacts_since
from sharewell.standing.rules import Impact
from sharewell.standing.sources import impact_source


@impact_source("intros.introductions")
def introductions(session: Session, since: datetime) -> Iterator[Impact]:
    yield from impacts_since(session, since)
