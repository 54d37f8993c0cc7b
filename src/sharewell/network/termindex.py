"""The per-process inverted index of the shared entries' filter terms: which holders hold a
blind or open card or a counted entry matching a filter, answered in memory.

Matching a 2–3 attribute filter in the database costs tens of milliseconds at 100,000 members
(posting lists of tens of thousands of rows per common term); in memory it is a few binary
searches over sorted numpy arrays. The database stays the source of truth for what is shown:
the top paths' cards are read again from ``contacts`` and built by
``sharing_rules.card_fields_for`` (``queries.present_filter_paths``), never from this index.

* **Layout.** Only rows with ``flags > 0`` (shared: counted, blind or open, not opted out) are
  held. ``postings[offsets[t]:offsets[t + 1]]`` are the contact ids carrying term ``t``,
  sorted; ``holder_of[c]`` and ``flags_of[c]`` are indexed by contact id (the flags of a
  contact are the same on all its term rows: the triggers derive them from the contact).
* **Keeping current.** Triggers (migration ``0023_termlog``) stamp the holder of every changed
  shared term row in ``network_term_changes`` with a commit-ordered sequence number. Before a
  path query (at most every ``SHAREWELL_GRAPH_POLL_SECONDS``, like the graph index) the
  process reads the holders stamped after what it has applied and re-reads *all* their shared
  rows into an overlay; the base arrays hide those holders (``dirty``). A holder re-read with
  an older stamp than one already applied is skipped, so concurrent polls never regress it.
* **Compaction.** Past ``SHAREWELL_TERM_COMPACT_HOLDERS`` overlaid holders a background thread
  folds the overlay into fresh arrays (in memory, no database read) and swaps them in; holders
  applied meanwhile are carried over.

The process that makes a change sees it on its next query (its poll reads the log); other
processes within their poll interval. Restrictions never wait for that: a card is shown only
after it is re-read from ``contacts`` under the current sharing rules, and suspended members
are checked in the database before a path is returned (``queries._routed``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.network import rules
from sharewell.network.models import GraphCounter, TermChange
from sharewell.network.poll import PollGate

log = logging.getLogger("sharewell.network")

TERM_COUNTER = 2  # graph_counter row of the term log (migration 0023_termlog)
FETCH = 200_000  # rows per fetch while building
MAX_HOLDERS = 5_000  # holders re-read per poll (the rest on the next one)
_SHIFT = 32
BITSET_MIN = 50_000  # postings from which a term is also tested as a bitset (n/8 bytes)
# Bitsets a process keeps, by bytes (one is a bit per contact id: 1.5 MiB at 12M ids): a
# rebuilt bitset costs about 1.8 ms at 100k, and with 150 long terms and room for 64, a
# three-term filter rebuilt two in most queries (match p99 8.5 ms, of which 3.5 ms builds).
BITSETS_BYTES = 256 * 2**20
GROUP_BY_SORT = 20_000  # up to this many matching entries group by sorting, past it by id

IntArray = npt.NDArray[np.int64]
_EMPTY = np.zeros(0, dtype=np.int64)

# Packed so a build moves two integers per row through the driver, not four.
_ALL_ROWS = (
    "SELECT CAST(term_id AS BIGINT) * 4294967296 + contact_id,"
    " CAST(holder_id AS BIGINT) * 256 + flags"
    " FROM network_contact_terms WHERE flags > 0"
)


def term_seq(session: Session) -> int:
    seq = session.scalar(select(GraphCounter.seq).where(GraphCounter.id == TERM_COUNTER))
    return int(seq or 0)


def _unpack(packed: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(term, contact, holder, flags) from the two packed columns."""
    if packed.size == 0:
        return _EMPTY, _EMPTY, _EMPTY, _EMPTY
    key, hf = packed[:, 0], packed[:, 1]
    return key >> _SHIFT, key & 0xFFFFFFFF, hf >> 8, hf & 0xFF


def _cursor(session: Session):  # type: ignore[no-untyped-def]
    """A DBAPI cursor in the session's transaction (server-side on PostgreSQL: streamed)."""
    conn = session.connection()
    dbapi = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        return dbapi.cursor(name="sharewell_term_index")  # type: ignore[union-attr]
    return dbapi.cursor()  # type: ignore[union-attr]


