"""The import use case: a whole contact file into a holder's book, in one transaction.

Parsing is pure (``sharewell.importers``); matching and merging are pure
(``contacts.rules``). This module loads what it needs of the holder's book in a few queries,
decides in memory, and writes in bulk, so a 30,000-row export imports in seconds. Nothing is
committed here: the caller's transaction makes the import all-or-nothing.
"""

from __future__ import annotations

import base64
import functools
import gc
import json
import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, delete, insert, select, update
from sqlalchemy.orm import Session

from sharewell import bulk, importers
from sharewell.contacts import rules
from sharewell.contacts.models import (
    Contact,
    ContactEmail,
    ContactImport,
    ContactPhone,
    ContactTag,
    PossibleDuplicate,
)
from sharewell.contacts.optouts import opted_out_keys
from sharewell.contacts.schemas import ImportProblem, ImportReport
from sharewell.db import utcnow
from sharewell.errors import InvalidInput, PayloadTooLarge
from sharewell.importers import ContactFormat, ParsedContact, TypedValue
from sharewell.members.models import Member, ProfileLink
from sharewell.network.terms import refresh_contact_terms, write_imported_contact_terms
from sharewell.search.indexing import refresh_contact_documents, write_imported_contact_documents

# A newer LinkedIn export is the better source for job changes.
OVERWRITE_FROM = {ContactFormat.LINKEDIN: frozenset({"company", "title"})}
SCALAR_FIELDS = (
    "full_name",
    "given_name",
    "family_name",
    "company",
    "title",
    "city",
    "region",
    "postal_code",
    "country",
    "address",
    "linkedin_url",
    "birthday",
    "notes",
    "connected_on",
)
BATCH = 2000


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def new_public_ids(n: int) -> list[str]:
    """``n`` ids like :func:`new_public_id`'s, from one read of the system's random source:
    12 bytes are exactly 16 URL-safe base64 characters, so one encoding is cut every 16."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(12 * n)).decode()
    return [text[i : i + 16] for i in range(0, 16 * n, 16)]


def derived_keys(
    c: ParsedContact, default_region: str | None, keys: rules.ContactKeys | None = None
) -> dict[str, str]:
    keys = keys or rules.keys_for(c, default_region)
    return {
        "name_key": keys.name,
        "company_key": keys.company,
        "city_key": rules.fold_text(c.city),
        "linkedin_key": keys.linkedin or "",
    }


@dataclass
class _Existing:
    id: int
    data: ParsedContact
    tags: list[str] = field(default_factory=list)


def _load_book(
    session: Session, holder_id: int, region: str | None
) -> tuple[dict[int, _Existing], dict[int, rules.ContactKeys]]:
    """The holder's contacts as parsed-contact values, and their match keys, in four queries.

    The keys come from the normalised columns stored with every contact (``name_key``,
    ``company_key``, ``linkedin_key``, the emails' and phones' ``normalized``), written by the
    same rules whenever a contact is created or edited, rather than recomputed for the whole
    book on every import. Phones are re-read with ``region`` when one is given: they are
    stored normalised without one."""
    book: dict[int, _Existing] = {}
    stored: dict[int, tuple[str, str, str]] = {}
    urls_of = functools.lru_cache(maxsize=None)(json.loads)  # nearly every row holds "[]"
    for row in session.execute(
        # In id order: when two contacts share an identifier, the older one keeps it.
        select(
            Contact.id,
            cast(Contact.urls, Text),
            Contact.name_key,
            Contact.company_key,
            Contact.linkedin_key,
            Contact.full_name,
            Contact.given_name,
            Contact.family_name,
            Contact.company,
            Contact.title,
            Contact.linkedin_url,
            Contact.address,
            Contact.city,
            Contact.region,
            Contact.postal_code,
            Contact.country,
            Contact.birthday,
            Contact.notes,
            Contact.connected_on,
        )
        .where(Contact.holder_id == holder_id)
        .order_by(Contact.id)
        .execution_options(yield_per=5000)
    ):
        # Keyword arguments spelled out: building a dict per row for ** cost a third of a
        # re-import.
        cid, urls, name, company, linkedin, full_name, given, family, org, title, url = row[:11]
        address, city, region, postal_code, country, birthday, notes, connected_on = row[11:]
        contact = ParsedContact(
            full_name=full_name,
            given_name=given,
            family_name=family,
            company=org,
            title=title,
            linkedin_url=url,
            urls=list(urls_of(urls) or []) if urls else [],
            address=address,
            city=city,
            region=region,
            postal_code=postal_code,
            country=country,
            birthday=birthday,
            notes=notes,
            connected_on=connected_on,
        )
        book[cid] = _Existing(cid, contact)
        stored[cid] = (name, company, linkedin)
    if not book:
        return book, {}
    holder_contacts = select(Contact.id).where(Contact.holder_id == holder_id)
    emails: dict[int, list[str]] = {}
    phones: dict[int, list[str]] = {}
    for cid, value, typ, normalized in session.execute(
        select(
            ContactEmail.contact_id, ContactEmail.value, ContactEmail.type, ContactEmail.normalized
        )
        .where(ContactEmail.contact_id.in_(holder_contacts))
        .order_by(ContactEmail.id)
    ):
        book[cid].data.emails.append(TypedValue(value, typ))
        if normalized:
            emails.setdefault(cid, []).append(normalized)
    for cid, value, typ, normalized in session.execute(
        select(
            ContactPhone.contact_id, ContactPhone.value, ContactPhone.type, ContactPhone.normalized
        )
        .where(ContactPhone.contact_id.in_(holder_contacts))
        .order_by(ContactPhone.id)
    ):
        book[cid].data.phones.append(TypedValue(value, typ))
        key = rules.normalize_phone(value, region) if region else normalized
        if key:
            phones.setdefault(cid, []).append(key)
    for cid, tag in session.execute(
        select(ContactTag.contact_id, ContactTag.tag).where(
            ContactTag.contact_id.in_(holder_contacts)
        )
    ):
        book[cid].data.tags.append(tag)
    none: frozenset[str] = frozenset()
    keys = {
        cid: rules.ContactKeys(
            emails=frozenset(emails[cid]) if cid in emails else none,
            phones=frozenset(phones[cid]) if cid in phones else none,
            linkedin=linkedin or None,
            name=name,
            company=company,
        )
        for cid, (name, company, linkedin) in stored.items()
    }
    return book, keys


# Column lengths of the scalar fields, looked up once rather than per row.
_LENGTHS: dict[str, int] = {
    name: length
    for name in SCALAR_FIELDS
    if (length := getattr(Contact.__table__.columns[name].type, "length", None))
}


# Fields of a new contact that its network terms and search document are computed from.
_DERIVED_FIELDS = (
    "full_name",
    "given_name",
    "family_name",
    "title",
    "company",
    "city",
    "region",
    "company_key",
    "city_key",
    "visibility",
    "opted_out",
)


def _scalar_columns(contacts: list[ParsedContact]) -> dict[str, list[Any]]:
    """The scalar fields of ``contacts`` as columns, cut to their column lengths."""
    out: dict[str, list[Any]] = {}
    for name in SCALAR_FIELDS:
        values = [getattr(c, name) for c in contacts]
        length = _LENGTHS.get(name)
        if length is not None:
            values = [v[:length] if isinstance(v, str) else v for v in values]
        out[name] = values
    return out


def _scalar_values(c: ParsedContact) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(c, name) for name in SCALAR_FIELDS}
    for name, length in _LENGTHS.items():
        value = values[name]
        if isinstance(value, str) and len(value) > length:
            values[name] = value[:length]
    values["urls"] = list(c.urls)
    return values


def _is_opted_out(keys: rules.ContactKeys, blocked: set[tuple[str, str]]) -> bool:
    return (
        any(("email", e) in blocked for e in keys.emails)
        or any(("phone", p) in blocked for p in keys.phones)
        or (keys.linkedin is not None and ("linkedin", keys.linkedin) in blocked)
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """An import builds hundreds of thousands of small objects (parsed rows, keys, index
    entries, column values) that all live until it ends, and Python's cyclic garbage collector
    walks every one of them again each time it runs while they pile up: that was a third of a
    re-import. Reference counting still frees what is dropped; the collector resumes after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()  # a context manager from @contextmanager also decorates
