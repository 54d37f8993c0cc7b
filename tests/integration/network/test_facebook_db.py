"""ego-Facebook loaded in bulk as members and connections through the database: hop distances
of sampled pairs from the DB-built index equal networkx's breadth-first distances."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharewell.bulk import bulk_insert
from sharewell.datasets import dataset_path, load_facebook
from sharewell.db import utcnow
from sharewell.members.models import Member
from sharewell.network.index import build_index
from sharewell.network.models import Connection

pytestmark = pytest.mark.skipif(
    dataset_path("facebook_combined.txt.gz") is None,
    reason="ego-Facebook not found: put facebook_combined.txt.gz in ../shared/data "
    "or point SHAREWELL_SHARED_DATA at the folder holding it",
)


def test_facebook_hop_distances_from_the_database_equal_networkx(db: Session) -> None:
    fb = load_facebook()
    now = utcnow()
    start = int(db.scalar(select(func.coalesce(func.max(Member.id), 0))) or 0) + 1
    bulk_insert(
        db,
        Member,
        (
            "id",
            "handle",
            "email",
            "display_name",
            "headline",
            "bio_md",
            "bio_html",
            "location",
            "is_admin",
            "is_demo",
            "created_at",
            "updated_at",
        ),
        (
            (
                start + i,
                f"fb-{i}",
                f"fb-{i}@example.org",
                f"FB {i}",
                "",
                "",
                "",
                "",
                False,
                True,
                now,
                now,
            )
            for i in range(fb.n)
        ),
    )
    a = np.minimum(fb.sources, fb.targets) + start
    b = np.maximum(fb.sources, fb.targets) + start
    bulk_insert(
        db,
        Connection,
        (
            "member_a",
            "member_b",
            "status",
            "requested_by",
            "origin",
            "message",
            "strength",
            "requested_at",
        ),
        (
            (int(x), int(y), "accepted", int(x), "manual_request", "", 3, now)
            for x, y in zip(a.tolist(), b.tolist(), strict=True)
        ),
    )
    index = build_index(db)
    assert index.entry_count == 2 * 88234
    g = nx.Graph()
    g.add_nodes_from(range(fb.n))
    g.add_edges_from(zip(fb.sources.tolist(), fb.targets.tolist(), strict=True))
    rng = np.random.default_rng(7)
    sources = rng.choice(fb.n, size=20, replace=False)
    checked = 0
    for s in sources.tolist():
        truth = nx.single_source_shortest_path_length(g, s)
        targets = rng.choice(fb.n, size=150, replace=False)
        dist = index.distances_from(start + s, max_hops=12)
        for t in targets.tolist():
            assert int(dist[start + t]) == truth.get(t, -1), (s, t)
            checked += 1
    assert checked == 3000