def read_all(session: Session) -> tuple[IntArray, npt.NDArray[np.int32], npt.NDArray[np.uint8]]:
    """Every shared term row, as ``term << 32 | contact`` keys (unsorted) and the holder and
    flags of each contact (indexed by contact id). Read through the driver's cursor in large
    batches, each turned into arrays at once, so the build holds 8 bytes per row, not a Python
    row object."""
    keys: list[IntArray] = []
    holder_of = np.zeros(0, dtype=np.int32)
    flags_of = np.zeros(0, dtype=np.uint8)
    cursor = _cursor(session)
    try:
        cursor.execute(_ALL_ROWS)
        while True:
            rows = cursor.fetchmany(FETCH)
            if not rows:
                break
            packed = np.array(rows, dtype=np.int64).reshape(-1, 2)
            del rows
            _, contact, holder, flags = _unpack(packed)
            top = int(contact.max()) + 1
            if top > holder_of.size:
                size = max(top, holder_of.size * 2)
                holder_of = np.concatenate([holder_of, np.zeros(size - holder_of.size, np.int32)])
                flags_of = np.concatenate([flags_of, np.zeros(size - flags_of.size, np.uint8)])
            holder_of[contact] = holder
            flags_of[contact] = flags
            keys.append(packed[:, 0].copy())
    finally:
        cursor.close()
    all_keys = np.concatenate(keys) if keys else _EMPTY
    return all_keys, holder_of, flags_of


def read_holders(session: Session, holders: Sequence[int]) -> IntArray:
    """The shared term rows of these holders (same packing as ``read_all``). Through
    ``contacts.holder_id``'s index: term rows carry their contact's holder."""
    out: list[tuple[int, int]] = []
    for start in range(0, len(holders), 500):
        chunk = list(holders[start : start + 500])
        stmt = text(
            "SELECT CAST(ct.term_id AS BIGINT) * 4294967296 + ct.contact_id,"
            " CAST(ct.holder_id AS BIGINT) * 256 + ct.flags"
            " FROM contacts c JOIN network_contact_terms ct ON ct.contact_id = c.id"
            " WHERE c.holder_id IN :holders AND ct.holder_id = c.holder_id AND ct.flags > 0"
        ).bindparams(bindparam("holders", expanding=True))
        out.extend((int(a), int(b)) for a, b in session.execute(stmt, {"holders": chunk}))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def _intersect(a: npt.NDArray[np.int32], b: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """Sorted ``a`` ∩ sorted ``b`` for a short ``a``: binary searches into ``b``."""
    if a.size == 0 or b.size == 0:
        return a[:0]
    at = np.searchsorted(b, a)
    at[at == b.size] = b.size - 1
    found: npt.NDArray[np.int32] = a[b[at] == a]
    return found


@dataclass
class _Overlay:
    """Holders re-read since the base was built: their entries, by contact and by term."""

    holders: dict[int, list[int]] = field(default_factory=dict)  # holder → contacts
    entries: dict[int, tuple[int, int, tuple[int, ...]]] = field(default_factory=dict)
    terms: dict[int, set[int]] = field(default_factory=dict)  # term → contacts
    stamps: dict[int, int] = field(default_factory=dict)  # holder → seq of the state applied

    def put(self, holder: int, rows: list[tuple[int, int, int]]) -> None:
        """Replace ``holder``'s entries with ``rows`` of (term, contact, flags)."""
        for c in self.holders.pop(holder, []):
            _, _, terms = self.entries.pop(c)
            for t in terms:
                bucket = self.terms.get(t)
                if bucket is not None:
                    bucket.discard(c)
                    if not bucket:
                        del self.terms[t]
        by_contact: dict[int, tuple[int, list[int]]] = {}
        for t, c, f in rows:
            by_contact.setdefault(c, (f, []))[1].append(t)
        for c, (f, carried) in by_contact.items():
            self.entries[c] = (holder, f, tuple(carried))
            for t in carried:
                self.terms.setdefault(t, set()).add(c)
        self.holders[holder] = list(by_contact)

    def rows_of(self, holder: int) -> list[tuple[int, int, int]]:
        """(term, contact, flags) of ``holder``'s entries, as ``put`` takes them."""
        out: list[tuple[int, int, int]] = []
        for c in self.holders.get(holder, []):
            _, f, terms = self.entries[c]
            out.extend((t, c, f) for t in terms)
        return out

    def matching(self, term_ids: Sequence[int]) -> tuple[IntArray, IntArray]:
        """(holder, flags) of the overlay entries carrying every term."""
        buckets = sorted((self.terms.get(t, set()) for t in term_ids), key=len)
        if not buckets or not buckets[0]:
            return _EMPTY, _EMPTY
        found = buckets[0].intersection(*buckets[1:])
        pairs = [self.entries[c][:2] for c in found]
        arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0], arr[:, 1]


