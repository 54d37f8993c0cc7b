"""Read side of the standing area. ``standing_of`` is the ranking signal other areas (paths,
search) use; the rest serves profiles, member lists, leaderboards and the admin page."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sharewell.errors import NotFound
from sharewell.members.models import Member, Topic
from sharewell.members.schemas import TopicOut
from sharewell.pagination import Page, decode_cursor, encode_cursor
from sharewell.standing import rules
from sharewell.standing.models import (
    StandingExplanation,
    StandingHistory,
    StandingRun,
    StandingScore,
    StandingSeed,
    StandingTopicScore,
)
from sharewell.standing.schemas import (
    ExplanationOut,
    HistoryPointOut,
    KindShareOut,
    LeaderOut,
    MyStandingOut,
    RunOut,
    SeedOut,
    StandingBrief,
    StandingOut,
    TopicBoardOut,
    TopicRankOut,
)


@dataclass(frozen=True)
class _ScoreTable:
    """One finished run's overall scores, sorted by member id (a per-process copy)."""

    key: tuple[Any, ...]
    member_ids: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float64]


# Replaced whole (one reference assignment), so a reader sees either table, never a mix.
_score_table: _ScoreTable | None = None


def _run_key(session: Session) -> tuple[Any, ...] | None:
    """What identifies the scores in ``standing_scores``: every run rewrites the whole table
    in the transaction that records it, so the latest run does. Its start and duration (a
    float from the run's own clock) are part of the key, so a run with the same id in another
    database (or after a rollback) is never taken for it."""
    row = session.execute(
        select(StandingRun.id, StandingRun.started_at, StandingRun.seconds, StandingRun.scored)
        .order_by(StandingRun.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return (str(session.get_bind().engine.url), *row)


def _scores(session: Session) -> _ScoreTable | None:
    global _score_table
    key = _run_key(session)
    if key is None:
        return None
    table = _score_table
    if table is not None and table.key == key:
        return table
    rows = session.execute(
        select(StandingScore.member_id, StandingScore.score).order_by(StandingScore.member_id)
    ).all()
    table = _ScoreTable(
        key=key,
        member_ids=np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
        scores=np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows)),
    )
    _score_table = table
    return table


def standing_of(session: Session, member_ids: Iterable[int]) -> dict[int, float]:
    """Current overall standing of each member (a share of all standing, summing to 1 over the
    network); 0.0 for members without standing, unknown or suspended ones. For ranking.

    Search and paths ask this for hundreds of members a query. The scores change only when a
    run rewrites them, so a process keeps the latest run's as sorted arrays and reads two
    small things a call: the latest run's key and the suspended members (a partial index
    holds only those), instead of hundreds of rows."""
    wanted = sorted(set(member_ids))
    out = dict.fromkeys(wanted, 0.0)
    table = _scores(session) if wanted else None
    if table is None or table.member_ids.size == 0:
        return out
    ids = np.asarray(wanted, dtype=np.int64)
    at = np.minimum(np.searchsorted(table.member_ids, ids), table.member_ids.size - 1)
    found = table.member_ids[at] == ids
    out.update(zip(ids[found].tolist(), table.scores[at[found]].tolist(), strict=True))
    for member_id in session.scalars(select(Member.id).where(Member.suspended_at.is_not(None))):
        if member_id in out:
            out[member_id] = 0.0
    return out


def _top_percent(rank: int | None, percentile: float) -> int | None:
    if rank is None:
        return None
    return max(1, math.ceil(100.0 - percentile))


def latest_run(session: Session) -> RunOut | None:
    run = session.scalar(
        select(StandingRun)
        .where(StandingRun.finished_at.is_not(None))
        .order_by(StandingRun.id.desc())
        .limit(1)
    )
    return _run_out(run) if run else None


def recent_runs(session: Session, limit: int = 10) -> list[RunOut]:
    runs = session.scalars(select(StandingRun).order_by(StandingRun.id.desc()).limit(limit))
    return [_run_out(r) for r in runs]


def _run_out(r: StandingRun) -> RunOut:
    return RunOut(
        id=r.id, started_at=r.started_at, finished_at=r.finished_at, trigger=r.trigger,
        members=r.members, scored=r.scored, impacts=r.impacts, seeds=r.seeds,
        default_seeds=r.default_seeds, topics=r.topics, seconds=r.seconds,
    )  # fmt: skip


