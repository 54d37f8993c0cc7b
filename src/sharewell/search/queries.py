"""Read side of search: one query over members, shared contacts (cards and aggregates),
insights and comments, ranked by text relevance, closeness and standing.

The sharing rules held here (see docs/privacy.md): a contact is shown only as
``contacts.sharing_rules.card_fields_for`` builds it; a blind card matches only on what it
shows (its name column is never searched, and the visible fields are re-checked); a counted
entry is never shown one by one, only inside an aggregate of at least
``SHAREWELL_MIN_GROUP_SIZE`` entries, matched without names; the vocabulary for typo
correction and autocomplete holds members' names, headlines and topics only; every card and
aggregate returned goes through ``contacts.sharing.record_displays`` (quota and audit).
Visibility is read from ``contacts`` and ``insights`` at query time, so sharing changes are
immediate.
"""

from __future__ import annotations

import heapq
import importlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import String, and_, bindparam, func, literal, literal_column, select
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts import sharing
from sharewell.contacts import sharing_rules as card_rules
from sharewell.contacts.models import Contact
from sharewell.contacts.rules import company_key, fold_text
from sharewell.db import SQLITE_LIST_MAX, ids_in, ids_param
from sharewell.insights import queries as insight_queries
from sharewell.insights.models import Comment, Insight
from sharewell.members.models import Member, Topic
from sharewell.members.rules import topic_slug
from sharewell.network import rules as network_rules
from sharewell.network.graph import GraphIndex
from sharewell.network.queries import blocks_of
from sharewell.search import backends, rules, semantic
from sharewell.search.models import SavedSearch, SearchAlert, SearchDocument, SearchTerm
from sharewell.search.schemas import (
    AlertOut,
    Explanation,
    PersonRef,
    SavedSearchOut,
    SearchHit,
    SearchOut,
    Suggestion,
)

StandingLookup = Callable[[Session, Sequence[int]], dict[int, float]]
_SNIPPET = 180
OVERFETCH = 4  # full-text candidates per kept candidate, before visibility is joined