def import_file(
    session: Session,
    holder: Member,
    data: bytes,
    *,
    filename: str = "",
    fmt: ContactFormat | None = None,
    max_bytes: int,
    secret_key: str,
    default_visibility: str = "private",
    default_region: str | None = None,
) -> ImportReport:
    try:
        parsed = importers.parse(data, fmt, filename or None, max_bytes=max_bytes)
    except importers.FileTooLarge as exc:
        raise PayloadTooLarge(str(exc)) from None
    except importers.ImportFileError as exc:
        raise InvalidInput(str(exc), field="file") from None

    book, book_keys = _load_book(session, holder.id, default_region)
    index: rules.MatchIndex[int] = rules.MatchIndex()
    for cid, keys in book_keys.items():
        index.add(cid, keys)

    overwrite = OVERWRITE_FROM.get(parsed.format, frozenset())
    incoming_keys = [rules.keys_for(c, default_region) for c in parsed.contacts]
    blocked = opted_out_keys(session, incoming_keys, secret_key=secret_key)
    pending: dict[int, ParsedContact] = {}  # new contacts of this file, under negative ids
    opted_out_new: set[int] = set()
    updates: dict[int, ParsedContact] = {}
    duplicates: list[tuple[int, int, str]] = []
    changed_fields: Counter[str] = Counter()
    unchanged = 0

    pending_keys: dict[int, rules.ContactKeys] = {}  # until a later row merges into them
    for incoming, keys in zip(parsed.contacts, incoming_keys, strict=True):
        match = index.classify(keys)
        if match.kind is rules.MatchKind.CERTAIN and match.contact_id is not None:
            target = match.contact_id
            base = pending[target] if target < 0 else updates.get(target, book[target].data)
            merged, changed = rules.merge_fields(
                base, incoming, overwrite=overwrite, default_region=default_region
            )
            if not changed:
                unchanged += 1
                continue
            if target < 0:
                pending[target] = merged
                pending_keys.pop(target, None)
            else:
                updates[target] = merged
                changed_fields.update(changed)
            # Later rows match the merged contact, as they would if imported one by one.
            index.replace(target, rules.keys_for(merged, default_region))
            continue
        if match.kind is rules.MatchKind.POSSIBLE and _already_held(
            index, match.candidates, keys, incoming, pending, updates, book, default_region
        ):
            unchanged += 1
            continue
        temp_id = -(len(pending) + 1)
        pending[temp_id] = incoming
        pending_keys[temp_id] = keys
        if _is_opted_out(keys, blocked):
            opted_out_new.add(temp_id)
        index.add(temp_id, keys)
        if match.kind is rules.MatchKind.POSSIBLE:
            duplicates.extend((temp_id, cand, match.reason) for cand in match.candidates)

    real_ids, new_rows = _insert_new(
        session,
        holder.id,
        pending,
        pending_keys,
        opted_out_new,
        parsed.format,
        default_visibility,
        default_region,
    )
    _apply_updates(session, updates, blocked, default_region)
    # Bulk statements bypass the ORM hooks that keep the network's filter terms and the search
    # documents current, so they are written here, in the same transaction: new contacts' from
    # the rows just inserted (same rules and writers as the hooks), updated ones re-read because
    # the import does not hold all their indexed fields (skills, industry, how known).
    conn = session.connection()
    write_imported_contact_terms(conn, new_rows)
    write_imported_contact_documents(conn, new_rows, fresh=True)
    refresh_contact_terms(conn, list(updates))
    refresh_contact_documents(conn, list(updates))
    _record_duplicates(session, holder.id, duplicates, real_ids)
    _match_members(session, holder.id, list(real_ids.values()) + list(updates))

    report = ImportReport(
        format=parsed.format.value,
        created=len(pending),
        updated=len(updates),
        unchanged=unchanged,
        possible_duplicates=len({d[0] for d in duplicates}),
        errors=[ImportProblem(line=e.line, card=e.card, reason=e.reason) for e in parsed.errors],
        warnings=[
            ImportProblem(line=w.line, card=w.card, reason=w.reason) for w in parsed.warnings
        ],
        changed_fields=dict(changed_fields),
    )
    session.add(
        ContactImport(
            holder_id=holder.id,
            filename=filename[:200],
            format=report.format,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            possible_duplicates=report.possible_duplicates,
            errors=[e.model_dump() for e in report.errors[:1000]],
        )
    )
    session.flush()
    return report


