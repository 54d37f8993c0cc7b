"""Read side of the network: connections and requests, degree labels, paths and
recommendations. Paths combine the graph index (member–member ties, in memory) with filters
matched in the database (members' profiles, blind and open cards, counted aggregates).

Sharing rules held here: private and opted-out contacts never count; a blind card matches a
filter only on fields its holder chose to show; a counted entry is never shown one by one,
only as "knows N people …" with N ≥ ``SHAREWELL_MIN_GROUP_SIZE``; filters have no name field;
paths to a named member run through member–member connections only; every shared entry shown
goes through ``contacts.sharing.record_displays`` (quota and audit); blocked members are never
on a path, paused members are never offered as connectors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, bindparam, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased, lazyload
from sqlalchemy.orm import join as orm_join

from sharewell.config import Settings
from sharewell.contacts import sharing
from sharewell.contacts import sharing_rules as card_rules
from sharewell.contacts.models import Contact
from sharewell.errors import NotFound
from sharewell.members import queries as member_queries
from sharewell.members.models import Member, MemberBlock, MemberTopic
from sharewell.members.schemas import MemberSummary
from sharewell.network import rules
from sharewell.network.graph import GraphIndex, Path
from sharewell.network.models import Connection, ContactTerm, IntroductionPause, MemberTerm, Term
from sharewell.network.schemas import (
    ConnectionOut,
    PathOut,
    PathsOut,
    PathStepOut,
    PathTargetOut,
    RecommendationOut,
    RequestOut,
)
from sharewell.network.termindex import TermIndex
from sharewell.pagination import Page, decode_cursor, encode_cursor
from sharewell.standing import queries as standing_queries

MAX_K = 20
CARDS_PER_PATH = 1


# --- degrees -----------------------------------------------------------------------------------


def degree_labels(index: GraphIndex, viewer_id: int, member_ids: Sequence[int]) -> list[str]:
    """Degree label of each member as seen by ``viewer_id`` (blocks honoured)."""
    if not member_ids:
        return []
    dist = index.degrees_of(viewer_id, np.asarray(member_ids, dtype=np.int64))
    return [rules.degree_label(int(d)) for d in dist]


def with_degrees(
    session: Session,
    index: GraphIndex | None,
    viewer: Member | None,
    summaries: Sequence[MemberSummary],
) -> None:
    """Fill ``degree`` on member summaries shown to a signed-in member (the one function the
    API and the pages use)."""
    if viewer is None or index is None or not summaries:
        return
    handles = [s.handle for s in summaries]
    ids = dict(
        session.execute(select(Member.handle, Member.id).where(Member.handle.in_(handles)))
        .tuples()
        .all()
    )
    known = [s for s in summaries if s.handle in ids]
    labels = degree_labels(index, viewer.id, [ids[s.handle] for s in known])
    for summary, label in zip(known, labels, strict=True):
        summary.degree = label


def blocks_of(session: Session, member_id: int) -> list[int]:
    """Everyone ``member_id`` blocked or was blocked by (read from the table on each query, so
    blocks made anywhere are honoured even before the index hears of them)."""
    rows = session.execute(
        select(MemberBlock.blocked_id)
        .where(MemberBlock.blocker_id == member_id)
        .union(select(MemberBlock.blocker_id).where(MemberBlock.blocked_id == member_id))
    ).scalars()
    return [int(r) for r in rows]


def connected_member_ids(session: Session, member_id: int) -> set[int]:
    """The member's 1st-degree connections (accepted connections only)."""
    rows = session.execute(
        select(Connection.member_b)
        .where(Connection.member_a == member_id, Connection.status == "accepted")
        .union(
            select(Connection.member_a).where(
                Connection.member_b == member_id, Connection.status == "accepted"
            )
        )
    ).scalars()
    return {int(r) for r in rows}


def paused_ids(session: Session) -> list[int]:
    return [int(r) for r in session.scalars(select(IntroductionPause.member_id))]


# --- connections and requests ------------------------------------------------------------------