def _go_to(session: Session, member_ids: list[int]) -> dict[int, list[TopicOut]]:
    found: defaultdict[int, list[TopicOut]] = defaultdict(list)
    if not member_ids:
        return found
    rows = session.execute(
        select(StandingTopicScore.member_id, Topic.slug, Topic.label)
        .join(Topic, Topic.id == StandingTopicScore.topic_id)
        .where(StandingTopicScore.member_id.in_(member_ids), StandingTopicScore.go_to.is_(True))
        .order_by(StandingTopicScore.member_id, StandingTopicScore.rank, Topic.slug)
    )
    for member_id, slug, label in rows:
        found[member_id].append(TopicOut(slug=slug, label=label))
    return found


def briefs(session: Session, member_ids: list[int]) -> dict[int, StandingBrief]:
    """Standing of several members for lists (members without standing get a zero brief)."""
    scores = {
        row.member_id: row
        for row in session.scalars(
            select(StandingScore).where(StandingScore.member_id.in_(member_ids))
        )
    }
    go_to = _go_to(session, member_ids)
    out = {}
    for member_id in member_ids:
        row = scores.get(member_id)
        out[member_id] = StandingBrief(
            score=row.score if row else 0.0,
            level=row.level if row else 0.0,
            rank=row.rank if row else None,
            percentile=row.percentile if row else 0.0,
            top_percent=_top_percent(row.rank, row.percentile) if row else None,
            go_to=go_to.get(member_id, []),
        )
    return out


def briefs_by_handle(session: Session, handles: list[str]) -> dict[str, StandingBrief]:
    ids = dict(
        session.execute(select(Member.handle, Member.id).where(Member.handle.in_(handles)))
        .tuples()
        .all()
    )
    by_id = briefs(session, list(ids.values()))
    return {handle: by_id[member_id] for handle, member_id in ids.items()}


def member_standing(session: Session, member: Member) -> StandingOut:
    """One member's standing for a profile page: two statements (the score row with the
    latest run beside it, then all the member's topic rows, go-to ones among them), where
    assembling it from ``briefs`` and ``latest_run`` took five on every profile view."""
    run_cols = (
        select(StandingRun.members, StandingRun.finished_at)
        .where(StandingRun.finished_at.is_not(None))
        .order_by(StandingRun.id.desc())
        .limit(1)
    )
    score = session.execute(
        select(
            StandingScore.score,
            StandingScore.level,
            StandingScore.rank,
            StandingScore.percentile,
            run_cols.with_only_columns(StandingRun.members).scalar_subquery(),
            run_cols.with_only_columns(StandingRun.finished_at).scalar_subquery(),
        ).where(StandingScore.member_id == member.id)
    ).first()
    if score is not None:
        members, finished_at = score[4], score[5]
    else:  # no standing yet: the run (if any) still says how many members were ranked
        run = latest_run(session)
        members, finished_at = (run.members, run.finished_at) if run else (0, None)
    rows = session.execute(
        select(Topic.slug, Topic.label, StandingTopicScore.rank, StandingTopicScore.score,
               StandingTopicScore.go_to)
        .join(Topic, Topic.id == StandingTopicScore.topic_id)
        .where(StandingTopicScore.member_id == member.id)
    ).all()  # fmt: skip
    # The orders ``briefs`` (go-to topics) and the topic list used, applied in Python.
    go_to = [
        TopicOut(slug=s, label=lbl)
        for s, lbl, _, _, g in sorted(rows, key=lambda r: (r[2], r[0]))
        if g
    ]
    ranked = sorted(rows, key=lambda r: (r[2], -r[3], r[0]))[:20]
    return StandingOut(
        score=score[0] if score else 0.0,
        level=score[1] if score else 0.0,
        rank=score[2] if score else None,
        percentile=score[3] if score else 0.0,
        top_percent=_top_percent(score[2], score[3]) if score else None,
        go_to=go_to,
        handle=member.handle,
        members=members or 0,
        computed_at=finished_at,
        topics=[
            TopicRankOut(slug=s, label=lbl, rank=r, share=sc, go_to=g)
            for s, lbl, r, sc, g in ranked
        ],
    )


def explanation(session: Session, member: Member) -> ExplanationOut:
    """The member's standing in words, from the per-kind shares the last recompute stored."""
    parts = [
        KindShareOut(kind=e.kind, people=e.people, regarded=e.regarded, fraction=e.fraction)
        for e in session.scalars(
            select(StandingExplanation)
            .where(StandingExplanation.member_id == member.id)
            .order_by(StandingExplanation.fraction.desc(), StandingExplanation.kind)
        )
    ]
    is_seed = member.is_admin or session.get(StandingSeed, member.id) is not None
    text = rules.describe_standing(
        [rules.KindPart(p.kind, p.people, p.regarded, p.fraction) for p in parts],
        is_seed=is_seed,
    )
    return ExplanationOut(text=text, parts=parts, is_seed=is_seed)


