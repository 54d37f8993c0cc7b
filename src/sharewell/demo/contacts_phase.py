"""Demo phase: contact books that overlap (the same person in several books), with a
realistic mix of visibilities, built with numpy and inserted in bulk."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select

from sharewell.contacts import rules as contact_rules
from sharewell.contacts.models import Contact, ContactEmail, ContactPhone, ContactTag

from . import vocabulary as v
from .bulk import insert_dicts
from .network_phase import write_demo_contact_terms

if TYPE_CHECKING:
    from sharewell.demo.generator import DemoContext

VISIBILITY_MIX = (("private", 0.40), ("counted", 0.30), ("blind", 0.20), ("open", 0.10))
CARD_CHOICES = (
    ["title", "company", "city"],
    ["title", "company", "skills"],
    ["title", "industry", "region"],
    ["title", "company", "city", "skills", "how_known"],
)
HOW_KNOWN = (
    "former colleague",
    "met at a conference",
    "worked together on a project",
    "hired them once",
    "university friend",
    "client of mine",
)
BATCH = 100_000


def _people(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    """A pool of people (mostly not members) whom members may know."""
    functions = list(v.FUNCTIONS)
    group = rng.integers(0, len(v.NAME_GROUPS), size=n)
    given = rng.integers(0, 10, size=n)
    family = rng.integers(0, 10, size=n)
    company = rng.integers(0, len(v.COMPANIES), size=n)
    city = rng.integers(0, len(v.CITIES), size=n)
    func_ix = rng.integers(0, len(functions), size=n)
    people = []
    for i in range(n):
        first, last = v.NAME_GROUPS[group[i]][0][given[i]], v.NAME_GROUPS[group[i]][1][family[i]]
        titles, topics, _, _ = v.FUNCTIONS[functions[func_ix[i]]]
        slug = contact_rules.fold_text(f"{first} {last}").replace(" ", "-")
        people.append(
            {
                "given_name": first,
                "family_name": last,
                "full_name": f"{first} {last}",
                "company": v.COMPANIES[company[i]][0],
                "industry": v.COMPANIES[company[i]][1],
                "city": v.CITIES[city[i]][0],
                "country": v.CITIES[city[i]][1],
                "title": titles[i % len(titles)],
                "skills": [topics[i % len(topics)], topics[(i + 3) % len(topics)]],
                "linkedin_url": f"https://www.linkedin.com/in/{slug}-{i}",
                "name_key": contact_rules.name_key(f"{first} {last}"),
                "company_key": contact_rules.company_key(v.COMPANIES[company[i]][0]),
                "city_key": contact_rules.fold_text(v.CITIES[city[i]][0]),
                "email": f"{slug}.{i}@people.example" if i % 3 == 0 else "",
                "phone": f"+1 555 {i % 1000:03d} {i % 10000:04d}" if i % 5 == 0 else "",
            }
        )
    return people


def phase_contacts(ctx: DemoContext) -> None:
    rng, members = ctx.rng, ctx.members
    if not members:
        return
    per_member = ctx.options.contacts_per_member
    pool = _people(rng, max(50, len(members) * per_member // 3))  # each person in ~3 books
    # Heavy-tailed book sizes: recruiters and connectors hold many more.
    sizes = np.minimum(
        rng.pareto(2.0, size=len(members)) * per_member * 0.6 + per_member * 0.4, 2000
    ).astype(int)
    sizes[[i for i, m in enumerate(members) if m.function == "people"]] *= 3
    vis_names = [name for name, _ in VISIBILITY_MIX]
    vis_p = [p for _, p in VISIBILITY_MIX]
    next_id = int(ctx.session.scalar(select(func.coalesce(func.max(Contact.id), 0))) or 0) + 1
    contacts: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    phones: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    totals = {"contacts": 0, "shared": 0}
    term_cache: dict[tuple[str, str, str, tuple[str, ...]], list[int]] = {}

    def flush() -> None:
        # Chunks keep memory flat at 100,000 members × 50 contacts.
        totals["contacts"] += len(contacts)
        totals["shared"] += sum(1 for c in contacts if c["visibility"] != "private")
        for table, rows in (
            (Contact, contacts),
            (ContactEmail, emails),
            (ContactPhone, phones),
            (ContactTag, tags),
        ):
            insert_dicts(ctx.session, table, rows)
        write_demo_contact_terms(ctx.session, contacts, term_cache)
        for rows in (contacts, emails, phones, tags):
            rows.clear()

    for m, size in zip(members, sizes, strict=True):
        picks = rng.choice(len(pool), size=min(int(size), len(pool)), replace=False)
        visibility = rng.choice(len(vis_names), size=len(picks), p=vis_p)
        for j, person_ix in enumerate(picks):
            p = pool[person_ix]
            vis = vis_names[visibility[j]]
            cid = next_id
            next_id += 1
            contacts.append(
                {
                    "id": cid,
                    "public_id": secrets.token_urlsafe(12),
                    "holder_id": m.id,
                    "full_name": p["full_name"],
                    "given_name": p["given_name"],
                    "family_name": p["family_name"],
                    "company": p["company"],
                    "title": p["title"],
                    "industry": p["industry"],
                    "city": p["city"],
                    "region": "",
                    "country": p["country"],
                    "postal_code": "",
                    "address": "",
                    "linkedin_url": p["linkedin_url"],
                    "urls": [],
                    "birthday": "",
                    "notes": "",
                    "skills": p["skills"],
                    "connected_on": None,
                    "source": "linkedin",
                    "visibility": vis,
                    "card_fields": CARD_CHOICES[(cid + j) % len(CARD_CHOICES)]
                    if vis in ("blind", "open")
                    else [],
                    "how_known": HOW_KNOWN[cid % len(HOW_KNOWN)] if vis == "blind" else "",
                    "opted_out": False,
                    "matched_member_id": None,
                    "name_key": p["name_key"],
                    "company_key": p["company_key"],
                    "city_key": p["city_key"],
                    "linkedin_key": p["linkedin_url"].lower(),
                    "created_at": ctx.now,
                    "updated_at": ctx.now,
                }
            )
            if p["email"]:
                emails.append(
                    {
                        "contact_id": cid,
                        "value": p["email"],
                        "normalized": p["email"],
                        "type": "work",
                    }
                )
            if p["phone"]:
                phones.append(
                    {
                        "contact_id": cid,
                        "value": p["phone"],
                        "normalized": p["phone"].replace(" ", ""),
                        "type": "mobile",
                    }
                )
            if j % 7 == 0:
                tags.append({"contact_id": cid, "tag": "conference" if j % 2 else "hiring"})
        if len(contacts) >= BATCH:
            flush()
    flush()
    ctx.counts.update(
        contacts=totals["contacts"], shared_contacts=totals["shared"], distinct_people=len(pool)
    )
