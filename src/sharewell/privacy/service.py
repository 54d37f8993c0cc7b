"""Use cases of the privacy area: a member's export and erasure, erasure of people who are not
members, notices to people whose entry was shared, and retention. Never commits."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from sharewell import __version__
from sharewell.accounts import service as accounts_service
from sharewell.accounts.models import SiteSetting
from sharewell.config import Settings
from sharewell.contacts import optouts
from sharewell.contacts import rules as contact_rules
from sharewell.contacts.models import Contact, ContactDisplay, ContactEmail, ContactPhone
from sharewell.contacts.queries import own_contact
from sharewell.contacts.sharing import card_source
from sharewell.contacts.sharing_rules import card_fields_for
from sharewell.db import utcnow
from sharewell.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, RateLimited
from sharewell.mail import service as mail
from sharewell.mail.models import MailMessage
from sharewell.members.models import Member
from sharewell.members.passwords import verify_password
from sharewell.privacy import registry, rules
from sharewell.privacy.models import ContactNotice, ErasureRequest, MemberErasure

log = logging.getLogger("sharewell.privacy")

NOTICE_TEMPLATE_KEY = "privacy.notice_template"
NOTICE_REQUIRED_KEY = "privacy.notice_required"
NOTICE_JOB = "privacy.notices"
LINK_INVALID = "This link is invalid, was used already or has expired. Ask for a new one."
ERASURE_DONE = (
    "Done. No contact book on this site holds an entry with this identifier any more, and a "
    "keyed fingerprint of it keeps it from ever being shared again."
)
ERASURE_SENT = (
    "If the address can receive mail, a confirmation link is on its way to it. Nothing is "
    "erased until the link is used."
)
ERASURE_QUEUED = (
    "Thank you. An administrator will handle the request and answer at the address you gave. "
    "The answer does not say whether anyone held you."
)


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# ==================================================================================== export


def export_archive(
    session: Session, settings: Settings, member: Member, *, now: datetime | None = None
) -> tuple[bytes, str]:
    """Everything Sharewell holds about ``member``, as a zip: JSON per area (every registered
    exporter) and the contacts as vCard. Returns (bytes, file name)."""
    now = now or utcnow()
    ctx = registry.ExportContext(session=session, settings=settings, member=member, now=now)
    buffer = io.BytesIO()
    manifest: dict[str, Any] = {
        "format": "sharewell-export/1",
        "sharewell_version": __version__,
        "member": member.handle,
        "created_at": now.isoformat(),
        "files": [],
    }
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in registry.exporters():
            for name, value in sorted(entry.func(ctx).items()):
                path = f"{entry.name}/{name}"
                if isinstance(value, bytes):
                    data = value
                else:
                    data = json.dumps(value, ensure_ascii=False, indent=2, default=str).encode()
                archive.writestr(path, data)
                manifest["files"].append({"path": path, "bytes": len(data)})
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr("README.txt", _readme(settings, member, now))
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return buffer.getvalue(), f"sharewell-{member.handle}-{stamp}.zip"


def _readme(settings: Settings, member: Member, now: datetime) -> str:
    return (
        f"Your data on Sharewell ({settings.base_url}), @{member.handle}, "
        f"{now:%Y-%m-%d %H:%M} UTC\n\n"
        "One folder per area, JSON files (UTF-8). contacts/contacts.vcf holds your contact book\n"
        "as vCard 4.0, which address books and Sharewell's own import read. Secrets (password,\n"
        "token and link secrets) are never exported; other members appear by handle and name\n"
        "only. manifest.json lists every file.\n"
    )


# ================================================================================ member erasure


def check_erasure_credentials(
    session: Session, member: Member, *, password: str, code: str, confirm: str
) -> None:
    """The typed confirmation, and the password (when the member has one) and the two-factor
    code (when it is on). A member with neither must turn two-factor on first."""
    rules.check_confirmation(confirm)
    has_password = member.password_hash is not None
    has_2fa = accounts_service.has_two_factor(session, member)
    if not has_password and not has_2fa:
        raise InvalidInput(
            "Turn on two-factor sign-in (Settings → Security) or set a password first, so we can "
            "be sure it is you.",
            field="password",
        )
    if has_password and not verify_password(member.password_hash, password):
        raise InvalidInput("Your password is not right.", field="password")
    if has_2fa:
        if not code.strip():
            raise InvalidInput("Enter the code from your authenticator app.", field="code")
        try:
            accounts_service.check_second_factor(session, member, code.strip())
        except AuthenticationFailed as exc:
            raise InvalidInput(exc.detail, field="code") from None


def erase_member(
    session: Session,
    settings: Settings,
    member: Member,
    *,
    content: str,
    now: datetime | None = None,
) -> dict[str, int]:
    """Erase a member: every registered hook, in order, in the caller's transaction."""
    rules.check_content_mode(content)
    if session.get(MemberErasure, member.id) is not None:
        raise Conflict("This account was deleted already.")
    ctx = registry.ErasureContext(
        session=session,
        settings=settings,
        member=member,
        content=content,
        now=now or utcnow(),
        counts={},
    )
    for hook in registry.erasers():
        hook.func(ctx)
    log.info(
        "member erased member_id=%s content=%s %s",
        member.id,
        content,
        " ".join(f"{k}={v}" for k, v in sorted(ctx.counts.items())),
    )
    return ctx.counts


