"""The two full-text backends behind one interface: a match condition, a relevance score and
the FROM clause, for SQLite FTS5 and PostgreSQL ``tsvector``; and trigram candidates for typo
tolerance (a padded-trigram table on SQLite, ``pg_trgm`` on PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from sharewell.search import rules
from sharewell.search.models import SearchDocument, SearchTerm, SearchTermGram

FTS = table("search_fts", column("rowid"))
BM25_WEIGHTS = "4.0, 2.0, 1.0, 0.0"  # name, title, body, facets


@dataclass(frozen=True)
class Match:
    source: FromClause
    where: ColumnElement[bool] | TextClause
    score: ColumnElement[Any]


def match(dialect: str, q: rules.Query, *, with_name: bool) -> Match:
    """Documents matching ``q``; ``with_name`` lets the name column match (members and open
    cards only). One match per statement: the bind name is fixed, so the statement's SQL is
    the same on every search and SQLAlchemy's compiled cache is used (two matches in one
    statement would fail loudly on the shared name)."""
    name = "fts_q"
    if dialect == "postgresql":
        tsq = func.to_tsquery(
            literal_column("'english'::regconfig"),
            bindparam(name, rules.tsquery_expression(q, with_name=with_name)),
        )
        tsv: ColumnElement[Any] = literal_column("search_documents.tsv")
        return Match(
            source=SearchDocument.__table__,
            where=tsv.op("@@")(tsq),
            score=func.ts_rank(tsv, tsq),
        )
    source = FTS.join(SearchDocument, SearchDocument.id == FTS.c.rowid)
    return Match(
        source=source,
        # The f-string names the bind parameter; the searched text is bound, never inlined.
        where=text(f"search_fts MATCH :{name}").bindparams(  # nosemgrep: sql-built-from-strings
            bindparam(name, rules.fts5_expression(q, with_name=with_name))
        ),
        score=literal_column(f"-bm25(search_fts, {BM25_WEIGHTS})"),
    )


def candidates(
    dialect: str,
    q: rules.Query,
    *,
    with_name: bool,
    limit: int,
    since_doc_id: int = 0,
    ranked: bool = True,
) -> Any:
    """The ``limit`` best-scoring document ids for ``q`` from the full-text index alone, as a
    subquery ``(id, score)``: the caller joins visibility onto this bounded set only, so a
    query that matches a hundred thousand entries never joins a hundred thousand rows.

    ``ranked=False`` (cards, whose full-text score is never used) takes the first ``limit``
    matches in index order with score 0: no bm25 / ``ts_rank`` for every match and no sort,
    so the index can stop reading once it has them."""
    name = "fts_q"  # fixed, as in ``match``: the compiled statement is cached
    score: ColumnElement[Any]
    if dialect == "postgresql":
        tsq = func.to_tsquery(
            literal_column("'english'::regconfig"),
            bindparam(name, rules.tsquery_expression(q, with_name=with_name)),
        )
        tsv: ColumnElement[Any] = literal_column("search_documents.tsv")
        score = func.ts_rank(tsv, tsq) if ranked else literal_column("0.0")
        stmt = select(SearchDocument.id.label("id"), score.label("score")).where(tsv.op("@@")(tsq))
        if since_doc_id:
            stmt = stmt.where(SearchDocument.id > since_doc_id)
    else:
        score = literal_column(f"-bm25(search_fts, {BM25_WEIGHTS})" if ranked else "0.0")
        stmt = (
            select(FTS.c.rowid.label("id"), score.label("score"))
            .select_from(FTS)
            .where(
                # the f-string names the bind parameter, the value is bound
                text(f"search_fts MATCH :{name}").bindparams(  # nosemgrep: sql-built-from-strings
                    bindparam(name, rules.fts5_expression(q, with_name=with_name))
                )
            )
        )
        if since_doc_id:
            stmt = stmt.where(FTS.c.rowid > since_doc_id)
    if ranked:
        stmt = stmt.order_by(score.desc())
    return stmt.limit(limit).subquery()


def trigram_candidates(session: Session, token: str, limit: int = 60) -> list[str]:
    """Vocabulary words sharing the most trigrams with ``token``."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        sim = func.similarity(SearchTerm.term, token)
        rows = session.scalars(
            select(SearchTerm.term)
            .where(SearchTerm.term.op("%")(token))
            .order_by(sim.desc(), SearchTerm.term)
            .limit(limit)
        )
        return list(rows)
    grams = rules.padded_grams(token)
    shared = func.count(SearchTermGram.gram)
    rows = session.scalars(
        select(SearchTerm.term)
        .join(SearchTermGram, SearchTermGram.term_id == SearchTerm.id)
        .where(SearchTermGram.gram.in_(grams))
        .group_by(SearchTerm.id, SearchTerm.term)
        .having(shared >= 2)
        .order_by(shared.desc(), SearchTerm.term)
        .limit(limit)
    )
    return list(rows)


def prepare(session: Session) -> None:
    """Per-transaction settings a backend needs: pg_trgm's similarity threshold is lowered so
    short words with one transposed pair (``pryia``/``priya``) are still candidates."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL pg_trgm.similarity_threshold = 0.15"))