def _other_col(me_id: int):  # type: ignore[no-untyped-def]
    return case((Connection.member_a == me_id, Connection.member_b), else_=Connection.member_a)


def list_connections(
    session: Session,
    me: Member,
    *,
    limit: int,
    cursor: str | None = None,
    index: GraphIndex | None = None,
) -> Page[ConnectionOut]:
    other = _other_col(me.id)
    query = (
        select(Connection, Member)
        .join(Member, Member.id == other)
        .where(
            Connection.status == "accepted",
            or_(Connection.member_a == me.id, Connection.member_b == me.id),
        )
        .order_by(Connection.id)
        .limit(limit + 1)
    )
    after = decode_cursor(cursor)
    if after:
        query = query.where(Connection.id > int(after[0]))
    rows = session.execute(query).all()
    items = [
        ConnectionOut(
            member=member_queries.summary_of(m),
            strength=c.strength,
            my_rating=c.rating_a if me.id == c.member_a else c.rating_b,
            origin=c.origin,
            since=c.responded_at,
        )
        for c, m in rows[:limit]
    ]
    for item in items:
        item.member.degree = "1st"
    nxt = encode_cursor(rows[limit - 1][0].id) if len(rows) > limit else None
    return Page(items=items, next_cursor=nxt)


def list_requests(session: Session, me: Member, *, limit: int = 100) -> list[RequestOut]:
    """Pending requests to and from me, newest first (bounded)."""
    other = _other_col(me.id)
    rows = session.execute(
        select(Connection, Member)
        .join(Member, Member.id == other)
        .where(
            Connection.status == "pending",
            or_(Connection.member_a == me.id, Connection.member_b == me.id),
            Member.suspended_at.is_(None),
        )
        .order_by(Connection.requested_at.desc(), Connection.id.desc())
        .limit(limit)
    ).all()
    return [
        RequestOut(
            member=member_queries.summary_of(m),
            direction="outgoing" if c.requested_by == me.id else "incoming",
            message=c.message,
            requested_at=c.requested_at,
        )
        for c, m in rows
    ]


def list_blocked(session: Session, me: Member) -> list[MemberSummary]:
    members = session.scalars(
        select(Member)
        .join(MemberBlock, MemberBlock.blocked_id == Member.id)
        .where(MemberBlock.blocker_id == me.id)
        .order_by(Member.display_name)
        .limit(500)
    )
    return [member_queries.summary_of(m) for m in members]


def relation(session: Session, me: Member, other: Member) -> str:
    """How I stand with ``other``: self, connected, outgoing, incoming, declined, blocked, none."""
    if me.id == other.id:
        return "self"
    if session.scalar(
        select(MemberBlock.blocker_id).where(
            MemberBlock.blocker_id == me.id, MemberBlock.blocked_id == other.id
        )
    ):
        return "blocked"
    a, b = (me.id, other.id) if me.id < other.id else (other.id, me.id)
    row = session.scalar(
        select(Connection).where(Connection.member_a == a, Connection.member_b == b)
    )
    if row is None:
        return "none"
    if row.status == "accepted":
        return "connected"
    if row.status == "pending":
        return "outgoing" if row.requested_by == me.id else "incoming"
    return "declined" if row.requested_by == me.id else "none"


def my_rating_of(session: Session, me: Member, other: Member) -> int | None:
    a, b = (me.id, other.id) if me.id < other.id else (other.id, me.id)
    row = session.scalar(
        select(Connection).where(
            Connection.member_a == a, Connection.member_b == b, Connection.status == "accepted"
        )
    )
    if row is None:
        return None
    return row.rating_a if me.id == row.member_a else row.rating_b


# --- filters matched in the database ------------------------------------------------------------


@dataclass(frozen=True)
class HolderMatches:
    members: np.ndarray  # members whose own profile matches
    holders: np.ndarray  # members holding matching shared entries (cards or a large aggregate)


