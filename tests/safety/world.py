"""A fixture world for the safety harness: an owner, another member, an admin and nobody, and
objects of every kind owned by the owner. Every personal detail of the owner's contacts is a
unique canary string, so a leak is found by a plain substring search in responses and logs.

``World.params`` maps each path parameter name (``contact_id``, ``intro_id``…) to the id of
one of the owner's objects; ``World.missing`` to an id of the same shape that names nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from sharewell.accounts import service as accounts
from sharewell.config import Settings
from sharewell.contacts import service as contacts
from sharewell.contacts import sharing
from sharewell.contacts.schemas import ContactIn
from sharewell.insights import service as insights
from sharewell.insights.schemas import CommentIn, InsightIn
from sharewell.intros import service as intros
from sharewell.ledger import service as ledger
from sharewell.members import service as members_service
from sharewell.members.models import Member
from sharewell.search import service as search
from sharewell.search.schemas import SavedSearchIn
from tests.factories import Members
from tests.intros_support import connect

VISIBILITIES = ("private", "counted", "blind", "open")

# name, email, phone, linkedin slug: unique enough that no page carries them by chance.
PEOPLE = {
    "private": ("Zoltan Privcanary", "zoltan.priv@canary.example", "+1 415 555 0161", "zprivc"),
    "counted": ("Yolanda Cntcanary", "yolanda.cnt@canary.example", "+1 415 555 0162", "ycntc"),
    "blind": ("Xerxes Blndcanary", "xerxes.blnd@canary.example", "+1 415 555 0163", "xblndc"),
    "open": ("Wilma Opencanary", "wilma.open@canary.example", "+1 415 555 0164", "wopenc"),
}


def canaries(visibility: str) -> list[str]:
    """What a non-holder must never see of a contact at ``visibility``. An open card shows
    its name publicly; its address, phone, URL and notes stay the holder's."""
    name, email, phone, slug = PEOPLE[visibility]
    always = [email, phone, "4155550" + phone[-3:], slug, f"NOTE-{visibility}-CANARY"]
    return always if visibility == "open" else [*always, name, *name.split()]


# The counted entries' company: two entries there, below the minimum group size, so no
# aggregate ("knows 2 people at …") may ever name it to anyone but the holder.
SMALL_GROUP = "Smallgroupco"
ALL_CANARIES = sorted({SMALL_GROUP, *(c for v in VISIBILITIES for c in canaries(v))})


@dataclass
class World:
    owner: Member
    other: Member
    admin: Member
    connector: Member
    tokens: dict[str, str]  # role -> API bearer token
    params: dict[str, str]
    missing: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)


