"""The two full-text backends behind one interface: a match condition, a relevance score and
the FROM clause, for SQLite FTS5 and PostgreSQL ``tsvector``; and trigram candidates for typo
tolerance (a padded-trigram table on SQLite, ``pg_trgm`` on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    and_,
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

BM25_WEIGHTS = "4.0, 2.0, 1.0, 0.0"  # name, title, body, facets
FTS_COLUMNS = "name, title, body, facets"


# --- partitions of the full-text index ----------------------------------------------------------
#
# The index is split by what a search may ask of it, so a query reads the posting lists of its
# own partition only: one per document kind for profiles, insights and comments (100k, 200k
# and 325k documents at 100,000 members), and shared contacts by visibility: ``open``,
# ``blind`` and ``counted`` (about 1.2M each). Private and opted-out entries are in no
# partition at all. Without the split, a two-word search read the posting lists of all 6.7M
# documents for every kind (bm25's document frequencies alone walk each word's whole list,
# kind and filter tokens included). SQLite: one FTS5 table per partition
# (``search_fts_member``, ``search_fts_open``, …), fed by triggers on ``search_documents``;
# PostgreSQL: one partial GIN index per partition on ``tsv``, whose predicate every statement
# repeats word for word so the planner can use it (migration ``0023_searchparts``). The
# conditions read ``kind`` and the visibility token a contact's document already carries
# (``zvopen`` …, ``rules.visibility_facet``), so the partition follows every write that
# rewrites the document.

PARTS = ("member", "insight", "comment", "open", "blind", "counted")
CONTACT_PARTS = ("open", "blind", "counted")


def part_condition(part: str, row: str = "") -> str:
    """SQL text of the partition's condition on a ``search_documents`` row (``row`` prefixes
    the columns: ``"new."`` in a trigger, ``"search_documents."`` in a query)."""
    if part not in CONTACT_PARTS:
        return f"{row}kind = '{part}'"
    token = rules.visibility_facet(part)
    return f"{row}kind = 'contact' AND (' ' || {row}facets || ' ') LIKE '% {token} %'"


def fts_table_name(part: str) -> str:
    return f"search_fts_{part}"


def gin_index_name(part: str) -> str:
    return f"ix_search_documents_tsv_{part}"


def part_of(kind: str, visibility: str | None = None) -> str:
    """The partition a search of ``kind`` (contacts: with this visibility) reads."""
    if kind != "contact":
        return kind
    if visibility not in CONTACT_PARTS:
        raise ValueError(f"no full-text partition holds {visibility!r} contacts")
    return visibility


def fts_layout() -> dict[str, str]:
    """SQLite's FTS5 tables, each with its condition on a ``search_documents`` row (``{row}``
    stands for the column prefix)."""
    return {fts_table_name(p): part_condition(p, "{row}") for p in PARTS}


# The counted partition is contentless (FTS5 ``content=''``) and its rowid is the holder and
# the document packed into one integer (``owner_id << 32 | id``): an aggregate counts a
# holder's matching entries by grouping the rowids the index returns, without reading each
# matching document (at 100k members a common title word and a city match thousands of
# counted entries; reading their documents was most of an aggregate's time). Nothing reads a
# counted document's text from the index: it is never shown, only counted.
PACKED_TABLES = frozenset({fts_table_name("counted")})
OWNER_SHIFT = 32


def packed_owner(rowid: str) -> str:
    """SQL of the holder in a packed rowid."""
    return f"({rowid} >> {OWNER_SHIFT})"


def packed_document(rowid: str) -> str:
    """SQL of the document id in a packed rowid."""
    return f"({rowid} & {2**OWNER_SHIFT - 1})"


def _rowid(table: str, row: str, packed: frozenset[str]) -> str:
    if table in packed:
        return f"(({row}owner_id << {OWNER_SHIFT}) | {row}id)"
    return f"{row}id"


def sqlite_fts_ddl(layout: Mapping[str, str] | None = None) -> list[str]:
    """The FTS5 tables of ``layout`` and the triggers that keep them current."""
    tables = fts_layout() if layout is None else layout
    return [*sqlite_fts_tables(tables), *sqlite_fts_triggers(tables)]


def sqlite_fts_tables(
    tables: Mapping[str, str], packed: frozenset[str] = PACKED_TABLES
) -> list[str]:
    """External content over ``search_documents``; the packed tables contentless."""
    tokenize = "tokenize='porter unicode61 remove_diacritics 2'"
    external = "content='search_documents', content_rowid='id'"
    contentless = "content=''"
    return [
        f"CREATE VIRTUAL TABLE {t} USING fts5({FTS_COLUMNS}, "
        f"{contentless if t in packed else external}, {tokenize})"
        for t in tables
    ]


def sqlite_fts_triggers(
    tables: Mapping[str, str], packed: frozenset[str] = PACKED_TABLES
) -> list[str]:
    """The three triggers on ``search_documents`` that feed every table of ``tables``: each
    statement writes only to the tables whose condition the old or new row meets, deletes
    first (an FTS5 'delete' after the insert of the same rowid would remove the new tokens
    too). A 'delete' gives the old row's values, which a contentless table needs to find its
    tokens."""

    def values(t: str, row: str) -> str:
        return f"{_rowid(t, row, packed)}, {row}name, {row}title, {row}body, {row}facets"

    adds = "".join(
        f"INSERT INTO {t}(rowid, {FTS_COLUMNS}) SELECT {values(t, 'new.')} "
        f"WHERE {c.format(row='new.')}; "
        for t, c in tables.items()
    )
    removes = "".join(
        f"INSERT INTO {t}({t}, rowid, {FTS_COLUMNS}) SELECT 'delete', {values(t, 'old.')} "
        f"WHERE {c.format(row='old.')}; "
        for t, c in tables.items()
    )
    on = "AFTER {} ON search_documents BEGIN "
    return [
        f"CREATE TRIGGER search_documents_ai {on.format('INSERT')}{adds}END",
        f"CREATE TRIGGER search_documents_ad {on.format('DELETE')}{removes}END",
        f"CREATE TRIGGER search_documents_au {on.format('UPDATE')}{removes}{adds}END",
    ]


def fill_sqlite_fts(
    conn: Connection,
    layout: Mapping[str, str] | None = None,
    packed: frozenset[str] = PACKED_TABLES,
) -> None:
    """Build every FTS5 table of ``layout`` from ``search_documents`` in one pass each (after
    a bulk load with the triggers paused, and in the migration that made the partitions)."""
    tables = fts_layout() if layout is None else layout
    for t, c in tables.items():
        # statements over our own table names and conditions, no input in them
        conn.exec_driver_sql(f"INSERT INTO {t}({t}) VALUES ('delete-all')")  # noqa: S608  # nosemgrep: sql-built-from-strings
        conn.exec_driver_sql(
            f"INSERT INTO {t}(rowid, {FTS_COLUMNS}) "  # noqa: S608
            f"SELECT {_rowid(t, '', packed)}, name, title, body, facets FROM search_documents "
            f"WHERE {c.format(row='')}"
        )


def postgresql_gin_ddl() -> list[str]:
    return [
        f"CREATE INDEX {gin_index_name(p)} ON search_documents USING gin (tsv) "
        f"WHERE {part_condition(p)}"
        for p in PARTS
    ]


def fts_table(part: str) -> Any:
    return table(fts_table_name(part), column("rowid"))


def part_where(part: str) -> TextClause:
    # Literal SQL, never a bind parameter: a partial index is only used when the query states
    # its predicate itself (a prepared statement's generic plan cannot see bound values).
    return text(part_condition(part, "search_documents."))


@dataclass(frozen=True)
class Match:
    source: FromClause
    where: ColumnElement[bool] | TextClause
    score: ColumnElement[Any]


# The statements below leave the query's words to a required bind parameter named
# ``FTS_PARAM`` (the string :func:`expression` makes): a search builds each statement once per
# shape and runs it with every query's words (``search.queries._template``).
FTS_PARAM = "fts_q"


def expression(dialect: str, q: rules.Query, *, with_name: bool) -> str:
    """The value of ``FTS_PARAM`` for ``q``; ``with_name`` lets the name column match
    (members and open cards only)."""
    if dialect == "postgresql":
        return rules.tsquery_expression(q, with_name=with_name)
    return rules.fts5_expression(q, with_name=with_name)


def _tsquery() -> ColumnElement[Any]:
    return func.to_tsquery(
        literal_column("'english'::regconfig"), bindparam(FTS_PARAM, required=True)
    )


def fts_match(part: str, expression: str | None = None, name: str = FTS_PARAM) -> TextClause:
    """``<partition's FTS5 table> MATCH :name`` with the expression bound (or left to bind)."""
    sql = f"{fts_table_name(part)} MATCH :{name}"  # our table and parameter names only
    bound: Any = (
        bindparam(name, required=True) if expression is None else bindparam(name, expression)
    )
    return text(sql).bindparams(bound)  # nosemgrep: sql-built-from-strings