class TermIndex:
    """The base arrays (immutable) and the overlay (changed under a lock)."""

    def __init__(
        self,
        offsets: IntArray,
        postings: npt.NDArray[np.int32],
        holder_of: npt.NDArray[np.int32],
        flags_of: npt.NDArray[np.uint8],
        applied_seq: int,
    ) -> None:
        self._offsets = offsets
        self._postings = postings
        self._holder_of = holder_of
        self._flags_of = flags_of
        self.applied_seq = applied_seq
        self._lock = threading.Lock()
        self._ov = _Overlay()
        self._dirty = np.zeros(int(holder_of.max(initial=0)) + 1, dtype=np.bool_)
        self._bitsets: dict[int, npt.NDArray[np.uint8]] = {}
        self.generation = 0  # bumped by every overlay change (compaction carries later ones)

    # ---- building ---------------------------------------------------------------------------

    @classmethod
    def from_keys(
        cls,
        keys: IntArray,
        holder_of: npt.NDArray[np.int32],
        flags_of: npt.NDArray[np.uint8],
        applied_seq: int,
    ) -> TermIndex:
        """From ``term << 32 | contact`` keys (sorted here, in place) and per-contact arrays."""
        keys.sort()
        n_terms = int(keys[-1] >> _SHIFT) + 1 if keys.size else 0
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        if keys.size:
            np.cumsum(np.bincount(keys >> _SHIFT, minlength=n_terms), out=offsets[1:])
        postings = (keys & 0xFFFFFFFF).astype(np.int32)
        built = cls(offsets, postings, holder_of, flags_of, applied_seq)
        built.warm_bitsets()
        return built

    def warm_bitsets(self) -> None:
        """Build the bitsets of the longest terms now, longest first, as many as
        ``BITSETS_BYTES`` holds: a first query on a long term would otherwise pay for its
        build (about 1.8 ms each at 100k, 0.3 s for all 150 of the demo's)."""
        lengths = np.diff(self._offsets)
        size = (self._holder_of.size + 7) // 8
        room = BITSETS_BYTES // max(1, size)
        longest = np.argsort(-lengths, kind="stable")[:room]
        with self._lock:
            for t in longest[lengths[longest] >= BITSET_MIN][::-1].tolist():
                self._bitset(int(t))  # shortest of them first: the longest end most recent

    @classmethod
    def build(cls, session: Session) -> TermIndex:
        """From the tables; the log's counter is read *first*, so a change committed during
        the read is both in the rows and replayed from the log (re-reading is harmless)."""
        seq = term_seq(session)
        keys, holder_of, flags_of = read_all(session)
        return cls.from_keys(keys, holder_of, flags_of, seq)

    # ---- size -------------------------------------------------------------------------------

    @property
    def posting_count(self) -> int:
        return int(self._postings.size)

    @property
    def entry_count(self) -> int:
        """Shared entries (contacts) in the base arrays."""
        return int(np.count_nonzero(self._flags_of))

    @property
    def overlay_holders(self) -> int:
        return len(self._ov.holders)

    @property
    def nbytes(self) -> int:
        return int(
            self._offsets.nbytes
            + self._postings.nbytes
            + self._holder_of.nbytes
            + self._flags_of.nbytes
            + self._dirty.nbytes
        )

    # ---- queries ----------------------------------------------------------------------------

    def _posting(self, t: int) -> npt.NDArray[np.int32]:
        """A view (no copy: the commonest terms hold over a million postings at 100k)."""
        if t < 0 or t + 1 >= self._offsets.size:
            return self._postings[:0]
        return self._postings[self._offsets[t] : self._offsets[t + 1]]

    def _bitset(self, t: int) -> npt.NDArray[np.uint8] | None:
        """The term's postings as a bit per contact id, for long lists (kept for the
        terms asked most recently within ``BITSETS_BYTES``; callers hold the lock)."""
        posting = self._posting(t)
        if posting.size < BITSET_MIN:
            return None
        bits = self._bitsets.pop(t, None)
        if bits is None:
            mask = np.zeros(self._holder_of.size, dtype=np.bool_)
            mask[posting] = True
            bits = np.packbits(mask)
            if (len(self._bitsets) + 1) * bits.nbytes > BITSETS_BYTES and self._bitsets:
                del self._bitsets[next(iter(self._bitsets))]
        self._bitsets[t] = bits  # re-inserted: most recent last
        return bits

    def holders(self, term_ids: Sequence[int], need: int, min_group: int, exclude: int) -> IntArray:
        """Holders of shared entries carrying every term that either hold a card showing the
        filter's fields (``need`` bits) or at least ``min_group`` counted entries; sorted,
        without ``exclude``. The same rule as ``queries._match_statement``'s shared side."""
        with self._lock:
            ordered = sorted(term_ids, key=lambda t: self._posting(t).size)
            found = self._posting(ordered[0]) if ordered else self._postings[:0]
            for t in ordered[1:]:
                bits = self._bitset(t)
                if bits is None:
                    found = _intersect(found, self._posting(t))
                else:  # one bit test per entry instead of a binary search into a long list
                    shift = (7 - (found & 7)).astype(np.uint8)
                    found = found[((bits[found >> 3] >> shift) & 1).astype(np.bool_)]
            holder = self._holder_of[found].astype(np.int64)
            flags = self._flags_of[found].astype(np.int64)
            if self._ov.holders:
                keep = ~self._dirty[holder]
                more_h, more_f = self._ov.matching(term_ids)
                holder = np.concatenate([holder[keep], more_h])
                flags = np.concatenate([flags[keep], more_f])
        if holder.size == 0:
            return _EMPTY
        is_card = ((flags & need) == need).astype(np.float64)
        is_counted = (flags & rules.FLAG_COUNTED).astype(np.float64)
        if holder.size > GROUP_BY_SORT:  # many entries: count per holder id, no sort
            counted = np.bincount(holder, weights=is_counted)
            cards = np.bincount(holder, weights=is_card)
            out: IntArray = np.flatnonzero((counted >= min_group) | (cards > 0))
        else:
            uniq, inv = np.unique(holder, return_inverse=True)
            counted = np.bincount(inv, weights=is_counted, minlength=uniq.size)
            cards = np.bincount(inv, weights=is_card, minlength=uniq.size)
            out = uniq[(counted >= min_group) | (cards > 0)]
        kept: IntArray = out[out != exclude]
        return kept

    # ---- changes ----------------------------------------------------------------------------

    def apply(self, stamps: dict[int, int], packed: IntArray) -> bool:
        """Overlay the re-read rows of the holders in ``stamps`` (holder → the log's seq when
        read). A holder already applied at a later stamp keeps its state. True when
        anything changed."""
        term, contact, holder, flags = _unpack(packed)
        rows: dict[int, list[tuple[int, int, int]]] = {h: [] for h in stamps}
        for t, c, h, f in zip(
            term.tolist(), contact.tolist(), holder.tolist(), flags.tolist(), strict=True
        ):
            if h in rows:
                rows[h].append((t, c, f))
        changed = False
        with self._lock:
            top = max(stamps.values(), default=0)
            if max(stamps, default=0) >= self._dirty.size:
                grown = np.zeros(max(stamps) + 1, dtype=np.bool_)
                grown[: self._dirty.size] = self._dirty
                self._dirty = grown
            for h, stamp in stamps.items():
                if stamp <= self._ov.stamps.get(h, -1):
                    continue
                self._ov.put(h, rows[h])
                self._ov.stamps[h] = stamp
                self._dirty[h] = True
                changed = True
            if changed:
                self.generation += 1
            self.applied_seq = max(self.applied_seq, top)
        return changed

    def compact(self) -> tuple[TermIndex, int]:
        """Fresh arrays with the overlay folded in (the overlay as of now; the returned
        generation says which). The base arrays are immutable, so only copying the overlay
        holds the lock; the sort runs without it."""
        with self._lock:
            generation = self.generation
            dirty = self._dirty.copy()
            entries = list(self._ov.entries.items())
            stamps = dict(self._ov.stamps)
            applied = self.applied_seq
        n_terms = self._offsets.size - 1
        term = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(self._offsets))
        contact = self._postings.astype(np.int64)
        keep = ~dirty[self._holder_of[contact]]
        keys = [(term[keep] << _SHIFT) | contact[keep]]
        del term, keep
        n_contacts = max(self._holder_of.size, max((c for c, _ in entries), default=0) + 1)
        holder_of = np.zeros(n_contacts, dtype=np.int32)
        flags_of = np.zeros(n_contacts, dtype=np.uint8)
        holder_of[: self._holder_of.size] = self._holder_of
        flags_of[: self._flags_of.size] = self._flags_of
        ov_keys: list[int] = []
        for c, (h, f, terms) in entries:
            holder_of[c] = h
            flags_of[c] = f
            ov_keys.extend((t << _SHIFT) | c for t in terms)
        keys.append(np.array(ov_keys, dtype=np.int64))
        fresh = TermIndex.from_keys(np.concatenate(keys), holder_of, flags_of, applied)
        # Holders emptied by their change stay hidden from stale base rows: none are left
        # (the base was rebuilt without them), so only their stamps carry over.
        fresh._ov.stamps = stamps
        return fresh, generation

    def carry_over(self, newer: TermIndex, since_generation: int) -> None:
        """Copy into this (compacted) index the holders ``newer`` applied after the
        compaction's snapshot (its overlay, by stamp)."""
        with newer._lock:
            if newer.generation == since_generation:
                self.applied_seq = max(self.applied_seq, newer.applied_seq)
                return
            later = {h: s for h, s in newer._ov.stamps.items() if s > self._ov.stamps.get(h, -1)}
            rows = {h: newer._ov.rows_of(h) for h in later}
            applied = newer.applied_seq
        with self._lock:
            if later and max(later) >= self._dirty.size:
                grown = np.zeros(max(later) + 1, dtype=np.bool_)
                grown[: self._dirty.size] = self._dirty
                self._dirty = grown
            for h, stamp in later.items():
                self._ov.put(h, rows[h])
                self._ov.stamps[h] = stamp
                self._dirty[h] = True
            self.applied_seq = max(self.applied_seq, applied)


