"""The exporters and erasure hooks of the areas that existed when the privacy area was built
(members and accounts, contacts, insights, network, ledger, mail). Areas added later register
their own in a module of theirs (see ``registry.py``)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from sharewell import importers
from sharewell.accounts.models import (
    AccountToken,
    Invitation,
    OidcIdentity,
    OidcProvider,
    RecoveryCode,
    TotpCredential,
)
from sharewell.contacts.models import (
    Contact,
    ContactDisplay,
    ContactImport,
    HolderSettings,
    PossibleDuplicate,
)
from sharewell.contacts.service import as_parsed
from sharewell.insights import service as insights_service
from sharewell.insights.models import (
    Comment,
    FeedToken,
    Insight,
    InsightTopic,
    MemberFollow,
    Reaction,
    Report,
    Revision,
    TopicFollow,
)
from sharewell.ledger import queries as ledger_queries
from sharewell.ledger import rules as ledger_rules
from sharewell.ledger import service as ledger_service
from sharewell.ledger.models import Pledge, PledgeShare, TallyEntry
from sharewell.mail.models import MailMessage
from sharewell.members.models import (
    ApiToken,
    Member,
    MemberBlock,
    MemberTopic,
    ProfileItem,
    ProfileLink,
    Topic,
    WebSession,
)
from sharewell.network import service as network_service
from sharewell.network.graph import ChangeKind
from sharewell.network.models import Connection, IntroductionPause, MemberTerm
from sharewell.privacy.models import ContactNotice, MemberErasure
from sharewell.privacy.registry import ErasureContext, ExportContext, exporter, on_member_erased
from sharewell.privacy.rules import FORMER_MEMBER


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def _handles(ctx: ExportContext, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = ctx.session.execute(select(Member.id, Member.handle).where(Member.id.in_(ids)))
    return {i: h for i, h in rows}


# =============================================================================== exporters


@exporter("account", order=100)
def export_account(ctx: ExportContext) -> dict[str, Any]:
    s, m = ctx.session, ctx.member
    totp = s.get(TotpCredential, m.id)
    identities = s.execute(
        select(OidcIdentity, OidcProvider.slug, OidcProvider.issuer)
        .join(OidcProvider, OidcProvider.id == OidcIdentity.provider_id)
        .where(OidcIdentity.member_id == m.id)
        .order_by(OidcIdentity.id)
    ).all()
    return {
        "profile.json": {
            "handle": m.handle,
            "display_name": m.display_name,
            "headline": m.headline,
            "bio_markdown": m.bio_md,
            "location": m.location,
            "topics": [t.label for t in m.topics],
            "offers": [i.text for i in m.items if i.kind == "offer"],
            "asks": [i.text for i in m.items if i.kind == "ask"],
            "links": [{"label": link.label, "url": link.url} for link in m.links],
        },
        "account.json": {
            "email": m.email,
            "email_verified_at": _iso(m.email_verified_at),
            "has_password": m.password_hash is not None,
            "two_factor": bool(totp and totp.confirmed_at),
            "is_admin": m.is_admin,
            "created_at": _iso(m.created_at),
            "linked_sign_in_accounts": [
                {
                    "provider": slug,
                    "issuer": issuer,
                    "email": i.email,
                    "linked_at": _iso(i.created_at),
                    "last_used_at": _iso(i.last_used_at),
                }
                for i, slug, issuer in identities
            ],
            "invitations": [
                {
                    "starts_with": inv.prefix,
                    "created_at": _iso(inv.created_at),
                    "expires_at": _iso(inv.expires_at),
                    "used_at": _iso(inv.used_at),
                    "revoked_at": _iso(inv.revoked_at),
                }
                for inv in s.scalars(
                    select(Invitation).where(Invitation.inviter_id == m.id).order_by(Invitation.id)
                )
            ],
        },
        "sessions.json": [
            {
                "device": w.user_agent,
                "created_at": _iso(w.created_at),
                "last_seen_at": _iso(w.last_seen_at),
                "expires_at": _iso(w.expires_at),
                "revoked_at": _iso(w.revoked_at),
            }
            for w in s.scalars(
                select(WebSession).where(WebSession.member_id == m.id).order_by(WebSession.id)
            )
        ],
        "tokens.json": [
            {
                "name": t.name,
                "starts_with": t.prefix,
                "scope": t.scope,
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in s.scalars(
                select(ApiToken).where(ApiToken.member_id == m.id).order_by(ApiToken.id)
            )
        ],
        "mail.json": [
            {
                "kind": msg.kind,
                "subject": msg.subject,
                "status": msg.status,
                "created_at": _iso(msg.created_at),
                "sent_at": _iso(msg.sent_at),
            }
            for msg in s.scalars(
                select(MailMessage).where(MailMessage.to_addr == m.email).order_by(MailMessage.id)
            )
        ],  # fmt: skip  (bodies hold sign-in links: never exported)
    }


@exporter("contacts", order=200)
def export_contacts(ctx: ExportContext) -> dict[str, Any]:
    s, m = ctx.session, ctx.member
    contacts = list(
        s.scalars(select(Contact).where(Contact.holder_id == m.id).order_by(Contact.id))
    )
    matched = _handles(ctx, {c.matched_member_id for c in contacts if c.matched_member_id})
    views = {
        cid: int(n)
        for cid, n in s.execute(
            select(ContactDisplay.contact_id, func.count(ContactDisplay.id))
            .where(ContactDisplay.holder_id == m.id, ContactDisplay.contact_id.is_not(None))
            .group_by(ContactDisplay.contact_id)
        )
    }
    notices = {
        cid: st
        for cid, st in s.execute(
            select(ContactNotice.contact_id, ContactNotice.status).where(
                ContactNotice.holder_id == m.id
            )
        )
    }
    skip = {
        "id",
        "holder_id",
        "matched_member_id",
        "name_key",
        "company_key",
        "city_key",
        "linkedin_key",
    }
    rows = []
    for c in contacts:
        row = {
            name: _iso(getattr(c, name))
            for name in Contact.__table__.columns.keys()  # noqa: SIM118
            if name not in skip
        }
        row["emails"] = [{"value": e.value, "type": e.type} for e in c.emails]
        row["phones"] = [{"value": p.value, "type": p.type} for p in c.phones]
        row["tags"] = c.tags
        row["matched_member"] = matched.get(c.matched_member_id or 0)
        row["times_shown_to_others"] = int(views.get(c.id, 0))
        row["notice"] = notices.get(c.id)
        rows.append(row)
    defaults = s.get(HolderSettings, m.id)
    imports = s.scalars(
        select(ContactImport).where(ContactImport.holder_id == m.id).order_by(ContactImport.id)
    )
    return {
        "contacts.json": rows,
        "contacts.vcf": importers.to_vcard([as_parsed(c) for c in contacts]).encode(),
        "sharing_settings.json": {
            "default_visibility": defaults.default_visibility if defaults else "private",
            "default_card_fields": list(defaults.default_card_fields) if defaults else [],
        },
        "import_reports.json": [
            {
                "filename": i.filename,
                "format": i.format,
                "created": i.created,
                "updated": i.updated,
                "unchanged": i.unchanged,
                "possible_duplicates": i.possible_duplicates,
                "errors": i.errors,
                "created_at": _iso(i.created_at),
            }
            for i in imports
        ],
    }


@exporter("insights", order=300)
def export_insights(ctx: ExportContext) -> dict[str, Any]:
    s, m = ctx.session, ctx.member
    insights = list(
        s.scalars(select(Insight).where(Insight.author_id == m.id).order_by(Insight.id))
    )
    topic_rows = s.execute(
        select(InsightTopic.insight_id, Topic.label)
        .join(Topic, Topic.id == InsightTopic.topic_id)
        .where(InsightTopic.insight_id.in_([i.id for i in insights] or [-1]))
    ).all()
    topics: dict[int, list[str]] = {}
    for iid, label in topic_rows:
        topics.setdefault(iid, []).append(label)
    comments = list(
        s.execute(
            select(Comment, Insight.public_id)
            .join(Insight, Insight.id == Comment.insight_id)
            .where(Comment.author_id == m.id)
            .order_by(Comment.id)
        ).all()
    )
    reactions = s.execute(
        select(Reaction, Insight.public_id, Comment.public_id)
        .outerjoin(Insight, Insight.id == Reaction.insight_id)
        .outerjoin(Comment, Comment.id == Reaction.comment_id)
        .where(Reaction.member_id == m.id)
        .order_by(Reaction.id)
    ).all()
    follows = s.execute(
        select(Member.handle, MemberFollow.created_at)
        .join(MemberFollow, MemberFollow.followed_id == Member.id)
        .where(MemberFollow.follower_id == m.id)
        .order_by(Member.handle)
    ).all()
    followers = s.execute(
        select(Member.handle, MemberFollow.created_at)
        .join(MemberFollow, MemberFollow.follower_id == Member.id)
        .where(MemberFollow.followed_id == m.id, Member.suspended_at.is_(None))
        .order_by(Member.handle)
    ).all()
    topic_follows = s.execute(
        select(Topic.label, TopicFollow.created_at)
        .join(TopicFollow, TopicFollow.topic_id == Topic.id)
        .where(TopicFollow.follower_id == m.id)
        .order_by(Topic.label)
    ).all()
    return {
        "insights.json": [
            {
                "id": i.public_id,
                "kind": i.kind,
                "title": i.title,
                "body_markdown": i.body_md,
                "visibility": i.visibility,
                "topics": sorted(topics.get(i.id, [])),
                "useful": i.useful_count,
                "acted_on": i.acted_count,
                "comments": i.comment_count,
                "created_at": _iso(i.created_at),
                "edited_at": _iso(i.edited_at),
                "deleted_at": _iso(i.deleted_at),
                "hidden_at": _iso(i.hidden_at),
            }
            for i in insights
        ],
        "comments.json": [
            {
                "id": c.public_id,
                "insight": ipid,
                "kind": c.kind,
                "depth": c.depth,
                "body_markdown": c.body_md,
                "accepted_at": _iso(c.accepted_at),
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
                "deleted_at": _iso(c.deleted_at),
            }
            for c, ipid in comments
        ],
        "reactions.json": [
            {"kind": r.kind, "insight": ipid, "comment": cpid, "created_at": _iso(r.created_at)}
            for r, ipid, cpid in reactions
        ],
        "follows.json": {
            "members_i_follow": [{"handle": h, "since": _iso(at)} for h, at in follows],
            "my_followers": [{"handle": h, "since": _iso(at)} for h, at in followers],
            "topics_i_follow": [{"topic": t, "since": _iso(at)} for t, at in topic_follows],
        },
        "feed_addresses.json": [
            {
                "starts_with": f.prefix,
                "created_at": _iso(f.created_at),
                "revoked_at": _iso(f.revoked_at),
            }
            for f in s.scalars(select(FeedToken).where(FeedToken.member_id == m.id))
        ],
        "reports_i_filed.json": [
            {
                "reason": r.reason,
                "created_at": _iso(r.created_at),
                "resolution": r.resolution,
                "resolved_at": _iso(r.resolved_at),
            }
            for r in s.scalars(select(Report).where(Report.reporter_id == m.id))
        ],
    }


@exporter("network", order=400)
def export_network(ctx: ExportContext) -> dict[str, Any]:
    s, m = ctx.session, ctx.member
    rows = list(
        s.scalars(
            select(Connection)
            .where(or_(Connection.member_a == m.id, Connection.member_b == m.id))
            .order_by(Connection.id)
        )
    )
    others = {r.member_b if r.member_a == m.id else r.member_a for r in rows}
    blocks = list(s.scalars(select(MemberBlock).where(MemberBlock.blocker_id == m.id)))
    people = _handles(ctx, others | {b.blocked_id for b in blocks})
    names = {
        i: n
        for i, n in s.execute(
            select(Member.id, Member.display_name).where(Member.id.in_(others or {-1}))
        )
    }
    connections = []
    for r in rows:
        other = r.member_b if r.member_a == m.id else r.member_a
        connections.append(
            {
                "handle": people.get(other),
                "display_name": names.get(other),
                "status": r.status,
                "requested_by_me": r.requested_by == m.id,
                "origin": r.origin,
                "message": r.message if r.requested_by == m.id or r.status != "declined" else "",
                "my_rating": network_service.my_rating(r, m.id),
                "strength": r.strength,
                "requested_at": _iso(r.requested_at),
                "responded_at": _iso(r.responded_at),
            }
        )  # fmt: skip  (public profile fields only: never another member's email)
    return {
        "connections.json": connections,
        "blocks.json": [
            {"handle": people.get(b.blocked_id), "since": _iso(b.created_at)} for b in blocks
        ],
        "introductions_pause.json": {"paused": network_service.is_paused(s, m.id)},
    }


@exporter("ledger", order=500)
def export_ledger(ctx: ExportContext) -> dict[str, Any]:
    s, m = ctx.session, ctx.member
    made = list(s.scalars(select(Pledge).where(Pledge.pledger_id == m.id).order_by(Pledge.id)))
    to_me = list(
        s.scalars(
            select(Pledge)
            .where(
                Pledge.id.in_(select(PledgeShare.pledge_id).where(PledgeShare.member_id == m.id))
            )
            .order_by(Pledge.id)
        )
    )
    return {
        "summary.json": ledger_queries.summary(s, m).model_dump(mode="json"),
        "statement.json": [
            line.model_dump(mode="json") for line in ledger_queries.statement_all(s, m)
        ],
        "pledges_made.json": [
            ledger_queries.pledge_out(s, p, m.id).model_dump(mode="json") for p in made
        ],
        "pledges_split_to_me.json": [
            ledger_queries.pledge_out(s, p, m.id).model_dump(mode="json") for p in to_me
        ],
        "tally.json": [
            {"direction": t.direction, "kind": t.kind, "ref": t.ref, "at": _iso(t.created_at)}
            for t in s.scalars(
                select(TallyEntry).where(TallyEntry.member_id == m.id).order_by(TallyEntry.id)
            )
        ],
    }


# ============================================================================ erasure hooks


@on_member_erased("ledger", order=100)
def erase_ledger(ctx: ErasureContext) -> None:
    """Escrowed pledges the member made go back to them first (reason: withdrawn), so nobody
    can be paid from an account whose owner is gone. Split pledges (pending to them or from
    them) stay pending and follow the ordinary rules: released shares land in the anonymous
    account, a fall-off returns to it. Entries are never changed; the account stays, so the
    books balance."""
    pledges = ctx.session.scalars(
        select(Pledge)
        .where(Pledge.pledger_id == ctx.member.id, Pledge.state == ledger_rules.ESCROWED)
        .order_by(Pledge.id)
    ).all()
    for pledge in pledges:
        ledger_service.refund_pledge(
            ctx.session,
            pledge,
            reason="withdrawn",
            key=f"erasure:{ctx.member.id}:refund:{pledge.id}",
            now=ctx.now,
        )
    ctx.count("pledges_refunded", len(pledges))


@on_member_erased("insights", order=200)
def erase_insights(ctx: ErasureContext) -> None:
    s, m = ctx.session, ctx.member
    if ctx.content == "remove":
        for comment in s.scalars(
            select(Comment)
            .where(Comment.author_id == m.id, Comment.deleted_at.is_(None))
            .order_by(Comment.path.desc())  # replies before their parents
        ).all():
            insights_service.delete_comment(s, m, comment.public_id)
            ctx.count("comments_removed", 1)
        for public_id in s.scalars(
            select(Insight.public_id).where(Insight.author_id == m.id, Insight.deleted_at.is_(None))
        ).all():
            insights_service.delete_insight(s, m, public_id)
            ctx.count("insights_removed", 1)
    else:
        ctx.count(
            "insights_anonymized",
            s.scalar(select(func.count(Insight.id)).where(Insight.author_id == m.id)) or 0,
        )
    # Earlier versions may say more than the member chose to leave: only the current text stays.
    mine_i = select(Insight.id).where(Insight.author_id == m.id)
    mine_c = select(Comment.id).where(Comment.author_id == m.id)
    s.execute(
        delete(Revision).where(
            or_(Revision.insight_id.in_(mine_i), Revision.comment_id.in_(mine_c))
        )
    )
    s.execute(delete(Report).where(Report.reporter_id == m.id))
    s.execute(delete(FeedToken).where(FeedToken.member_id == m.id))
    s.execute(delete(TopicFollow).where(TopicFollow.follower_id == m.id))
    follows = s.execute(
        delete(MemberFollow).where(
            or_(MemberFollow.follower_id == m.id, MemberFollow.followed_id == m.id)
        )
    )
    ctx.count("follows_removed", follows.rowcount or 0)  # type: ignore[attr-defined]
    # Reactions the member gave stay, anonymous: they are the impact others earned.
    s.flush()


@on_member_erased("network", order=300)
def erase_network(ctx: ErasureContext) -> None:
    """Connections and blocks go, each with its change-log row (``network.service``), so every
    running worker's graph index drops the edges without a restart."""
    s, m = ctx.session, ctx.member
    for row in s.scalars(
        select(Connection)
        .where(or_(Connection.member_a == m.id, Connection.member_b == m.id))
        .order_by(Connection.id)
    ).all():
        s.delete(row)
        s.flush()
        if row.status == "accepted":
            network_service.log_change(s, ChangeKind.DISCONNECT, row.member_a, row.member_b)
            ctx.count("connections_removed", 1)
    for block in s.scalars(
        select(MemberBlock)
        .where(or_(MemberBlock.blocker_id == m.id, MemberBlock.blocked_id == m.id))
        .order_by(MemberBlock.blocker_id, MemberBlock.blocked_id)
    ).all():
        pair = (block.blocker_id, block.blocked_id)
        s.delete(block)
        s.flush()
        reverse = s.get(MemberBlock, (pair[1], pair[0]))
        if reverse is None or reverse in s.deleted:
            network_service.log_change(s, ChangeKind.UNBLOCK, *pair)
        ctx.count("blocks_removed", 1)
    if network_service.is_paused(s, m.id):
        network_service.set_paused(s, m, False)
    s.execute(delete(MemberTerm).where(MemberTerm.member_id == m.id))


