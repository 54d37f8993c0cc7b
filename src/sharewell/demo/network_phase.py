"""Demo phases of the network: filter terms for the bulk-loaded rows, and connections with
community structure (company, city, industry) and heavy-tailed degrees, built with numpy and
written with the driver's bulk path (PostgreSQL ``COPY``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sharewell import arrays
from sharewell.bulk import bulk_insert, deferred_indexes
from sharewell.members import rules as member_rules
from sharewell.network import rules
from sharewell.network.models import Connection, MemberTerm
from sharewell.network.terms import term_ids

from . import vocabulary as v

if TYPE_CHECKING:
    from sharewell.demo.generator import DemoContext

# Where a member's ties come from: colleagues, neighbours, the same industry, anyone.
TIE_MIX = (("company", 0.45), ("city", 0.20), ("industry", 0.15), ("anyone", 0.20))


def phase_member_terms(ctx: DemoContext) -> None:
    """Terms of the generated profiles (the ORM hook does this for edits made later)."""
    per_member: list[tuple[int, list[str]]] = []
    headline_of: dict[int, tuple[str, str]] = {}
    for m in ctx.members:
        company, _ = v.COMPANIES[m.company]
        city, country = v.CITIES[m.city]
        headline_of[m.id] = (f"{m.title} at {company}", f"{city}, {country}")
        slugs = [member_rules.topic_slug(t) for t in m.topics]
        per_member.append((m.id, rules.member_terms(*headline_of[m.id], slugs)))
    ids = term_ids(ctx.session.connection(), (t for _, ts in per_member for t in ts), create=True)
    bulk_insert(
        ctx.session,
        MemberTerm,
        ("term_id", "member_id"),
        ((ids[t], mid) for mid, ts in per_member for t in ts),
    )


def generate_edges(
    rng: np.random.Generator,
    groups: dict[str, np.ndarray],
    per_member: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edges (u < v, distinct) among ``n`` nodes: each edge starts at a node drawn
    by a heavy-tailed activity weight (Pareto) and ends at a node of the same company, city or
    industry (or anyone, drawn by the same weights), so degrees are heavy-tailed and the graph
    has communities. Vectorised: no Python loop over edges."""
    n = len(next(iter(groups.values())))
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    target = int(n * per_member / 2)
    activity = rng.pareto(2.2, n) + 1.0
    p = activity / activity.sum()
    m = int(target * 1.08) + 10  # a few are lost to self-loops and duplicates
    u = rng.choice(n, size=m, p=p)
    kinds = rng.choice(len(TIE_MIX), size=m, p=[w for _, w in TIE_MIX])
    out = rng.choice(n, size=m, p=p)  # "anyone"
    for k, (name, _) in enumerate(TIE_MIX):
        if name == "anyone":
            continue
        sel = np.flatnonzero(kinds == k)
        g = groups[name]
        order = np.argsort(g, kind="stable")
        sorted_g = g[order]
        starts = np.searchsorted(sorted_g, g[u[sel]], side="left")
        ends = np.searchsorted(sorted_g, g[u[sel]], side="right")
        pick = starts + (rng.random(sel.size) * (ends - starts)).astype(np.int64)
        out[sel] = order[pick]
    a, b = np.minimum(u, out), np.maximum(u, out)
    keep = a != b
    key = arrays.unique(a[keep].astype(np.int64) * n + b[keep])
    if key.size > target:
        key = np.sort(rng.choice(key, size=target, replace=False))
    return key // n, key % n


def phase_connections(ctx: DemoContext) -> None:
    members = ctx.members
    per = ctx.options.connections_per_member
    if len(members) < 2 or per <= 0:
        ctx.counts.update(connections=0)
        return
    rng = ctx.rng
    ids = np.array([m.id for m in members], dtype=np.int64)
    company = np.array([m.company for m in members], dtype=np.int64)
    industries = sorted({ind for _, ind in v.COMPANIES})
    industry = np.array(
        [industries.index(v.COMPANIES[m.company][1]) for m in members], dtype=np.int64
    )
    city = np.array([m.city for m in members], dtype=np.int64)
    a, b = generate_edges(rng, {"company": company, "city": city, "industry": industry}, float(per))
    # Colleagues know each other better; everyone else spreads over 1–5 around "ok".
    base = rng.choice([1, 2, 3, 4, 5], size=a.size, p=[0.08, 0.2, 0.37, 0.25, 0.1])
    same = company[a] == company[b]
    strength = np.clip(base + same.astype(np.int64), 1, 5)
    now = ctx.now
    rows = (
        (int(x), int(y), "accepted", int(x), "manual_request", "", None, None, int(s), now, now)
        for x, y, s in zip(ids[a].tolist(), ids[b].tolist(), strength.tolist(), strict=True)
    )
    with deferred_indexes(ctx.session, Connection):
        _insert_connections(ctx, rows)
    deg = np.bincount(np.concatenate([a, b]), minlength=len(members))
    ctx.counts.update(
        connections=int(a.size),
        connections_max_degree=int(deg.max()),
        connections_median_degree=int(np.median(deg)),
    )


def _insert_connections(ctx: DemoContext, rows: Iterable[Sequence[object]]) -> None:
    bulk_insert(
        ctx.session,
        Connection,
        (
            "member_a",
            "member_b",
            "status",
            "requested_by",
            "origin",
            "message",
            "rating_a",
            "rating_b",
            "strength",
            "requested_at",
            "responded_at",
        ),
        rows,
    )