def history(session: Session, member_id: int, *, days: int, now: datetime) -> list[HistoryPointOut]:
    since = (now - timedelta(days=days)).date()
    rows = session.execute(
        select(StandingHistory.day, StandingHistory.level, StandingHistory.rank,
               StandingHistory.percentile)
        .where(StandingHistory.member_id == member_id, StandingHistory.day >= since)
        .order_by(StandingHistory.day)
    )  # fmt: skip
    return [
        HistoryPointOut(day=day, level=level, rank=rank, percentile=percentile)
        for day, level, rank, percentile in rows
    ]


def my_standing(session: Session, member: Member, *, days: int, now: datetime) -> MyStandingOut:
    return MyStandingOut(
        **member_standing(session, member).model_dump(),
        explanation=explanation(session, member),
        history=history(session, member.id, days=days, now=now),
    )


def topic_by_slug(session: Session, slug: str) -> Topic:
    topic = session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        raise NotFound(f"No topic '{slug[:40]}'.")
    return topic


def leaderboard(
    session: Session, *, limit: int, cursor: str | None = None, topic: str | None = None
) -> Page[LeaderOut]:
    """Overall (or one topic's) leaders by rank; the cursor is (rank, member id)."""
    after = decode_cursor(cursor, arity=2)
    query: Select[tuple[int, int, float, Any, Member]]
    if topic is None:
        query = (
            select(StandingScore.rank, StandingScore.member_id, StandingScore.score,
                   StandingScore.level, Member)
            .join(Member, Member.id == StandingScore.member_id)
            .order_by(StandingScore.rank, StandingScore.member_id)
        )  # fmt: skip
        rank_col, id_col = StandingScore.rank, StandingScore.member_id
    else:
        topic_row = topic_by_slug(session, topic)
        query = (
            select(StandingTopicScore.rank, StandingTopicScore.member_id,
                   StandingTopicScore.score, StandingTopicScore.go_to, Member)
            .join(Member, Member.id == StandingTopicScore.member_id)
            .where(StandingTopicScore.topic_id == topic_row.id)
            .order_by(StandingTopicScore.rank, StandingTopicScore.member_id)
        )  # fmt: skip
        rank_col, id_col = StandingTopicScore.rank, StandingTopicScore.member_id
    query = query.where(Member.suspended_at.is_(None))
    if after:
        r, m = int(after[0]), int(after[1])
        query = query.where((rank_col > r) | ((rank_col == r) & (id_col > m)))
    rows = session.execute(query.limit(limit + 1)).all()
    levels: dict[int, float] = {}
    go_to_overall: dict[int, list[TopicOut]] = {}
    if topic is not None:
        levels = {
            m: lv
            for m, lv in session.execute(
                select(StandingScore.member_id, StandingScore.level).where(
                    StandingScore.member_id.in_([row[1] for row in rows])
                )
            ).tuples()
        }
    else:
        go_to_overall = _go_to(session, [row[1] for row in rows])
    items = []
    for rank, member_id, score, extra, member in rows[:limit]:
        items.append(
            LeaderOut(
                rank=rank, handle=member.handle, display_name=member.display_name,
                headline=member.headline, score=score,
                level=extra if topic is None else levels.get(member_id, 0.0),
                go_to=bool(go_to_overall.get(member_id)) if topic is None else bool(extra),
            )
        )  # fmt: skip
    next_cursor = (
        encode_cursor(rows[limit - 1][0], rows[limit - 1][1]) if len(rows) > limit else None
    )
    return Page(items=items, next_cursor=next_cursor)


def topic_boards(session: Session, *, limit: int = 100) -> list[TopicBoardOut]:
    """Topics with a leaderboard, most members with topic standing first."""
    count = func.count(StandingTopicScore.member_id)
    rows = session.execute(
        select(Topic.slug, Topic.label, count)
        .join(StandingTopicScore, StandingTopicScore.topic_id == Topic.id)
        .group_by(Topic.id, Topic.slug, Topic.label)
        .order_by(count.desc(), Topic.slug)
        .limit(limit)
    )
    return [TopicBoardOut(slug=s, label=lbl, members=n) for s, lbl, n in rows]


def seeds(session: Session) -> list[SeedOut]:
    marked = set(session.scalars(select(StandingSeed.member_id)))
    members = session.scalars(
        select(Member)
        .where(Member.suspended_at.is_(None))
        .where(Member.is_admin.is_(True) | Member.id.in_(select(StandingSeed.member_id)))
        .order_by(Member.handle)
        .limit(1000)
    )
    return [
        SeedOut(handle=m.handle, display_name=m.display_name, admin=m.is_admin,
                marked=m.id in marked)
        for m in members
    ]  # fmt: skip