# =========================================================================== non-member erasure


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="privacy-erasure")


def _identifier(kind: str, raw: str) -> str:
    if kind not in ("email", "phone", "linkedin"):
        raise InvalidInput("Choose email, phone or linkedin.", field="kind")
    return optouts.normalize_identifier(kind, raw)  # type: ignore[arg-type]


def request_email_erasure(
    session: Session, settings: Settings, raw: str, *, now: datetime | None = None
) -> None:
    """Mail a confirmation link to the address. The same answer whoever holds it (the link
    reaches only the address's owner, so nothing is revealed to whoever asked)."""
    now = now or utcnow()
    normalized = _identifier("email", raw)
    nonce = secrets.token_urlsafe(24)
    row = ErasureRequest(
        kind="email",
        key_hash=optouts.identifier_hash("email", normalized, settings.secret_key),
        nonce_hash=_sha(nonce),
        status="pending",
        created_at=now,
        expires_at=now + timedelta(hours=settings.erasure_link_hours),
    )
    session.add(row)
    session.flush()
    token = _serializer(settings).dumps({"r": row.id, "n": nonce, "e": normalized})
    link = f"{settings.base_url.rstrip('/')}/erasure/confirm?{urlencode({'token': token})}"
    mail.queue(
        session,
        settings,
        to=normalized,
        kind="privacy.erasure",
        subject="Confirm: remove you from every contact book on Sharewell",
        body=(
            "Someone (we hope you) asked to remove this address from every contact book on "
            f"Sharewell ({settings.base_url}).\n\nTo confirm, open this link and press the "
            f"button (it works once, for {settings.erasure_link_hours} hours):\n\n{link}\n\n"
            "If it was not you, ignore this message: nothing changes.\n"
        ),
    )