def _term_ids(session: Session, terms: Sequence[str]) -> list[int] | None:
    """The interned ids of ``terms`` (in order), or None when one is unknown (it matches
    nothing). Ids are bound as plain parameters: SQLite scans a posting list measurably
    faster against a bound id than against an id subquery."""
    found = dict(
        session.execute(select(Term.term, Term.id).where(Term.term.in_(terms))).tuples().all()
    )
    return [int(found[t]) for t in terms] if len(found) == len(set(terms)) else None


def _term_params(prefix: str, terms: Sequence[str], ids: dict[str, int]) -> dict[str, int]:
    return {f"{prefix}{i}": ids[t] for i, t in enumerate(terms)}


# Statements by shape (which side, how many terms, which card flags): built once per process
# with bound parameters, so a query pays for executing its SQL, not for building it.
_statements: dict[tuple[object, ...], Any] = {}


def _statement(key: tuple[object, ...], build: Callable[[], Any]) -> Any:
    stmt = _statements.get(key)
    if stmt is None:
        stmt = _statements[key] = build()
    return stmt


DRIVER_CAP = 5000  # postings counted per term to pick the rarest one (enough to tell apart)
POSTINGS_TTL = 600.0  # seconds a term's posting count is trusted as a planning hint
POSTINGS_KEEP = 50_000  # terms whose counts a process remembers
_postings: dict[tuple[str, str], tuple[int, float]] = {}


def _rarest_first(
    session: Session,
    table: type[ContactTerm] | type[MemberTerm],
    terms: list[str],
    ids: dict[str, int],
) -> list[str]:
    """The terms ordered by how many rows carry them (counted up to ``DRIVER_CAP`` on the
    index), so the query scans the shortest posting list and probes the others. The counts
    are only a plan: each process remembers them for ``POSTINGS_TTL`` seconds (a stale count
    can make a query slower, never its answer different) and counts the missing ones in one
    statement."""
    if len(terms) < 2:
        return terms
    now = time.monotonic()
    name = table.__tablename__
    missing = [
        t for t in terms if now - _postings.get((name, t), (0, -POSTINGS_TTL))[1] >= POSTINGS_TTL
    ]
    if missing:

        def build() -> Any:
            capped = [
                select(func.count())
                .select_from(
                    select(table.term_id)
                    .where(table.term_id == bindparam(f"t{i}"))
                    .limit(DRIVER_CAP)
                    .subquery()
                )
                .scalar_subquery()
                for i in range(len(missing))
            ]
            return select(*capped)

        stmt = _statement(("count", name, len(missing)), build)
        counts = session.execute(stmt, _term_params("t", missing, ids)).one()
        if len(_postings) > POSTINGS_KEEP:
            _postings.clear()
        for t, n in zip(missing, counts, strict=True):
            _postings[(name, t)] = (int(n or 0), now)
    return sorted(terms, key=lambda t: _postings[(name, t)][0])


def _filter_terms(flt: rules.PathFilter) -> tuple[dict[str, list[str]], list[str]]:
    by_field = rules.filter_terms(flt)
    return by_field, list(dict.fromkeys(t for ts in by_field.values() for t in ts))


def _entries_from(n_terms: int, *, for_holders: bool = False) -> tuple[Any, Any, list[Any]]:
    """``(c0, from, where)`` for the shared-entry term rows carrying every term (ids bound as
    ``ct0``, ``ct1``, …): the first term's posting list ``c0`` drives, each further term is a
    probe of the covering index. Callers select and group on ``c0`` directly (a derived table
    in between costs SQLite a second pass). ``for_holders``: only the holders bound as
    ``holders``."""
    c0 = aliased(ContactTerm)
    source: Any = c0
    for i in range(1, n_terms):
        cx = aliased(ContactTerm)
        source = orm_join(
            source,
            cx,
            and_(
                cx.term_id == bindparam(f"ct{i}"),
                cx.holder_id == c0.holder_id,
                cx.contact_id == c0.contact_id,
            ),
        )
    where = [c0.term_id == bindparam("ct0"), c0.flags > 0]
    if for_holders:
        where.append(c0.holder_id.in_(bindparam("holders", expanding=True)))
    return c0, source, where


