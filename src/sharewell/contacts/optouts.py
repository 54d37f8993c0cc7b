"""The opt-out registry: people who asked never to be shared or introduced.

Identifiers are normalised (email, E.164 phone, canonical LinkedIn URL) and stored only as
HMAC-SHA256 keyed with the server's secret, so the registry is not itself a contact list. An
opt-out only ever reduces sharing, so it takes effect at once: every matching contact in every
book becomes private and stays so (imports check the registry too).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from sharewell.config import Settings
from sharewell.contacts import rules
from sharewell.contacts.models import Contact, ContactEmail, ContactPhone, OptOut
from sharewell.db import utcnow
from sharewell.errors import InvalidInput
from sharewell.mail import service as mail
from sharewell.search.indexing import refresh_contact_documents

OptOutKind = Literal["email", "phone", "linkedin"]
HASH_BATCH = 500


def identifier_hash(kind: str, normalized: str, secret_key: str) -> str:
    message = f"{kind}:{normalized}".encode()
    # The one-shot C path: an import hashes every identifier of its file.
    return hmac.digest(secret_key.encode(), message, hashlib.sha256).hex()


def normalize_identifier(kind: OptOutKind, raw: str, region: str | None = None) -> str:
    normalizers: dict[str, Callable[[str], str | None]] = {
        "email": rules.normalize_email,
        "phone": lambda v: rules.normalize_phone(v, region),
        "linkedin": rules.normalize_linkedin_url,
    }
    value = normalizers[kind](raw)
    if not value:
        examples = {
            "email": "name@example.org",
            "phone": "+49 30 1234567",
            "linkedin": "https://www.linkedin.com/in/your-name",
        }
        raise InvalidInput(
            f"That is not a usable {kind}; write it like {examples[kind]}.", field="identifier"
        )
    return value


def opted_out_keys(
    session: Session, all_keys: Iterable[rules.ContactKeys], *, secret_key: str
) -> set[tuple[str, str]]:
    """Which of these contacts' identifiers are in the registry, as (kind, normalised)."""
    if session.scalar(select(OptOut.key_hash).limit(1)) is None:
        return set()  # nobody opted out: no need to hash every identifier of an import
    wanted: dict[str, tuple[str, str]] = {}
    for keys in all_keys:
        for kind, values in (
            ("email", keys.emails),
            ("phone", keys.phones),
            ("linkedin", [keys.linkedin] if keys.linkedin else []),
        ):
            for value in values:
                wanted[identifier_hash(kind, value, secret_key)] = (kind, value)
    found: set[tuple[str, str]] = set()
    hashes = list(wanted)
    for start in range(0, len(hashes), HASH_BATCH):
        chunk = hashes[start : start + HASH_BATCH]
        found.update(
            wanted[h]
            for h in session.scalars(select(OptOut.key_hash).where(OptOut.key_hash.in_(chunk)))
        )
    return found


def register_optout(
    session: Session, kind: OptOutKind, raw: str, *, secret_key: str, region: str | None = None
) -> int:
    """Record an opt-out and make every matching contact private. Returns how many contacts
    changed (for the admin log; never shown to the requester, which would reveal books)."""
    normalized = normalize_identifier(kind, raw, region)
    key = identifier_hash(kind, normalized, secret_key)
    if session.scalar(select(OptOut.id).where(OptOut.key_hash == key)) is None:
        session.add(OptOut(kind=kind, key_hash=key))
        session.flush()
    return enforce(session, kind, normalized)


def enforce(session: Session, kind: str, normalized: str) -> int:
    condition: ColumnElement[bool]
    if kind == "email":
        matching = select(ContactEmail.contact_id).where(ContactEmail.normalized == normalized)
        condition = Contact.id.in_(matching)
    elif kind == "phone":
        matching = select(ContactPhone.contact_id).where(ContactPhone.normalized == normalized)
        condition = Contact.id.in_(matching)
    else:
        condition = Contact.linkedin_key == normalized
    changed = list(
        session.execute(
            update(Contact)
            .where(condition)
            .values(visibility="private", opted_out=True)
            .returning(Contact.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    # A bulk statement bypasses the ORM hook: the search documents carry the visibility.
    refresh_contact_documents(session.connection(), changed)
    return len(changed)


# --- confirming an email opt-out ---------------------------------------------------------------

CONFIRM_SALT = "optout-confirm"
CONFIRM_MAX_AGE = 14 * 86400
CONFIRM_SUBJECT = "Confirm: never be shared on Sharewell"


def confirmation_link(settings: Settings, key_hash: str) -> str:
    """A signed, expiring link that carries only the keyed hash (never the address)."""
    token = URLSafeTimedSerializer(settings.secret_key, salt=CONFIRM_SALT).dumps(key_hash)
    return f"{settings.base_url.rstrip('/')}/optout/confirm?token={token}"


def request_email_optout(session: Session, settings: Settings, address: str) -> None:
    """Opt out at once (it only reduces sharing) and mail a link that confirms the address is
    the requester's own, which later lets them ask for erasure too."""
    register_optout(session, "email", address, secret_key=settings.secret_key)
    normalized = normalize_identifier("email", address)
    link = confirmation_link(settings, identifier_hash("email", normalized, settings.secret_key))
    body = (
        "Someone (we hope you) asked Sharewell never to share you or introduce you through this "
        "address. That is already in effect.\n\n"
        f"To confirm the address is yours, open this link within 14 days:\n{link}\n\n"
        "If it was not you, nothing else happens: being opted out only means members cannot "
        "share or introduce you.\n"
    )
    mail.queue(session, settings, to=normalized, subject=CONFIRM_SUBJECT, body=body, kind="optout")


def confirm_optout(session: Session, settings: Settings, token: str) -> None:
    try:
        key_hash = URLSafeTimedSerializer(settings.secret_key, salt=CONFIRM_SALT).loads(
            token, max_age=CONFIRM_MAX_AGE
        )
    except (BadSignature, SignatureExpired):
        raise InvalidInput(
            "This confirmation link is not valid or has expired; ask again on the opt-out page.",
            field="token",
        ) from None
    optout = session.scalar(select(OptOut).where(OptOut.key_hash == str(key_hash)))
    if optout is None:
        raise InvalidInput("This confirmation link is not valid.", field="token")
    if optout.confirmed_at is None:
        optout.confirmed_at = utcnow()
