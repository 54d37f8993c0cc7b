"""The bulk import path gives the same book, network terms and search documents as adding the
same rows one at a time, on both databases, and freshly imported shared contacts are found by
search and by the network's filters in the same transaction."""

from __future__ import annotations

import csv
import io
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.contacts.importing import import_file
from sharewell.contacts.models import Contact, ContactEmail, ContactTag
from sharewell.members.models import Member
from sharewell.network import queries as network_queries
from sharewell.network import rules as network_rules
from sharewell.network import service as network_service
from sharewell.network.index import GraphHolder
from sharewell.network.models import ContactTerm, Term
from sharewell.network.terms import refresh_contact_terms
from sharewell.search.indexing import refresh_contact_documents
from sharewell.search.models import SearchDocument
from sharewell.search.queries import SearchParams, search

SECRET = "test-secret"
HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]

# Few values, so rows of one file often name the same person or share a company. A profile URL
# or an address belongs to one person (as in real exports); a row may lack them.
person = st.fixed_dictionaries(
    {
        "given": st.sampled_from(["Ann", "Zoë", "Omar", "Li"]),
        "family": st.sampled_from(["Lee", "Müller", "Haddad"]),
        "slug": st.booleans(),
        "email": st.sampled_from(["", "", "example.com", "example.org"]),
        "company": st.sampled_from(["Acme", "Globex, Inc.", ""]),
        "title": st.sampled_from(["CTO", "Staff Data Engineer", "Recruiter", ""]),
    }
)
files = st.lists(person, min_size=1, max_size=7)
# A newer export: the same people, some changed jobs or now show an address.
changes = st.lists(
    st.fixed_dictionaries(
        {
            "company": st.sampled_from(["Initech", "Acme", ""]),
            "title": st.sampled_from(["VP Sales", "CTO"]),
            "email": st.sampled_from(["", "new.example.net"]),
        }
    ),
    min_size=1,
    max_size=7,
)


def linkedin_csv(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(HEADER)
    for r in rows:
        handle = f"{r['given']}-{r['family']}".lower()
        url = f"https://www.linkedin.com/in/{handle}" if r["slug"] else ""
        email = f"{handle}@{r['email']}" if r["email"] else ""
        out.writerow([r["given"], r["family"], url, email, r["company"], r["title"], "25 Nov 2026"])
    return buf.getvalue().encode()


def run(db: Session, holder: Member, rows: list[dict[str, Any]]) -> None:
    import_file(
        db,
        holder,
        linkedin_csv(rows),
        max_bytes=10**6,
        secret_key=SECRET,
        default_visibility="open",
    )


def snapshot(db: Session, holder: Member) -> list[tuple[Any, ...]]:
    """Everything a holder's book and its derived indexes hold, ids left out."""
    ids = list(db.scalars(select(Contact.id).where(Contact.holder_id == holder.id)))
    terms: dict[int, list[str]] = {i: [] for i in ids}
    for cid, term in db.execute(
        select(ContactTerm.contact_id, Term.term)
        .join(Term, Term.id == ContactTerm.term_id)
        .where(ContactTerm.holder_id == holder.id)
    ):
        terms[cid].append(term)
    docs = {
        d.ref_id: (d.owner_id, d.name, d.title, d.body, d.facets)
        for d in db.scalars(
            select(SearchDocument).where(
                SearchDocument.kind == "contact", SearchDocument.ref_id.in_(ids)
            )
        )
    }
    emails: dict[int, list[str]] = {i: [] for i in ids}
    for cid, value in db.execute(
        select(ContactEmail.contact_id, ContactEmail.normalized)
        .where(ContactEmail.contact_id.in_(ids))
        .order_by(ContactEmail.id)
    ):
        emails[cid].append(value)
    tags: dict[int, list[str]] = {i: [] for i in ids}
    for cid, tag in db.execute(select(ContactTag.contact_id, ContactTag.tag)):
        if cid in tags:
            tags[cid].append(tag)
    out = []
    for c in db.scalars(select(Contact).where(Contact.holder_id == holder.id)):
        out.append(
            (
                c.full_name,
                c.given_name,
                c.family_name,
                c.company,
                c.title,
                c.linkedin_url,
                c.name_key,
                c.company_key,
                c.linkedin_key,
                c.visibility,
                c.opted_out,
                c.connected_on,
                tuple(emails[c.id]),
                tuple(sorted(tags[c.id])),
                tuple(sorted(terms[c.id])),
                docs.get(c.id, (None,))[1:],
            )
        )
    return sorted(out, key=repr)


@settings(
    max_examples=25,
    # Shrinking replays whole imports on a database: minutes; the failing example is shown.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=files, newer=changes)
def test_bulk_import_equals_row_by_row(
    db: Session, members: Members, rows: list[dict[str, Any]], newer: list[dict[str, Any]]
) -> None:
    mutated = [{**r, **newer[i % len(newer)]} for i, r in enumerate(rows)]
    bulk, single = members.create(), members.create()

    run(db, bulk, rows)
    first = snapshot(db, bulk)
    run(db, bulk, rows)  # re-import: idempotent
    assert snapshot(db, bulk) == first
    run(db, bulk, mutated)

    for version in (rows, rows, mutated):
        for row in version:
            run(db, single, [row])

    assert snapshot(db, bulk) == snapshot(db, single)
    # The bulk writers wrote what the per-contact writers (re-reading the rows) write.
    written = snapshot(db, bulk)
    ids = list(db.scalars(select(Contact.id).where(Contact.holder_id == bulk.id)))
    refresh_contact_terms(db.connection(), ids)
    refresh_contact_documents(db.connection(), ids)
    assert snapshot(db, bulk) == written
    assert all(row[-1] != () and row[-2] for row in written if row[4] or row[3])


def test_imported_shared_contacts_are_found_by_search_and_paths(
    db: Session, members: Members, settings: Settings
) -> None:
    me = members.create("Rita Recruiter")
    holder = members.create("Holly Holder")
    network_service.request_connection(db, me, holder, settings)
    network_service.accept(db, holder, me)
    rows = [
        {"given": "Wilhelmina", "family": "Quarry", "slug": True, "email": "example.com"},
        {"given": "Ann", "family": "Lee", "slug": False, "email": ""},
    ]
    file = [{**r, "company": "Lighthouse Labs", "title": "Staff Data Engineer"} for r in rows]
    run(db, holder, file)  # shared openly, in the caller's (still open) transaction

    graph = GraphHolder(settings).current(db)
    found = search(db, me, SearchParams(q="Wilhelmina"), settings, graph)
    assert [h.kind for h in found.items] == ["card"]
    flt = network_rules.check_filter(company="Lighthouse Labs", title="data engineer")
    paths = network_queries.paths_to_filter(db, graph, me, flt, settings, k=5)
    assert {p.target.kind for p in paths.paths} >= {"card"}
    assert "Lighthouse Labs" in paths.model_dump_json()
    # A newer export moves Wilhelmina (known by her profile URL) to Initech: the old company
    # no longer leads to her. Ann, known by name and company only, is a new entry there.
    run(db, holder, [{**r, "company": "Initech"} for r in file])
    moved = network_queries.paths_to_filter(
        db, graph, me, network_rules.check_filter(company="Lighthouse Labs"), settings, k=5
    )
    assert "Wilhelmina" not in moved.model_dump_json()
    assert "Ann Lee" in moved.model_dump_json()
    assert search(db, me, SearchParams(q="Wilhelmina Initech"), settings, graph).items