def build_world(db: Session, settings: Settings) -> World:
    members = Members(db)
    owner = members.create("Olive Owner", topics=["Recruiting"])
    other = members.create("Oscar Other", topics=["Recruiting"])
    admin = members.create("Ada Admin", admin=True)
    connector = members.create("Conrad Connector", topics=["Recruiting"])
    connect(db, owner, connector, settings)
    for m in (owner, other, admin, connector):
        ledger.grant_starter(db, m, key=f"safety:starter:{m.id}")

    ids: dict[str, str] = {}
    for visibility in VISIBILITIES:
        name, email, phone, slug = PEOPLE[visibility]
        contact = contacts.create_contact(
            db,
            owner,
            ContactIn(
                full_name=name,
                company=SMALL_GROUP if visibility == "counted" else "Canaryco",
                title="Staff Data Engineer",
                city="Lisbon",
                emails=[{"value": email}],  # type: ignore[list-item]
                phones=[{"value": phone}],  # type: ignore[list-item]
                linkedin_url=f"https://www.linkedin.com/in/{slug}",
                notes=f"NOTE-{visibility}-CANARY",
                skills=["Data Engineering"],
            ),
        )
        sharing.set_visibility(
            db,
            owner,
            contact.public_id,
            visibility,
            card_fields=["title", "company", "city", "skills"],
            how_known="former colleague",
        )
        ids[f"contact_{visibility}"] = contact.public_id
    # With the counted canary, two counted entries at SMALL_GROUP: below the minimum group size.
    for i in range(1):
        extra = contacts.create_contact(
            db, owner, ContactIn(full_name=f"Canary Filler {i}", company=SMALL_GROUP)
        )
        sharing.set_visibility(db, owner, extra.public_id, "counted")

    # The connector holds a blind card the owner asks to be introduced to.
    target = contacts.create_contact(
        db,
        connector,
        ContactIn(full_name="Tara Targetcanary", company="Targetco", title="CTO"),
    )
    sharing.set_visibility(db, connector, target.public_id, "blind", card_fields=["company"])
    intro = intros.create_request(
        db,
        settings,
        owner,
        intros.RequestSpec(
            target_kind="card", card_id=target.public_id, why="hiring", path=[connector.handle]
        ),
    )
    pledge = ledger.create_pledge(
        db, owner, 5, subject_kind="opportunity", subject_ref="safety", key="safety:pledge"
    )
    insight = insights.publish(
        db,
        owner,
        InsightIn(kind="insight", title="Connections-only canary", visibility="connections"),
        settings.insight_limits,
    )
    public_insight = insights.publish(
        db,
        owner,
        InsightIn(kind="ask", title="Public ask", visibility="public"),
        settings.insight_limits,
    )
    comment = insights.add_comment(
        db, owner, insight.public_id, CommentIn(body="owner's comment"), settings.insight_limits
    )
    report = insights.report(db, other, "spam", insight_public_id=public_insight.public_id)
    feed_token, feed_secret = insights.create_feed_token(db, owner)
    api_token, _ = members_service.create_api_token(
        db, owner, name="owner's", scope="write", lifetime=__import__("datetime").timedelta(days=1)
    )
    web_session, _ = members_service.start_web_session(db, owner, user_agent="test", days=1)
    invitation, _ = accounts.create_invitation(db, settings, owner)
    saved = search.save_search(db, owner, SavedSearchIn(name="canary search", q="engineer"))
    db.commit()

    tokens = {
        "owner": members.token(owner),
        "other": members.token(other),
        "admin": members.token(admin),
    }
    params = {
        "contact_id": ids["contact_private"],
        "card_id": ids["contact_private"],  # a private entry is no card: probing finds nothing
        "intro_id": intro.public_id,
        "pledge_id": pledge.public_id,
        "insight_id": insight.public_id,
        "pid": insight.public_id,
        "comment_id": comment.public_id,
        "cid": comment.public_id,
        "token_id": str(api_token.id),
        "feed_token_id": str(feed_token.id),
        "session_id": str(web_session.id),
        "invitation_id": str(invitation.id),
        "saved_id": saved.public_id,
        "report_id": str(report.id),
        "handle": owner.handle,
        "slug": "recruiting",
        "token": feed_secret,
        # Objects the world does not hold yet: a real-looking id that names nothing, so the
        # row still proves the route refuses strangers and never errors.
        "identity_id": "987654",
        "pair_id": "987654",
        "outcome_id": "987654",
        "request_id": "987654",
        "name": "accounts.sweep",
        "kind": "useful",
        "fmt": "vcf",
        "action": "accept",
        "job": "release-due",
        "pledge_action": "thanks",
        "erasure_action": "complete",
        "notice_action": "skip",
        "outcome_action": "confirm",
        "intro_action": "withdraw",
    }
    # Names of things, not of objects, stay as they are: only the object ids change.
    fixed = {"slug", "kind", "fmt", "name", "job", "handle"} | {k for k in params if "action" in k}
    missing = {
        k: v if k in fixed else "987654321" if v.isdigit() else "zz" + v[2:]
        for k, v in params.items()
    }
    return World(owner, other, admin, connector, tokens, params, missing, ids)