@on_member_erased("contacts", order=400)
def erase_contacts(ctx: ErasureContext) -> None:
    """The whole book and everything about it; other members' entries that were matched to
    this member forget the match."""
    s, m = ctx.session, ctx.member
    s.execute(
        delete(ContactDisplay).where(
            or_(ContactDisplay.holder_id == m.id, ContactDisplay.viewer_id == m.id)
        )
    )
    s.execute(delete(PossibleDuplicate).where(PossibleDuplicate.holder_id == m.id))
    result = s.execute(delete(Contact).where(Contact.holder_id == m.id))  # children cascade
    ctx.count("contacts_erased", result.rowcount or 0)  # type: ignore[attr-defined]
    s.execute(delete(ContactImport).where(ContactImport.holder_id == m.id))
    s.execute(delete(HolderSettings).where(HolderSettings.holder_id == m.id))
    s.execute(delete(ContactNotice).where(ContactNotice.holder_id == m.id))
    s.execute(
        update(Contact)
        .where(Contact.matched_member_id == m.id)
        .values(matched_member_id=None)
        .execution_options(synchronize_session=False)
    )
    s.expire_all()


@on_member_erased("account", order=900)
def erase_account(ctx: ErasureContext) -> None:
    """Last: every session and token ends, sign-in secrets go, and the member row becomes an
    anonymous tombstone (ledger entries point at it)."""
    s, m = ctx.session, ctx.member
    for table, column in (
        (WebSession, WebSession.member_id),
        (ApiToken, ApiToken.member_id),
        (AccountToken, AccountToken.member_id),
        (RecoveryCode, RecoveryCode.member_id),
        (TotpCredential, TotpCredential.member_id),
        (OidcIdentity, OidcIdentity.member_id),
        (MemberTopic, MemberTopic.member_id),
        (ProfileItem, ProfileItem.member_id),
        (ProfileLink, ProfileLink.member_id),
        (IntroductionPause, IntroductionPause.member_id),
    ):
        s.execute(delete(table).where(column == m.id))
    s.execute(delete(Invitation).where(Invitation.inviter_id == m.id, Invitation.used_at.is_(None)))
    s.execute(delete(MailMessage).where(MailMessage.to_addr == m.email))
    s.expire(m, ["topics", "items", "links"])
    m.email = f"erased-{m.id}@erased.invalid"
    m.handle = f"former-{secrets.token_hex(6)}"
    m.display_name = FORMER_MEMBER
    m.headline = m.bio_md = m.bio_html = m.location = ""
    m.password_hash = None
    m.email_verified_at = None
    m.is_admin = False
    m.suspended_at = ctx.now
    s.add(MemberErasure(member_id=m.id, content=ctx.content, erased_at=ctx.now))
    s.flush()