def changed_holders(session: Session, after: int, limit: int = MAX_HOLDERS) -> dict[int, int]:
    """Holders stamped after ``after`` (holder → stamp), oldest stamps first."""
    rows = session.execute(
        select(TermChange.holder_id, TermChange.seq)
        .where(TermChange.seq > after)
        .order_by(TermChange.seq)
        .limit(limit)
    ).tuples()
    return {int(h): int(s) for h, s in rows}


class TermHolder:
    """One per process (``GraphHolder.terms``): the current term index and its refresh."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._index: TermIndex | None = None
        self._lock = threading.Lock()
        self._poll = PollGate(settings.graph_poll_seconds)
        self._compacting = False
        self.build_seconds = 0.0

    @property
    def ready(self) -> bool:
        return self._index is not None

    def reset(self, index: TermIndex | None = None) -> None:
        with self._lock:
            self._index = index

    def current(self, session: Session) -> TermIndex:
        """The index with every change committed before this query's poll applied."""
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    started = time.perf_counter()
                    self._index = TermIndex.build(session)
                    self.build_seconds = time.perf_counter() - started
                    log.info(
                        "term index built: %d entries, %d postings, %.1f MiB in %.2f s",
                        self._index.entry_count,
                        self._index.posting_count,
                        self._index.nbytes / 2**20,
                        self.build_seconds,
                    )
                    self._poll.reset()
                index = self._index
        if not self._poll.due():
            return index
        self.refresh(session, index)
        return index

    def refresh(self, session: Session, index: TermIndex) -> None:
        stamps = changed_holders(session, index.applied_seq)
        if not stamps:
            return
        packed = read_holders(session, sorted(stamps))
        index.apply(stamps, packed)
        with self._lock:  # a compaction swapped in meanwhile: it may predate this change
            current = self._index
        if current is not None and current is not index:
            current.apply(stamps, packed)
            index = current
        if index.overlay_holders > self.settings.term_compact_holders and not self._compacting:
            self._compacting = True
            threading.Thread(target=self._compact, args=(index,), daemon=True).start()

    def _compact(self, index: TermIndex) -> None:
        try:
            fresh, generation = index.compact()
            with self._lock:
                current = self._index if self._index is not None else index
                fresh.carry_over(current, generation)
                self._index = fresh
        except Exception:  # a failed compaction leaves the overlay in place; never fatal
            log.exception("term index compaction failed")
        finally:
            self._compacting = False
