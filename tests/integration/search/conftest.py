"""A small world for search: members, a contact book shared at every level, insights."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.config import Settings
from sharewell.contacts import service as contact_service
from sharewell.contacts import sharing
from sharewell.contacts.schemas import ContactIn
from sharewell.insights import service as insight_service
from sharewell.insights.schemas import CommentIn, InsightIn
from sharewell.members.models import Member
from sharewell.network import service as network_service
from sharewell.network.graph import GraphIndex
from sharewell.network.index import GraphHolder

SECRET_NAMES = {
    "private": "Zelda Privatova",
    "counted": "Yannick Countmann",
    "blind": "Xavier Blindwell",
}
OPEN_NAME = "Wanda Openshaw"


@dataclass
class World:
    searcher: Member
    priya: Member
    holder: Member
    stranger: Member
    cards: dict[str, str]
    insight: str
    private_insight: str


def connect(db: Session, settings: Settings, x: Member, y: Member, strength: int = 5) -> None:
    network_service.request_connection(db, x, y, settings)
    network_service.accept(db, y, x)
    network_service.rate(db, x, y, strength)
    network_service.rate(db, y, x, strength)


@pytest.fixture
def world(db: Session, members: Members, settings: Settings) -> World:
    searcher = members.create("Sam Searcher", headline="Recruiter", topics=["Recruiting"])
    priya = members.create(
        "Priya Sharma",
        headline="Staff Data Engineer at Acme",
        location="Berlin, Germany",
        topics=["Data Engineering", "Python"],
        offers=["reviewing data platform designs"],
        asks=["a mentor in ML engineering"],
    )
    holder = members.create("Holly Holder", headline="Talent partner", topics=["Recruiting"])
    stranger = members.create(
        "Pierre Dupont",
        headline="Data Engineer at Globex",
        location="Paris, France",
        topics=["Data Engineering"],
    )
    cards: dict[str, str] = {}
    people = {**SECRET_NAMES, "open": OPEN_NAME}
    for visibility, name in people.items():
        contact = contact_service.create_contact(
            db,
            holder,
            ContactIn(
                full_name=name,
                company="Acme",
                title="Staff Data Engineer",
                city="Berlin",
                emails=[{"value": f"{name.split()[0].lower()}@leak.example"}],  # type: ignore[list-item]
                notes=f"NOTE-{visibility}",
                skills=["Data Engineering"],
            ),
        )
        sharing.set_visibility(
            db,
            holder,
            contact.public_id,
            visibility,
            card_fields=["title", "company"]
            if visibility == "blind"
            else ["title", "company", "city"],
        )
        cards[visibility] = contact.public_id
    for i in range(3):  # with Yannick: four counted data engineers at Acme
        c = contact_service.create_contact(
            db,
            holder,
            ContactIn(full_name=f"Filler Person{i}", company="Acme", title="Data Engineer"),
        )
        sharing.set_visibility(db, holder, c.public_id, "counted")
    limits = settings.insight_limits
    insight = insight_service.publish(
        db,
        priya,
        InsightIn(
            kind="insight",
            title="Why most data pipelines stall",
            body="Nobody owns the pipeline. Give it an owner and **ship small**.",
            topics=["Data Engineering"],
        ),
        limits,
    )
    insight_service.add_comment(
        db,
        holder,
        insight.public_id,
        CommentIn(body="We fixed stalled pipelines with on-call rotas."),
        limits,
    )
    private = insight_service.publish(
        db,
        stranger,
        InsightIn(
            kind="information",
            title="Confidential pipelines salary bands",
            body="Only for my connections.",
            visibility="connections",
        ),
        limits,
    )
    connect(db, settings, searcher, holder, 5)
    connect(db, settings, holder, priya, 4)
    db.commit()
    return World(searcher, priya, holder, stranger, cards, insight.public_id, private.public_id)


@pytest.fixture
def graph(db: Session, settings: Settings, world: World) -> GraphIndex:
    return GraphHolder(settings).current(db)
