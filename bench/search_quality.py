"""Search quality: a labelled evaluation set built from the demo network generator, and
nDCG@10 / recall@50 for text only, text + network + standing, and semantic (when the extra is
installed).

The set is built from the generated data before any tuning, with queries worded differently
from their targets (plurals, extra words, typos, "at"/"in" phrasing):

* people: "<topic> experts <city>" → members with that topic living in that city;
* cards: "<title>s at <company>" → blind/open cards that *show* that title and company;
* insights: "advice on <topic>" → insights the searcher may see, on that topic;
* typos: a member's name with two letters of the first name swapped → that member.

Grades: 1 = matches the need; +1 when the member behind it (the member, the card's holder,
the insight's author) is within two hops of the searcher — reachable with one introduction,
which is what a search in a sharing network is for. Binary (topical-only) scores are reported
too, so the blend is seen not to buy closeness with relevance.

    python bench/search_quality.py --members 1500          # SQLite in a temporary folder
    python bench/search_quality.py --database-url postgresql+psycopg://…/empty_db

Results: bench/results/search_quality.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts import sharing
from sharewell.contacts import sharing_rules as card_rules
from sharewell.contacts.models import Contact
from sharewell.db import make_engine, make_session_factory, session_scope
from sharewell.demo.generator import DemoOptions, generate
from sharewell.insights.models import Insight, InsightTopic, Reaction
from sharewell.members.models import Member, MemberTopic, Topic
from sharewell.migrations import upgrade
from sharewell.network.graph import GraphIndex
from sharewell.network.index import GraphHolder
from sharewell.search import queries, rules, semantic
from sharewell.standing import compute_standing

RESULTS = Path(__file__).parent / "results"
# Kept with every run's table: how the blend's form was chosen (on the tune half).
BLEND_RECORD = """Blend tuning record (tune half only): with the text score by coverage,
the old additive blend (0.6 text + 0.3 closeness + 0.1 standing) scored nDCG@10 0.394 /
recall@50 0.684 against text-only 0.432 / 0.698; the relevance-first blend (closeness and
standing scale the text score) scored 0.447 / 0.706 and was kept."""
KINDS = ("member", "card", "insight")


@dataclass
class Case:
    kind: str
    searcher: int
    q: str
    relevant: dict[tuple[str, str], int] = field(default_factory=dict)


def key_of(hit: object) -> tuple[str, str]:
    kind = hit.kind  # type: ignore[attr-defined]
    if kind == "card":
        return ("card", hit.card_id)  # type: ignore[attr-defined]
    return (kind, hit.url)  # type: ignore[attr-defined]


def ndcg(ranked: Sequence[tuple[str, str]], relevant: dict[tuple[str, str], int], k: int) -> float:
    dcg = sum(
        (2 ** relevant.get(key, 0) - 1) / math.log2(i + 2) for i, key in enumerate(ranked[:k])
    )
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(
    ranked: Sequence[tuple[str, str]], relevant: dict[tuple[str, str], int], k: int
) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def swap_typo(name: str) -> str:
    first, _, rest = name.partition(" ")
    if len(first) < 4:
        return name
    chars = list(first)
    chars[1], chars[2] = chars[2], chars[1]
    return "".join(chars) + (" " + rest if rest else "")


def build_cases(
    session: Session, index: GraphIndex, rng: np.random.Generator, n: int
) -> list[Case]:
    members = {m.id: m for m in session.scalars(select(Member))}
    topics = dict(session.execute(select(Topic.id, Topic.label)).tuples().all())
    member_topics: dict[int, set[int]] = {}
    for mid, tid in session.execute(select(MemberTopic.member_id, MemberTopic.topic_id)):
        member_topics.setdefault(mid, set()).add(tid)
    ids = np.array(sorted(members))
    cases: list[Case] = []

    def reach(searcher: int) -> set[int]:
        dist = index.distances_from(searcher, 2)
        return {int(x) for x in np.flatnonzero((dist >= 1) & (dist <= 2))}

    def grade(owner: int, near: set[int]) -> int:
        return 1 + (owner in near)

    for _ in range(n):  # people
        s, target = (int(x) for x in rng.choice(ids, 2, replace=False))
        tm = members[target]
        if not member_topics.get(target):
            continue
        tid = sorted(member_topics[target])[0]
        city = tm.location.split(",")[0]
        near = reach(s)
        case = Case("people", s, f"{topics[tid].lower()} experts {city}")
        for mid, m in members.items():
            if (
                mid != s
                and tid in member_topics.get(mid, set())
                and m.location.split(",")[0] == city
            ):
                case.relevant[("member", f"/members/{m.handle}")] = grade(mid, near)
        cases.append(case)
    shared = session.scalars(
        select(Contact).where(Contact.visibility.in_(("blind", "open"))).limit(20000)
    ).all()
    by_pair: dict[tuple[str, str], list[Contact]] = {}
    for c in shared:
        card = card_rules.card_fields_for(sharing.card_source(c))
        if card and card.get("title") and card.get("company"):
            by_pair.setdefault((str(card["title"]), str(card["company"])), []).append(c)
    pairs = sorted(by_pair)
    for _ in range(n):  # cards
        if not pairs:
            break
        title, company = pairs[int(rng.integers(len(pairs)))]
        s = int(rng.choice(ids))
        near = reach(s)
        case = Case("cards", s, f"{title.lower()}s at {company}")
        for c in by_pair[(title, company)]:
            if c.holder_id != s:
                case.relevant[("card", c.public_id)] = grade(c.holder_id, near)
        if case.relevant:
            cases.append(case)
    insight_topics: dict[int, set[int]] = {}
    for iid, tid in session.execute(select(InsightTopic.insight_id, InsightTopic.topic_id)):
        insight_topics.setdefault(iid, set()).add(tid)
    insights = session.scalars(
        select(Insight).where(
            Insight.visibility.in_(("public", "members")), Insight.deleted_at.is_(None)
        )
    ).all()
    topic_ids = sorted({t for ts in insight_topics.values() for t in ts})
    for _ in range(n):  # insights
        tid = topic_ids[int(rng.integers(len(topic_ids)))]
        s = int(rng.choice(ids))
        near = reach(s)
        case = Case("insights", s, f"advice on {topics[tid].lower()}")
        for i in insights:
            if tid in insight_topics.get(i.id, set()):
                case.relevant[("insight", f"/insights/{i.public_id}")] = grade(i.author_id, near)
        if case.relevant:
            cases.append(case)
    for _ in range(n // 2):  # typos
        s, target = (int(x) for x in rng.choice(ids, 2, replace=False))
        name = members[target].display_name
        typo = swap_typo(name)
        if typo == name:
            continue
        near = reach(s)
        case = Case("typos", s, typo)
        for mid, m in members.items():
            if mid != s and m.display_name == name:
                case.relevant[("member", f"/members/{m.handle}")] = grade(mid, near)
        cases.append(case)
    return cases


def standing_lookup(session: Session) -> queries.StandingLookup:
    """Standing from the impact graph (reactions: who benefited → who gave), computed with the
    standing area's own algorithm, as the standing area will provide it."""
    rows = session.execute(select(Reaction.member_id, Reaction.recipient_id, Reaction.kind)).all()
    n = int(max((max(a, b) for a, b, _ in rows), default=0)) + 1
    weights = [3.0 if k == "acted_on" else 1.0 for _, _, k in rows]
    scores = compute_standing([a for a, _, _ in rows], [b for _, b, _ in rows], weights, n)

    def lookup(_session: Session, ids: Sequence[int]) -> dict[int, float]:
        return {i: float(scores[i]) if i < len(scores) else 0.0 for i in ids}

    return lookup


