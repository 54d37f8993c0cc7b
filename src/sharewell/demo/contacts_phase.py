"""Demo phase: contact books that overlap (the same person in several books), with a
realistic mix of visibilities, built column by column with numpy and inserted in bulk (COPY on
PostgreSQL), with the secondary indexes rebuilt once at the end."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select

from sharewell import arrays
from sharewell.bulk import Coded, Same, bulk_insert_columns, deferred_indexes, triggers_paused
from sharewell.contacts import rules as contact_rules
from sharewell.contacts.models import Contact, ContactEmail, ContactPhone, ContactTag
from sharewell.network import rules as network_rules
from sharewell.network.models import ContactTerm
from sharewell.network.terms import term_ids

from . import vocabulary as v

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
BATCH = 200_000
TAGS = ("hiring", "conference")


def _obj(values: list[Any]) -> npt.NDArray[Any]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@dataclass
class People:
    """A pool of people (mostly not members) whom members may know, as columns: every person
    is a row index, every attribute an array, so a book is gathered with numpy, not a loop."""

    given: npt.NDArray[Any]
    family: npt.NDArray[Any]
    full: npt.NDArray[Any]
    name_key: npt.NDArray[Any]
    company: npt.NDArray[Any]
    industry: npt.NDArray[Any]
    company_key: npt.NDArray[Any]
    city: npt.NDArray[Any]
    country: npt.NDArray[Any]
    city_key: npt.NDArray[Any]
    title: npt.NDArray[Any]
    skills: npt.NDArray[np.int64]  # codes into skill_lists
    skill_lists: list[list[str]]
    linkedin: npt.NDArray[Any]
    email: npt.NDArray[Any]  # "" when none
    phone: npt.NDArray[Any]
    combo: npt.NDArray[np.int64]  # which (title, company, city, skills) term set


def _people(rng: np.random.Generator, n: int) -> People:
    functions = list(v.FUNCTIONS)
    group = rng.integers(0, len(v.NAME_GROUPS), size=n)
    given = rng.integers(0, 10, size=n)
    family = rng.integers(0, 10, size=n)
    company = rng.integers(0, len(v.COMPANIES), size=n)
    city = rng.integers(0, len(v.CITIES), size=n)
    func_ix = rng.integers(0, len(functions), size=n)
    idx = np.arange(n)
    # Names: every (culture, given, family) once, then gathered.
    names = [(g, fi, la) for g, (gs, fs) in enumerate(v.NAME_GROUPS) for fi in gs for la in fs]
    name_ix = group * 100 + given * 10 + family
    slugs = _obj([contact_rules.fold_text(f"{a} {b}").replace(" ", "-") for _, a, b in names])
    slug = slugs[name_ix]
    # Titles and skills by function; the i-th person takes the (i mod k)-th, as before.
    max_t = max(len(t) for t, _, _, _ in v.FUNCTIONS.values())
    titles = np.empty((len(functions), max_t), dtype=object)
    skill_lists: list[list[str]] = []
    skill_code = np.zeros((len(functions), 16), dtype=np.int64)
    n_titles = np.zeros(len(functions), dtype=np.int64)
    n_topics = np.zeros(len(functions), dtype=np.int64)
    for f, name in enumerate(functions):
        ts, topics, _, _ = v.FUNCTIONS[name]
        titles[f, : len(ts)] = ts
        n_titles[f], n_topics[f] = len(ts), len(topics)
        for k in range(len(topics)):
            skill_code[f, k] = len(skill_lists)
            skill_lists.append([topics[k], topics[(k + 3) % len(topics)]])
    title_ix = idx % n_titles[func_ix]
    topic_ix = idx % n_topics[func_ix]
    companies = [c for c, _ in v.COMPANIES]
    cities = [c for c, _ in v.CITIES]
    combo_key = ((func_ix * max_t + title_ix) * len(companies) + company) * len(cities) + city
    _, combo = np.unique(combo_key * 16 + topic_ix, return_inverse=True)
    linkedin = _obj([f"https://www.linkedin.com/in/{s}-{i}" for i, s in enumerate(slug.tolist())])
    email = np.full(n, "", dtype=object)
    email[idx % 3 == 0] = _obj(
        [
            f"{s}.{i}@people.example"
            for i, s in zip(idx[::3].tolist(), slug[::3].tolist(), strict=True)
        ]
    )
    phone = np.full(n, "", dtype=object)
    phone[idx % 5 == 0] = _obj(
        [f"+1 555 {i % 1000:03d} {i % 10000:04d}" for i in idx[::5].tolist()]
    )
    return People(
        given=_obj([a for _, a, _ in names])[name_ix],
        family=_obj([b for _, _, b in names])[name_ix],
        full=_obj([f"{a} {b}" for _, a, b in names])[name_ix],
        name_key=_obj([contact_rules.name_key(f"{a} {b}") for _, a, b in names])[name_ix],
        company=_obj(companies)[company],
        industry=_obj([i for _, i in v.COMPANIES])[company],
        company_key=_obj([contact_rules.company_key(c) for c in companies])[company],
        city=_obj(cities)[city],
        country=_obj([c for _, c in v.CITIES])[city],
        city_key=_obj([contact_rules.fold_text(c) for c in cities])[city],
        title=titles[func_ix, title_ix],
        skills=skill_code[func_ix, topic_ix],
        skill_lists=skill_lists,
        linkedin=linkedin,
        email=email,
        phone=phone,
        combo=combo.astype(np.int64),
    )


def _term_table(
    ctx: DemoContext, people: People
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Term ids per (title, company, city, skills) combination, as a ragged array: the demo's
    small vocabulary gives a few thousand combinations for millions of contacts."""
    n_combo = int(people.combo.max()) + 1 if people.combo.size else 0
    first = np.full(n_combo, -1, dtype=np.int64)
    first[people.combo[::-1]] = np.arange(people.combo.size)[::-1]  # one person per combination
    terms = [
        network_rules.contact_terms(
            people.title[i], people.company[i], people.city[i],
            people.skill_lists[people.skills[i]],
        )
        for i in first.tolist()
    ]  # fmt: skip
    ids = term_ids(ctx.session.connection(), (t for ts in terms for t in ts), create=True)
    lengths = np.array([len(ts) for ts in terms], dtype=np.int64)
    flat = np.array([ids[t] for ts in terms for t in ts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return lengths, offsets, flat


def _spread(lengths: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For rows with ``lengths[i]`` children: (parent of each child, child's rank within)."""
    parent = np.repeat(np.arange(lengths.size), lengths)
    starts = np.cumsum(lengths) - lengths
    return parent, np.arange(parent.size) - starts[parent]


def phase_contacts(ctx: DemoContext) -> None:
    rng, members = ctx.rng, ctx.members
    if not members:
        return
    per_member = ctx.options.contacts_per_member
    people = _people(rng, max(50, len(members) * per_member // 3))  # each person in ~3 books
    n_people = people.full.size
    # Heavy-tailed book sizes: recruiters and connectors hold many more.
    sizes = np.minimum(
        rng.pareto(2.0, size=len(members)) * per_member * 0.6 + per_member * 0.4, 2000
    ).astype(np.int64)
    sizes[[i for i, m in enumerate(members) if m.function == "people"]] *= 3
    sizes = np.minimum(sizes, n_people)
    # Every book at once: draw with replacement, then drop repeats within a book (np.unique
    # sorts by holder, then person).
    owner = np.repeat(np.arange(len(members), dtype=np.int64), sizes)
    book = arrays.unique(owner * n_people + rng.integers(0, n_people, size=owner.size))
    owner, person = book // n_people, book % n_people
    _, rank = _spread(np.bincount(owner, minlength=len(members)).astype(np.int64))
    vis_names = [name for name, _ in VISIBILITY_MIX]
    visibility = rng.choice(len(vis_names), size=owner.size, p=[p for _, p in VISIBILITY_MIX])
    member_ids = np.array([m.id for m in members], dtype=np.int64)
    first_id = int(ctx.session.scalar(select(func.coalesce(func.max(Contact.id), 0))) or 0) + 1
    lengths, offsets, flat = _term_table(ctx, people)
    shown = np.isin(visibility, [vis_names.index("blind"), vis_names.index("open")])
    blind = visibility == vis_names.index("blind")
    card_values: list[object] = [*CARD_CHOICES, []]
    how_values = [*HOW_KNOWN, ""]
    card_code = np.where(shown, (np.arange(owner.size) + first_id + rank) % len(CARD_CHOICES),
                         len(CARD_CHOICES))  # fmt: skip
    # The term rows' sharing flags (what the triggers of migration 0014 derive row by row),
    # from the same rule in Python, once per (visibility, card) pair.
    flag_of = np.array(
        [
            [network_rules.contact_flags(vis, False, card) for card in card_values]  # type: ignore[arg-type]
            for vis in vis_names
        ],
        dtype=np.int64,
    )
    contact_flags = flag_of[visibility, card_code]
    term_parts: list[tuple[npt.NDArray[np.int64], ...]] = []
    # Secondary indexes are built once after the load (see deferred_indexes).
    with deferred_indexes(ctx.session, Contact, ContactTerm, ContactEmail, ContactPhone):
        for lo in range(0, owner.size, BATCH):
            sl = slice(lo, min(lo + BATCH, owner.size))
            n = sl.stop - lo
            p, j = person[sl], rank[sl]
            cid = np.arange(first_id + lo, first_id + sl.stop, dtype=np.int64)
            holder = member_ids[owner[sl]]
            token = base64.urlsafe_b64encode(secrets.token_bytes(9 * n)).decode()
            bulk_insert_columns(ctx.session, Contact, n, {
                "id": cid,
                "public_id": [token[k : k + 12] for k in range(0, 12 * n, 12)],
                "holder_id": holder,
                "full_name": people.full[p], "given_name": people.given[p],
                "family_name": people.family[p], "company": people.company[p],
                "title": people.title[p], "industry": people.industry[p],
                "city": people.city[p], "region": Same(""), "country": people.country[p],
                "postal_code": Same(""), "address": Same(""),
                "linkedin_url": people.linkedin[p], "urls": Same([]), "birthday": Same(""),
                "notes": Same(""), "skills": Coded(people.skills[p], people.skill_lists),
                "connected_on": Same(None), "source": Same("linkedin"),
                "visibility": Coded(visibility[sl], vis_names),
                "card_fields": Coded(card_code[sl], card_values),
                "how_known": Coded(
                    np.where(blind[sl], cid % len(HOW_KNOWN), len(HOW_KNOWN)), how_values
                ),
                "opted_out": Same(False), "matched_member_id": Same(None),
                "name_key": people.name_key[p], "company_key": people.company_key[p],
                "city_key": people.city_key[p], "linkedin_key": people.linkedin[p],
                "created_at": Same(ctx.now), "updated_at": Same(ctx.now),
            })  # fmt: skip
            has = people.email[p] != ""
            values = people.email[p][has]
            bulk_insert_columns(ctx.session, ContactEmail, int(has.sum()), {
                "contact_id": cid[has], "value": values, "normalized": values,
                "type": Same("work"),
            })  # fmt: skip
            has = people.phone[p] != ""
            values = people.phone[p][has]
            bulk_insert_columns(ctx.session, ContactPhone, int(has.sum()), {
                "contact_id": cid[has], "value": values,
                "normalized": _obj([x.replace(" ", "") for x in values.tolist()]),
                "type": Same("mobile"),
            })  # fmt: skip
            tagged = j % 7 == 0
            bulk_insert_columns(ctx.session, ContactTag, int(tagged.sum()), {
                "contact_id": cid[tagged], "tag": Coded(j[tagged] % 2, TAGS),
            })  # fmt: skip
            combo = people.combo[p]
            row, within = _spread(lengths[combo])
            term_parts.append(
                (flat[offsets[combo][row] + within], holder[row], cid[row],
                 contact_flags[sl][row])
            )  # fmt: skip
        _insert_terms(ctx, term_parts)
    ctx.counts.update(
        contacts=int(owner.size),
        shared_contacts=int((visibility != vis_names.index("private")).sum()),
        distinct_people=n_people,
    )


def _insert_terms(ctx: DemoContext, parts: list[tuple[npt.NDArray[np.int64], ...]]) -> None:
    """Every filter-term row at once, in primary-key order, with their flags already set: the
    key (term, holder, contact) is a unique index that cannot be deferred, and inserting in its
    order appends to it instead of touching a random page per row (at 100,000 members, ~30
    million rows: the difference between minutes and hours)."""
    if not parts:
        return
    term, holder, contact, flags = (np.concatenate(col) for col in zip(*parts, strict=True))
    order = np.lexsort((contact, holder, term))
    with triggers_paused(ctx.session, ContactTerm):
        for lo in range(0, order.size, BATCH):
            ix = order[lo : lo + BATCH]
            bulk_insert_columns(ctx.session, ContactTerm, ix.size, {
                "term_id": term[ix], "holder_id": holder[ix], "contact_id": contact[ix],
                "flags": flags[ix],
            })  # fmt: skip