@lru_cache(maxsize=1)
def default_standing() -> StandingLookup | None:
    """The standing area's ``standing_of(session, member_ids)`` when it exists, else ``None``
    (standing is then neutral: the same for everyone, so it does not change the order)."""
    for module_name in ("sharewell.standing.queries", "sharewell.standing"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        fn = getattr(module, "standing_of", None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    kinds: tuple[str, ...] = rules.KINDS
    topic: str | None = None
    company: str | None = None
    city: str | None = None
    degree: int | None = None
    limit: int = 20
    explain: bool = False
    semantic: bool = True
    since_doc_id: int = 0  # saved-search alerts: only documents newer than this


@dataclass
class _Hit:
    kind: str
    doc_id: int
    ref_id: int
    owner_id: int
    text: float
    semantic_rank: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Ctx:
    session: Session
    viewer: Member
    settings: Settings
    params: SearchParams
    query: rules.Query
    dialect: str
    blocked: list[int]
    insight_viewer: insight_queries.Viewer
    ball: list[int] | None  # owners allowed by the degree filter, when small enough to pass
    candidates: int
    shape: tuple[Any, ...] = ()  # what the statements' structure depends on (``_template``)
    binds: dict[str, Any] = field(default_factory=dict)  # the values they are run with

    def __post_init__(self) -> None:
        ball = None
        if self.ball is not None:
            big = self.dialect == "sqlite" and len(self.ball) > SQLITE_LIST_MAX
            ball = "json" if big else "list"
        self.shape = (
            self.dialect,
            bool(self.blocked),
            ball,
            bool(self.params.since_doc_id),
            insight_queries.listable_shape(self.insight_viewer),
        )
        self.binds = {
            "viewer_id": self.viewer.id,
            "candidates": self.candidates,
            "overfetch": self.candidates * OVERFETCH,
            "min_group": self.settings.min_group_size,
            "blocked": list(self.blocked),
            "ball": json.dumps(self.ball) if ball == "json" else self.ball,
            "since": self.params.since_doc_id,
            **insight_queries.listable_params(self.insight_viewer),
        }


# --- statements built once per shape ------------------------------------------------------------
#
# Building a statement and computing its cache key was a quarter of a search's Python time
# (about twenty statements a query). Each statement is built once per process for its shape:
# the kind and partition, the pass, the backend, and whether the search has blocked members,
# a degree filter, a since-document (alerts) and which clauses the insight viewer needs. It is
# then run with the search's values (``_Ctx.binds`` and the words) as bound parameters. Every
# value is a *required* parameter, so one left out fails loudly instead of running with an
# earlier search's.

_TEMPLATES: dict[tuple[Any, ...], Any] = {}


def _template(ctx: _Ctx, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    full = (ctx.shape, *key)
    stmt = _TEMPLATES.get(full)
    if stmt is None:
        stmt = _TEMPLATES.setdefault(full, build())
    return stmt


def _required(name: str, **kw: Any) -> Any:
    return bindparam(name, required=True, **kw)


def _words(ctx: _Ctx, q: rules.Query, *, with_name: bool) -> dict[str, Any]:
    """The bound values with the words of ``q``."""
    expression = backends.expression(ctx.dialect, q, with_name=with_name)
    return {**ctx.binds, backends.FTS_PARAM: expression}


def _clean_filters(params: SearchParams) -> tuple[str | None, str | None, str | None]:
    topic = topic_slug(params.topic) if params.topic and params.topic.strip() else None
    company = company_key(params.company) if params.company and params.company.strip() else None
    city = fold_text(params.city) if params.city and params.city.strip() else None
    return topic, company or None, city or None


def parse(
    session: Session, params: SearchParams, *, fuzzy: bool = True
) -> tuple[rules.Query, dict[str, list[str]]]:
    """Words, their typo corrections (from members' names, headlines and topics only) and facets.
    ``fuzzy=False`` skips the corrections (the search asks for them only when the words as
    typed find less than a page: the trigram lookup is the costliest part of parsing)."""
    words = rules.tokens(params.q)
    corrections: dict[str, list[str]] = {}
    groups = []
    unknown: set[str] = set()
    if fuzzy and words:
        fuzzy_words = [w for w in words if rules.max_edits(w)]
        known = set(
            session.scalars(select(SearchTerm.term).where(SearchTerm.term.in_(fuzzy_words)))
        )
        unknown = set(fuzzy_words) - known
        if unknown:
            backends.prepare(session)
    for w in words:
        alternatives = [w]
        if w in unknown:
            close = rules.close_terms(w, backends.trigram_candidates(session, w))
            if close:
                corrections[w] = close
                alternatives += close
        groups.append(tuple(alternatives))
    topic, company, city = _clean_filters(params)
    facets = []
    if topic:
        facets.append(rules.topic_facet(topic))
    if company:
        facets.append(rules.company_facet(company))
    if city:
        facets.append(rules.city_facet(city))
    return rules.Query(tuple(groups), tuple(facets)), corrections


# --- matching, one kind at a time -------------------------------------------------------------


def _scope(
    ctx: _Ctx, stmt: Any, owner: Any = SearchDocument.owner_id, doc: Any = SearchDocument.id
) -> Any:
    """Blocked owners out, the degree filter's owners only, newer documents only (alerts):
    as bound parameters (``_Ctx.binds``)."""
    _, blocked, ball, since, _ = ctx.shape
    if blocked:
        stmt = stmt.where(owner.not_in(_required("blocked", expanding=True)))
    if ball == "json":  # more ids than SQLite takes as parameters: one JSON array
        listed = func.json_each(_required("ball")).table_valued("value")
        stmt = stmt.where(owner.in_(select(listed.c.value)))
    elif ball:
        stmt = stmt.where(ids_param(ctx.dialect, owner, "ball"))
    if since:
        stmt = stmt.where(doc > _required("since"))
    return stmt


def _ranked(
    ctx: _Ctx,
    kind: str,
    q: rules.Query,
    *,
    with_name: bool,
    extra: Callable[[Any, Any], Any],
    visibility: str | None = None,
) -> list[Any]:
    """The kind's best ``ctx.candidates`` visible documents for ``q``. Without a degree
    filter the full-text index first picks a bounded set of best-scoring ids (``OVERFETCH``
    times the candidates, so what visibility drops still leaves enough) and only those are
    joined to the visibility rules; the ones kept are exactly the best visible ones among
    them. With a degree filter the allowed owners are part of the join instead, unbounded,
    since a far-away majority could otherwise crowd out every allowed one.

    ``extra(stmt, doc)`` adds the kind's visibility join (with bound values only: the
    statement is a template, ``_template``), ``doc`` being the document's columns: the
    ``search_documents`` table, or on PostgreSQL the bounded subquery, which carries them
    out of the row it already read (joining the table again read every candidate's row
    twice)."""
    # The partition holds this kind only (contacts: of this visibility only), so the query
    # needs no kind or visibility token; ``contacts`` is still re-checked for the contacts
    # kept, so a stale document can only miss, never show.
    part = backends.part_of(kind, visibility)
    # A card's full-text score is never used, but in an any-word search of three or more
    # words it is what picks the cards with most of them. With every word required it adds
    # nothing, and neither does it for two words: the cards with both were seen by the
    # all-words pass, and every other card has one of the two, so its text score is the same
    # whatever bm25 says (bm25 over every card with either word was most of a slow search
    # at 100k).
    ranked = kind != "contact" or (q.mode == "or" and len(q.groups) > 2)
    if not ranked:
        q = _compound(ctx, q)  # no score is read, so the words may be asked as compounds
    documents = SearchDocument.__table__.c

    def build() -> Any:
        if not ranked:
            # The first visible matches as the index gives them, the join stopped at the
            # limit (no bound on how many matches visibility may drop). SQLite streams the
            # join from the FTS5 table in rowid order; PostgreSQL in the order of its bitmap
            # heap scan (a bounded subquery joined its 4 × candidates rows before the limit:
            # three times the reads).
            m = backends.match(ctx.dialect, part=part)
            stmt: Any = (
                select(documents.id, documents.ref_id, documents.owner_id, literal_column("0.0"))
                .select_from(m.source)
                .where(m.where, documents.kind == kind)
            )
            stmt = extra(_scope(ctx, stmt), documents)
            if ctx.dialect == "sqlite":
                stmt = stmt.order_by(backends.fts_table(part).c.rowid)
            return stmt.limit(_required("candidates"))
        if ctx.ball is None:
            carried = ctx.dialect == "postgresql"
            best = backends.candidates(
                ctx.dialect,
                part=part,
                limit=_required("overfetch"),
                since=_required("since") if ctx.params.since_doc_id else None,
                carry=("ref_id", "owner_id", *(_TEXTS if q.mode == "or" else ()))
                if carried
                else (),
            )
            if carried:
                doc = best.c
                stmt = select(doc.id, doc.ref_id, doc.owner_id, doc.score).select_from(best)
            else:
                doc = documents
                stmt = (
                    select(doc.id, doc.ref_id, doc.owner_id, best.c.score)
                    .select_from(best.join(SearchDocument, doc.id == best.c.id))
                    .where(doc.kind == kind)
                )
            stmt = extra(_scope(ctx, stmt, doc.owner_id, doc.id), doc)
            return stmt.order_by(best.c.score.desc(), doc.id).limit(_required("candidates"))
        m = backends.match(ctx.dialect, part=part)
        stmt = (
            select(documents.id, documents.ref_id, documents.owner_id, m.score.label("score"))
            .select_from(m.source)
            .where(m.where, documents.kind == kind)
        )
        stmt = extra(_scope(ctx, stmt), documents)
        return stmt.order_by(m.score.desc(), documents.id).limit(_required("candidates"))

    key = ("ranked", kind, visibility, ranked, q.mode)
    stmt = _template(ctx, key, build)
    return list(ctx.session.execute(stmt, _words(ctx, q, with_name=with_name)).all())


_TEXTS = ("name", "title", "body")  # what an any-word pass scores coverage on


def _compound(ctx: _Ctx, q: rules.Query) -> rules.Query:
    """``q`` through compound tokens when it has a company or city filter (contacts only:
    ``rules.compound``); the stopwords PostgreSQL drops from a plain query are left out."""
    stopwords = rules.PG_STOPWORDS if ctx.dialect == "postgresql" else frozenset()
    return rules.compound(q, stopwords) or q


def _normalise(rows: Sequence[Any]) -> list[tuple[int, int, int, float]]:
    top = max((float(r[3]) for r in rows), default=0.0)
    return [
        (int(r[0]), int(r[1]), int(r[2]), (float(r[3]) / top) if top > 0 else 0.0) for r in rows
    ]


def _visible_member(ctx: _Ctx, stmt: Any, doc: Any) -> Any:
    return stmt.join(Member, Member.id == doc.ref_id).where(
        Member.suspended_at.is_(None), Member.id != _required("viewer_id")
    )


def _listable(ctx: _Ctx) -> Any:
    """The insights the searcher may list, the searcher left to bind (``_Ctx.binds``)."""
    return insight_queries.listable_template(
        insight_queries.listable_shape(ctx.insight_viewer), ctx.dialect
    )


def _visible_insight(ctx: _Ctx, stmt: Any, doc: Any) -> Any:
    return stmt.join(Insight, Insight.id == doc.ref_id).where(_listable(ctx))


def _visible_comment(ctx: _Ctx, stmt: Any, doc: Any) -> Any:
    return (
        stmt.join(Comment, Comment.id == doc.ref_id)
        .join(Insight, Insight.id == Comment.insight_id)
        .where(Comment.deleted_at.is_(None), Comment.hidden_at.is_(None), _listable(ctx))
    )


# The visibility join of each ranked kind (``doc``: the document's columns), with bound values
# only: used by the full-text statements (``_ranked``) and by semantic fusion's re-match by id.
_VISIBLE: dict[str, Callable[[_Ctx, Any, Any], Any]] = {
    "member": _visible_member,
    "insight": _visible_insight,
    "comment": _visible_comment,
}


def _documents(ctx: _Ctx, kind: str, q: rules.Query) -> list[_Hit]:
    """A ranked kind's matches, scores normalised to its best (only members match on names).
    In an any-word pass the statement also brings each document's text, from which
    ``_collect`` scores the share of the words it has (``rules.text_coverage``), without a
    second statement."""

    def visible(stmt: Any, doc: Any) -> Any:
        stmt = _VISIBLE[kind](ctx, stmt, doc)
        if q.mode == "or":
            stmt = stmt.add_columns(*(doc[name] for name in _TEXTS))
        return stmt

    rows = _ranked(ctx, kind, q, with_name=kind == "member", extra=visible)
    hits = [_Hit(kind, d, r, o, t) for d, r, o, t in _normalise(rows)]
    if q.mode == "or":
        for hit, row in zip(hits, rows, strict=True):
            hit.extra["coverage"] = rules.text_coverage(row[4:7], q.groups)
    return hits


def _shared(ctx: _Ctx, visibility: str) -> Callable[[Any, Any], Any]:
    """The visibility join of shared contacts; it also brings the columns a card may draw on
    (``sharing.CARD_COLUMNS``: never email, phone or notes), so a card is rebuilt from the row
    that found it, without a second statement."""

    def extra(stmt: Any, doc: Any) -> Any:
        return (
            stmt.join(Contact, Contact.id == doc.ref_id)
            .join(Member, Member.id == Contact.holder_id)
            .where(
                Contact.visibility == visibility,
                Contact.opted_out.is_(False),
                Contact.holder_id != _required("viewer_id"),
                Member.suspended_at.is_(None),
            )
            .add_columns(*sharing.CARD_COLUMNS)
        )

    return extra


def _cards(ctx: _Ctx, q: rules.Query) -> list[_Hit]:
    """Open cards may match by name; blind cards never do. The candidates come back *pending*:
    with the columns a card may draw on, the queries that found them (``tries``) and, as text
    score, the best one a card can have (every word shown). Only the cards the page can show
    are rebuilt later (``_verify_card``): one is kept only if what ``card_fields_for`` shows
    matches the words and filters, and its text score comes from that visible coverage alone
    (``rules.CARD_RANK`` stands in for a full-text rank), so hidden fields never move a card
    up. Rebuilding every candidate was most of a query's Python time at 100k."""
    rows: list[Any] = []
    for visibility, with_name in (("open", True), ("blind", False)):
        extra = _shared(ctx, visibility)
        rows += _ranked(ctx, "contact", q, with_name=with_name, extra=extra, visibility=visibility)
    best = rules.text_score(1.0, rules.CARD_RANK)
    return [
        _Hit("card", row[0], row[1], row[2], best, extra={"row": row, "tries": [q]}) for row in rows
    ]


def _verify_card(ctx: _Ctx, hit: _Hit) -> bool:
    """Whether a card candidate may be shown: rebuilt once through ``card_fields_for``, then
    its queries tried in the order the search ran them; the first whose words the *visible*
    card has (all of them in an ``and`` pass) sets its text score. This is exactly what
    rebuilding every candidate at once kept: a card an earlier pass dropped could still be
    added by a later pass, and one kept by a pass was never looked at again."""
    extra = hit.extra
    if extra.get("passed"):
        return True
    if extra.get("dead"):
        return False
    if "card" not in extra:
        row = extra["row"]
        card = card_rules.card_fields_for(sharing.card_source(row))
        topic, company, city = _clean_filters(ctx.params)
        if card is None or not rules.card_shows_filters(
            card, company_key=company, city_key=city, topic_slug=topic
        ):
            extra["dead"] = True  # no query can make it show: the filters are the same for all
            return False
        extra["card"], extra["public_id"] = card, row.public_id
        extra["checked"] = 0
    tries: list[rules.Query] = extra["tries"]
    for q in tries[extra["checked"] :]:
        extra["checked"] += 1
        coverage = rules.card_coverage(extra["card"], q.groups)
        if coverage <= 0 or (q.mode == "and" and coverage < 1):
            continue
        hit.text = rules.text_score(coverage, rules.CARD_RANK)
        extra["passed"] = True
        return True
    return False


def _pending(hit: _Hit) -> bool:
    return hit.kind == "card" and not hit.extra.get("passed")


def _found(ctx: _Ctx, hits: dict[tuple[str, int, int], _Hit], enough: int) -> int:
    """How many of ``hits`` can be shown, counted up to ``enough``: cards are rebuilt only
    until the count reaches it (what the search asks is only whether a page is full)."""
    n = sum(1 for h in hits.values() if not _pending(h))
    for h in hits.values():
        if n >= enough:
            break
        if _pending(h) and _verify_card(ctx, h):
            n += 1
    return n


AGGREGATES_SHOWN = 10  # holders a search returns as aggregates, most matching entries first
AGGREGATE_BATCH = 64  # holders re-checked against ``contacts`` per round


def _aggregates(ctx: _Ctx, q: rules.Query) -> list[_Hit]:
    """The ``AGGREGATES_SHOWN`` holders with the most counted entries matching every word
    (names are never searched), each with at least ``min_group_size`` of them: shown only as
    a count, and the count is exact.

    The partition's matches are counted per holder in the database (only holders at the
    minimum come back), most first, in rounds of ``AGGREGATE_BATCH``; each round's entries
    are re-checked against ``contacts`` (still counted, not opted out, still the holder's)
    with the holder's account state. A re-check can only lower a count, so once the best
    re-checked holders fill the list with counts at or above the next unchecked holder's
    count, no later holder can enter it: a broad word ("engineer") matches hundreds of
    thousands of counted entries of tens of thousands of holders, and only the first round
    is ever re-checked."""
    groups = _template(ctx, ("counted groups",), lambda: _counted_groups(ctx))
    words = _words(ctx, _compound(ctx, replace(q, mode="and")), with_name=False)
    exact: dict[int, int] = {}
    offset = 0
    while True:
        batch = ctx.session.execute(
            groups, {**words, "batch": AGGREGATE_BATCH, "offset": offset}
        ).all()
        offset += len(batch)
        found = {int(h): backends.ids_of(ids) for h, _, ids in batch}
        exact.update(_recount(ctx, found, documents=ctx.dialect == "sqlite"))
        best = sorted(exact.items(), key=lambda t: (-t[1], t[0]))[:AGGREGATES_SHOWN]
        if len(batch) < AGGREGATE_BATCH:
            break  # every holder at the minimum has been re-checked
        if len(best) == AGGREGATES_SHOWN and best[-1][1] >= int(batch[-1][1]):
            break  # unchecked holders have at most the last round's smallest count
    return [_Hit("aggregate", 0, 0, h, 0.7, extra={"count": n}) for h, n in best]


def _counted_groups(ctx: _Ctx) -> Any:
    """(holder, matching counted entries, their ids) for every holder with at least
    ``min_group_size`` of them, most first. On SQLite the counted partition's rowid carries the
    holder and the document (``backends.PACKED_TABLES``), so the index's rowids are grouped
    without reading a document, and the ids are documents; on PostgreSQL each match's row
    gives its owner and its contact, and the ids are contacts. A round is ``batch`` holders
    from ``offset`` (both bound at each run)."""
    owner: Any
    doc: Any
    listed: Any
    if ctx.dialect == "sqlite":
        rowid = f"{backends.fts_table_name('counted')}.rowid"
        owner = literal_column(backends.packed_owner(rowid))
        doc = listed = literal_column(backends.packed_document(rowid))
        source: Any = backends.fts_table("counted")
        where: Any = backends.fts_match("counted")
    else:
        m = backends.match(ctx.dialect, part="counted")
        owner, doc, source, where = SearchDocument.owner_id, SearchDocument.id, m.source, m.where
        listed = SearchDocument.ref_id
    count = func.count()
    stmt = (
        select(owner, count.label("n"), backends.id_list(ctx.dialect, listed))
        .select_from(source)
        # No condition on ``kind`` (the partition holds contacts only): SQLite would serve it
        # from the (kind, ref_id) index and probe the full-text index once per contact.
        .where(where, owner != _required("viewer_id"))
        .group_by(owner)
        .having(count >= _required("min_group"))
        .order_by(count.desc(), owner)
    )
    return _scope(ctx, stmt, owner, doc).limit(_required("batch")).offset(_required("offset"))


def _recount(ctx: _Ctx, wanted: dict[int, list[int]], *, documents: bool) -> dict[int, int]:
    """Each holder's matching entries (by contact id, or by document id with ``documents``)
    still counted for that holder (and not opted out), for active holders at the minimum
    after the re-check."""
    if not wanted:
        return {}
    owner_of = {i: h for h, ids in wanted.items() for i in ids}
    if documents:
        # Two steps, each driven by its own ids: joined in one statement, SQLite may instead
        # walk every counted contact and probe the documents.
        refs = ctx.session.execute(
            select(SearchDocument.id, SearchDocument.ref_id).where(
                ids_in(ctx.session, SearchDocument.id, sorted(owner_of))
            )
        )
        owner_of = {int(ref): owner_of[int(doc)] for doc, ref in refs}
    still = ctx.session.execute(
        select(Contact.holder_id, Contact.id).where(
            ids_in(ctx.session, Contact.id, sorted(owner_of)),
            Contact.visibility == "counted",
            Contact.opted_out.is_(False),
        )
    )
    counts: dict[int, int] = {}
    for holder, contact_id in still:
        if owner_of.get(int(contact_id)) == int(holder):  # counted for its own holder only
            counts[int(holder)] = counts.get(int(holder), 0) + 1
    counts = {h: n for h, n in counts.items() if n >= ctx.settings.min_group_size}
    if not counts:
        return {}
    active = set(
        ctx.session.scalars(
            select(Member.id).where(
                ids_in(ctx.session, Member.id, sorted(counts)), Member.suspended_at.is_(None)
            )
        )
    )
    return {h: n for h, n in counts.items() if h in active}


def _members(ctx: _Ctx, q: rules.Query) -> list[_Hit]:
    return _documents(ctx, "member", q)


def _insights(ctx: _Ctx, q: rules.Query) -> list[_Hit]:
    return _documents(ctx, "insight", q)


def _comments(ctx: _Ctx, q: rules.Query) -> list[_Hit]:
    return _documents(ctx, "comment", q)


_MATCHERS: dict[str, Callable[[_Ctx, rules.Query], list[_Hit]]] = {
    "member": _members,
    "card": _cards,
    "aggregate": _aggregates,
    "insight": _insights,
    "comment": _comments,
}


# --- closeness and standing ---------------------------------------------------------------------


def closeness_of(
    index: GraphIndex | None, viewer_id: int, owners: Sequence[int], blocked: Sequence[int]
) -> dict[int, tuple[int, float | None]]:
    """(degree, path strength 0-1) of each owner seen from the viewer, via the graph index:
    a 1st's strength is the tie's; a 2nd's the best product over shared connections."""
    wanted = sorted(set(owners))
    if index is None or not wanted:
        return {o: (-1, None) for o in wanted}
    ids = np.asarray(wanted, dtype=np.int64)
    degrees = index.degrees_of(viewer_id, ids, blocked=blocked)
    mine_ids = np.zeros(0, dtype=np.int64)
    mine_ws = np.zeros(0, dtype=np.float64)
    if viewer_id < index.n:
        nbrs, ws = index.neighbours(viewer_id)  # sorted by id
        mine_ids, mine_ws = nbrs.astype(np.int64), ws.astype(np.float64) / 5.0
    # A 2nd's strength: the best product of tie strengths through a shared connection.
    second = ids[degrees == 2]
    via = dict(
        zip(second.tolist(), index.best_through_common(viewer_id, second).tolist(), strict=True)
    )
    out: dict[int, tuple[int, float | None]] = {}
    for owner, d in zip(wanted, degrees.tolist(), strict=True):
        degree = int(d)
        strength: float | None = None
        if owner == viewer_id:
            degree, strength = 0, 1.0
        elif degree == 1:
            i = int(np.searchsorted(mine_ids, owner))
            if i < mine_ids.size and mine_ids[i] == owner:
                strength = float(mine_ws[i])
        elif degree == 2 and via.get(owner, 0.0) > 0:
            strength = via[owner]
        out[owner] = (degree, strength)
    return out


def _degree_ball(
    index: GraphIndex | None, viewer_id: int, degree: int, blocked: Sequence[int]
) -> np.ndarray | None:
    if index is None:
        return np.zeros(0, dtype=np.int64)
    dist = index.distances_from(viewer_id, degree, blocked=blocked)
    ball = np.flatnonzero((dist >= 1) & (dist <= degree))
    return ball


# --- the search ---------------------------------------------------------------------------------


def search(
    session: Session,
    viewer: Member,
    params: SearchParams,
    settings: Settings,
    index: GraphIndex | None,
    *,
    standing: StandingLookup | str | None = "default",
    weights: rules.Weights | None = None,
    record: bool = True,
) -> SearchOut:
    """Everything the viewer may see that matches, best first (at most ``params.limit``)."""
    rules.check_query(params.q)
    rules.check_degree(params.degree)
    kinds = rules.check_kinds(params.kinds)
    limit = max(1, min(params.limit, rules.LIMIT_MAX))
    weights = weights or settings_weights(settings)
    lookup = default_standing() if isinstance(standing, str) else standing
    query, corrections = parse(session, params, fuzzy=False)
    if query.empty:
        return SearchOut(query=params.q, items=[], corrections={})
    blocked = blocks_of(session, viewer.id)
    ball = None
    if params.degree:
        found = _degree_ball(index, viewer.id, params.degree, blocked)
        ball = [int(x) for x in found] if found is not None else []
    ctx = _Ctx(
        session=session,
        viewer=viewer,
        settings=settings,
        params=params,
        query=query,
        dialect=session.get_bind().dialect.name,
        blocked=blocked,
        insight_viewer=insight_queries.viewer_for(session, viewer),
        ball=ball,
        candidates=settings.search_candidates,
    )
    if ball is not None and not ball:
        return SearchOut(query=params.q, items=[], corrections=corrections)

    hits: dict[tuple[str, int, int], _Hit] = {}
    _collect(ctx, replace(query, mode="and"), kinds, hits)
    if _found(ctx, hits, limit) < limit:
        # Typo corrections only when the words as typed find less than a page.
        corrected, corrections = parse(session, params)
        if corrections:
            query = ctx.query = corrected
            _collect(ctx, replace(query, mode="and"), kinds, hits)
    if len(query.groups) > 1 and _found(ctx, hits, limit) < limit:
        _collect(ctx, replace(query, mode="or"), kinds, hits)

    use_semantic = bool(params.semantic and semantic.enabled() and params.q.strip())
    if use_semantic:
        _fuse_semantic(ctx, hits, kinds)

    owners = sorted({h.owner_id for h in hits.values()})
    close = closeness_of(index, viewer.id, owners, blocked)
    standings = _standing_scores(ctx, lookup, hits.values())

    closeness = {o: rules.closeness(*close.get(o, (-1, None))) for o in owners}

    def standing_of(owner: int) -> float | None:
        return standings.get(owner) if standings is not None else None

    def score_of(hit: _Hit) -> float:
        c, s = closeness.get(hit.owner_id, 0.0), standing_of(hit.owner_id)
        return rules.blend_score(hit.text, c, s, weights)

    def signals_of(hit: _Hit) -> rules.Signals:
        degree, strength = close.get(hit.owner_id, (-1, None))
        signals = rules.Signals(
            text=hit.text,
            closeness=closeness.get(hit.owner_id, 0.0),
            standing=standing_of(hit.owner_id),
            degree=degree,
            path_strength=strength,
            semantic_rank=hit.semantic_rank,
        )
        rules.blend(signals, weights)  # its parts, for explain=1
        return signals

    chosen = _best(ctx, list(hits.values()), score_of, signals_of, weights, limit)
    shown = [
        (h.owner_id, h.ref_id if h.kind == "card" else None)
        for _, h, _ in chosen
        if h.kind in ("card", "aggregate")
    ]
    if record and shown:
        sharing.record_displays(session, viewer, shown, "search", settings)
    items = _present(session, chosen, params, query)
    return SearchOut(query=params.q, items=items, corrections=corrections, semantic=use_semantic)


def _best(
    ctx: _Ctx,
    hits: Sequence[_Hit],
    score_of: Callable[[_Hit], float],
    signals_of: Callable[[_Hit], rules.Signals],
    weights: rules.Weights,
    limit: int,
) -> list[tuple[float, _Hit, rules.Signals]]:
    """The ``limit`` best hits, in the order of sorting every hit by score (ties by kind,
    document, owner, then the order found). A card not yet rebuilt is ranked by the best score
    it can have (every word shown, its holder's real closeness and standing): the blend grows
    with the text score, so its real score is never higher. Best first, a card that comes up
    is rebuilt and goes back with its real score (or out); the page is complete when
    ``limit`` rebuilt or never-pending hits have come up, so only the cards that can appear
    on it, and those they displace, are ever rebuilt. Only the hits chosen get their
    signals built (``signals_of``); the others are ranked by their score alone."""
    if min(weights.text, weights.closeness, weights.standing) < 0:
        for h in hits:  # the blend no longer grows with the text score: rebuild them all
            if _pending(h):
                _verify_card(ctx, h)
    heap: list[tuple[float, str, int, int, int, bool]] = []
    for i, h in enumerate(hits):
        pending = _pending(h)
        if pending and (h.extra.get("dead") or h.extra.get("checked") == len(h.extra["tries"])):
            continue  # cannot show, or rebuilt and tried with every query that found it
        heap.append((-score_of(h), h.kind, h.doc_id, h.owner_id, i, pending))
    heapq.heapify(heap)
    chosen: list[tuple[float, _Hit, rules.Signals]] = []
    while heap and len(chosen) < limit:
        neg, kind, doc_id, owner_id, i, pending = heapq.heappop(heap)
        h = hits[i]
        if not pending:
            chosen.append((-neg, h, signals_of(h)))
        elif _verify_card(ctx, h):
            heapq.heappush(heap, (-score_of(h), kind, doc_id, owner_id, i, False))
    return chosen


def _collect(
    ctx: _Ctx, q: rules.Query, kinds: Sequence[str], hits: dict[tuple[str, int, int], _Hit]
) -> None:
    """Add each kind's matches for ``q`` that are not in ``hits`` yet. The text signal is
    ``rules.text_score``: every word matched (``and`` mode) counts fully; in ``or`` mode by the
    share of the words the document has. Cards are scored on what they show (coverage)."""
    for kind in kinds:
        if kind == "aggregate" and q.mode == "or":
            continue
        found = []
        for h in _MATCHERS[kind](ctx, q):
            seen = hits.get((h.kind, h.ref_id, h.owner_id))
            if seen is None:
                found.append(h)
            elif _pending(seen):  # a card this pass may add if an earlier one did not
                seen.extra["tries"].append(q)
        if kind in ("member", "insight", "comment"):
            for h in found:
                h.text = rules.text_score(h.extra.pop("coverage", 1.0), h.text)
        for h in found:
            hits[(h.kind, h.ref_id, h.owner_id)] = h


def settings_weights(settings: Settings) -> rules.Weights:
    return rules.Weights(
        text=settings.search_weight_text,
        closeness=settings.search_weight_closeness,
        standing=settings.search_weight_standing,
    )


def _standing_scores(
    ctx: _Ctx, lookup: StandingLookup | None, hits: Iterable[_Hit]
) -> dict[int, float] | None:
    """Each owner's standing relative to the best among the owners of the hits that can be
    shown. A card not rebuilt yet may or may not be one of them, so the cards whose holder
    would raise that best are rebuilt, highest standing first, until one is shown or none
    is left above it: the scale is exactly the one of rebuilding every card, for a few."""
    found = list(hits)
    owners = sorted({h.owner_id for h in found})
    if lookup is None or not owners:
        return None
    raw = lookup(ctx.session, owners)
    top = max([0.0, *(raw.get(h.owner_id, 0.0) for h in found if not _pending(h))])
    for h in sorted((h for h in found if _pending(h)), key=lambda h: -raw.get(h.owner_id, 0.0)):
        if raw.get(h.owner_id, 0.0) <= top:
            break
        if _verify_card(ctx, h):
            top = raw.get(h.owner_id, 0.0)
            break
    return {o: (raw.get(o, 0.0) / top if top > 0 else 0.0) for o in owners}


def _fuse_semantic(ctx: _Ctx, hits: dict[tuple[str, int, int], _Hit], kinds: Sequence[str]) -> None:
    """Reciprocal rank fusion of the full-text ranking with the nearest documents by meaning
    (profiles, insights and comments; only those at least
    ``SHAREWELL_SEARCH_SEMANTIC_MIN_SIMILARITY`` alike), one kind at a time. The fusion sets
    the order within the kind; the values stay full text's (see below), so the kinds stay
    on the scale full text put them on. Cards and aggregates have no vectors: one fusion over
    every kind, with RRF's flat values as the text signal, ranked them below any profile the
    model also found and they fell off the first page (nDCG@10 of card queries 0.0,
    bench/results/search_quality.md). The nearest documents pass exactly the visibility
    rules and filters of a full-text match (``_visible_by_id``, re-matched by id in the
    searcher's session), so meaning can only find what a word search by the same member
    could show."""
    wanted = [k for k in kinds if k in semantic.KINDS]
    if not wanted:
        return
    near = semantic.nearest(
        ctx.session,
        ctx.params.q,
        k=ctx.candidates,
        min_similarity=ctx.settings.search_semantic_min_similarity,
    )
    if not near:
        return
    rank_of = {doc_id: i for i, (doc_id, _) in enumerate(near)}
    similarity = dict(near)
    ids = list(rank_of)
    for kind in wanted:
        allowed = sorted(_visible_by_id(ctx, kind, ids), key=lambda h: rank_of[h.doc_id])
        if not allowed:
            continue
        own = sorted((h for h in hits.values() if h.kind == kind), key=lambda h: -h.text)
        scale = [h.text for h in own]
        sem_rank = [h.doc_id for h in allowed]
        fused = rules.rrf(
            [[h.doc_id for h in own], sem_rank], weights=(1.0, ctx.settings.search_semantic_weight)
        )
        for h in allowed:
            hits.setdefault((h.kind, h.ref_id, h.owner_id), h)
        position = {doc_id: i + 1 for i, doc_id in enumerate(sem_rank)}
        order = sorted(
            (h for h in hits.values() if h.kind == kind),
            key=lambda h: (-fused.get(h.doc_id, 0.0), h.doc_id),
        )
        # The fusion decides the order; the values stay full text's (the i-th place gets the
        # i-th best text score of the kind), so a fused list never outranks the other kinds
        # by RRF's flat values, and a partial match keeps its coverage-scaled score. Places
        # past full text's list get its lowest score; with no text match at all, the cosine.
        for i, h in enumerate(order):
            if i < len(scale):
                h.text = scale[i]
            else:
                h.text = scale[-1] if scale else max(0.0, float(similarity[h.doc_id]))
            h.semantic_rank = position.get(h.doc_id)


def _visible_by_id(ctx: _Ctx, kind: str, doc_ids: Sequence[int]) -> list[_Hit]:
    """The kind's visibility rules and filters over given documents (no text condition)."""
    stmt = select(SearchDocument.id, SearchDocument.ref_id, SearchDocument.owner_id).where(
        SearchDocument.kind == kind, ids_in(ctx.session, SearchDocument.id, sorted(doc_ids))
    )
    padded = literal(" ", String) + SearchDocument.facets + literal(" ", String)
    for token in ctx.query.facets:  # whole tokens: "ztgo" must not match "ztgolang"
        stmt = stmt.where(padded.contains(f" {token} "))
    stmt = _VISIBLE[kind](ctx, _scope(ctx, stmt), SearchDocument.__table__.c)
    rows = ctx.session.execute(stmt, ctx.binds)
    return [_Hit(kind, int(d), int(r), int(o), 0.0) for d, r, o in rows]


# --- presenting ---------------------------------------------------------------------------------

_MD = re.compile(r"[*_`#>|\[\]()!-]+")


def _plain(text: str, n: int = _SNIPPET) -> str:
    flat = " ".join(_MD.sub(" ", text).split())
    return flat if len(flat) <= n else flat[: n - 1].rstrip() + "…"


def _present(
    session: Session,
    chosen: Sequence[tuple[float, _Hit, rules.Signals]],
    params: SearchParams,
    query: rules.Query,
) -> list[SearchHit]:
    owners = {h.owner_id for _, h, _ in chosen}
    # Columns only: a Member entity would load its topics, items and links (selectin) too.
    people = {
        m.id: m
        for m in session.execute(
            select(Member.id, Member.handle, Member.display_name, Member.headline).where(
                ids_in(session, Member.id, sorted(owners))
            )
        )
    }
    insight_ids = [h.ref_id for _, h, _ in chosen if h.kind == "insight"]
    comment_ids = [h.ref_id for _, h, _ in chosen if h.kind == "comment"]
    # Columns only, and only when the page has that kind: entities would load every column.
    insights: dict[int, Any] = {}
    if insight_ids:
        insights = {
            i.id: i
            for i in session.execute(
                select(Insight.id, Insight.title, Insight.body_md, Insight.public_id).where(
                    Insight.id.in_(insight_ids)
                )
            )
        }
    comments: dict[int, Any] = {}
    if comment_ids:
        comments = {
            c.id: c
            for c in session.execute(
                select(
                    Comment.id,
                    Comment.body_md,
                    Comment.public_id,
                    Insight.title.label("insight_title"),
                    Insight.public_id.label("insight_public_id"),
                )
                .join(Insight, Insight.id == Comment.insight_id)
                .where(Comment.id.in_(comment_ids))
            )
        }
    out: list[SearchHit] = []
    for score, hit, signals in chosen:
        owner = people.get(hit.owner_id)
        if owner is None:
            continue
        ref = PersonRef(handle=owner.handle, display_name=owner.display_name)
        degree = network_rules.degree_label(signals.degree) if signals.degree != 0 else None
        explain = (
            Explanation(
                text=round(signals.text, 4),
                closeness=round(signals.closeness, 4),
                standing=None if signals.standing is None else round(signals.standing, 4),
                degree=degree,
                path_strength=None
                if signals.path_strength is None
                else round(signals.path_strength, 4),
                semantic_rank=signals.semantic_rank,
                parts={k: round(v, 4) for k, v in signals.parts.items()},
            )
            if params.explain
            else None
        )
        common = {
            "score": round(score, 4),
            "member": ref,
            "degree": degree,
            "explain": explain,
            "doc_id": hit.doc_id if hit.kind in ("member", "insight", "comment") else None,
        }
        if hit.kind == "member":
            out.append(
                SearchHit(
                    kind="member",
                    title=owner.display_name,
                    snippet=owner.headline,
                    url=f"/members/{owner.handle}",
                    **common,
                )
            )
        elif hit.kind == "card":
            card = hit.extra["card"]
            out.append(
                SearchHit(
                    kind="card",
                    title=card_rules.describe_card(card),
                    snippet=f"In {owner.display_name}'s contact book",
                    url=f"/cards/{hit.extra['public_id']}",
                    card=card,
                    card_id=hit.extra["public_id"],
                    **common,
                )
            )
        elif hit.kind == "aggregate":
            count = hit.extra["count"]
            words = " ".join(g[0] for g in query.groups)
            what = f"matching “{words}”" if words else "matching your filters"
            out.append(
                SearchHit(
                    kind="aggregate",
                    title=f"{owner.display_name} knows {count} people {what}",
                    snippet="A count only: who they are stays in the holder's book unless an "
                    "introduction is agreed.",
                    url=f"/members/{owner.handle}",
                    count=count,
                    **common,
                )
            )
        elif hit.kind == "insight" and hit.ref_id in insights:
            insight = insights[hit.ref_id]
            out.append(
                SearchHit(
                    kind="insight",
                    title=insight.title,
                    snippet=_plain(insight.body_md),
                    url=insight_queries.insight_url(insight.public_id),
                    **common,
                )
            )
        elif hit.kind == "comment" and hit.ref_id in comments:
            comment = comments[hit.ref_id]
            out.append(
                SearchHit(
                    kind="comment",
                    title=f"Comment on “{comment.insight_title}”",
                    snippet=_plain(comment.body_md),
                    url=insight_queries.comment_url(comment.insight_public_id, comment.public_id),
                    **common,
                )
            )
    return out


# --- autocomplete -------------------------------------------------------------------------------


def suggest(
    session: Session, viewer: Member | None, prefix: str, *, limit: int = 8
) -> list[Suggestion]:
    """Members whose name starts with the typed words, and topics: public things only (a
    contact's name is never suggested). A close spelling is tried when nothing starts so."""
    words = rules.tokens(prefix)
    if not words or len(words[-1]) < 2:
        return []
    limit = max(1, min(limit, 20))
    out: list[Suggestion] = []
    folded = " ".join(words)
    topics = session.scalars(
        select(Topic)
        .where(func.lower(Topic.label).like(folded.replace("%", "").replace("_", "") + "%"))
        .order_by(Topic.label)
        .limit(limit // 2 or 1)
    ).all()
    names = _member_prefix(session, words, limit)
    if not names and not topics:
        backends.prepare(session)
        close = rules.close_terms(words[-1], backends.trigram_candidates(session, words[-1]))
        for term in close:  # the closest may be a headline word no name starts with
            names = _member_prefix(session, [*words[:-1], term], limit)
            if names:
                break
    for m in names:
        if viewer is not None and m.id == viewer.id:
            continue
        out.append(
            Suggestion(
                kind="member",
                label=f"{m.display_name} · {m.headline}"[:120],
                url=f"/members/{m.handle}",
            )
        )
    out += [Suggestion(kind="topic", label=t.label, url=f"/topics/{t.slug}") for t in topics]
    return out[:limit]


def _member_prefix(session: Session, words: Sequence[str], limit: int) -> list[Member]:
    q = rules.Query(groups=tuple((w,) for w in words[:-1]))  # the partition: members only
    dialect = session.get_bind().dialect.name
    last = words[-1]
    if dialect == "postgresql":
        expr = rules.tsquery_expression(q, with_name=True)
        expr = (expr + " & " if expr else "") + f"{last}:*A"
    else:
        expr = rules.fts5_expression(q, with_name=True)
        expr = (expr + " AND " if expr else "") + f'{{name}} : "{last}"*'
    if dialect == "postgresql":
        tsq = func.to_tsquery(literal_column("'english'::regconfig"), bindparam("sq", expr))
        stmt = (
            select(Member)
            .join(
                SearchDocument,
                and_(SearchDocument.ref_id == Member.id, SearchDocument.kind == "member"),
            )
            .where(
                literal_column("search_documents.tsv").op("@@")(tsq), backends.part_where("member")
            )
        )
    else:
        fts = backends.fts_table("member")
        stmt = (
            select(Member)
            .select_from(fts)
            .join(SearchDocument, SearchDocument.id == fts.c.rowid)
            .join(Member, Member.id == SearchDocument.ref_id)
            .where(backends.fts_match("member", expr, "sq"))
        )
    stmt = (
        stmt.where(Member.suspended_at.is_(None))
        .order_by(Member.display_name, Member.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


# --- saved searches and alerts ------------------------------------------------------------------


def list_saved(session: Session, member: Member) -> list[SavedSearchOut]:
    unread = dict(
        session.execute(
            select(SearchAlert.saved_search_id, func.count(SearchAlert.id))
            .where(SearchAlert.member_id == member.id, SearchAlert.read_at.is_(None))
            .group_by(SearchAlert.saved_search_id)
        )
        .tuples()
        .all()
    )
    rows = session.scalars(
        select(SavedSearch)
        .where(SavedSearch.member_id == member.id)
        .order_by(SavedSearch.id)
        .limit(100)
    )
    return [
        SavedSearchOut(
            id=s.public_id,
            name=s.name,
            q=s.query,
            filters=s.filters or {},
            mail=s.mail,
            created_at=s.created_at,
            checked_at=s.checked_at,
            unread=int(unread.get(s.id, 0)),
        )
        for s in rows
    ]


def list_alerts(session: Session, member: Member, *, limit: int = 100) -> list[AlertOut]:
    rows = session.execute(
        select(SearchAlert, SavedSearch)
        .join(SavedSearch, SavedSearch.id == SearchAlert.saved_search_id)
        .where(SearchAlert.member_id == member.id)
        .order_by(SearchAlert.id.desc())
        .limit(max(1, min(limit, 200)))
    ).tuples()
    return [
        AlertOut(
            id=a.id,
            search=s.public_id,
            search_name=s.name,
            kind=a.kind,
            label=a.label,
            url=a.url,
            created_at=a.created_at,
            read=a.read_at is not None,
        )
        for a, s in rows
    ]