def _member_statement(n_terms: int) -> Any:
    """Members whose own profile carries every term (``mt0``, … rarest first), not suspended,
    not the requester (``exclude``)."""
    m0 = aliased(MemberTerm)
    mq = select(m0.member_id.label("id"), literal(0).label("holder"))
    for i in range(1, n_terms):
        mx = aliased(MemberTerm)
        mq = mq.join(mx, and_(mx.member_id == m0.member_id, mx.term_id == bindparam(f"mt{i}")))
    return mq.join(Member, Member.id == m0.member_id).where(
        m0.term_id == bindparam("mt0"),
        Member.suspended_at.is_(None),
        m0.member_id != bindparam("exclude"),
    )


def _match_statement(n_terms: int, need: int) -> Any:
    """Members (``mt0``, … rarest first) and holders (``ct0``, …) in one statement; the
    requester is ``exclude``, the smallest counted group ``min_group``."""
    mq = _member_statement(n_terms)
    exclude: Any = bindparam("exclude")
    c0, source, where = _entries_from(n_terms)
    counted = func.sum(c0.flags.op("&")(rules.FLAG_COUNTED))
    cards = func.max(case((c0.flags.op("&")(need) == need, 1), else_=0))
    grouped = (
        select(c0.holder_id)
        .select_from(source)
        .where(*where, c0.holder_id != exclude)
        .group_by(c0.holder_id)
        .having(or_(counted >= bindparam("min_group"), cards == 1))
        .subquery()
    )
    # A suspended (or erased) holder is never offered, whatever the index has heard yet.
    hq = select(grouped.c.holder_id, literal(1)).join(
        Member, and_(Member.id == grouped.c.holder_id, Member.suspended_at.is_(None))
    )
    return union_all(mq, hq)


def match_filter(
    session: Session,
    flt: rules.PathFilter,
    settings: Settings,
    exclude: int,
    *,
    terms: TermIndex | None = None,
    graph: GraphIndex | None = None,
) -> HolderMatches:
    """Members matching by profile, and holders of matching shared entries.

    With ``terms`` (the process's in-memory term index, see ``network.termindex``) the shared
    side is answered in memory and only the members' side runs in the database; suspended
    holders are those ``graph`` has heard of (the path search re-checks its ends in the
    database, ``_routed``). Without it, one statement does both: the shared side reads only
    the covering index ``(term_id, holder_id, contact_id, flags)``, the rarest term's posting
    list drives, the other terms are index probes, and the sharing rules are checked on
    ``flags`` (kept current by triggers), never on ``contacts``. Either way suspended (or
    erased) members are neither matches nor holders, and both answer alike (a property test
    compares them)."""
    by_field, terms_ = _filter_terms(flt)
    found = _term_ids(session, terms_)
    if found is None:
        empty = np.zeros(0, dtype=np.int64)
        return HolderMatches(empty, empty)
    ids = dict(zip(terms_, found, strict=True))
    need = rules.card_need(by_field)
    member_params: dict[str, object] = {
        **_term_params("mt", _rarest_first(session, MemberTerm, terms_, ids), ids),
        "exclude": exclude,
    }
    if terms is not None:
        stmt = _statement(("members", len(terms_)), lambda: _member_statement(len(terms_)))
        members = np.fromiter(
            (int(r[0]) for r in session.execute(stmt, member_params)), dtype=np.int64
        )
        holders = terms.holders(found, need, settings.min_group_size, exclude)
        if graph is not None and graph.gone.size and holders.size:
            holders = holders[~np.isin(holders, graph.gone)]
        return HolderMatches(members, holders)
    stmt = _statement(("match", len(terms_), need), lambda: _match_statement(len(terms_), need))
    params: dict[str, object] = {
        **member_params,
        **_term_params("ct", _rarest_first(session, ContactTerm, terms_, ids), ids),
        "min_group": settings.min_group_size,
    }
    # Plain tuples: numpy probing SQLAlchemy rows for array attributes costs more than the query.
    rows = np.array([tuple(r) for r in session.execute(stmt, params)], dtype=np.int64)
    rows = rows.reshape(-1, 2)
    return HolderMatches(rows[rows[:, 1] == 0, 0], rows[rows[:, 1] == 1, 0])


