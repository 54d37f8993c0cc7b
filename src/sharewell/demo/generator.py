"""``sharewell demo``: a deterministic demo network.

Phases run in order inside the caller's transaction and insert in bulk (``executemany``
through SQLAlchemy's insert of many rows), so thousands of members take seconds. Every area adds
its own phase here (contacts, connections, insights, introductions, ledger, standing), so the
demo always shows everything Sharewell does. The same seed always gives the same network.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharewell.bulk import bulk_load_settings, insert_dicts
from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.errors import Conflict, InvalidInput
from sharewell.markup import render_markdown
from sharewell.members import rules
from sharewell.members.models import Member, MemberTopic, ProfileItem, Topic
from sharewell.members.passwords import hash_password

from . import vocabulary as v
from .contacts_phase import phase_contacts
from .insights_phase import phase_insights
from .intros_phase import phase_intros
from .ledger_phase import phase_ledger
from .network_phase import phase_connections, phase_member_terms
from .search_phase import phase_search
from .standing_phase import phase_standing, phase_standing_impacts

DEMO_DOMAIN = "demo.sharewell.example"  # .example is reserved: no demo mail reaches anyone
MAX_MEMBERS = 2_000_000
BATCH = 5000


@dataclass(frozen=True)
class DemoOptions:
    members: int = 2000
    seed: int = 42
    contacts_per_member: int = 30
    connections_per_member: int = 20


@dataclass
class DemoMember:
    """What later phases need to know about a generated member, without re-reading the DB."""

    id: int
    handle: str
    email: str
    name: str
    function: str
    company: int  # index into vocabulary.COMPANIES
    city: int  # index into vocabulary.CITIES
    title: str
    topics: list[str]


@dataclass
class DemoContext:
    session: Session
    options: DemoOptions
    settings: Settings
    rng: np.random.Generator
    now: datetime = field(default_factory=utcnow)
    members: list[DemoMember] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cpu_timings: dict[str, float] = field(default_factory=dict)


@dataclass
class DemoSummary:
    counts: dict[str, int]
    timings: dict[str, float]
    sign_in_email: str
    # CPU seconds of this process per phase: on a busy machine wall time mostly measures the
    # neighbours, CPU time what the phase itself costs (the database server's share excluded).
    cpu_timings: dict[str, float] = field(default_factory=dict)

    def phase_table(self) -> str:
        lines = [f"  {'phase':<18}{'wall s':>9}{'cpu s':>9}"]
        for name, wall in self.timings.items():
            lines.append(f"  {name:<18}{wall:>9.2f}{self.cpu_timings.get(name, 0.0):>9.2f}")
        lines.append(
            f"  {'total':<18}{sum(self.timings.values()):>9.2f}"
            f"{sum(self.cpu_timings.values()):>9.2f}"
        )
        return "\n".join(lines)

    def describe(self, password: str) -> str:
        lines = ["Demo network ready:"]
        lines += [f"  {name}: {count:,}" for name, count in self.counts.items()]
        total = sum(self.timings.values())
        lines.append(f"  generated in {total:.1f} s")
        lines.append(f"Sign in as {self.sign_in_email} with the password '{password}'.")
        return "\n".join(lines)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def _bulk(session: Session, table: type, rows: list[dict[str, object]]) -> None:
    insert_dicts(session, table, rows)


def phase_members(ctx: DemoContext) -> None:
    rng, n = ctx.rng, ctx.options.members
    functions = list(v.FUNCTIONS)
    # Heavy-tailed company sizes: a few large employers, a long tail of small ones.
    company_weights = 1.0 / np.arange(1, len(v.COMPANIES) + 1) ** 0.9
    company = rng.choice(len(v.COMPANIES), size=n, p=company_weights / company_weights.sum())
    city = rng.choice(len(v.CITIES), size=n, p=_zipf(len(v.CITIES), 0.7))
    group = rng.integers(0, len(v.NAME_GROUPS), size=n)
    func_ix = rng.choice(len(functions), size=n, p=_zipf(len(functions), 0.5))
    given_ix = rng.integers(0, 10, size=n)
    family_ix = rng.integers(0, 10, size=n)
    password_hash = hash_password(ctx.settings.demo_password)  # hashed once for everyone
    now = utcnow()
    first_id = int(ctx.session.scalar(select(func.coalesce(func.max(Member.id), 0))) or 0) + 1

    member_rows: list[dict[str, object]] = []
    topic_slugs: dict[str, str] = {}
    for i in range(n):
        given_names, family_names = v.NAME_GROUPS[group[i]]
        name = f"{given_names[given_ix[i]]} {family_names[family_ix[i]]}"
        if i == 0:  # one memorable account to sign in with, "Sam" of the essay
            name = "Sam Okafor"
        function = functions[func_ix[i]]
        titles, topics, offers, asks = v.FUNCTIONS[function]
        title = titles[int(rng.integers(0, len(titles)))]
        chosen = [
            topics[j] for j in rng.choice(len(topics), size=min(3, len(topics)), replace=False)
        ]
        company_name, industry = v.COMPANIES[company[i]]
        city_name, country = v.CITIES[city[i]]
        handle = f"{_ascii(name).replace(' ', '-')[:21].strip('-')}-{i + 1}"
        email = f"{_ascii(name).replace(' ', '.')}.{i + 1}@{DEMO_DOMAIN}"
        if i == 0:  # one memorable account to sign in with
            handle, email = "sam-demo", f"sam@{DEMO_DOMAIN}"
        words = {
            "title": title,
            "company": company_name,
            "city": city_name,
            "topic": chosen[0],
            "topic_lower": chosen[0].lower(),
            "topic2_lower": chosen[-1].lower(),
            "industry_lower": industry.lower(),
            "offer": offers[i % len(offers)],
            "ask": asks[i % len(asks)],
            "years": 3 + i % 18,
        }
        bio = v.BIO_TEMPLATES[i % len(v.BIO_TEMPLATES)].format(**words)
        member_rows.append(
            {
                "id": first_id + i,
                "handle": handle,
                "email": email,
                "display_name": name,
                "headline": v.HEADLINE_TEMPLATES[i % len(v.HEADLINE_TEMPLATES)].format(**words),
                "bio_md": bio,
                "bio_html": render_markdown(bio),
                "location": f"{city_name}, {country}",
                "password_hash": password_hash,
                "is_demo": True,
                "is_admin": i == 0,
                "email_verified_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
        for label in chosen:
            topic_slugs.setdefault(rules.topic_slug(label), label)
        ctx.members.append(
            DemoMember(
                id=first_id + i,
                handle=handle,
                email=email,
                name=name,
                function=function,
                company=int(company[i]),
                city=int(city[i]),
                title=title,
                topics=chosen,
            )
        )
    _bulk(ctx.session, Member, member_rows)

    existing = dict(ctx.session.execute(select(Topic.slug, Topic.id)).tuples().all())
    missing: list[dict[str, object]] = [
        {"slug": s, "label": label} for s, label in topic_slugs.items() if s not in existing
    ]
    _bulk(ctx.session, Topic, missing)
    topic_ids = dict(ctx.session.execute(select(Topic.slug, Topic.id)).tuples().all())

    links: list[dict[str, object]] = []
    items: list[dict[str, object]] = []
    for m in ctx.members:
        for label in m.topics:
            links.append({"member_id": m.id, "topic_id": topic_ids[rules.topic_slug(label)]})
        _, _, offers, asks = v.FUNCTIONS[m.function]
        for pos in range(2):
            items.append(
                {
                    "member_id": m.id,
                    "kind": "offer",
                    "position": pos,
                    "text": offers[(m.id + pos) % len(offers)],
                }
            )
        items.append(
            {"member_id": m.id, "kind": "ask", "position": 0, "text": asks[m.id % len(asks)]}
        )
    _bulk(ctx.session, MemberTopic, links)
    _bulk(ctx.session, ProfileItem, items)
    ctx.counts.update(members=n, topics=len(topic_ids), offers_and_asks=len(items))


def _zipf(k: int, s: float) -> npt.NDArray[np.float64]:
    """Probabilities falling off as 1/rank^s: a few large groups, a long tail."""
    weights: npt.NDArray[np.float64] = 1.0 / np.arange(1, k + 1, dtype=np.float64) ** s
    normalised: npt.NDArray[np.float64] = weights / weights.sum()
    return normalised


# Later areas add their phases here, in dependency order, before the final "standing" phase
# (a recompute over everything generated: it must stay last).
PHASES: list[tuple[str, Callable[[DemoContext], None]]] = [
    ("members", phase_members),
    ("member_terms", phase_member_terms),
    ("contacts", phase_contacts),
    ("connections", phase_connections),
    ("insights", phase_insights),
    ("ledger", phase_ledger),
    ("introductions", phase_intros),
    ("standing-impacts", phase_standing_impacts),
    ("standing", phase_standing),
    ("search", phase_search),
]


def generate(
    session: Session,
    options: DemoOptions,
    *,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    if not 1 <= options.members <= MAX_MEMBERS:
        raise InvalidInput(f"Choose between 1 and {MAX_MEMBERS:,} demo members.", field="members")
    existing = session.scalar(select(func.count(Member.id)).where(Member.is_demo.is_(True)))
    if existing:
        raise Conflict(
            f"This database already has a demo network ({existing:,} demo members). "
            "Generate into an empty database (e.g. a new SHAREWELL_DATA_DIR)."
        )
    ctx = DemoContext(session, options, settings, np.random.default_rng(options.seed))
    with bulk_load_settings(session):
        for name, phase in PHASES:
            if progress:
                progress(name)
            started, cpu = time.perf_counter(), time.process_time()
            phase(ctx)
            session.flush()
            ctx.timings[name] = time.perf_counter() - started
            ctx.cpu_timings[name] = time.process_time() - cpu
    return DemoSummary(
        ctx.counts, ctx.timings, ctx.members[0].email if ctx.members else "", ctx.cpu_timings
    )
