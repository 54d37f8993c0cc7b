"""Use cases of the members area. Each takes a Session, enforces the rules and never commits:
the caller (one request, one CLI command) owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from sharewell.db import utcnow
from sharewell.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from sharewell.markup import render_markdown
from sharewell.members import rules
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
from sharewell.members.passwords import hash_password, needs_rehash, verify_password
from sharewell.members.schemas import ProfileUpdate, SignUpIn

WRONG_CREDENTIALS = "The email address or the password is not right."
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)


def _handle_taken(session: Session, handle: str, *, except_member: int | None = None) -> bool:
    query = select(Member.id).where(Member.handle == handle)
    found = session.scalar(query)
    return found is not None and found != except_member


def _free_handle(session: Session, base: str) -> str:
    candidate, n = base, 1
    while _handle_taken(session, candidate):
        n += 1
        candidate = f"{base[:26]}-{n}"
    return candidate


def sign_up(session: Session, data: SignUpIn, *, password_hash: str | None = None) -> Member | None:
    """Create a member. Returns ``None`` (and changes nothing) when the address already has an
    account: callers answer exactly as for a new sign-up so addresses cannot be probed."""
    rules.check_password(data.password)
    name = rules.clean_display_name(data.display_name)
    email = rules.normalize_email(str(data.email))
    if data.handle:
        handle = rules.normalize_handle(data.handle)
        if _handle_taken(session, handle):
            raise Conflict(f"The handle '{handle}' is taken; choose another.", field="handle")
    else:
        handle = _free_handle(session, rules.handle_from_name(name))
    # Hashed before the address is looked up, so a taken address costs the same time as a new
    # one: the answer's timing must not tell which addresses have accounts.
    hashed = password_hash or hash_password(data.password)
    if session.scalar(select(Member.id).where(Member.email == email)) is not None:
        return None
    member = Member(email=email, handle=handle, display_name=name, password_hash=hashed)
    session.add(member)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # A concurrent sign-up took the address or the handle between our check and insert.
        if session.scalar(select(Member.id).where(Member.email == email)) is not None:
            return None
        raise Conflict(f"The handle '{handle}' is taken; choose another.", field="handle") from None
    return member


def authenticate(session: Session, email: str, password: str) -> Member:
    member = session.scalar(select(Member).where(Member.email == rules.normalize_email(email)))
    ok = verify_password(member.password_hash if member else None, password)
    if member is None or not ok or not member.is_active:
        raise AuthenticationFailed(WRONG_CREDENTIALS)
    if member.password_hash and needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    return member


def change_password(
    session: Session, member: Member, current: str, new: str, *, keep_session: int | None = None
) -> None:
    if not verify_password(member.password_hash, current):
        raise InvalidInput("Your current password is not right.", field="current_password")
    rules.check_password(new)
    member.password_hash = hash_password(new)
    # Whoever knew the old password must not stay signed in elsewhere.
    now = utcnow()
    session.execute(
        update(WebSession)
        .where(WebSession.member_id == member.id, WebSession.revoked_at.is_(None))
        .where(WebSession.id != (keep_session or -1))
        .values(revoked_at=now)
    )


# --- web sessions ---------------------------------------------------------------------------


def start_web_session(
    session: Session, member: Member, *, user_agent: str, days: int
) -> tuple[WebSession, str]:
    secret = rules.new_secret("sws")
    now = utcnow()
    web_session = WebSession(
        member_id=member.id,
        token_hash=rules.hash_secret(secret),
        user_agent=user_agent[:300],
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(web_session)
    session.flush()
    return web_session, secret


# Every signed-in request loads its member; the profile lists (topics, offers and asks, links)
# are loaded eagerly elsewhere, but most requests never read the caller's own, so here they
# load on first use within the request instead of costing three queries on every request.
_SIGNED_IN_LOADING = (lazyload(Member.topics), lazyload(Member.items), lazyload(Member.links))


def resolve_web_session(
    session: Session, secret: str, *, days: int
) -> tuple[WebSession, Member] | None:
    row = session.execute(
        select(WebSession, Member)
        .join(Member, Member.id == WebSession.member_id)
        .where(WebSession.token_hash == rules.hash_secret(secret))
        .options(*_SIGNED_IN_LOADING)
    ).first()
    if row is None:
        return None
    web_session, member = row
    now = utcnow()
    if web_session.revoked_at or web_session.expires_at <= now or not member.is_active:
        return None
    if now - web_session.last_seen_at > SESSION_TOUCH_INTERVAL:
        # Sliding expiry, written at most every few minutes to keep reads cheap.
        web_session.last_seen_at = now
        web_session.expires_at = now + timedelta(days=days)
    return web_session, member


def end_web_session(session: Session, web_session_id: int) -> None:
    session.execute(
        update(WebSession).where(WebSession.id == web_session_id).values(revoked_at=utcnow())
    )


# --- API tokens -----------------------------------------------------------------------------


def create_api_token(
    session: Session, member: Member, *, name: str, scope: str, lifetime: timedelta | None
) -> tuple[ApiToken, str]:
    """A new bearer token; the secret is returned once and only its hash is kept."""
    secret = rules.new_secret("swt")
    now = utcnow()
    token = ApiToken(
        member_id=member.id,
        name=" ".join(name.split()),
        token_hash=rules.hash_secret(secret),
        prefix=secret[:10],
        scope=scope,
        created_at=now,
        expires_at=now + lifetime if lifetime else None,
    )
    session.add(token)
    session.flush()
    return token, secret


@dataclass(frozen=True)
class TokenIdentity:
    member: Member
    token: ApiToken

    @property
    def can_write(self) -> bool:
        return self.token.scope == "write"


def resolve_api_token(session: Session, secret: str) -> TokenIdentity | None:
    row = session.execute(
        select(ApiToken, Member)
        .join(Member, Member.id == ApiToken.member_id)
        .where(ApiToken.token_hash == rules.hash_secret(secret))
        .options(*_SIGNED_IN_LOADING)
    ).first()
    if row is None:
        return None
    token, member = row
    now = utcnow()
    if token.revoked_at or (token.expires_at and token.expires_at <= now) or not member.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > SESSION_TOUCH_INTERVAL:
        token.last_used_at = now
    return TokenIdentity(member=member, token=token)


def revoke_api_token(session: Session, member: Member, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.member_id != member.id or token.revoked_at is not None:
        raise NotFound("No such token.")
    token.revoked_at = utcnow()


# --- profile --------------------------------------------------------------------------------


def _topics_for(session: Session, labels: list[str]) -> list[Topic]:
    pairs = rules.normalize_topics(labels)
    if not pairs:
        return []
    slugs = [slug for slug, _ in pairs]
    existing = {t.slug: t for t in session.scalars(select(Topic).where(Topic.slug.in_(slugs)))}
    for slug, label in pairs:
        if slug in existing:
            continue
        topic = Topic(slug=slug, label=label)
        try:
            with session.begin_nested():
                session.add(topic)
                session.flush()
        except IntegrityError:  # created concurrently by someone else: use theirs
            topic = session.scalars(select(Topic).where(Topic.slug == slug)).one()
        existing[slug] = topic
    return [existing[slug] for slug in slugs]


def update_profile(session: Session, member: Member, data: ProfileUpdate) -> Member:
    fields = data.model_fields_set
    if "display_name" in fields and data.display_name is not None:
        member.display_name = rules.clean_display_name(data.display_name)
    if "handle" in fields and data.handle is not None:
        handle = rules.normalize_handle(data.handle)
        if handle != member.handle:
            if _handle_taken(session, handle, except_member=member.id):
                raise Conflict(f"The handle '{handle}' is taken; choose another.", field="handle")
            member.handle = handle
    if "headline" in fields:
        member.headline = " ".join((data.headline or "").split())
    if "location" in fields:
        member.location = " ".join((data.location or "").split())
    if "bio" in fields:
        member.bio_md = data.bio or ""
        member.bio_html = render_markdown(member.bio_md)
    if "topics" in fields:
        topics = _topics_for(session, data.topics or [])
        session.execute(delete(MemberTopic).where(MemberTopic.member_id == member.id))
        session.add_all(MemberTopic(member_id=member.id, topic_id=t.id) for t in topics)
        session.flush()
        session.expire(member, ["topics"])
        # The bulk DELETE is invisible to the ORM hooks: the profile page's version moves here
        # (members/hooks.py, web/profile_cache.py).
        member.updated_at = utcnow()
    if "offers" in fields or "asks" in fields:
        offers = (
            rules.clean_items(data.offers or [], "offers")
            if "offers" in fields
            else [i.text for i in member.items if i.kind == "offer"]
        )
        asks = (
            rules.clean_items(data.asks or [], "asks")
            if "asks" in fields
            else [i.text for i in member.items if i.kind == "ask"]
        )
        member.items = [
            ProfileItem(kind=kind, text=text, position=pos)
            for kind, texts in (("offer", offers), ("ask", asks))
            for pos, text in enumerate(texts)
        ]
    if "links" in fields:
        links = data.links or []
        if len(links) > rules.MAX_LINKS:
            raise InvalidInput(f"Add at most {rules.MAX_LINKS} links.", field="links")
        member.links = [
            ProfileLink(
                label=" ".join(link.label.split()), url=rules.check_link_url(link.url), position=pos
            )
            for pos, link in enumerate(links)
        ]
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("That handle was just taken; choose another.", field="handle") from None
    return member


# --- administration -------------------------------------------------------------------------


def find_member(session: Session, who: str) -> Member:
    """A member by email address or handle (for administrators and the CLI)."""
    key = who.strip().lower().lstrip("@")
    member = session.scalar(select(Member).where((Member.email == key) | (Member.handle == key)))
    if member is None:
        raise NotFound(f"No member with the address or handle '{who}'.")
    return member


def set_admin(session: Session, who: str, admin: bool = True) -> Member:
    member = find_member(session, who)
    member.is_admin = admin
    return member


def set_suspended(session: Session, who: str, suspended: bool = True) -> Member:
    member = find_member(session, who)
    member.suspended_at = utcnow() if suspended else None
    if suspended:
        now = utcnow()
        session.execute(
            update(WebSession)
            .where(WebSession.member_id == member.id, WebSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        session.execute(
            update(ApiToken)
            .where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return member


# --- blocks ---------------------------------------------------------------------------------


def block(session: Session, blocker: Member, blocked: Member) -> None:
    """Idempotent: blocking twice keeps the first block."""
    if blocker.id == blocked.id:
        raise InvalidInput("You cannot block yourself.", field="handle")
    if not is_blocked(session, blocker.id, blocked.id):
        session.add(MemberBlock(blocker_id=blocker.id, blocked_id=blocked.id))
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:  # blocked concurrently by the same member: already done
            pass


def unblock(session: Session, blocker: Member, blocked: Member) -> None:
    session.execute(
        delete(MemberBlock).where(
            MemberBlock.blocker_id == blocker.id, MemberBlock.blocked_id == blocked.id
        )
    )


def is_blocked(session: Session, blocker_id: int, blocked_id: int) -> bool:
    """Has ``blocker_id`` blocked ``blocked_id``?"""
    return (
        session.scalar(
            select(MemberBlock.blocker_id).where(
                MemberBlock.blocker_id == blocker_id, MemberBlock.blocked_id == blocked_id
            )
        )
        is not None
    )


def blocked_ids(session: Session, blocker_id: int) -> set[int]:
    """Everyone ``blocker_id`` has blocked (bounded by how many one member blocks)."""
    return set(
        session.scalars(select(MemberBlock.blocked_id).where(MemberBlock.blocker_id == blocker_id))
    )