def evaluate(session, index, cases, settings, weights, standing):  # type: ignore[no-untyped-def]
    per: dict[str, dict[str, list[float]]] = {}
    for case in cases:
        viewer = session.get(Member, case.searcher)
        out = queries.search(
            session,
            viewer,
            queries.SearchParams(q=case.q, kinds=KINDS, limit=50),
            settings,
            index,
            standing=standing,
            weights=weights,
            record=False,
        )
        ranked = [key_of(h) for h in out.items]
        binary = {k: 1 for k in case.relevant}
        m = per.setdefault(case.kind, {"ndcg10": [], "recall50": [], "ndcg10_topical": []})
        m["ndcg10"].append(ndcg(ranked, case.relevant, 10))
        m["recall50"].append(recall(ranked, case.relevant, 50))
        m["ndcg10_topical"].append(ndcg(ranked, binary, 10))
    summary = {
        kind: {name: round(float(np.mean(vals)), 4) for name, vals in m.items()}
        for kind, m in per.items()
    }
    summary["all"] = {
        name: round(float(np.mean([x for m in per.values() for x in m[name]])), 4)
        for name in ("ndcg10", "recall50", "ndcg10_topical")
    }
    return summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1500)
    ap.add_argument("--cases", type=int, default=40, help="queries per kind")
    ap.add_argument("--database-url", default=None, help="an EMPTY database (default: SQLite)")
    ap.add_argument(
        "--reuse",
        default=None,
        help="a folder: generate the SQLite network there once, reuse it on later runs",
    )
    ap.add_argument(
        "--no-semantic", action="store_true", help="skip the semantic run even when installed"
    )
    ap.add_argument(
        "--floors",
        type=float,
        nargs="+",
        default=[0.0, 0.2, 0.25, 0.3, 0.35, 0.4],
        help="similarity floors tried on the tune half",
    )
    ap.add_argument(
        "--semantic-weights",
        type=float,
        nargs="+",
        default=[0.5, 1.0, 2.0],
        help="weights of the semantic ranking in the fusion tried on the tune half",
    )
    args = ap.parse_args()
    tmp = args.reuse or tempfile.mkdtemp(prefix="sw-quality-")
    Path(tmp).mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{tmp}/quality.sqlite3"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(env="test", data_dir=Path(tmp), display_quota_enabled=False)
    factory = make_session_factory(engine)
    t0 = time.perf_counter()
    with session_scope(factory) as session:
        if session.scalar(select(Member.id).limit(1)) is None:
            generate(
                session,
                DemoOptions(members=args.members, contacts_per_member=20),
                settings=settings,
            )
    gen_s = time.perf_counter() - t0
    rng = np.random.default_rng(11)
    with session_scope(factory) as session:
        index = GraphHolder(settings).current(session)
        cases = build_cases(session, index, rng, args.cases)
        lookup = standing_lookup(session)
        blend = queries.settings_weights(settings)
        text_only = rules.Weights(1.0, 0.0, 0.0)
        configs = {
            "text_only": (text_only, None),
            "text_network": (rules.Weights(0.6, 0.3, 0.0), None),
            "text_network_standing": (blend, lookup),
        }
        # Tuning looks at the tune half only; the reported numbers are the test half's.
        halves = {"tune": cases[0::2], "test": cases[1::2]}
        semantic_on = semantic.configure(not args.no_semantic)
        results: dict[str, dict[str, Any]] = {}
        tuning: list[dict[str, Any]] = []
        chosen: dict[str, float] = {}
        encoded, encode_s = 0, (0.0, 0.0)
        for name, (weights, standing) in configs.items():
            if semantic_on:
                semantic.configure(False)
            results[name] = {
                half: evaluate(session, index, part, settings, weights, standing)
                for half, part in halves.items()
            }
        if semantic_on:
            semantic.configure(True)
            t0, c0 = time.perf_counter(), time.process_time()
            encoded = semantic.build_vectors(session)
            encode_s = (time.perf_counter() - t0, time.process_time() - c0)
            # The fusion's two knobs, chosen on the tune half (text-only weights, so the
            # semantic leg is judged alone), then every semantic row uses the choice.
            for floor in args.floors:
                for weight in args.semantic_weights:
                    tuned = settings.model_copy(
                        update={
                            "search_semantic_min_similarity": floor,
                            "search_semantic_weight": weight,
                        }
                    )
                    m = evaluate(session, index, halves["tune"], tuned, text_only, None)["all"]
                    tuning.append({"min_similarity": floor, "weight": weight, **m})
            best = max(tuning, key=lambda t: (t["ndcg10"], t["recall50"]))
            chosen = {"min_similarity": best["min_similarity"], "weight": best["weight"]}
            fused = settings.model_copy(
                update={
                    "search_semantic_min_similarity": chosen["min_similarity"],
                    "search_semantic_weight": chosen["weight"],
                }
            )
            for name, (weights, standing) in (
                ("text_semantic", (text_only, None)),
                ("text_network_standing_semantic", (blend, lookup)),
            ):
                results[name] = {
                    half: evaluate(session, index, part, fused, weights, standing)
                    for half, part in halves.items()
                }
        session.rollback()
    report = {
        "run": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": engine.dialect.name,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "members": args.members,
        "generate_s": round(gen_s, 1),
        "cases": {k: sum(1 for c in cases if c.kind == k) for k in sorted({c.kind for c in cases})},
        "weights": queries.settings_weights(settings).__dict__,
        "results": results,
        "semantic_tuning": tuning,
        "semantic_chosen": chosen,
        "semantic_defaults": {
            "min_similarity": settings.search_semantic_min_similarity,
            "weight": settings.search_semantic_weight,
        },
        "vectors": {
            "encoded": encoded,
            "wall_s": round(encode_s[0], 1),
            "cpu_s": round(encode_s[1], 1),
        }
        if semantic_on
        else None,
        "semantic": "measured with the extra installed"
        if semantic_on
        else "skipped (--no-semantic)"
        if args.no_semantic
        else f"not installed ({semantic.INSTALL_HINT})",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search_quality.json").write_text(json.dumps(report, indent=2) + "\n")
    extra = {"text_semantic", "text_network_standing_semantic"}

    def row(name: str, half: str, kind: str) -> str:
        m = results[name][half][kind]
        with_extra = "yes" if name in extra else "no"
        return (
            f"| {name} | {with_extra} | {half} | {kind} | {m['ndcg10']} | {m['recall50']} | "
            f"{m['ndcg10_topical']} |"
        )

    header = [
        "| configuration | semantic extra | half | set | nDCG@10 | recall@50 "
        "| nDCG@10 (topical only) |",
        "|---|---|---|---|---|---|---|",
    ]
    lines = [
        "# Search quality (bench/search_quality.py)",
        "",
        f"Demo network of {args.members:,} members on {report['backend']} "
        f"(run {report['run']}); {sum(report['cases'].values())} labelled queries: "
        + ", ".join(f"{n} {k}" for k, n in report["cases"].items())
        + ". Graded relevance: 1 = matches the need, 2 = matches and is within two hops.",
        "`ndcg10_topical` scores the same rankings with binary, topical-only relevance.",
        "The set is split in two halves (alternate queries): ranking changes were tried on",
        "the **tune** half only; the **test** half is the one to read.",
        "",
        "## Summary (test half, all queries)",
        "",
        *header,
        *(row(name, "test", "all") for name in results),
        "",
        f"Semantic: {report['semantic']}.",
    ]
    if tuning:
        lines += [
            f"Fusion knobs chosen on the tune half (text-only weights + semantic, best "
            f"nDCG@10): similarity floor {chosen['min_similarity']}, semantic weight "
            f"{chosen['weight']} (the defaults are "
            f"{report['semantic_defaults']['min_similarity']} / "
            f"{report['semantic_defaults']['weight']}). Vectors for "
            f"{report['vectors']['encoded']:,} documents took {report['vectors']['wall_s']} s "
            f"wall, {report['vectors']['cpu_s']} s CPU.",
            "",
            "| floor | weight | nDCG@10 (tune) | recall@50 (tune) |",
            "|---|---|---|---|",
            *(
                f"| {t['min_similarity']} | {t['weight']} | {t['ndcg10']} | {t['recall50']} |"
                for t in tuning
            ),
        ]
    lines += ["", "## Per query set", "", *header]
    for half in ("test", "tune"):
        for name in results:
            for kind in results[name][half]:
                lines.append(row(name, half, kind))
    lines += ["", BLEND_RECORD, ""]
    (RESULTS / "search_quality.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