@dataclass(frozen=True)
class HolderShows:
    cards: list[tuple[int, dict[str, object], str]]  # (contact id, card, public id): the first
    card_count: int  # every matching card of the holder
    counted: int


CARD_CANDIDATES = 20  # cards read from ``contacts`` per holder to find the first one to show


def _shows_statements(n_terms: int, need: int) -> tuple[Any, Any]:
    """Per holder (bound as ``holders``): the counted and card totals; and the first
    ``CARD_CANDIDATES`` matching card rows, with the columns a card may draw on."""
    c0, source, where = _entries_from(n_terms, for_holders=True)
    is_card = c0.flags.op("&")(need) == need
    totals = (
        select(
            c0.holder_id,
            func.sum(c0.flags.op("&")(rules.FLAG_COUNTED)),
            func.sum(case((is_card, 1), else_=0)),
        )
        .select_from(source)
        .where(*where)
        .group_by(c0.holder_id)
    )
    place = func.row_number().over(partition_by=c0.holder_id, order_by=c0.contact_id)
    ranked = (
        select(c0.contact_id, place.label("place"))
        .select_from(source)
        .where(*where, is_card)
        .subquery()
    )
    cards = (
        select(Contact.id, Contact.holder_id, *sharing.CARD_COLUMNS)
        .join(ranked, ranked.c.contact_id == Contact.id)
        .where(ranked.c.place <= CARD_CANDIDATES)
        .order_by(Contact.holder_id, Contact.id)
    )
    return totals, cards


def what_holders_show(
    session: Session, holder_ids: Sequence[int], flt: rules.PathFilter, settings: Settings
) -> dict[int, HolderShows]:
    """For each holder: the first matching card (built by ``card_fields_for``), how many cards
    match and the counted total — two queries for all holders together. The counts come from
    the term index's flags (kept current by triggers in the same transaction as any sharing
    change); only the first few card rows per holder are read from ``contacts``, and each is
    checked again against the card rules before it is shown."""
    by_field, terms = _filter_terms(flt)
    wanted = sorted(set(holder_ids))
    if not wanted:
        return {}
    need = rules.card_need(by_field)
    totals_stmt, cards_stmt = _statement(
        ("shows", len(terms), need), lambda: _shows_statements(len(terms), need)
    )
    found = _term_ids(session, terms)
    if found is None:
        return dict.fromkeys(wanted, HolderShows([], 0, 0))
    ids = dict(zip(terms, found, strict=True))
    params: dict[str, object] = {
        **_term_params("ct", _rarest_first(session, ContactTerm, terms, ids), ids),
        "holders": wanted,
    }
    totals = {
        int(h): (int(n_counted or 0), int(n_cards or 0))
        for h, n_counted, n_cards in session.execute(totals_stmt, params)
    }
    first: dict[int, tuple[int, dict[str, object], str]] = {}
    if any(n_cards for _, n_cards in totals.values()):
        candidates = session.execute(cards_stmt, params)
        fields = set(by_field)
        for contact in candidates:
            if contact.holder_id in first:
                continue
            card = card_rules.card_fields_for(sharing.card_source(contact))
            if card is not None and fields <= set(card):
                first[contact.holder_id] = (contact.id, card, contact.public_id)
    out = {}
    for h in wanted:
        n_counted, n_cards = totals.get(h, (0, 0))
        shown = first.get(h)
        out[h] = HolderShows(
            [shown] if shown else [],
            n_cards if shown else 0,
            n_counted if n_counted >= settings.min_group_size else 0,
        )
    return out


# --- paths --------------------------------------------------------------------------------------