def _already_held(
    index: rules.MatchIndex[int],
    candidates: tuple[int, ...],
    keys: rules.ContactKeys,
    incoming: ParsedContact,
    pending: dict[int, ParsedContact],
    updates: dict[int, ParsedContact],
    book: dict[int, _Existing],
    region: str | None,
) -> bool:
    """A row that only possibly matches, but whose every value a same-name contact at the same
    company already holds, is that contact exported again (say, a row without its profile URL
    next to two namesakes with one each): re-importing a file must not add it as new."""
    for cid in candidates:
        if index.keys_of(cid).name_company != keys.name_company:
            continue
        base = pending[cid] if cid < 0 else updates.get(cid, book[cid].data)
        if not rules.merge_fields(base, incoming, default_region=region)[1]:
            return True
    return False


def _insert_new(
    session: Session,
    holder_id: int,
    pending: dict[int, ParsedContact],
    pending_keys: dict[int, rules.ContactKeys],
    opted_out: set[int],
    fmt: ContactFormat,
    default_visibility: str,
    region: str | None,
) -> tuple[dict[int, int], list[dict[str, Any]]]:
    """Insert the new contacts and their emails, phones and tags; map temp ids to real ids and
    return the inserted rows (with their ids) for the derived indexes."""
    if not pending:
        return {}, []
    temp_ids = list(pending)
    contacts = [pending[t] for t in temp_ids]
    keys = [pending_keys.get(t) or rules.keys_for(pending[t], region) for t in temp_ids]
    # Built column by column (a list per column, shared values once): per-row dicts and
    # SQLAlchemy's per-row parameter processing cost more than the database's own work.
    columns: dict[str, object] = {
        **_scalar_columns(contacts),
        "urls": [tuple(c.urls) for c in contacts],  # stored as a JSON list; tuples convert once
        "name_key": [k.name for k in keys],
        "company_key": [k.company for k in keys],
        "city_key": [rules.fold_text(c.city) for c in contacts],
        "linkedin_key": [k.linkedin or "" for k in keys],
        "public_id": new_public_ids(len(temp_ids)),
        "visibility": ["private" if t in opted_out else default_visibility for t in temp_ids],
        "opted_out": [t in opted_out for t in temp_ids],
        "holder_id": bulk.Same(holder_id),
        "skills": bulk.Same([]),
        "source": bulk.Same(fmt.value),
        "created_at": bulk.Same(now := utcnow()),
        "updated_at": bulk.Same(now),
    }
    # The driver's bulk path (COPY on PostgreSQL, executemany on SQLite), then the ids by the
    # (unique, freshly generated) public ids: on PostgreSQL concurrent imports share the id
    # sequence, so ids are read back rather than assumed consecutive.
    bulk.bulk_insert_columns(session, Contact, len(temp_ids), columns, defaults=True)
    public_ids: list[str] = columns["public_id"]  # type: ignore[assignment]
    conn = session.connection()
    by_public_id: dict[str, int] = {}
    for start in range(0, len(public_ids), BATCH):
        chunk = public_ids[start : start + BATCH]
        by_public_id.update(
            conn.execute(select(Contact.public_id, Contact.id).where(Contact.public_id.in_(chunk)))
            .tuples()
            .all()
        )
    real = {t: by_public_id[p] for t, p in zip(temp_ids, public_ids, strict=True)}
    _insert_children(session, [(real[t], pending[t]) for t in temp_ids], region)
    # What the derived indexes (network terms, search documents) read of each new row.
    names = ("id", "holder_id", "skills", *_DERIVED_FIELDS)
    derived: list[Any] = [[real[t] for t in temp_ids], [holder_id] * len(temp_ids)]
    derived += [[[] for _ in temp_ids], *(columns[n] for n in _DERIVED_FIELDS)]
    rows = [dict(zip(names, values, strict=True)) for values in zip(*derived, strict=True)]
    return real, rows


