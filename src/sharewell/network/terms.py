"""Filter terms in the database, kept current in the same transaction as the rows they index.

An ORM ``after_flush`` hook (registered when this module is imported, which
``sharewell.all_models`` does for every session factory) rewrites the terms of every contact
whose title, company, city or skills changed and of every member whose headline, location or
topics changed, so edits and profile updates need no extra call. Writers that use bulk
``INSERT``/``UPDATE`` statements (the contact importer) call :func:`refresh_contact_terms`.
What a contact term may count for (``flags``: counted, card, fields the card shows) is not
written here: database triggers (migration ``0014_paths``) derive it from ``contacts`` when a
term row is inserted and whenever a contact's sharing changes, so sharing changes (also bulk
``UPDATE``s) never leave a stale flag behind and matching never reads ``contacts``. Bulk
loaders that bypass the ORM (the demo) write terms themselves;
``sharewell network rebuild --terms`` recomputes them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import delete, event, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection as DBConnection
from sqlalchemy.orm import Session

from sharewell.bulk import bulk_insert
from sharewell.contacts.models import Contact
from sharewell.members.models import Member, MemberTopic, Topic
from sharewell.network import rules
from sharewell.network.models import ContactTerm, MemberTerm, Term

_CONTACT_FIELDS = ("title", "company", "city", "skills")
_MEMBER_FIELDS = ("headline", "location")


def term_ids(conn: DBConnection, terms: Iterable[str], *, create: bool) -> dict[str, int]:
    """Ids of ``terms``; with ``create`` missing ones are inserted (concurrent-safe)."""
    wanted = sorted(set(terms))
    if not wanted:
        return {}
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            conn.execute(select(Term.term, Term.id).where(Term.term.in_(chunk))).tuples().all()
        )
    missing = [t for t in wanted if t not in found]
    if create and missing:
        dialect = conn.dialect.name
        stmt: Any = postgresql.insert(Term) if dialect == "postgresql" else sqlite.insert(Term)
        conn.execute(stmt.on_conflict_do_nothing(), [{"term": t} for t in missing])
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            rows = conn.execute(select(Term.term, Term.id).where(Term.term.in_(chunk)))
            found.update(rows.tuples().all())
    return found


def write_contact_terms(
    conn: DBConnection, contacts: Sequence[tuple[int, int, list[str]]], *, fresh: bool = False
) -> None:
    """(contact id, holder id, terms) → replace those contacts' term rows. ``fresh``: the
    contacts were just inserted, so they have none to replace."""
    if not contacts:
        return
    if not fresh:
        ids = [c for c, _, _ in contacts]
        conn.execute(delete(ContactTerm).where(ContactTerm.contact_id.in_(ids)))
    tid = term_ids(conn, chain.from_iterable(t for _, _, t in contacts), create=True)
    rows = [(tid[t], h, c) for c, h, terms in contacts for t in terms]
    # The driver's bulk path: an import writes a few terms for each of tens of thousands of
    # contacts. ``flags`` is left to the insert trigger, as with any other insert.
    bulk_insert(conn, ContactTerm, ("term_id", "holder_id", "contact_id"), rows)


def write_imported_contact_terms(conn: DBConnection, contacts: Iterable[Mapping[str, Any]]) -> None:
    """Bulk writer for contacts just inserted in bulk (the importer): their terms computed from
    the row values the caller already holds (``id``, ``holder_id``, ``title``, ``company``,
    ``city``, ``skills``), by the same rule and writer as the ORM hook, so no re-read.
    An address book repeats titles, companies and cities, so each combination is computed once.
    """
    memo: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    rows: list[tuple[int, int, list[str]]] = []
    for c in contacts:
        key = (c["title"] or "", c["company"] or "", c["city"] or "", tuple(c["skills"] or ()))
        terms = memo.get(key)
        if terms is None:
            terms = memo[key] = rules.contact_terms(key[0], key[1], key[2], list(key[3]))
        rows.append((c["id"], c["holder_id"], terms))
    write_contact_terms(conn, rows, fresh=True)


def refresh_contact_terms(conn: DBConnection, contact_ids: Sequence[int]) -> None:
    """Recompute the terms of these contacts from their rows (after bulk writes)."""
    for start in range(0, len(contact_ids), 2000):
        rows = conn.execute(
            select(
                Contact.id,
                Contact.holder_id,
                Contact.title,
                Contact.company,
                Contact.city,
                Contact.skills,
            ).where(Contact.id.in_(contact_ids[start : start + 2000]))
        ).all()
        write_contact_terms(
            conn,
            [
                (r[0], r[1], rules.contact_terms(r[2] or "", r[3] or "", r[4] or "", r[5] or []))
                for r in rows
            ],
        )


def write_member_terms(conn: DBConnection, member_ids: Iterable[int]) -> None:
    ids = sorted(set(member_ids))
    if not ids:
        return
    profiles = conn.execute(
        select(Member.id, Member.headline, Member.location).where(Member.id.in_(ids))
    ).all()
    topics: dict[int, list[str]] = {}
    for member_id, slug in conn.execute(
        select(MemberTopic.member_id, Topic.slug)
        .join(Topic, Topic.id == MemberTopic.topic_id)
        .where(MemberTopic.member_id.in_(ids))
    ):
        topics.setdefault(member_id, []).append(slug)
    per_member = {
        mid: rules.member_terms(headline or "", location or "", topics.get(mid, []))
        for mid, headline, location in profiles
    }
    conn.execute(delete(MemberTerm).where(MemberTerm.member_id.in_(ids)))
    tid = term_ids(conn, chain.from_iterable(per_member.values()), create=True)
    rows = [{"term_id": tid[t], "member_id": m} for m, terms in per_member.items() for t in terms]
    if rows:
        conn.execute(insert(MemberTerm), rows)


def _changed(obj: object, fields: Sequence[str]) -> bool:
    state = inspect(obj)
    if state is None:
        return False
    return any(state.attrs[f].history.has_changes() for f in fields)


def _after_flush(session: Session, _context: object) -> None:
    contacts: list[tuple[int, int, list[str]]] = []
    members: set[int] = set()
    for obj in chain(session.new, session.dirty):
        if isinstance(obj, Contact):
            if obj in session.new or _changed(obj, _CONTACT_FIELDS):
                terms = rules.contact_terms(
                    obj.title or "", obj.company or "", obj.city or "", obj.skills or []
                )
                contacts.append((obj.id, obj.holder_id, terms))
        elif isinstance(obj, Member):
            if obj in session.new or _changed(obj, _MEMBER_FIELDS):
                members.add(obj.id)
        elif isinstance(obj, MemberTopic):
            members.add(obj.member_id)
    for obj in session.deleted:
        if isinstance(obj, MemberTopic):
            members.add(obj.member_id)
    if not contacts and not members:
        return
    conn = session.connection()
    write_contact_terms(conn, contacts)
    write_member_terms(conn, members)


def install() -> None:
    """Register the hook once per process (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def rebuild_all(session: Session, batch: int = 20_000) -> tuple[int, int]:
    """Recompute every term row from the tables (after bulk loads that bypassed the ORM)."""
    conn = session.connection()
    conn.execute(delete(ContactTerm))
    conn.execute(delete(MemberTerm))
    n_contacts = 0
    last = 0
    while True:
        rows = conn.execute(
            select(
                Contact.id,
                Contact.holder_id,
                Contact.title,
                Contact.company,
                Contact.city,
                Contact.skills,
            )
            .where(Contact.id > last)
            .order_by(Contact.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        write_contact_terms(
            conn,
            [
                (r[0], r[1], rules.contact_terms(r[2] or "", r[3] or "", r[4] or "", r[5] or []))
                for r in rows
            ],
        )
        n_contacts += len(rows)
        last = rows[-1][0]
    member_ids = list(conn.execute(select(Member.id)).scalars())
    for start in range(0, len(member_ids), batch):
        write_member_terms(conn, member_ids[start : start + batch])
    return n_contacts, len(member_ids)


install()
