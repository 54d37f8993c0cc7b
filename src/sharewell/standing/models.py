"""Tables of the standing area: seeds, recompute runs, current scores (overall, per topic,
explained by kind) and a bounded daily history for the standing-over-time chart.

Current scores are replaced as a whole by each recompute (one transaction); only members with
a positive score have rows, so a member without a row has standing 0.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sharewell.db import Base, utcnow


class StandingSeed(Base):
    """A member an administrator marked as pre-trusted (administrators are seeds anyway)."""

    __tablename__ = "standing_seeds"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StandingRun(Base):
    """One recompute: what went in and how long it took. Pruned with the history."""

    __tablename__ = "standing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    trigger: Mapped[str] = mapped_column(String(20), default="cli")  # cli | job | admin | demo
    members: Mapped[int] = mapped_column(default=0)  # active members (the graph's nodes)
    scored: Mapped[int] = mapped_column(default=0)  # members with a positive score
    impacts: Mapped[int] = mapped_column(default=0)  # impacts that became edges
    seeds: Mapped[int] = mapped_column(default=0)
    default_seeds: Mapped[bool] = mapped_column(default=False)  # no admins/seeds: the default
    topics: Mapped[int] = mapped_column(default=0)  # topics with a leaderboard
    half_life_days: Mapped[float] = mapped_column(default=365.0)
    seconds: Mapped[float] = mapped_column(default=0.0)

    __table_args__ = (Index("ix_standing_runs_started", "started_at"),)


class StandingScore(Base):
    """A member's current overall standing. ``score`` sums to 1 over all members; ``level`` is
    ``score x active members`` (1.0 = an average member's share); ``percentile`` is the
    percentage of active members with a lower score."""

    __tablename__ = "standing_scores"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("standing_runs.id", ondelete="CASCADE"))
    score: Mapped[float]
    level: Mapped[float]
    rank: Mapped[int]
    percentile: Mapped[float]
    seed_share: Mapped[float] = mapped_column(default=0.0)  # fraction of score from being a seed

    __table_args__ = (
        Index("ix_standing_scores_rank", "rank", "member_id"),
        Index("ix_standing_scores_run", "run_id"),
    )


class StandingTopicScore(Base):
    """A member's current share of one topic's standing (topics with enough impacts only)."""

    __tablename__ = "standing_topic_scores"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float]
    rank: Mapped[int]
    go_to: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        Index("ix_standing_topic_scores_rank", "topic_id", "rank", "member_id"),
        Index("ix_standing_topic_scores_member", "member_id", "go_to"),
    )


class StandingExplanation(Base):
    """How much of a member's standing came through each kind of impact, from how many
    people, how many of them well regarded (top 10 % of standing)."""

    __tablename__ = "standing_explanations"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    people: Mapped[int]
    regarded: Mapped[int]
    fraction: Mapped[float]


class StandingHistory(Base):
    """One row per member per day (the day's last recompute), kept for
    ``SHAREWELL_STANDING_HISTORY_DAYS``: the standing-over-time chart."""

    __tablename__ = "standing_history"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    score: Mapped[float]
    level: Mapped[float]
    rank: Mapped[int]
    percentile: Mapped[float]

    __table_args__ = (Index("ix_standing_history_day", "day"),)