def _insert_children(
    session: Session, items: list[tuple[int, ParsedContact]], region: str | None
) -> None:
    emails: list[tuple[int, str, str, str]] = []
    phones: list[tuple[int, str, str, str]] = []
    tags: list[tuple[int, str]] = []
    for contact_id, c in items:
        for e in c.emails:
            normalized = rules.normalize_email(e.value) or ""
            emails.append((contact_id, e.value[:254], e.type[:30], normalized))
        for p in c.phones:
            normalized = rules.normalize_phone(p.value, region) or ""
            phones.append((contact_id, p.value[:60], p.type[:30], normalized))
        tags += [(contact_id, t[:60]) for t in dict.fromkeys(c.tags) if t.strip()]
    columns = ("contact_id", "value", "type", "normalized")
    bulk.bulk_insert(session, ContactEmail, columns, emails)
    bulk.bulk_insert(session, ContactPhone, columns, phones)
    bulk.bulk_insert(session, ContactTag, ("contact_id", "tag"), tags)


def _apply_updates(
    session: Session,
    updates: dict[int, ParsedContact],
    blocked: set[tuple[str, str]],
    region: str | None,
) -> None:
    if not updates:
        return
    rows = []
    for contact_id, c in updates.items():
        keys = rules.keys_for(c, region)
        row = {"id": contact_id, **_scalar_values(c), **derived_keys(c, region, keys)}
        if _is_opted_out(keys, blocked):
            row.update(visibility="private", opted_out=True)
        rows.append(row)
    session.execute(update(Contact), rows)
    ids = list(updates)
    for table in (ContactEmail, ContactPhone, ContactTag):
        for start in range(0, len(ids), BATCH):
            session.execute(delete(table).where(table.contact_id.in_(ids[start : start + BATCH])))
    _insert_children(session, list(updates.items()), region)


