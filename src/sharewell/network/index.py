"""The per-process holder of the graph index, kept current through the change log.

* Start: load the memory-mapped snapshot under ``<data dir>/graph`` (``sharewell network
  rebuild --snapshot`` writes it) when it is usable, else build from the tables. A build reads
  the counter's ``seq`` *first* and the tables after, so any change committed in between is in
  the tables and is also replayed from the log (rows hold absolute state: harmless).
* Before each path query (or at most every ``SHAREWELL_GRAPH_POLL_SECONDS``) the holder reads
  ``graph_changes`` with ``seq > applied_seq - margin`` and applies them to the overlay.
  Sequence numbers come from a locked counter, so they are in commit order; the margin only
  guards against clock-free surprises and costs nothing (already-seen rows are skipped).
* The ``network.prune_changes`` job deletes log rows older than
  ``SHAREWELL_GRAPH_CHANGES_KEEP_HOURS``. A process whose ``applied_seq`` is below the pruned
  horizon sees a gap in the sequence numbers on its next poll and rebuilds from the tables.
* Past ``SHAREWELL_GRAPH_COMPACT_THRESHOLD`` overlay changes a background thread folds the
  overlay into a fresh CSR and swaps the reference; changes applied meanwhile are re-applied.

Polls use the caller's session. Only read requests should poll (the index must never learn a
change from a transaction that may still roll back); services that write never call this.
Node ids are member ids.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.members.models import Member, MemberBlock
from sharewell.network.graph import EdgeChange, GraphIndex
from sharewell.network.models import Connection, GraphChange, GraphCounter, IntroductionPause
from sharewell.network.poll import PollGate
from sharewell.network.termindex import TermHolder, TermIndex

log = logging.getLogger("sharewell.network")

MARGIN = 64  # re-read this many sequence numbers below applied_seq (skipped when seen)
MAX_BATCH = 50_000
RECENT_KEEP = 200_000


def current_seq(session: Session) -> int:
    return int(session.scalar(select(GraphCounter.seq).where(GraphCounter.id == 1)) or 0)


def build_index(session: Session, *, batch: int = 500_000) -> GraphIndex:
    """Build the index from the tables (connections, blocks, pauses)."""
    seq = current_seq(session)  # first: see the module doc
    n = int(session.scalar(select(func.coalesce(func.max(Member.id), 0))) or 0) + 1
    us, vs, ws = [], [], []
    last = 0
    while True:  # keyset batches keep memory flat on very large tables
        rows = session.execute(
            select(Connection.id, Connection.member_a, Connection.member_b, Connection.strength)
            .where(Connection.status == "accepted", Connection.id > last)
            .order_by(Connection.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        arr = np.array([tuple(r) for r in rows], dtype=np.int64)  # rows are slow for numpy
        us.append(arr[:, 1])
        vs.append(arr[:, 2])
        ws.append(arr[:, 3])
        last = int(arr[-1, 0])
    u = np.concatenate(us) if us else np.zeros(0, np.int64)
    v = np.concatenate(vs) if vs else np.zeros(0, np.int64)
    w = np.concatenate(ws) if ws else np.zeros(0, np.int64)
    blocks = np.array(
        [tuple(r) for r in session.execute(select(MemberBlock.blocker_id, MemberBlock.blocked_id))],
        dtype=np.int64,
    ).reshape(-1, 2)
    paused = np.array(list(session.scalars(select(IntroductionPause.member_id))), dtype=np.int64)
    gone = np.array(
        list(session.scalars(select(Member.id).where(Member.suspended_at.is_not(None)))),
        dtype=np.int64,
    )
    return GraphIndex.from_edges(
        n, u, v, w, paused=paused, blocks=blocks, gone=gone, applied_seq=seq
    )


def snapshot_dir(settings: Settings) -> Path:
    return settings.data_dir / "graph"


class GraphHolder:
    """One per process (``app.state.graph``): the current index and how to refresh it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._index: GraphIndex | None = None
        self._lock = threading.Lock()
        self._poll = PollGate(settings.graph_poll_seconds)
        self._recent: deque[EdgeChange] = deque(maxlen=RECENT_KEEP)
        self._compacting = False
        self.built_from = ""
        self.rebuilds = 0  # rebuilds after falling behind the pruned log (for tests, metrics)
        # The filter terms of shared entries, kept current the same way (built on first use
        # or by the app's start-up warm-up; processes without path queries never build it).
        self.terms = TermHolder(settings)

    @property
    def ready(self) -> bool:
        """Whether this process has its index (built or loaded); until then the first request
        that needs it waits for the start-up build. ``/healthz`` reports it."""
        return self._index is not None

    def term_index(self, session: Session) -> TermIndex | None:
        """The current term index for filter matches, or None when ``SHAREWELL_TERM_INDEX``
        is off (filters are then matched in the database)."""
        return self.terms.current(session) if self.settings.term_index else None

    @property
    def all_ready(self) -> bool:
        """Graph index and (when enabled) term index both built: what ``/healthz`` says."""
        return self.ready and (self.terms.ready or not self.settings.term_index)

    # ---- start-up -------------------------------------------------------------------------

    def _initial(self, session: Session) -> GraphIndex:
        path = snapshot_dir(self.settings)
        if self.settings.graph_snapshot and (path / "meta.json").exists():
            try:
                index = GraphIndex.load(path)
                oldest = session.scalar(select(func.min(GraphChange.seq)))
                # Usable only if the log still holds every change after the snapshot.
                if oldest is None or oldest <= index.applied_seq + 1:
                    self.built_from = "snapshot"
                    return index
                log.info("graph snapshot is older than the change log; rebuilding")
            except (OSError, ValueError):
                log.exception("graph snapshot unreadable; rebuilding from the tables")
        started = time.perf_counter()
        index = build_index(session)
        self.built_from = "tables"
        log.info(
            "graph index built: %d nodes, %d entries in %.2f s",
            index.n,
            index.entry_count,
            time.perf_counter() - started,
        )
        return index

    def reset(self, index: GraphIndex | None = None) -> None:
        with self._lock:
            self._index = index
            self._recent.clear()

    # ---- keeping current ------------------------------------------------------------------

    def current(self, session: Session) -> GraphIndex:
        """The index with every change committed before this transaction began applied."""
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._initial(session)
                    self._poll.reset()
                index = self._index
        if not self._poll.due():
            return index
        return self.refresh(session, index)

    def refresh(self, session: Session, index: GraphIndex) -> GraphIndex:
        rows = session.execute(
            select(
                GraphChange.seq,
                GraphChange.kind,
                GraphChange.a,
                GraphChange.b,
                GraphChange.strength,
            )
            .where(GraphChange.seq > index.applied_seq - MARGIN)
            .order_by(GraphChange.seq)
            .limit(MAX_BATCH)
        ).all()
        changes = [EdgeChange(int(s), k, int(a), int(b), int(w)) for s, k, a, b, w in rows]
        if not changes:
            return index
        if changes[0].seq > index.applied_seq + 1:
            # Sequence numbers have no gaps (a locked counter, rolled back with its change), so
            # a gap means the rows this index still needed were pruned: rebuild from the tables.
            return self._rebuild(session, index)
        fresh = index.apply_changes(changes)
        if fresh is index:
            return index
        with self._lock:
            current = self._index
            if current is not None and current is not index:
                fresh = current.apply_changes(changes)  # another thread moved on: stack on it
            self._index = fresh
            self._recent.extend(c for c in changes if c.seq > index.applied_seq - MARGIN)
        if fresh.overlay_size > self.settings.graph_compact_threshold and not self._compacting:
            self._compacting = True
            threading.Thread(target=self._compact, args=(fresh,), daemon=True).start()
        return fresh

    def _rebuild(self, session: Session, stale: GraphIndex) -> GraphIndex:
        log.info(
            "graph index fell behind the pruned change log (seq %d); rebuilding", stale.applied_seq
        )
        fresh = build_index(session)
        with self._lock:
            if self._index is stale or self._index is None:
                self._index = fresh
                self._recent.clear()
            else:
                fresh = self._index  # another thread already moved on
        self.rebuilds += 1
        return fresh

    def _compact(self, index: GraphIndex) -> None:
        try:
            compacted = index.compact()
            with self._lock:
                current = self._index
                if current is not index and current is not None:
                    later = [c for c in self._recent if c.seq > index.applied_seq - MARGIN]
                    compacted = compacted.apply_changes(later)
                self._index = compacted
        except Exception:  # a failed compaction leaves the overlay in place; never fatal
            log.exception("graph compaction failed")
        finally:
            self._compacting = False
