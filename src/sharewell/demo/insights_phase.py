"""Demo phase of the insights area: insights of every kind (two per member), nested threads
(one of 500 comments on the first insight, for the benchmark), reactions and follows. Built
with numpy, inserted in bulk with explicit ids (so thread paths are computed before insert);
the same seed gives the same data."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from sharewell.db import utcnow
from sharewell.insights import rules
from sharewell.insights.models import (
    Comment,
    Insight,
    InsightTopic,
    MemberFollow,
    Reaction,
    TopicFollow,
)
from sharewell.markup import render_markdown
from sharewell.members import rules as member_rules
from sharewell.members.models import Topic

if TYPE_CHECKING:
    from sharewell.demo.generator import DemoContext

INSIGHTS_PER_MEMBER = 2
BIG_THREAD = 500
THREAD_DEPTH_CAP = 12

TITLES = {
    "information": [
        "Notes from this week's {topic} meetup",
        "Salary bands for {topic} roles in {city}",
        "Who is hiring in {topic} right now",
        "Reading list: {topic} for newcomers",
    ],
    "insight": [
        "What I learned shipping {topic} at {company}",
        "Why most {topic} projects stall",
        "The one question to ask before starting {topic} work",
        "{topic}: hype versus practice",
    ],
    "capability": [
        "I can review your {topic} plan",
        "Offering an hour of {topic} mentoring",
        "Happy to walk you through {topic} interviews",
    ],
    "ask": [
        "Who knows someone in {topic} at {company}?",
        "Looking for advice on {topic}",
        "Anyone hiring for {topic} in {city}?",
    ],
    "opportunity": [
        "We are hiring: {title}",
        "Contract work in {topic}, {city}",
        "Looking for a co-founder with {topic} experience",
    ],
}
BODIES = [
    "Short version: **start small**, share early, and ask for feedback.\n\n- one\n- two\n- three",
    "I have seen this at three companies now. The pattern is always the same: nobody owns it.",
    "If you want details, reply here and I will share what I can. *Happy to help.*",
    "Numbers from my own notes (not official):\n\n"
    "| level | range |\n|---|---|\n| mid | 60-80k |\n| senior | 80-110k |",
    "Information has some value. Insight has more. Capability even more.",
]
COMMENTS = [
    "Great point — this matches what I have seen.",
    "I'd add one more: it isn't a one-way street.",
    "What's in it for me, and what's in it for you? Begin with a little bit.",
    "Get to know Sam, who knows this person, who has something to say about that.",
    "Thanks, this was **useful**. I tried it last week.",
    "Do you have a source for the numbers?",
    "Happy to introduce you to someone who did exactly this.",
]


def _bulk(ctx: DemoContext, table: type, rows: list[dict[str, object]]) -> None:
    from sharewell.demo.generator import _bulk as bulk

    bulk(ctx.session, table, rows)


def _next_id(ctx: DemoContext, table: type) -> int:
    from sqlalchemy import func, select

    return int(ctx.session.scalar(select(func.coalesce(func.max(table.id), 0))) or 0) + 1  # type: ignore[attr-defined]


def phase_insights(ctx: DemoContext) -> None:
    from sqlalchemy import select

    from sharewell.demo import vocabulary as v

    rng, members = ctx.rng, ctx.members
    n_members = len(members)
    if n_members == 0:
        return
    now = utcnow()
    n = n_members * INSIGHTS_PER_MEMBER
    topic_ids = dict(ctx.session.execute(select(Topic.slug, Topic.id)).tuples().all())
    rendered = [render_markdown(b) for b in BODIES]
    rendered_comments = [render_markdown(c) for c in COMMENTS]

    # Authors: heavy-tailed (a few prolific sharers); kinds weighted towards insight/information.
    activity = rng.pareto(1.5, size=n_members) + 1
    author_ix = rng.choice(n_members, size=n, p=activity / activity.sum())
    kinds = rng.choice(len(rules.KINDS), size=n, p=[0.25, 0.3, 0.15, 0.18, 0.12])
    vis = rng.choice(3, size=n, p=[0.8, 0.15, 0.05])
    body_ix = rng.integers(0, len(BODIES), size=n)
    ages = np.sort(rng.uniform(0, 365 * 86400, size=n))[::-1]  # oldest first, ids grow with time
    useful = np.minimum(rng.geometric(0.35, size=n) - 1, 400)
    acted = np.minimum(rng.geometric(0.7, size=n) - 1, 100)
    first = _next_id(ctx, Insight)

    insight_rows: list[dict[str, object]] = []
    topic_rows: list[dict[str, object]] = []
    for j in range(n):
        m = members[author_ix[j]]
        kind = rules.KINDS[kinds[j]]
        options = TITLES[kind]
        words = {
            "topic": m.topics[j % len(m.topics)],
            "company": v.COMPANIES[m.company][0],
            "city": v.CITIES[m.city][0],
            "title": m.title,
        }
        title = options[j % len(options)].format(**words)
        created = now - timedelta(seconds=float(ages[j]))
        insight_rows.append(
            {
                "id": first + j,
                "public_id": f"d{first + j:x}{int(rng.integers(1 << 30)):08x}"[:16],
                "author_id": m.id,
                "kind": kind,
                "title": title,
                "body_md": BODIES[body_ix[j]],
                "body_html": rendered[body_ix[j]],
                "visibility": rules.VISIBILITIES[vis[j]],
                "useful_count": 0,
                "acted_count": 0,
                "comment_count": 0,
                "created_at": created,
            }
        )
        for label in m.topics[: 1 + j % 2]:
            topic_rows.append(
                {"insight_id": first + j, "topic_id": topic_ids[member_rules.topic_slug(label)]}
            )

    # Threads: ~30% of insights get comments; sizes heavy-tailed; the first gets BIG_THREAD.
    sizes = np.where(rng.random(n) < 0.3, np.minimum(rng.geometric(0.25, size=n), 60), 0)
    sizes[0] = BIG_THREAD
    comment_rows: list[dict[str, object]] = []
    next_comment = _next_id(ctx, Comment)
    for j in (int(x) for x in np.nonzero(sizes)[0]):
        k = int(sizes[j])
        commenters = rng.integers(0, n_members, size=k)
        attach = rng.random(k)
        picks = rng.random(k)
        ids: list[int] = []
        paths: list[str] = []
        depths: list[int] = []
        base_time = insight_rows[j]["created_at"]
        assert isinstance(base_time, type(now))
        for c in range(k):
            cid = next_comment
            next_comment += 1
            parent_ix = -1
            if c and attach[c] > 0.35:  # reply to an earlier comment, favouring recent ones
                parent_ix = int(c - 1 - int((picks[c] ** 2) * c))
                if depths[parent_ix] + 1 > THREAD_DEPTH_CAP:
                    parent_ix = -1
            depth = depths[parent_ix] + 1 if parent_ix >= 0 else 0
            path = (paths[parent_ix] if parent_ix >= 0 else "") + rules.path_segment(cid)
            ids.append(cid)
            paths.append(path)
            depths.append(depth)
            text_ix = (cid * 7) % len(COMMENTS)
            comment_rows.append(
                {
                    "id": cid,
                    "public_id": f"c{cid:x}{int(rng.integers(1 << 30)):08x}"[:16],
                    "insight_id": first + int(j),
                    "parent_id": ids[parent_ix] if parent_ix >= 0 else None,
                    "author_id": members[commenters[c]].id,
                    "kind": "comment",
                    "path": path,
                    "depth": depth,
                    "body_md": COMMENTS[text_ix],
                    "body_html": rendered_comments[text_ix],
                    "useful_count": 0,
                    "acted_count": 0,
                    "created_at": base_time + timedelta(minutes=10 * (c + 1)),
                }
            )
        insight_rows[j]["comment_count"] = k

    # Reactions on insights: distinct reactors per insight, never the author.
    reaction_rows: list[dict[str, object]] = []
    for j in (int(x) for x in np.nonzero(useful + acted)[0]):
        author_id = insight_rows[j]["author_id"]
        for kind, count in (("useful", int(useful[j])), ("acted_on", int(acted[j]))):
            if not count:
                continue
            reactors = {members[r].id for r in rng.integers(0, n_members, size=count)}
            reactors.discard(int(str(author_id)))
            for r in sorted(reactors):
                reaction_rows.append(
                    {
                        "member_id": r,
                        "recipient_id": author_id,
                        "kind": kind,
                        "insight_id": first + int(j),
                        "created_at": now,
                    }
                )
            insight_rows[j]["useful_count" if kind == "useful" else "acted_count"] = len(reactors)
    useful_of = {row["id"]: row["useful_count"] for row in insight_rows if row["useful_count"]}
    for row in topic_rows:  # the topics' copy of the count (models.InsightTopic)
        row["useful_count"] = useful_of.get(row["insight_id"], 0)

    # Follows: every member follows a few others (preferring prolific sharers) and two topics.
    follow_rows: list[dict[str, object]] = []
    topic_follow_rows: list[dict[str, object]] = []
    per = min(15, n_members - 1)
    all_topic_ids = sorted(topic_ids.values())
    for i, m in enumerate(members):
        if per > 0:
            chosen = set(rng.choice(n_members, size=per, p=activity / activity.sum()).tolist())
            chosen.discard(i)
            follow_rows += [
                {"follower_id": m.id, "followed_id": members[c].id, "created_at": now}
                for c in sorted(chosen)
            ]
        for label in m.topics[:2]:
            topic_follow_rows.append(
                {
                    "follower_id": m.id,
                    "topic_id": topic_ids[member_rules.topic_slug(label)],
                    "created_at": now,
                }
            )
    del all_topic_ids

    _bulk(ctx, Insight, insight_rows)
    _bulk(ctx, InsightTopic, topic_rows)
    _bulk(ctx, Comment, comment_rows)
    _bulk(ctx, Reaction, reaction_rows)
    _bulk(ctx, MemberFollow, follow_rows)
    _bulk(ctx, TopicFollow, topic_follow_rows)
    ctx.counts.update(
        insights=len(insight_rows),
        comments=len(comment_rows),
        reactions=len(reaction_rows),
        follows=len(follow_rows) + len(topic_follow_rows),
    )