def match(dialect: str, *, part: str) -> Match:
    """Documents of partition ``part`` matching the bound words (``FTS_PARAM``)."""
    if dialect == "postgresql":
        tsq = _tsquery()
        tsv: ColumnElement[Any] = literal_column("search_documents.tsv")
        return Match(
            source=SearchDocument.__table__,
            where=and_(tsv.op("@@")(tsq), part_where(part)),
            score=func.ts_rank(tsv, tsq),
        )
    fts = fts_table(part)
    name = fts_table_name(part)
    document: Any = fts.c.rowid
    if name in PACKED_TABLES:
        document = literal_column(packed_document(f"{name}.rowid"))
    return Match(
        source=fts.join(SearchDocument, SearchDocument.id == document),
        where=fts_match(part),
        score=literal_column(f"-bm25({name}, {BM25_WEIGHTS})"),
    )


def candidates(
    dialect: str,
    *,
    part: str,
    limit: Any,
    since: Any = None,
    carry: Sequence[str] = (),
) -> Any:
    """The ``limit`` best-scoring document ids of partition ``part`` for the bound words from
    the full-text index alone, as a subquery ``(id, score, *carry)``: the caller joins
    visibility onto this bounded set only, so a query that matches a hundred thousand
    entries never joins a hundred thousand rows. ``since`` (a value or bind parameter) keeps
    only newer documents. ``carry`` names more ``search_documents`` columns to bring out of
    the rows the scan read (PostgreSQL only: an FTS5 table gives its rowid, and the caller
    joins the documents)."""
    if dialect != "postgresql" and fts_table_name(part) in PACKED_TABLES:
        raise ValueError(f"the {part} partition's rowids are packed: it is grouped, not ranked")
    if dialect != "postgresql" and carry:
        raise ValueError("an FTS5 table gives only its rowid: join the documents instead")
    score: ColumnElement[Any]
    if dialect == "postgresql":
        tsq = _tsquery()
        tsv: ColumnElement[Any] = literal_column("search_documents.tsv")
        score = func.ts_rank(tsv, tsq)
        documents = SearchDocument.__table__.c
        stmt = select(
            documents.id, score.label("score"), *(documents[name] for name in carry)
        ).where(tsv.op("@@")(tsq), part_where(part))
        if since is not None:
            stmt = stmt.where(SearchDocument.id > since)
    else:
        fts = fts_table(part)
        name = fts_table_name(part)
        score = literal_column(f"-bm25({name}, {BM25_WEIGHTS})")
        stmt = select(fts.c.rowid.label("id"), score.label("score")).select_from(fts)
        stmt = stmt.where(fts_match(part))
        if since is not None:
            stmt = stmt.where(fts.c.rowid > since)
    return stmt.order_by(score.desc()).limit(limit).subquery()


def id_list(dialect: str, column: Any) -> ColumnElement[Any]:
    """An aggregate of a group's integer ids, read back by :func:`ids_of`."""
    if dialect == "postgresql":
        return func.array_agg(column)
    return func.group_concat(column)


def ids_of(value: Any) -> list[int]:
    """The ids of an :func:`id_list` (a list from PostgreSQL, ``"1,2,3"`` from SQLite)."""
    if isinstance(value, str):
        return [int(x) for x in value.split(",")]
    return [int(x) for x in value or ()]


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
