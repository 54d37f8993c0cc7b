"""The import use case: a whole contact file into a holder's book, in one transaction.

Parsing is pure (``sharewell.importers``); matching and merging are pure
(``contacts.rules``). This module loads what it needs of the holder's book in a few queries,
decides in memory, and writes in bulk, so a 30,000-row export imports in seconds. Nothing is
committed here: the caller's transaction makes the import all-or-nothing.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from sharewell import importers
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


def _load_book(session: Session, holder_id: int) -> dict[int, _Existing]:
    """The holder's contacts as parsed-contact values, in three queries."""
    cols = [getattr(Contact, name) for name in SCALAR_FIELDS]
    book: dict[int, _Existing] = {}
    for row in session.execute(
        # In id order: when two contacts share an identifier, the older one keeps it.
        select(Contact.id, Contact.urls, *cols)
        .where(Contact.holder_id == holder_id)
        .order_by(Contact.id)
    ):
        values = dict(zip(SCALAR_FIELDS, row[2:], strict=True))
        book[row[0]] = _Existing(row[0], ParsedContact(urls=list(row[1] or []), **values))
    if not book:
        return book
    holder_contacts = select(Contact.id).where(Contact.holder_id == holder_id)
    for cid, value, typ in session.execute(
        select(ContactEmail.contact_id, ContactEmail.value, ContactEmail.type)
        .where(ContactEmail.contact_id.in_(holder_contacts))
        .order_by(ContactEmail.id)
    ):
        book[cid].data.emails.append(TypedValue(value, typ))
    for cid, value, typ in session.execute(
        select(ContactPhone.contact_id, ContactPhone.value, ContactPhone.type)
        .where(ContactPhone.contact_id.in_(holder_contacts))
        .order_by(ContactPhone.id)
    ):
        book[cid].data.phones.append(TypedValue(value, typ))
    for cid, tag in session.execute(
        select(ContactTag.contact_id, ContactTag.tag).where(
            ContactTag.contact_id.in_(holder_contacts)
        )
    ):
        book[cid].data.tags.append(tag)
    return book


def _child_rows(
    contact_id: int, c: ParsedContact, region: str | None
) -> tuple[list[dict[str, Any]], ...]:
    emails = [
        {
            "contact_id": contact_id,
            "value": e.value[:254],
            "type": e.type[:30],
            "normalized": rules.normalize_email(e.value) or "",
        }
        for e in c.emails
    ]
    phones = [
        {
            "contact_id": contact_id,
            "value": p.value[:60],
            "type": p.type[:30],
            "normalized": rules.normalize_phone(p.value, region) or "",
        }
        for p in c.phones
    ]
    tags = [{"contact_id": contact_id, "tag": t[:60]} for t in dict.fromkeys(c.tags) if t.strip()]
    return emails, phones, tags


# Column lengths of the scalar fields, looked up once rather than per row.
_LENGTHS: dict[str, int] = {
    name: length
    for name in SCALAR_FIELDS
    if (length := getattr(Contact.__table__.columns[name].type, "length", None))
}


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

    book = _load_book(session, holder.id)
    index: rules.MatchIndex[int] = rules.MatchIndex()
    for existing in book.values():
        index.add(existing.id, rules.keys_for(existing.data, default_region))

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
    now = utcnow()
    rows = []
    for temp in temp_ids:
        c = pending[temp]
        rows.append(
            {
                **_scalar_values(c),
                **derived_keys(c, region, pending_keys.get(temp)),
                "holder_id": holder_id,
                "public_id": new_public_id(),
                "source": fmt.value,
                "visibility": "private" if temp in opted_out else default_visibility,
                "opted_out": temp in opted_out,
                "skills": [],
                "card_fields": [],
                "created_at": now,
                "updated_at": now,
            }
        )
    # A plain executemany, then the ids by the (unique, freshly generated) public ids: INSERT
    # ... RETURNING with rows in parameter order degrades to one statement per row on SQLite.
    conn = session.connection()
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(Contact), rows[start : start + BATCH])
    by_public_id: dict[str, int] = {}
    for start in range(0, len(rows), BATCH):
        chunk = [r["public_id"] for r in rows[start : start + BATCH]]
        by_public_id.update(
            conn.execute(select(Contact.public_id, Contact.id).where(Contact.public_id.in_(chunk)))
            .tuples()
            .all()
        )
    real: dict[int, int] = {}
    for temp, row in zip(temp_ids, rows, strict=True):
        row["id"] = real[temp] = by_public_id[row["public_id"]]
    _insert_children(session, [(real[t], pending[t]) for t in temp_ids], region)
    return real, rows


def _insert_children(
    session: Session, items: list[tuple[int, ParsedContact]], region: str | None
) -> None:
    emails: list[dict[str, Any]] = []
    phones: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    for contact_id, c in items:
        e, p, t = _child_rows(contact_id, c, region)
        emails += e
        phones += p
        tags += t
    conn = session.connection()
    for model, rows in ((ContactEmail, emails), (ContactPhone, phones), (ContactTag, tags)):
        for start in range(0, len(rows), BATCH):
            conn.execute(insert(model), rows[start : start + BATCH])


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