def _names(session: Session, ids: Iterable[int]) -> dict[int, Member]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    # Summaries need the topics only: the profile's items and links load if ever touched.
    query = (
        select(Member)
        .where(Member.id.in_(wanted))
        .options(lazyload(Member.items), lazyload(Member.links))
    )
    return {m.id: m for m in session.scalars(query)}


GUARD_ROUNDS = 3  # searches again at most this often when the index had not heard of a suspension


def _routed(
    session: Session, search: Callable[[list[int]], list[Path]], blocked: list[int]
) -> tuple[list[Path], dict[int, float]]:
    """Run ``search(blocked)`` and make sure no path runs through or ends at a suspended (or
    erased) member, even when this process's index has not yet read the change log (a poll
    interval, a bulk write): the members on the paths are checked in the database, and the
    search runs again with any suspended one blocked. Returns the paths and the freshness
    (``updated_at``) of every member on them, for the tie-breaks."""
    blocked = list(blocked)
    found: list[Path] = []
    fresh: dict[int, float] = {}
    for _ in range(GUARD_ROUNDS + 1):
        found = search(blocked)
        nodes = sorted({n for p in found for n in p.nodes[1:]})
        if not nodes:
            return found, {}
        gone: set[int] = set()
        fresh = {}
        for m, updated, suspended in session.execute(
            select(Member.id, Member.updated_at, Member.suspended_at).where(Member.id.in_(nodes))
        ).tuples():
            if suspended is not None:
                gone.add(int(m))
            fresh[int(m)] = updated.timestamp()
        if not gone:
            return found, fresh
        blocked += sorted(gone)
    return [p for p in found if not gone.intersection(p.nodes)], fresh


def _with_tie_breaks(
    session: Session, found: list[Path], k: int, fresh: dict[int, float]
) -> list[Path]:
    """The best ``k`` of the engine's paths with standing and freshness breaking ties (see
    ``rules.PathRank``). The engine was asked for ``rules.TIE_POOL`` × k paths, so a tie at
    the k-th place is broken among those."""
    if len(found) <= 1:
        return found[:k]
    connectors = {n for p in found for n in p.nodes[1:-1]}
    standing = standing_queries.standing_of(session, connectors) if connectors else {}
    ranks = [
        rules.PathRank(
            score=p.score,
            hops=p.hops,
            connector_standing=sum(standing.get(n, 0.0) for n in p.nodes[1:-1]),
            freshness=fresh.get(p.nodes[-1], 0.0),
        )
        for p in found
    ]
    return [found[i] for i in rules.rank_paths(ranks, k)]


def _people(session: Session, ids: Iterable[int]) -> dict[int, Any]:
    """Handle and display name of each member on the paths (columns, not whole members)."""
    wanted = sorted(set(ids))
    query = select(Member.id, Member.handle, Member.display_name).where(Member.id.in_(wanted))
    return {row.id: row for row in session.execute(query)}


def _steps(path: Path, people: dict[int, Any], paused: set[int]) -> list[PathStepOut]:
    return [
        PathStepOut(
            handle=people[node].handle,
            display_name=people[node].display_name,
            strength=s,
            paused=node in paused,
        )
        for node, s in zip(path.nodes[1:], path.strengths, strict=True)
    ]


def _explain(steps: list[PathStepOut], target: str | None) -> str:
    return rules.explain_path([rules.Step(s.display_name, s.strength) for s in steps], target)


