"""Keeping ``search_documents`` current in the same transaction as the rows it indexes.

An ORM ``after_flush`` hook (registered when this module is imported, which
``sharewell.all_models`` does for every session factory) rewrites the documents of every
member, contact, insight and comment that changed in the flush, exactly like
``network.terms``. Writers that use bulk statements (the contact importer) call
:func:`refresh_documents`; bulk loaders (the demo) and ``sharewell search reindex`` call
:func:`reindex_all`. The backend's full-text index follows the table by itself: triggers
feed the FTS5 partitions on SQLite, and ``tsv`` is a generated column on PostgreSQL with a
partial GIN index per partition (``search.backends``).

A contact's document holds only fields that may be shared at all (name, title, company,
industry, city, region, skills, "how I know them") — never email, phone, notes or dates.
Whether any of it may be shown, and which fields, is decided from ``contacts`` at query time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import bindparam, delete, event, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from sharewell.bulk import Same, bulk_insert_columns, deferred_indexes, triggers_paused
from sharewell.contacts.models import Contact
from sharewell.db import utcnow
from sharewell.insights.models import Comment, Insight, InsightTopic
from sharewell.members.models import Member, MemberTopic, ProfileItem, Topic
from sharewell.search import backends, rules, semantic
from sharewell.search.models import SearchDocument, SearchTerm, SearchTermGram

_CONTACT_FIELDS = (
    "full_name",
    "given_name",
    "family_name",
    "title",
    "company",
    "industry",
    "city",
    "region",
    "skills",
    "how_known",
    "holder_id",
    "visibility",
    "opted_out",
)
_MEMBER_FIELDS = ("display_name", "headline", "location")
_INSIGHT_FIELDS = ("title", "body_md", "kind", "deleted_at")
_COMMENT_FIELDS = ("body_md", "deleted_at")
CHUNK = 2000

Doc = dict[str, Any]


# --- building documents from rows ---------------------------------------------------------------


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def member_documents(conn: Connection, ids: Sequence[int]) -> list[Doc]:
    docs: list[Doc] = []
    for chunk in _chunks(sorted(set(ids))):
        topics: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for mid, slug, label in conn.execute(
            select(MemberTopic.member_id, Topic.slug, Topic.label)
            .join(Topic, Topic.id == MemberTopic.topic_id)
            .where(MemberTopic.member_id.in_(chunk))
        ):
            topics[mid].append((slug, label))
        items: dict[int, list[str]] = defaultdict(list)
        for mid, text in conn.execute(
            select(ProfileItem.member_id, ProfileItem.text)
            .where(ProfileItem.member_id.in_(chunk))
            .order_by(ProfileItem.member_id, ProfileItem.kind, ProfileItem.position)
        ):
            items[mid].append(text)
        for mid, name, headline, location in conn.execute(
            select(Member.id, Member.display_name, Member.headline, Member.location).where(
                Member.id.in_(chunk)
            )
        ):
            facets = [rules.kind_facet("member")]
            facets += [rules.topic_facet(slug) for slug, _ in topics[mid]]
            company = rules.company_from_headline(headline or "")
            if company:
                facets.append(rules.company_facet(company))
            city = rules.city_from_location(location or "")
            if city:
                facets.append(rules.city_facet(city))
            docs.append(
                {
                    "kind": "member",
                    "ref_id": mid,
                    "owner_id": mid,
                    "insight_id": None,
                    "name": name or "",
                    "title": headline or "",
                    "body": " · ".join(
                        [*(label for _, label in topics[mid]), *items[mid], location or ""]
                    ),
                    "facets": " ".join(facets),
                }
            )
    return docs


def contact_documents(conn: Connection, ids: Sequence[int]) -> list[Doc]:
    docs: list[Doc] = []
    for chunk in _chunks(sorted(set(ids))):
        for row in conn.execute(
            select(
                Contact.id,
                Contact.holder_id,
                Contact.full_name,
                Contact.given_name,
                Contact.family_name,
                Contact.title,
                Contact.company,
                Contact.industry,
                Contact.city,
                Contact.region,
                Contact.skills,
                Contact.how_known,
                Contact.company_key,
                Contact.city_key,
                Contact.visibility,
                Contact.opted_out,
            ).where(Contact.id.in_(chunk))
        ):
            docs.append(contact_document(*row))
    return docs


def contact_document(
    cid: int,
    holder_id: int,
    full_name: str,
    given_name: str,
    family_name: str,
    title: str,
    company: str,
    industry: str,
    city: str,
    region: str,
    skills: list[str] | None,
    how_known: str,
    company_key: str,
    city_key: str,
    visibility: str,
    opted_out: bool,
) -> Doc:
    """A contact's one document row (a pure function: every writer, row by row or in bulk,
    builds contact documents here). Only fields that are shareable at all; never email,
    phone, notes or dates. The visibility facet lets a search ask the full-text index for
    open, blind or counted entries only, so private ones are never even candidates; the
    search still re-checks ``contacts`` for the few candidates it keeps."""
    name = full_name or " ".join(p for p in (given_name, family_name) if p)
    skills = list(skills or [])
    facets = [
        rules.kind_facet("contact"),
        rules.visibility_facet("private" if opted_out else visibility),
    ]
    if company_key:
        facets.append(rules.company_facet(company_key))
    if city_key:
        facets.append(rules.city_facet(city_key))
    facets += [rules.topic_facet(s) for s in skills]
    body = " · ".join(p for p in (company, industry, city, region, *skills, how_known) if p)
    anchors = [f for f in facets if f.startswith(rules.COMPOUND_ANCHORS)]
    # Words joined to the company and the city (rules.compound); the name only on an open
    # entry, the one kind that may match by name.
    shown_name = name if visibility == "open" and not opted_out else ""
    facets += rules.compound_tokens(anchors, f"{shown_name} {title} {body}")
    return {
        "kind": "contact",
        "ref_id": cid,
        "owner_id": holder_id,
        "insight_id": None,
        "name": name or "",
        "title": title or "",
        "body": body,
        "facets": " ".join(facets),
    }


def _insight_topics(
    conn: Connection, insight_ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for chunk in _chunks(sorted(set(insight_ids))):
        for iid, slug, label in conn.execute(
            select(InsightTopic.insight_id, Topic.slug, Topic.label)
            .join(Topic, Topic.id == InsightTopic.topic_id)
            .where(InsightTopic.insight_id.in_(chunk))
        ):
            out[iid].append((slug, label))
    return out


def insight_documents(conn: Connection, ids: Sequence[int]) -> list[Doc]:
    docs: list[Doc] = []
    for chunk in _chunks(sorted(set(ids))):
        topics = _insight_topics(conn, chunk)
        for iid, author, kind, title, body in conn.execute(
            select(
                Insight.id, Insight.author_id, Insight.kind, Insight.title, Insight.body_md
            ).where(Insight.id.in_(chunk))
        ):
            facets = [rules.kind_facet("insight"), rules.facet("i", kind)]
            facets += [rules.topic_facet(slug) for slug, _ in topics[iid]]
            docs.append(
                {
                    "kind": "insight",
                    "ref_id": iid,
                    "owner_id": author,
                    "insight_id": iid,
                    "name": "",
                    "title": title or "",
                    "body": " · ".join([body or "", *(label for _, label in topics[iid])]),
                    "facets": " ".join(facets),
                }
            )
    return docs


def comment_documents(conn: Connection, ids: Sequence[int]) -> list[Doc]:
    docs: list[Doc] = []
    for chunk in _chunks(sorted(set(ids))):
        rows = conn.execute(
            select(Comment.id, Comment.author_id, Comment.insight_id, Comment.body_md).where(
                Comment.id.in_(chunk)
            )
        ).all()
        topics = _insight_topics(conn, [r[2] for r in rows])
        for cid, author, iid, body in rows:
            facets = [rules.kind_facet("comment")]
            facets += [rules.topic_facet(slug) for slug, _ in topics[iid]]
            docs.append(
                {
                    "kind": "comment",
                    "ref_id": cid,
                    "owner_id": author,
                    "insight_id": iid,
                    "name": "",
                    "title": "",
                    "body": body or "",
                    "facets": " ".join(facets),
                }
            )
    return docs


BUILDERS = {
    "member": member_documents,
    "contact": contact_documents,
    "insight": insight_documents,
    "comment": comment_documents,
}


# --- writing -----------------------------------------------------------------------------------


_DOC_COLUMNS = ("kind", "ref_id", "owner_id", "insight_id", "name", "title", "body", "facets")


def write_documents(conn: Connection, docs: Sequence[Doc], *, fresh: bool = False) -> None:
    """Insert or update documents by (kind, ref id); an update keeps the row's id, so saved
    searches only alert on things that are really new. ``fresh``: the caller knows none exist."""
    if not docs:
        return
    existing: dict[tuple[str, int], int] = {}
    if not fresh:
        for kind in {d["kind"] for d in docs}:
            refs = [d["ref_id"] for d in docs if d["kind"] == kind]
            for chunk in _chunks(refs, 900):
                existing.update(
                    {
                        (kind, ref): doc_id
                        for doc_id, ref in conn.execute(
                            select(SearchDocument.id, SearchDocument.ref_id).where(
                                SearchDocument.kind == kind, SearchDocument.ref_id.in_(chunk)
                            )
                        )
                    }
                )
    now = utcnow()
    # Accents folded before indexing, so "Zoe" finds "Zoë" on both backends alike.
    docs = [
        {
            **d,
            "name": rules.fold(d["name"]),
            "title": rules.fold(d["title"]),
            "body": rules.fold(d["body"]),
        }
        for d in docs
    ]
    new = [d for d in docs if (d["kind"], d["ref_id"]) not in existing]
    changed = [
        {**d, "doc_id": existing[(d["kind"], d["ref_id"])], "indexed_at": now}
        for d in docs
        if (d["kind"], d["ref_id"]) in existing
    ]
    if new:
        # The driver's bulk path: an import writes tens of thousands of documents at once.
        columns: dict[str, object] = {c: [d[c] for d in new] for c in _DOC_COLUMNS}
        bulk_insert_columns(conn, SearchDocument, len(new), {**columns, "indexed_at": Same(now)})
    if changed:
        stmt = (
            update(SearchDocument)
            .where(SearchDocument.id == bindparam("doc_id"))
            .values(
                owner_id=bindparam("owner_id"),
                insight_id=bindparam("insight_id"),
                name=bindparam("name"),
                title=bindparam("title"),
                body=bindparam("body"),
                facets=bindparam("facets"),
                indexed_at=bindparam("indexed_at"),
            )
        )
        conn.execute(
            stmt, [{k: v for k, v in c.items() if k not in ("kind", "ref_id")} for c in changed]
        )
    semantic.on_documents_written(conn, docs)
    vocabulary_from(conn, docs)


def delete_documents(conn: Connection, kind: str, ref_ids: Sequence[int]) -> None:
    for chunk in _chunks(sorted(set(ref_ids))):
        conn.execute(
            delete(SearchDocument).where(
                SearchDocument.kind == kind, SearchDocument.ref_id.in_(chunk)
            )
        )


def refresh_documents(conn: Connection, kind: str, ref_ids: Sequence[int]) -> None:
    """Recompute these documents from their rows (after bulk writes); rows that are gone lose
    their document."""
    ids = sorted(set(ref_ids))
    if not ids:
        return
    docs = BUILDERS[kind](conn, ids)
    write_documents(conn, docs)
    gone = set(ids) - {d["ref_id"] for d in docs}
    if gone:
        delete_documents(conn, kind, sorted(gone))


def refresh_contact_documents(conn: Connection, contact_ids: Sequence[int]) -> None:
    """For writers of contacts in bulk (the importer), next to ``refresh_contact_terms``."""
    refresh_documents(conn, "contact", contact_ids)


def write_imported_contact_documents(
    conn: Connection, contacts: Iterable[Mapping[str, Any]], *, fresh: bool = False
) -> None:
    """Bulk writer for contacts the importer wrote in bulk: documents built by
    :func:`contact_document` from the row values the caller already holds (no re-read), then
    written by :func:`write_documents`. ``fresh``: the contacts were just inserted."""
    docs = [
        contact_document(
            c["id"],
            c["holder_id"],
            c["full_name"],
            c["given_name"],
            c["family_name"],
            c["title"],
            c["company"],
            c.get("industry", ""),
            c["city"],
            c["region"],
            c["skills"],
            c.get("how_known", ""),
            c["company_key"],
            c["city_key"],
            c["visibility"],
            bool(c["opted_out"]),
        )
        for c in contacts
    ]
    write_documents(conn, docs, fresh=fresh)


# --- vocabulary for typo tolerance and autocomplete --------------------------------------------


def vocabulary_from(conn: Connection, docs: Sequence[Doc]) -> None:
    """Words of members' names, headlines and topic labels (never a contact's name). The
    headline's words are there so a word people use for themselves ("partner", "lead",
    "designer") is known as typed, and not read as a typo for a name ("carter", "lea")."""
    found: dict[str, str] = {}
    for d in docs:
        if d["kind"] != "member":
            continue
        for field, kind in (("name", "name"), ("title", "headline")):
            for w in rules.vocabulary_words(d[field]):
                found.setdefault(w, kind)
    if any(d["kind"] == "member" for d in docs):
        member_ids = [d["ref_id"] for d in docs if d["kind"] == "member"]
        for chunk in _chunks(member_ids):
            for (label,) in conn.execute(
                select(Topic.label)
                .join(MemberTopic, MemberTopic.topic_id == Topic.id)
                .where(MemberTopic.member_id.in_(chunk))
                .distinct()
            ):
                for w in rules.vocabulary_words(label):
                    found.setdefault(w, "topic")
    add_terms(conn, found)


def add_terms(conn: Connection, terms: dict[str, str]) -> None:
    if not terms:
        return
    wanted = sorted(terms)
    known: set[str] = set()
    for chunk in _chunks(wanted, 900):  # type: ignore[arg-type]
        known.update(conn.scalars(select(SearchTerm.term).where(SearchTerm.term.in_(chunk))))
    missing = [t for t in wanted if t not in known]
    if not missing:
        return
    dialect = conn.dialect.name
    stmt: Any = (
        postgresql.insert(SearchTerm) if dialect == "postgresql" else sqlite.insert(SearchTerm)
    )
    conn.execute(stmt.on_conflict_do_nothing(), [{"term": t, "kind": terms[t]} for t in missing])
    if dialect == "postgresql":
        return  # the pg_trgm index on search_terms.term serves the trigram lookups
    ids: dict[str, int] = {}
    for chunk in _chunks(missing, 900):  # type: ignore[arg-type]
        ids.update(
            conn.execute(select(SearchTerm.term, SearchTerm.id).where(SearchTerm.term.in_(chunk)))
            .tuples()
            .all()
        )
    grams = [{"gram": g, "term_id": ids[t]} for t in missing for g in rules.padded_grams(t)]
    gstmt = sqlite.insert(SearchTermGram).on_conflict_do_nothing()
    conn.execute(gstmt, grams)


# --- the ORM hook ------------------------------------------------------------------------------


def _changed(obj: object, fields: Sequence[str]) -> bool:
    state = inspect(obj)
    if state is None:
        return False
    return any(f in state.attrs and state.attrs[f].history.has_changes() for f in fields)


def _after_flush(session: Session, _context: object) -> None:
    todo: dict[str, set[int]] = {k: set() for k in BUILDERS}
    gone: dict[str, set[int]] = {k: set() for k in BUILDERS}
    for obj in chain(session.new, session.dirty):
        is_new = obj in session.new
        if isinstance(obj, Member):
            if is_new or _changed(obj, _MEMBER_FIELDS):
                todo["member"].add(obj.id)
        elif isinstance(obj, MemberTopic | ProfileItem):
            todo["member"].add(obj.member_id)
        elif isinstance(obj, Contact):
            if is_new or _changed(obj, _CONTACT_FIELDS):
                todo["contact"].add(obj.id)
        elif isinstance(obj, Insight):
            if is_new or _changed(obj, _INSIGHT_FIELDS):
                todo["insight"].add(obj.id)
        elif isinstance(obj, InsightTopic):
            todo["insight"].add(obj.insight_id)
        elif isinstance(obj, Comment) and (is_new or _changed(obj, _COMMENT_FIELDS)):
            todo["comment"].add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, MemberTopic | ProfileItem):
            todo["member"].add(obj.member_id)
        elif isinstance(obj, InsightTopic):
            todo["insight"].add(obj.insight_id)
        elif isinstance(obj, Contact):
            gone["contact"].add(obj.id)
        elif isinstance(obj, Comment):
            gone["comment"].add(obj.id)
        elif isinstance(obj, Insight):
            gone["insight"].add(obj.id)
        elif isinstance(obj, Member):
            gone["member"].add(obj.id)
    if not any(todo.values()) and not any(gone.values()):
        return
    conn = session.connection()
    for kind, ids in gone.items():
        if ids:
            delete_documents(conn, kind, sorted(ids))
            todo[kind] -= ids
    for kind, ids in todo.items():
        if ids:
            refresh_documents(conn, kind, sorted(ids))


def install() -> None:
    """Register the hook once per process (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


# --- rebuilding --------------------------------------------------------------------------------


def reindex_all(session: Session, *, batch: int = 20_000) -> dict[str, int]:
    """Rebuild every document and the vocabulary from the tables (after loads that bypassed the
    ORM, and for ``sharewell search reindex``)."""
    conn = session.connection()
    conn.execute(delete(SearchDocument))
    conn.execute(delete(SearchTermGram))
    conn.execute(delete(SearchTerm))
    counts: dict[str, int] = {}
    sources = {"member": Member, "contact": Contact, "insight": Insight, "comment": Comment}
    for kind, model in sources.items():
        last, n = 0, 0
        pk = model.id  # type: ignore[attr-defined]
        while True:
            ids = list(conn.scalars(select(pk).where(pk > last).order_by(pk).limit(batch)))
            if not ids:
                break
            write_documents(conn, BUILDERS[kind](conn, ids), fresh=True)
            n += len(ids)
            last = ids[-1]
        counts[kind] = n
    topic_words = {
        w: "topic"
        for (label,) in conn.execute(select(Topic.label))
        for w in rules.vocabulary_words(label)
    }
    add_terms(conn, topic_words)
    return counts


def rebuild_all(session: Session) -> dict[str, int]:
    """:func:`reindex_all` as one bulk load: the secondary indexes (PostgreSQL's GIN over the
    tsvector included) are dropped and built once over the full table, and on SQLite the
    triggers that feed the FTS5 partitions are paused and each partition is filled in one
    pass (``backends.fill_sqlite_fts``). In the caller's transaction: an error rolls it all
    back. At 100,000 members this is minutes; row by row through the triggers, hours."""
    with deferred_indexes(session, SearchDocument):
        if session.connection().dialect.name != "sqlite":
            return reindex_all(session)
        with triggers_paused(session, SearchDocument):
            counts = reindex_all(session)
        backends.fill_sqlite_fts(session.connection())
    return counts


install()