def _record_duplicates(
    session: Session, holder_id: int, duplicates: list[tuple[int, int, str]], real: dict[int, int]
) -> None:
    rows = [
        {
            "holder_id": holder_id,
            "contact_id": real[temp],
            "reason": reason[:30],
            "candidate_id": real[cand] if cand < 0 else cand,
        }
        for temp, cand, reason in duplicates
    ]
    unique = {
        (r["contact_id"], r["candidate_id"]): r
        for r in rows
        if r["contact_id"] != r["candidate_id"]
    }
    if unique:
        session.execute(insert(PossibleDuplicate), list(unique.values()))


def _member_linkedin_keys(session: Session, holder_id: int) -> dict[str, int]:
    """Members' own LinkedIn profile links (from their profile's links), normalised."""
    rows = session.execute(
        select(ProfileLink.url, ProfileLink.member_id)
        .join(Member, Member.id == ProfileLink.member_id)
        .where(ProfileLink.url.like("%linkedin.com/%"), Member.suspended_at.is_(None))
        .where(Member.id != holder_id)
    ).tuples()
    keys: dict[str, int] = {}
    for url, member_id in rows:
        key = rules.normalize_linkedin_url(url)
        if key:
            keys.setdefault(key, member_id)
    return keys


def _match_members(session: Session, holder_id: int, contact_ids: list[int]) -> None:
    """Mark contacts whose verified email or LinkedIn profile is a member's, so the holder is
    offered to connect with them."""
    if not contact_ids:
        return
    by_linkedin = _member_linkedin_keys(session, holder_id)
    for start in range(0, len(contact_ids), BATCH):
        chunk = contact_ids[start : start + BATCH]
        pairs: dict[int, int] = dict(
            session.execute(
                select(ContactEmail.contact_id, Member.id)
                .join(Member, Member.email == ContactEmail.normalized)
                .where(ContactEmail.contact_id.in_(chunk), Member.email_verified_at.is_not(None))
                .where(Member.id != holder_id)
            )
            .tuples()
            .all()
        )
        if by_linkedin:
            for cid, key in session.execute(
                select(Contact.id, Contact.linkedin_key).where(
                    Contact.id.in_(chunk), Contact.linkedin_key != ""
                )
            ).tuples():
                if key in by_linkedin:
                    pairs.setdefault(cid, by_linkedin[key])
        if pairs:
            session.execute(
                update(Contact),
                [{"id": cid, "matched_member_id": mid} for cid, mid in pairs.items()],
            )