def confirm_email_erasure(
    session: Session, settings: Settings, token: str, *, now: datetime | None = None
) -> None:
    now = now or utcnow()
    try:
        data = _serializer(settings).loads(token, max_age=settings.erasure_link_hours * 3600)
        request_id, nonce, normalized = int(data["r"]), str(data["n"]), str(data["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidInput(LINK_INVALID, field="token") from None
    key = optouts.identifier_hash("email", normalized, settings.secret_key)
    # Single use: only one confirmation can move the row out of "pending".
    taken = session.execute(
        update(ErasureRequest)
        .where(
            ErasureRequest.id == request_id,
            ErasureRequest.kind == "email",
            ErasureRequest.status == "pending",
            ErasureRequest.nonce_hash == _sha(nonce),
            ErasureRequest.key_hash == key,
            ErasureRequest.expires_at > now,
        )
        .values(status="done", nonce_hash="", handled_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput(LINK_INVALID, field="token")
    erase_person(session, settings, "email", normalized)


def request_admin_erasure(
    session: Session,
    settings: Settings,
    kind: str,
    raw: str,
    reply_to: str,
    *,
    now: datetime | None = None,
) -> None:
    """A phone number or LinkedIn URL cannot be confirmed by a link: an administrator checks
    the request (answering at ``reply_to``) and completes or rejects it."""
    if kind not in ("phone", "linkedin"):
        raise InvalidInput(
            "Ask by phone number or LinkedIn URL here; by email, use the link.", field="kind"
        )
    normalized = _identifier(kind, raw)
    reply = contact_rules.normalize_email(reply_to)
    if not reply:
        raise InvalidInput("Give an email address we can answer at.", field="reply_to")
    session.add(
        ErasureRequest(
            kind=kind,
            key_hash=optouts.identifier_hash(kind, normalized, settings.secret_key),
            identifier=normalized,
            reply_to=reply,
            status="pending",
            created_at=now or utcnow(),
        )
    )
    session.flush()


@dataclass(frozen=True)
class PendingRequest:
    id: int
    kind: str
    identifier: str
    reply_to: str
    created_at: datetime


def pending_admin_requests(session: Session, *, limit: int = 200) -> list[PendingRequest]:
    rows = session.scalars(
        select(ErasureRequest)
        .where(ErasureRequest.status == "pending", ErasureRequest.kind != "email")
        .order_by(ErasureRequest.id)
        .limit(limit)
    )
    return [PendingRequest(r.id, r.kind, r.identifier, r.reply_to, r.created_at) for r in rows]


def _pending_admin_request(session: Session, request_id: int) -> ErasureRequest:
    row = session.get(ErasureRequest, request_id, with_for_update=True)
    if row is None or row.kind == "email" or row.status != "pending":
        raise NotFound("No such open request.")
    return row


def handle_admin_request(
    session: Session,
    settings: Settings,
    admin: Member,
    request_id: int,
    *,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> None:
    """Complete (erase) or reject a phone/LinkedIn request; the identifier and reply address
    are wiped either way, only the keyed hash stays."""
    if not admin.is_admin:
        raise NotFound("No such open request.")
    row = _pending_admin_request(session, request_id)
    now = now or utcnow()
    if approve:
        erase_person(session, settings, row.kind, row.identifier)
        body = ERASURE_DONE
    else:
        body = "We could not complete your request to be erased from Sharewell's contact books."
        if note.strip():
            body += "\n\n" + " ".join(note.split())[:1000]
    mail.queue(
        session,
        settings,
        to=row.reply_to,
        kind="privacy.erasure_answer",
        subject="Your erasure request on Sharewell",
        body=body + "\n",
    )
    row.status = "done" if approve else "rejected"
    row.identifier, row.reply_to, row.handled_at = "", "", now
    log.info("erasure request %s %s by admin %s", row.id, row.status, admin.id)


def erase_person(session: Session, settings: Settings, kind: str, raw: str) -> int:
    """Delete every contact, in every book, that carries this identifier; keep only the
    opt-out's keyed hash. Returns how many went (for the admin log, never for the asker)."""
    normalized = _identifier(kind, raw)
    optouts.register_optout(session, kind, normalized, secret_key=settings.secret_key)  # type: ignore[arg-type]
    if kind == "email":
        matching = select(ContactEmail.contact_id).where(ContactEmail.normalized == normalized)
    elif kind == "phone":
        matching = select(ContactPhone.contact_id).where(ContactPhone.normalized == normalized)
    else:
        matching = select(Contact.id).where(Contact.linkedin_key == normalized)
    ids = list(session.scalars(matching))
    for start in range(0, len(ids), 500):
        session.execute(delete(Contact).where(Contact.id.in_(ids[start : start + 500])))
    if kind == "email":  # notices about them that were never sent go too
        session.execute(
            delete(MailMessage).where(
                MailMessage.to_addr == normalized,
                MailMessage.kind == "privacy.notice",
                MailMessage.status.in_(("queued", "outbox")),
            )
        )
    session.expire_all()
    log.info("non-member erasure kind=%s contacts=%s", kind, len(ids))
    return len(ids)


# =========================================================================== notices


@dataclass(frozen=True)
class NoticePolicy:
    template: str
    required: bool
    is_default: bool


def notice_policy(session: Session) -> NoticePolicy:
    row = session.get(SiteSetting, NOTICE_TEMPLATE_KEY)
    required = session.get(SiteSetting, NOTICE_REQUIRED_KEY)
    return NoticePolicy(
        template=row.value if row else rules.DEFAULT_NOTICE_TEMPLATE,
        required=bool(required and required.value == "true"),
        is_default=row is None,
    )


def _set_site(session: Session, key: str, value: str | None) -> None:
    row = session.get(SiteSetting, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(SiteSetting(key=key, value=value))
    else:
        row.value = value


def set_notice_policy(
    session: Session,
    *,
    template: str | None = None,
    required: bool | None = None,
    reset_template: bool = False,
) -> NoticePolicy:
    if reset_template:
        _set_site(session, NOTICE_TEMPLATE_KEY, None)
    elif template is not None:
        _set_site(session, NOTICE_TEMPLATE_KEY, rules.check_template(template))
    if required is not None:
        _set_site(session, NOTICE_REQUIRED_KEY, "true" if required else "false")
    session.flush()
    return notice_policy(session)


def on_first_shared(session: Session, holder: Member, contact_ids: Sequence[int]) -> None:
    """Called by ``contacts.sharing`` with the entries that just left ``private``: each one
    with an email address that never had a notice gets a pending one (once per entry)."""
    if not contact_ids:
        return
    now = utcnow()
    added = 0
    for start in range(0, len(contact_ids), 500):
        chunk = list(contact_ids[start : start + 500])
        with_email = set(
            session.scalars(
                select(ContactEmail.contact_id)
                .join(Contact, Contact.id == ContactEmail.contact_id)
                .where(ContactEmail.contact_id.in_(chunk), Contact.opted_out.is_(False))
            )
        )
        known = set(
            session.scalars(
                select(ContactNotice.contact_id).where(ContactNotice.contact_id.in_(chunk))
            )
        )
        for cid in sorted(with_email - known):
            session.add(ContactNotice(contact_id=cid, holder_id=holder.id, created_at=now))
            added += 1
    if added:
        session.flush()
        if notice_policy(session).required:
            import sharewell.privacy.tasks  # noqa: F401 - the job is registered
            from sharewell.jobs import service as jobs_service

            jobs_service.request_run(session, NOTICE_JOB, now)


def _sent_today(session: Session, holder_id: int, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count(ContactNotice.id)).where(
                ContactNotice.holder_id == holder_id,
                ContactNotice.status == "sent",
                ContactNotice.sent_at > now - timedelta(days=1),
            )
        )
        or 0
    )


def _send(
    session: Session,
    settings: Settings,
    contact: Contact,
    notice: ContactNotice,
    holder_name: str,
    template: str,
    now: datetime,
) -> None:
    email = next((e.normalized for e in contact.emails if e.normalized), None)
    if email is None or contact.opted_out or contact.visibility == "private":
        notice.status = "skipped"
        return
    base = settings.base_url.rstrip("/")
    card = card_fields_for(card_source(contact))
    body = rules.render_notice(
        template,
        holder_name=holder_name,
        shared=rules.describe_shared(contact.visibility, card),
        optout_url=f"{base}/optout",
        erasure_url=f"{base}/erasure",
        site_url=base,
    )
    mail.queue(
        session,
        settings,
        to=email,
        subject=rules.DEFAULT_NOTICE_SUBJECT,
        body=body,
        kind="privacy.notice",
    )
    notice.status, notice.sent_at = "sent", now


def send_notice(
    session: Session,
    settings: Settings,
    holder: Member,
    public_id: str,
    *,
    now: datetime | None = None,
) -> None:
    """The holder sends the notice for one shared entry (at most ``notice_daily_limit`` a day)."""
    now = now or utcnow()
    contact = own_contact(session, holder, public_id)
    if contact.visibility == "private":
        raise Conflict("Share the entry first: the notice tells the person what is shared.")
    if contact.opted_out:
        raise Conflict("This person opted out; they get no mail from us.")
    if not any(e.normalized for e in contact.emails):
        raise Conflict("This entry has no email address to send a notice to.")
    notice = session.scalar(select(ContactNotice).where(ContactNotice.contact_id == contact.id))
    if notice is None:
        notice = ContactNotice(contact_id=contact.id, holder_id=holder.id, created_at=now)
        session.add(notice)
    elif notice.status == "sent":
        raise Conflict("A notice went to this person already.")
    used = _sent_today(session, holder.id, now)
    if used >= settings.notice_daily_limit:
        raise RateLimited(
            f"You sent {used} notices in the last day, the most allowed; the rest can go tomorrow.",
            retry_after=3600,
        )
    _send(
        session,
        settings,
        contact,
        notice,
        holder.display_name,
        notice_policy(session).template,
        now,
    )
    session.flush()


def skip_notice(session: Session, holder: Member, public_id: str) -> None:
    contact = own_contact(session, holder, public_id)
    if notice_policy(session).required:
        raise Conflict("The administrator requires these notices; it will be sent.")
    notice = session.scalar(select(ContactNotice).where(ContactNotice.contact_id == contact.id))
    if notice is None or notice.status != "pending":
        raise NotFound("No notice is waiting for this entry.")
    notice.status = "skipped"
    session.flush()


@dataclass(frozen=True)
class PendingNotice:
    public_id: str
    name: str
    visibility: str
    created_at: datetime


def pending_notices(session: Session, holder: Member, *, limit: int = 100) -> list[PendingNotice]:
    rows = session.execute(
        select(Contact, ContactNotice.created_at)
        .join(ContactNotice, ContactNotice.contact_id == Contact.id)
        .where(ContactNotice.holder_id == holder.id, ContactNotice.status == "pending")
        .order_by(ContactNotice.id)
        .limit(limit)
    ).all()
    return [PendingNotice(c.public_id, c.display_name, c.visibility, at) for c, at in rows]


def send_required_notices(
    session: Session, settings: Settings, now: datetime, *, limit: int = 500
) -> int:
    """The job: when the admin requires notices, send the pending ones, within each holder's
    daily limit (the rest wait for the next run)."""
    policy = notice_policy(session)
    if not policy.required:
        return 0
    sent = 0
    budget: dict[int, int] = {}
    names: dict[int, str] = {}
    notices = session.scalars(
        select(ContactNotice)
        .where(ContactNotice.status == "pending")
        .order_by(ContactNotice.id)
        .limit(limit)
    ).all()
    for notice in notices:
        hid = notice.holder_id
        if hid not in budget:
            budget[hid] = settings.notice_daily_limit - _sent_today(session, hid, now)
            names[hid] = session.scalar(select(Member.display_name).where(Member.id == hid)) or ""
        if budget[hid] <= 0:
            continue
        contact = session.get(Contact, notice.contact_id)
        if contact is None:
            continue
        _send(session, settings, contact, notice, names[hid], policy.template, now)
        if notice.status == "sent":
            budget[hid] -= 1
            sent += 1
    session.flush()
    return sent


# ========================================================================= retention


def sweep(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Forget what the retention settings say may go: the display audit, handled or expired
    erasure requests (their identifiers were wiped already), skipped/sent notice records of
    entries that are private again stay (they mark "first shared")."""
    counts: dict[str, int] = {}
    counts["display_audit"] = int(
        session.execute(
            delete(ContactDisplay).where(
                ContactDisplay.at < now - timedelta(days=settings.display_audit_days)
            )
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )
    counts["erasure_requests"] = int(
        session.execute(
            delete(ErasureRequest).where(
                (ErasureRequest.status != "pending")
                & (ErasureRequest.handled_at < now - timedelta(days=30))
                | (ErasureRequest.kind == "email")
                & (ErasureRequest.status == "pending")
                & (ErasureRequest.expires_at < now)
            )
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )
    return counts
