"""Use cases of the standing area: recompute scores from every impact source, manage seeds.

Like every service these never commit: ``sharewell standing recompute``, the
``standing.recompute`` job and the admin page own the transaction, so a recompute is one
transaction that either replaces every current score or changes nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from sharewell import arrays
from sharewell.config import Settings
from sharewell.errors import InvalidInput
from sharewell.members.models import Member, Topic
from sharewell.members.service import find_member
from sharewell.standing import rules, sources
from sharewell.standing.models import (
    StandingExplanation,
    StandingHistory,
    StandingRun,
    StandingScore,
    StandingSeed,
    StandingTopicScore,
)

log = logging.getLogger("sharewell.standing")

BATCH = 5000
WELL_REGARDED_PERCENTILE = 90.0
"""A benefiter is "well regarded" in explanations when their standing is in the top 10 %."""
_LOCK_KEY = 0x53574C5354  # pg_advisory_xact_lock key: one recompute at a time


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    members: int
    scored: int
    impacts: int
    seeds: int
    default_seeds: bool
    topics: int
    seconds: float
    dropped: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        seeds = f"{self.seeds} default seeds" if self.default_seeds else f"{self.seeds} seeds"
        return (
            f"run {self.run_id}: {self.impacts:,} impacts, {self.members:,} members "
            f"({self.scored:,} with standing), {seeds}, {self.topics} topic leaderboards, "
            f"{self.seconds:.2f} s"
        )


# --- seeds ------------------------------------------------------------------------------------


def seed_member_ids(session: Session) -> list[int]:
    """Active administrators and active members marked as seeds."""
    marked = select(StandingSeed.member_id)
    query = select(Member.id).where(
        Member.suspended_at.is_(None), Member.is_admin.is_(True) | Member.id.in_(marked)
    )
    return sorted(session.scalars(query))


def add_seed(session: Session, who: str, by: Member | None = None) -> Member:
    """Mark a member as a seed (idempotent). Suspended members cannot be seeds."""
    member = find_member(session, who)
    if member.suspended_at is not None:
        raise InvalidInput(f"@{member.handle} is suspended and cannot be a seed.", field="who")
    if session.get(StandingSeed, member.id) is None:
        session.add(StandingSeed(member_id=member.id, added_by_id=by.id if by else None))
        session.flush()
    return member


def remove_seed(session: Session, who: str) -> tuple[Member, bool]:
    """Unmark a seed; returns the member and whether they were marked. Administrators stay
    seeds while they are administrators."""
    member = find_member(session, who)
    row = session.get(StandingSeed, member.id)
    if row is not None:
        session.delete(row)
        session.flush()
    return member, row is not None


# --- recompute --------------------------------------------------------------------------------


def last_run_at(session: Session) -> datetime | None:
    return session.scalar(select(func.max(StandingRun.finished_at)))


def is_due(session: Session, now: datetime, every_minutes: int) -> bool:
    """Whether the scheduled recompute should run: never when ``every_minutes`` is 0."""
    if every_minutes <= 0:
        return False
    last = last_run_at(session)
    return last is None or last <= now - timedelta(minutes=every_minutes)


def _bulk(session: Session, table: type, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])


def recompute(
    session: Session, settings: Settings, now: datetime, *, trigger: str = "cli"
) -> RunSummary:
    """Recompute overall and per-topic standing from every impact source and replace the
    current scores, explanations and today's history row. Deterministic for the same data and
    ``now``: running it twice leaves the same scores and one history row per member per day."""
    clock = time.perf_counter()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    half_life = settings.standing_half_life_days
    run = StandingRun(started_at=now, trigger=trigger, half_life_days=half_life)
    session.add(run)
    session.flush()  # the first write: on SQLite it takes the database's write lock now

    active = np.fromiter(
        session.scalars(select(Member.id).where(Member.suspended_at.is_(None))), dtype=np.int64
    )
    since = now - timedelta(days=half_life * rules.IMPACT_HORIZON_HALF_LIVES)
    graph = rules.build_impact_graph(sources.collect(session, since), active, now, half_life)
    n = graph.n
    seed_nodes = graph.nodes_of(seed_member_ids(session))
    seed_nodes = seed_nodes[seed_nodes >= 0]
    default = seed_nodes.size == 0
    if n and default:
        seed_nodes = rules.default_seeds(graph.sources, graph.targets, graph.weights, n)

    for table in (StandingScore, StandingTopicScore, StandingExplanation):
        session.execute(delete(table))
    scored = topics = 0
    if n:
        scores = rules.compute_standing(graph.sources, graph.targets, graph.weights, n, seed_nodes)
        is_seed = np.zeros(n, dtype=bool)
        is_seed[seed_nodes] = True
        # First pass for "well regarded" (top 10 % of the trust itself), then what each member
        # *earned*: the trust that reached them through impacts. A seed's own allotment is
        # trust the administrators lent it, not impact: it is neither shown nor ranked.
        _, trust_pct = rules.rank_scores(scores)
        regarded = (scores > 0) & (trust_pct >= WELL_REGARDED_PERCENTILE)
        shares = rules.contributions_by_kind(graph, scores, regarded)
        incoming = np.bincount(shares.nodes, weights=shares.amount, minlength=n)
        earned = np.where(is_seed, np.minimum(incoming, scores), scores)
        earned[earned < 1e-12] = 0.0
        positive = earned > 0
        safe = np.where(scores > 0, scores, 1.0)
        seed_share = np.where(is_seed, np.clip(scores - earned, 0, None) / safe, 0.0)
        rank, percentile = rules.rank_scores(earned)
        level = earned * n
        nodes = np.flatnonzero(positive)
        scored = int(nodes.size)
        ids = graph.member_ids
        _bulk(session, StandingScore, [
            {"member_id": m, "run_id": run.id, "score": s, "level": lv, "rank": r,
             "percentile": p, "seed_share": ss}
            for m, s, lv, r, p, ss in zip(
                ids[nodes].tolist(), earned[nodes].tolist(), level[nodes].tolist(),
                rank[nodes].tolist(), percentile[nodes].tolist(), seed_share[nodes].tolist(),
                strict=True,
            )
        ])  # fmt: skip
        keep = (shares.amount > 0) & positive[shares.nodes]
        fraction = shares.amount[keep] / earned[shares.nodes[keep]]
        _bulk(session, StandingExplanation, [
            {"member_id": m, "kind": rules.KIND_ORDER[k], "people": p, "regarded": r,
             "fraction": f}
            for m, k, p, r, f in zip(
                ids[shares.nodes[keep]].tolist(), shares.kinds[keep].tolist(),
                shares.people[keep].tolist(), shares.regarded[keep].tolist(), fraction.tolist(),
                strict=True,
            )
        ])  # fmt: skip
        topics = _write_topic_scores(session, settings, graph, scores)  # teleport: full trust
        today = now.date()
        session.execute(delete(StandingHistory).where(StandingHistory.day == today))
        _bulk(session, StandingHistory, [
            {"member_id": m, "day": today, "score": s, "level": lv, "rank": r, "percentile": p}
            for m, s, lv, r, p in zip(
                ids[nodes].tolist(), earned[nodes].tolist(), level[nodes].tolist(),
                rank[nodes].tolist(), percentile[nodes].tolist(), strict=True,
            )
        ])  # fmt: skip
    _prune(session, now, settings.standing_history_days, run.id)
    seconds = time.perf_counter() - clock
    run.finished_at = now
    run.members, run.scored, run.impacts = n, scored, int(graph.sources.size)
    run.seeds, run.default_seeds, run.topics = int(seed_nodes.size), bool(default), topics
    run.seconds = seconds
    session.flush()
    summary = RunSummary(
        run_id=run.id, members=n, scored=scored, impacts=run.impacts, seeds=run.seeds,
        default_seeds=run.default_seeds, topics=topics, seconds=seconds,
        dropped=dict(graph.dropped),
    )  # fmt: skip
    log.info("standing recomputed: %s", summary.describe())
    return summary


def _write_topic_scores(
    session: Session, settings: Settings, graph: rules.ImpactGraph, scores: np.ndarray
) -> int:
    if graph.edge_index.size == 0:
        return 0
    known = set(session.scalars(select(Topic.id).where(Topic.id.in_(
        arrays.unique(graph.edge_topic).tolist()
    ))))  # fmt: skip
    mask = np.isin(graph.edge_topic, np.fromiter(known, dtype=np.int64, count=len(known)))
    result = rules.compute_topic_standing(
        graph.sources, graph.targets, graph.weights, graph.n,
        graph.edge_index[mask], graph.edge_topic[mask], scores,
        min_edges=settings.standing_topic_min_impacts,
    )  # fmt: skip
    if result.topics.size == 0:
        return 0
    # Rank within each topic: sort by (topic, -score), competition ranks per run of topics.
    order = np.lexsort((graph.member_ids[result.nodes], -result.scores, result.topics))
    topic_sorted = result.topics[order]
    score_sorted = result.scores[order]
    starts = np.flatnonzero(np.r_[True, topic_sorted[1:] != topic_sorted[:-1]])
    rank = np.empty(order.size, dtype=np.int64)
    for begin, end in zip(starts.tolist(), [*starts[1:].tolist(), order.size], strict=True):
        block = score_sorted[begin:end]
        rank[begin:end], _ = rules.rank_scores(block)
    top = settings.standing_go_to_top
    go_to = (rank <= top) & (score_sorted >= rules.GO_TO_MIN_SHARE) & (top > 0)
    member_ids = graph.member_ids[result.nodes[order]]
    _bulk(session, StandingTopicScore, [
        {"topic_id": t, "member_id": m, "score": s, "rank": r, "go_to": g}
        for t, m, s, r, g in zip(
            topic_sorted.tolist(), member_ids.tolist(), score_sorted.tolist(), rank.tolist(),
            go_to.tolist(), strict=True,
        )
    ])  # fmt: skip
    return int(starts.size)


def _prune(session: Session, now: datetime, days: int, keep_run: int) -> None:
    """Keep ``days`` of history and runs (the current run always stays)."""
    cutoff = now - timedelta(days=days)
    session.execute(delete(StandingHistory).where(StandingHistory.day < cutoff.date()))
    session.execute(
        delete(StandingRun).where(StandingRun.started_at < cutoff, StandingRun.id != keep_run)
    )
