"""Demo phases of the standing area.

``standing-impacts`` gives the leaderboards something to rank: members carry a hidden,
heavy-tailed "expertise"; asks get answers from members who know the ask's topic (experts
answer more often), the asker accepts the best one most of the time, and a few peers mark
accepted answers useful. The most expert members are marked as seeds (the demo admin is one
anyway). ``standing`` runs a recompute as the final phase, so a fresh demo shows standing,
leaderboards and badges at once. It must stay the last phase: later areas insert theirs before.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import insert, select, update

from sharewell.insights import rules as insight_rules
from sharewell.insights.models import Comment, Insight, InsightTopic, Reaction
from sharewell.markup import render_markdown
from sharewell.members import rules as member_rules
from sharewell.members.models import Topic
from sharewell.standing.models import StandingSeed

if TYPE_CHECKING:
    from sharewell.demo.generator import DemoContext

ANSWERS = [
    "I did exactly this last year. Start with the smallest useful version and ask early.",
    "Two people I trust can help here; happy to make an introduction if you want.",
    "Here is the checklist I use:\n\n1. scope it\n2. find the owner\n3. agree the first step",
    "Short answer: yes, but only if you budget time for the follow-up.",
]
BATCH = 5000


def _bulk(ctx: DemoContext, table: type, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        ctx.session.execute(insert(table), rows[start : start + BATCH])


def phase_standing_impacts(ctx: DemoContext) -> None:
    from sqlalchemy import func

    rng, members = ctx.rng, ctx.members
    n = len(members)
    if n < 2:
        return
    now = ctx.now
    skill = rng.pareto(1.2, size=n) + 1.0
    index_of = {m.id: i for i, m in enumerate(members)}
    topic_ids = dict(ctx.session.execute(select(Topic.slug, Topic.id)).tuples().all())
    by_topic: defaultdict[int, list[int]] = defaultdict(list)
    for i, m in enumerate(members):
        for label in m.topics:
            by_topic[topic_ids[member_rules.topic_slug(label)]].append(i)
    pools = {t: np.asarray(ix, dtype=np.int64) for t, ix in by_topic.items()}

    member_ids = [m.id for m in members]
    asks = ctx.session.execute(
        select(Insight.id, Insight.author_id, Insight.created_at, Insight.comment_count)
        .where(Insight.kind == "ask", Insight.author_id.between(min(member_ids), max(member_ids)))
        .order_by(Insight.id)
    ).all()
    first_topic = dict(
        ctx.session.execute(
            select(InsightTopic.insight_id, func.min(InsightTopic.topic_id)).group_by(
                InsightTopic.insight_id
            )
        )
        .tuples()
        .all()
    )
    rendered = [render_markdown(a) for a in ANSWERS]
    next_id = int(ctx.session.scalar(select(func.coalesce(func.max(Comment.id), 0))) or 0) + 1
    comments: list[dict[str, object]] = []
    reactions: list[dict[str, object]] = []
    counts: list[dict[str, object]] = []
    accepted = 0
    for insight_id, author_id, created_at, comment_count in asks:
        pool = pools.get(first_topic.get(insight_id, -1))
        asker = index_of.get(author_id)
        if pool is None or asker is None:
            continue
        pool = pool[pool != asker]
        if pool.size == 0:
            continue
        k = int(min(pool.size, 1 + rng.binomial(3, 0.4)))
        p = skill[pool] / skill[pool].sum()
        answerers = rng.choice(pool, size=k, replace=False, p=p)
        best = int(answerers[np.argmax(skill[answerers])])
        accept = rng.random() < 0.75
        for c, who in enumerate(answerers.tolist()):
            cid = next_id
            next_id += 1
            at = min(created_at + timedelta(hours=6 + 20 * c + float(rng.uniform(0, 48))), now)
            is_accepted = accept and who == best
            text_ix = cid % len(ANSWERS)
            comments.append({
                "id": cid, "public_id": f"a{cid:x}{int(rng.integers(1 << 30)):08x}"[:16],
                "insight_id": insight_id, "parent_id": None, "author_id": members[who].id,
                "kind": "answer", "path": insight_rules.path_segment(cid), "depth": 0,
                "body_md": ANSWERS[text_ix], "body_html": rendered[text_ix],
                "useful_count": 0, "acted_count": 0, "created_at": at,
                "accepted_at": min(at + timedelta(days=1), now) if is_accepted else None,
            })  # fmt: skip
            if is_accepted:
                accepted += 1
                peers = rng.choice(
                    pool, size=int(min(pool.size, rng.integers(0, 4))), replace=False
                )
                useful = sorted({int(x) for x in peers.tolist()} - {who})
                for r in useful:
                    reactions.append({
                        "member_id": members[r].id, "recipient_id": members[who].id,
                        "kind": "useful", "comment_id": cid,
                        "created_at": min(at + timedelta(days=2), now),
                    })  # fmt: skip
                comments[-1]["useful_count"] = len(useful)
        counts.append({"id": insight_id, "comment_count": comment_count + k})
    _bulk(ctx, Comment, comments)
    _bulk(ctx, Reaction, reactions)
    if counts:
        ctx.session.execute(update(Insight), counts)
    n_seeds = int(min(50, max(3, n // 200), n))
    seeds = np.argsort(-skill, kind="stable")[:n_seeds]
    _bulk(ctx, StandingSeed, [
        {"member_id": members[int(i)].id, "added_by_id": None, "created_at": now}
        for i in sorted(seeds.tolist())
    ])  # fmt: skip
    ctx.counts.update(answers=len(comments), accepted_answers=accepted, seeds=n_seeds)


def phase_standing(ctx: DemoContext) -> None:
    """Recompute standing over everything the earlier phases made (keep this phase last)."""
    from sharewell.standing import service

    summary = service.recompute(ctx.session, ctx.settings, ctx.now, trigger="demo")
    ctx.counts.update(standing_scored=summary.scored, standing_topics=summary.topics)
