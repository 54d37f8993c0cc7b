"""Standing on both databases: sources read the insights tables, recompute writes scores and
history in one go, re-runs are idempotent, seeds are honoured, rings stay bounded and new
accounts start at zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.insights.models import Comment, Insight, InsightTopic, Reaction
from sharewell.members.models import Member, Topic
from sharewell.standing import queries, service, sources
from sharewell.standing.models import (
    StandingExplanation,
    StandingHistory,
    StandingRun,
    StandingScore,
    StandingTopicScore,
)

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
_ids = count(1)


def _topic(db: Session, label: str) -> Topic:
    topic = Topic(slug=label.lower(), label=label)
    db.add(topic)
    db.flush()
    return topic


def _insight(
    db: Session, author: Member, topic: Topic | None = None, kind: str = "insight"
) -> Insight:
    n = next(_ids)
    insight = Insight(
        public_id=f"t{n:x}x{author.id}"[:16], author_id=author.id, kind=kind, title=f"i{n}",
        created_at=NOW - timedelta(days=30),
    )  # fmt: skip
    db.add(insight)
    db.flush()
    if topic is not None:
        db.add(InsightTopic(insight_id=insight.id, topic_id=topic.id))
    return insight


def _react(db: Session, who: Member, insight: Insight, kind: str = "useful", days: int = 1) -> None:
    db.add(Reaction(member_id=who.id, recipient_id=insight.author_id, kind=kind,
                    insight_id=insight.id, created_at=NOW - timedelta(days=days)))  # fmt: skip
    db.flush()


def _total(db: Session, ids: list[int]) -> float:
    return sum(queries.standing_of(db, ids).values())


def test_sources_read_reactions_and_accepted_answers(db: Session, members: Members) -> None:
    asker, helper, reader = members.create(), members.create(), members.create()
    spark = _topic(db, "Spark")
    post = _insight(db, helper, spark)
    hidden = _insight(db, helper, spark)
    hidden.hidden_at = NOW
    _react(db, reader, post, "useful")
    _react(db, asker, post, "acted_on")
    _react(db, reader, hidden, "useful")
    ask = _insight(db, asker, spark, kind="ask")
    answer = Comment(public_id=f"c{next(_ids)}", insight_id=ask.id, author_id=helper.id,
                     kind="answer", path="0000000001", accepted_at=NOW - timedelta(days=2))  # fmt: skip
    db.add(answer)
    db.flush()
    db.add(Reaction(member_id=reader.id, recipient_id=helper.id, kind="useful",
                    comment_id=answer.id, created_at=NOW))  # fmt: skip
    db.flush()
    found = sorted(
        (i.beneficiary_id, i.giver_id, i.kind, i.topic_ids)
        for i in sources.collect(db, NOW - timedelta(days=365))
        if helper.id in (i.giver_id, i.beneficiary_id)
    )
    assert found == sorted([
        (reader.id, helper.id, "insight_useful", (spark.id,)),
        (asker.id, helper.id, "insight_acted_on", (spark.id,)),
        (asker.id, helper.id, "answer_accepted", (spark.id,)),
        (reader.id, helper.id, "insight_useful", (spark.id,)),  # on the answer (a comment)
    ])  # fmt: skip
    # impacts before `since` are not read
    assert not [i for i in sources.collect(db, NOW + timedelta(days=1)) if i.giver_id == helper.id]


def _network(db: Session, members: Members, size: int = 12) -> tuple[Member, list[Member], Topic]:
    admin = members.create("Admin", admin=True)
    people = [members.create(f"P{i}") for i in range(size)]
    topic = _topic(db, f"Topic{next(_ids)}")
    posts = {m.id: _insight(db, m, topic) for m in [admin, *people]}
    # a chain of help: admin benefits from p0..p2, each p_i from p_{i+1}, some cross links
    for giver in people[:3]:
        _react(db, admin, posts[giver.id], "acted_on")
    for i in range(size - 1):
        _react(db, people[i], posts[people[i + 1].id], "useful", days=i)
        if i % 3 == 0:
            _react(db, people[i + 1], posts[people[i].id], "acted_on", days=10 + i)
    db.flush()
    return admin, people, topic


def test_recompute_writes_scores_topics_history_and_is_idempotent(
    db: Session, members: Members, settings: Settings
) -> None:
    admin, people, topic = _network(db, members)
    settings = settings.model_copy(update={"standing_topic_min_impacts": 3})
    first = service.recompute(db, settings, NOW)
    assert first.seeds == 1 and not first.default_seeds and first.scored > 3
    scores = dict(db.execute(select(StandingScore.member_id, StandingScore.score)).tuples().all())
    assert set(scores) <= {m.id for m in [admin, *people]} and all(s > 0 for s in scores.values())
    ranks = sorted(db.scalars(select(StandingScore.rank)))
    assert ranks[0] == 1
    topic_rows = db.scalars(
        select(StandingTopicScore).where(StandingTopicScore.topic_id == topic.id)
    ).all()
    assert topic_rows and sum(r.score for r in topic_rows) == pytest.approx(1.0)
    assert any(r.go_to for r in topic_rows)
    assert db.scalar(select(func.count()).select_from(StandingExplanation)) > 0
    history = db.scalar(select(func.count()).select_from(StandingHistory))
    assert history == first.scored

    again = service.recompute(db, settings, NOW + timedelta(minutes=5))
    scores2 = dict(db.execute(select(StandingScore.member_id, StandingScore.score)).tuples().all())
    assert scores2.keys() == scores.keys()
    assert all(scores2[k] == pytest.approx(scores[k], rel=1e-5) for k in scores)
    assert db.scalar(select(func.count()).select_from(StandingHistory)) == history  # same day
    assert again.run_id != first.run_id
    assert db.scalar(select(func.count()).select_from(StandingRun)) == 2

    service.recompute(db, settings, NOW + timedelta(days=1))
    assert db.scalar(select(func.count()).select_from(StandingHistory)) == 2 * history
    # history and runs are bounded
    short = settings.model_copy(update={"standing_history_days": 1})
    service.recompute(db, short, NOW + timedelta(days=3))
    days = set(db.scalars(select(StandingHistory.day)))
    assert min(days) >= (NOW + timedelta(days=2)).date()
    assert db.scalar(select(func.count()).select_from(StandingRun)) == 1


def test_seeds_are_honoured(db: Session, members: Members, settings: Settings) -> None:
    helper_of_a, helper_of_b = members.create(), members.create()
    a, b = members.create(), members.create()
    _react(db, a, _insight(db, helper_of_a), "acted_on")
    _react(db, b, _insight(db, helper_of_b), "acted_on")
    service.add_seed(db, a.handle)
    run = service.recompute(db, settings, NOW)
    assert not run.default_seeds and run.seeds == 1
    got = queries.standing_of(db, [helper_of_a.id, helper_of_b.id])
    assert got[helper_of_a.id] > 0 and got[helper_of_b.id] == 0.0
    assert {s.handle for s in queries.seeds(db)} == {a.handle}

    service.remove_seed(db, a.handle)
    service.add_seed(db, b.handle)
    service.recompute(db, settings, NOW)
    got = queries.standing_of(db, [helper_of_a.id, helper_of_b.id])
    assert got[helper_of_a.id] == 0.0 and got[helper_of_b.id] > 0
    # administrators are seeds too
    b_admin = members.create(admin=True)
    assert b_admin.id in service.seed_member_ids(db)


def test_without_seeds_the_default_is_used(
    db: Session, members: Members, settings: Settings
) -> None:
    giver, taker = members.create(), members.create()
    _react(db, taker, _insight(db, giver), "useful")
    run = service.recompute(db, settings, NOW)
    assert run.default_seeds and run.seeds > 0
    assert queries.standing_of(db, [giver.id])[giver.id] > 0


def test_a_ring_trading_only_among_itself_at_most_doubles(
    db: Session, members: Members, settings: Settings
) -> None:
    _admin, people, _ = _network(db, members, size=16)
    ring = people[4:10]
    ids = [m.id for m in ring]
    service.recompute(db, settings, NOW)
    before = _total(db, ids)
    assert before > 0
    posts = [_insight(db, m) for m in ring]
    for m in ring:
        for post in posts:
            if post.author_id != m.id:
                _react(db, m, post, "acted_on", days=0)
                _react(db, m, post, "useful", days=0)
    service.recompute(db, settings, NOW)
    after = _total(db, ids)
    assert after <= 2.0 * before + 1e-9  # the bound 1 / (1 - damping) with damping 0.5


def test_a_new_account_starts_at_zero_and_suspended_members_are_left_out(
    db: Session, members: Members, settings: Settings
) -> None:
    _admin, people, _ = _network(db, members)
    newcomer = members.create("Newcomer")
    for m in people[:5]:  # benefiting from others gives nothing to the newcomer
        _react(db, newcomer, _insight(db, m), "acted_on")
    suspended = people[2]
    suspended.suspended_at = NOW
    db.flush()
    run = service.recompute(db, settings, NOW)
    got = queries.standing_of(db, [newcomer.id, suspended.id])
    assert got == {newcomer.id: 0.0, suspended.id: 0.0}
    assert db.get(StandingScore, suspended.id) is None
    assert run.dropped["inactive"] > 0
    explained = queries.explanation(db, newcomer)
    assert explained.text.startswith("You have no standing yet")
    assert queries.member_standing(db, newcomer).rank is None


def test_recompute_on_an_empty_network(db: Session, settings: Settings) -> None:
    run = service.recompute(db, settings, NOW)
    assert (run.members, run.scored, run.impacts, run.topics) == (0, 0, 0, 0)
    assert queries.leaderboard(db, limit=10).items == []
