"""The DB-backed path service against networkx on small random graphs, with blocks and
pauses applied: hop distances (degree labels) and whether a member can be reached."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.members.models import Member, MemberBlock
from sharewell.network import queries, rules
from sharewell.network.index import GraphHolder, build_index
from sharewell.network.models import Connection, IntroductionPause


def _load(db: Session, n: int, edges: list[tuple[int, int, int]]) -> list[int]:
    now = utcnow()
    start = (db.scalar(select(Member.id).order_by(Member.id.desc()).limit(1)) or 0) + 1
    db.execute(
        insert(Member),
        [
            {
                "id": start + i,
                "handle": f"nx-{start + i}",
                "email": f"nx-{start + i}@example.org",
                "display_name": f"Node {i}",
            }
            for i in range(n)
        ],
    )
    ids = [start + i for i in range(n)]
    if edges:
        db.execute(
            insert(Connection),
            [
                {
                    "member_a": ids[min(u, v)],
                    "member_b": ids[max(u, v)],
                    "status": "accepted",
                    "requested_by": ids[u],
                    "strength": w,
                    "requested_at": now,
                }
                for u, v, w in edges
            ],
        )
    return ids


graphs = st.integers(4, 14).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.sets(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] < e[1]),
            max_size=n * 3,
        ),
        st.sets(st.integers(1, n - 1), max_size=2),  # blocked with the source (node 0)
        st.sets(st.integers(1, n - 1), max_size=2),  # paused
        st.integers(1, 5),
    )
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=graphs)
def test_degrees_and_reachability_equal_networkx(db: Session, case) -> None:  # type: ignore[no-untyped-def]
    n, edge_set, blocked, paused, w = case
    nested = db.begin_nested()
    try:
        edges = [(u, v, w) for u, v in sorted(edge_set)]
        ids = _load(db, n, edges)
        if blocked:
            db.execute(
                insert(MemberBlock), [{"blocker_id": ids[0], "blocked_id": ids[b]} for b in blocked]
            )
        if paused:
            db.execute(insert(IntroductionPause), [{"member_id": ids[p]} for p in paused])
        db.flush()
        index = build_index(db)
        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from((u, v) for u, v, _ in edges)
        g.remove_nodes_from(blocked)
        dist = nx.single_source_shortest_path_length(g, 0, cutoff=3)
        labels = queries.degree_labels(index, ids[0], ids[1:])
        for node, label in zip(range(1, n), labels, strict=True):
            assert label == rules.degree_label(dist.get(node)), (node, label)
        # Reachability of a member within 3 hops, connectors neither blocked nor paused.
        h = g.copy()
        for target in range(1, n):
            if target in blocked:
                continue
            sub = h.subgraph([x for x in h if x not in paused or x in (0, target)])
            try:
                ok = nx.shortest_path_length(sub, 0, target) <= 3
            except nx.NetworkXNoPath:
                ok = False
            member = db.get(Member, ids[0])
            assert member is not None
            found = queries.paths_to_member(db, index, member, f"nx-{ids[target]}").paths
            assert bool(found) == ok, (target, ok)
            for p in found:
                assert np.isclose(p.strength, (w / 5) ** p.hops)
    finally:
        nested.rollback()


def test_the_holder_converges_on_logged_changes(db: Session, members, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    from sharewell.network import service

    a, b = members.create(), members.create()
    holder = GraphHolder(settings)
    first = holder.current(db)
    service.request_connection(db, a, b, settings)
    service.accept(db, b, a)
    service.rate(db, a, b, 5)
    service.rate(db, b, a, 5)
    later = holder.current(db)
    assert later.strength(a.id, b.id) == 5 and first.strength(a.id, b.id) == 0
    rebuilt = build_index(db)
    assert rebuilt.strength(a.id, b.id) == 5 and rebuilt.applied_seq == later.applied_seq
