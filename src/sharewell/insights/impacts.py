"""Impact sources of the insights area (read by the standing recompute).

* ``insights.reactions``: a "useful" or "acted on" reaction to an insight or a comment —
  the reacting member benefited from its author (``reactions.recipient_id``); the topics are
  the insight's (a comment's: its insight's).
* ``insights.accepted_answers``: an answer, pointer or introduction offer the asker accepted
  — the asker benefited from the answerer; the topics are the ask's.

Items hidden by moderators do not count. Self-impacts and suspended members are dropped by
the recompute.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharewell.insights.models import Comment, Insight, InsightTopic, Reaction
from sharewell.standing.rules import Impact
from sharewell.standing.sources import impact_source

REACTION_KINDS = {"useful": "insight_useful", "acted_on": "insight_acted_on"}


def _topics_by_insight(session: Session) -> dict[int, tuple[int, ...]]:
    topics: defaultdict[int, list[int]] = defaultdict(list)
    for insight_id, topic_id in session.execute(
        select(InsightTopic.insight_id, InsightTopic.topic_id).order_by(
            InsightTopic.insight_id, InsightTopic.topic_id
        )
    ):
        topics[insight_id].append(topic_id)
    return {k: tuple(v) for k, v in topics.items()}


@impact_source("insights.reactions")
def reactions(session: Session, since: datetime) -> Iterator[Impact]:
    topics = _topics_by_insight(session)
    on_insights = (
        select(Reaction.id, Reaction.member_id, Reaction.recipient_id, Reaction.kind,
               Reaction.created_at, Reaction.insight_id)
        .join(Insight, Insight.id == Reaction.insight_id)
        .where(Reaction.created_at >= since, Insight.hidden_at.is_(None))
    )  # fmt: skip
    on_comments = (
        select(Reaction.id, Reaction.member_id, Reaction.recipient_id, Reaction.kind,
               Reaction.created_at, Comment.insight_id)
        .join(Comment, Comment.id == Reaction.comment_id)
        .join(Insight, Insight.id == Comment.insight_id)
        .where(Reaction.created_at >= since, Comment.hidden_at.is_(None),
               Insight.hidden_at.is_(None))
    )  # fmt: skip
    for query in (on_insights, on_comments):
        for rid, member_id, recipient_id, kind, at, insight_id in session.execute(query):
            impact_kind = REACTION_KINDS.get(kind)
            if impact_kind is None:
                continue
            yield Impact(
                beneficiary_id=member_id,
                giver_id=recipient_id,
                kind=impact_kind,
                at=at,
                topic_ids=topics.get(insight_id, ()),
                ref=f"reaction:{rid}",
            )


@impact_source("insights.accepted_answers")
def accepted_answers(session: Session, since: datetime) -> Iterator[Impact]:
    topics = _topics_by_insight(session)
    query = (
        select(Comment.id, Insight.author_id, Comment.author_id, Comment.accepted_at, Insight.id)
        .join(Insight, Insight.id == Comment.insight_id)
        .where(
            Insight.kind == "ask",
            Comment.accepted_at.is_not(None),
            Comment.accepted_at >= since,
            Comment.hidden_at.is_(None),
            Insight.hidden_at.is_(None),
        )
    )
    for cid, asker_id, answerer_id, accepted_at, insight_id in session.execute(query):
        yield Impact(
            beneficiary_id=asker_id,
            giver_id=answerer_id,
            kind="answer_accepted",
            at=accepted_at,
            topic_ids=topics.get(insight_id, ()),
            ref=f"answer:{cid}",
        )