def paths_to_member(
    session: Session, index: GraphIndex, me: Member, handle: str, *, k: int = 5
) -> PathsOut:
    """The best paths to a member through member–member connections only (never through
    contact entries)."""
    target = member_queries.active_member_by_handle(session, handle)
    if target.id == me.id:
        raise NotFound("That is you; look for someone else.")
    paused = set(paused_ids(session))
    k = min(k, MAX_K)
    found, fresh = _routed(
        session,
        lambda blocked: index.best_paths(
            me.id, target.id, k=k * rules.TIE_POOL, blocked=blocked, no_connect=sorted(paused)
        ),
        blocks_of(session, me.id),
    )
    found = _with_tie_breaks(session, found, k, fresh)
    people = _people(session, [n for p in found for n in p.nodes])
    degree = degree_labels(index, me.id, [target.id])[0]
    out = []
    for p in found:
        steps = _steps(p, people, paused)
        out.append(
            PathOut(
                steps=steps,
                hops=p.hops,
                strength=p.score,
                strength_word=rules.path_strength_word(p.score),
                degree=degree,
                target=PathTargetOut(
                    kind="member",
                    member=member_queries.summary_of(target),
                    description=target.display_name,
                ),
                explanation=_explain(steps, None),
            )
        )
    return PathsOut(query=target.display_name, paths=out)


@dataclass(frozen=True)
class FilterSearch:
    """The graph step of a filter query: the best paths and what their ends are."""

    found: list[Path]
    members: set[int]  # ends that match by their own profile
    paused: set[int]


def search_filter_paths(
    session: Session, index: GraphIndex, me: Member, matches: HolderMatches, *, k: int
) -> FilterSearch:
    """The best ``k`` paths from ``me`` to any matching member or holder (graph step)."""
    paused = set(paused_ids(session))
    # A holder introduces to someone in their book: a paused holder is a connector too.
    holders = matches.holders
    if paused and holders.size:
        holders = holders[~np.isin(holders, np.fromiter(paused, np.int64))]
    ends = np.union1d(matches.members, holders)
    if ends.size == 0:
        return FilterSearch([], set(), paused)
    found, fresh = _routed(
        session,
        lambda blocked: index.best_paths_to_holders(
            me.id, ends, k=k * rules.TIE_POOL, blocked=blocked, no_connect=sorted(paused)
        ),
        blocks_of(session, me.id),
    )
    found = _with_tie_breaks(session, found, k, fresh)
    return FilterSearch(found, set(matches.members.tolist()), paused)


def present_filter_paths(
    session: Session,
    index: GraphIndex,
    me: Member,
    flt: rules.PathFilter,
    settings: Settings,
    search: FilterSearch,
) -> tuple[list[PathOut], list[tuple[int, int | None]]]:
    """Names, degrees and, for holders, the card or group each path leads to (read from
    ``contacts`` again, so a sharing change since the match is honoured); returns the paths
    and the shared entries shown, which the caller records against the quota."""
    found, paused = search.found, search.paused
    people = _people(session, [n for p in found for n in p.nodes])
    ends = _names(session, [p.nodes[-1] for p in found if p.nodes[-1] in search.members])
    degrees = degree_labels(index, me.id, [p.nodes[-1] for p in found])
    out: list[PathOut] = []
    shown: list[tuple[int, int | None]] = []
    holder_ends = [p.nodes[-1] for p in found if p.nodes[-1] not in search.members]
    shows_of = what_holders_show(session, holder_ends, flt, settings)
    for p, degree in zip(found, degrees, strict=True):
        end = p.nodes[-1]
        steps = _steps(p, people, paused)
        if end in search.members:
            target = PathTargetOut(
                kind="member",
                member=member_queries.summary_of(ends[end]),
                description=ends[end].display_name,
            )
            explanation = _explain(steps, None)
        else:
            shows = shows_of[end]
            if shows.cards:
                contact_id, card, public_id = shows.cards[0]
                shown.append((end, contact_id))
                description = card_rules.describe_card(card)
                target = PathTargetOut(
                    kind="card",
                    card=card,
                    card_id=public_id,
                    description=description,
                    more_cards=shows.card_count - CARDS_PER_PATH,
                )
            elif shows.counted:
                shown.append((end, None))
                description = _describe_group(shows.counted, flt)
                target = PathTargetOut(
                    kind="aggregate", count=shows.counted, description=description
                )
            else:  # changed since the match (a visibility edit in between): skip it
                continue
            explanation = _explain(steps, description)
        out.append(
            PathOut(
                steps=steps,
                hops=p.hops,
                strength=p.score,
                strength_word=rules.path_strength_word(p.score),
                degree=degree,
                target=target,
                explanation=explanation,
            )
        )
    return out, shown


