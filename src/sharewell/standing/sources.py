"""The impact-source registry: how areas feed confirmed impacts into standing.

An impact source is a function ``(session, since) -> Iterable[Impact]`` that reports every
confirmed impact at or after ``since`` (older ones are decayed to nothing and never read).
Areas register theirs with :func:`impact_source` in a module listed in
``sharewell/all_impact_sources.py``::

    from sharewell.standing.sources import Impact, impact_source

    @impact_source("intros.accepted")
    def accepted_introductions(session: Session, since: datetime) -> Iterator[Impact]:
        for row in session.execute(select(...).where(... >= since)):
            yield Impact(beneficiary_id=..., giver_id=..., kind="intro_accepted",
                         at=row.accepted_at, topic_ids=(...), ref=f"intro:{row.id}")

Rules every source must follow (the recompute enforces the last three):

* report only **confirmed** impacts, from the member who benefited to the member who gave,
  with a ``kind`` from ``rules.IMPACT_KIND_WEIGHTS`` (an unknown kind fails the recompute);
* never report titles, seniority, follower counts or volume: one row per thing that helped;
* be a plain read: no writes, no commits (the recompute runs in one transaction);
* self-impacts, impacts touching suspended members and impacts before ``since`` are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from sharewell.standing.rules import Impact

ImpactSource = Callable[[Session, datetime], Iterable[Impact]]

SOURCES: dict[str, ImpactSource] = {}


def impact_source(name: str) -> Callable[[ImpactSource], ImpactSource]:
    """Register ``func`` as the impact source ``name`` (``"area.what"``, unique)."""

    def register(func: ImpactSource) -> ImpactSource:
        if name in SOURCES and SOURCES[name] is not func:
            raise ValueError(f"impact source {name!r} is registered twice")
        SOURCES[name] = func
        return func

    return register


def registered_sources() -> dict[str, ImpactSource]:
    """Every registered source, after importing ``sharewell.all_impact_sources``."""
    import sharewell.all_impact_sources  # noqa: F401 - registers every area's sources

    return dict(sorted(SOURCES.items()))


def collect(session: Session, since: datetime) -> Iterable[Impact]:
    """Every impact of every registered source since ``since``, source by source."""
    for source in registered_sources().values():
        for impact in source(session, since):
            if impact.at >= since:
                yield impact


__all__ = ["SOURCES", "Impact", "ImpactSource", "collect", "impact_source", "registered_sources"]