def paths_to_filter(
    session: Session,
    index: GraphIndex,
    me: Member,
    flt: rules.PathFilter,
    settings: Settings,
    *,
    k: int = 5,
    terms: TermIndex | None = None,
) -> PathsOut:
    """The best paths to anyone matching ``flt`` within three hops: members whose profile
    matches (the path ends at them), or holders of matching blind/open cards or of a large
    enough counted group (the path ends at the holder, who knows the target). Four steps, each
    timed on its own by ``bench/paths_db_bench.py``: match in the database, search the graph,
    present (card details for the top k only), record the displays. ``terms``: match the
    shared side in the process's term index (see ``match_filter``)."""
    matches = match_filter(session, flt, settings, me.id, terms=terms, graph=index)
    search = search_filter_paths(session, index, me, matches, k=min(k, MAX_K))
    out, shown = present_filter_paths(session, index, me, flt, settings, search)
    sharing.record_displays(session, me, shown, "path", settings)
    return PathsOut(query=rules.describe_filter(flt), paths=out)


def _describe_group(count: int, flt: rules.PathFilter) -> str:
    topic = flt.topic or (f"“{flt.title}” roles" if flt.title else None)
    return rules.describe_aggregate(count, topic, flt.company or None, flt.city or None)


# --- recommendations ----------------------------------------------------------------------------


def recommendations(
    session: Session, index: GraphIndex, me: Member, *, k: int = 10
) -> list[RecommendationOut]:
    """People you may want to know: shared connections (from the index) blended with shared
    topics (from the database); never current connections, pending requests or blocks."""
    blocked = blocks_of(session, me.id)
    graph = {r.node: r for r in index.recommend(me.id, k=50, blocked=blocked)}
    my_topics = select(MemberTopic.topic_id).where(MemberTopic.member_id == me.id)
    topic_rows = session.execute(
        select(MemberTopic.member_id, func.count(MemberTopic.topic_id))
        .where(MemberTopic.topic_id.in_(my_topics), MemberTopic.member_id != me.id)
        .group_by(MemberTopic.member_id)
        .order_by(func.count(MemberTopic.topic_id).desc(), MemberTopic.member_id)
        .limit(200)
    ).all()
    topical = {int(m): int(n) for m, n in topic_rows}
    excluded = set(blocked)
    excluded.update(
        int(x)
        for x in session.scalars(
            select(_other_col(me.id)).where(
                or_(Connection.member_a == me.id, Connection.member_b == me.id),
                Connection.status.in_(("accepted", "pending")),
            )
        )
    )
    scores: dict[int, float] = {}
    for node, r in graph.items():
        scores[node] = r.score
    for node, n in topical.items():
        scores[node] = scores.get(node, 0.0) + 0.25 * n
    ranked = sorted(
        (node for node in scores if node not in excluded and node != me.id),
        key=lambda node: (-scores[node], node),
    )
    people = _names(session, ranked[: k * 2])
    chosen = [node for node in ranked[: k * 2] if node in people and people[node].is_active][:k]
    degrees = degree_labels(index, me.id, chosen)
    mine = {t.slug for t in me.topics}
    out = []
    for node, degree in zip(chosen, degrees, strict=True):
        member = people[node]
        summary = member_queries.summary_of(member)
        summary.degree = degree
        common = graph[node].common if node in graph else 0
        shared_topics = [t.label for t in member.topics if t.slug in mine]
        reasons = []
        if common:
            reasons.append(f"{common} shared connection{'s' if common != 1 else ''}")
        if shared_topics:
            reasons.append("also into " + ", ".join(shared_topics[:3]))
        out.append(
            RecommendationOut(
                member=summary,
                score=round(scores[node], 4),
                shared_connections=common,
                shared_topics=shared_topics,
                reason="; ".join(reasons),
            )
        )
    return out
