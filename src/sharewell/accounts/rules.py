"""Pure rules of the accounts area: registration modes, two-factor codes, linking decisions for
sign-in with other providers, devices, and the texts of account mail. No database, no web."""

from __future__ import annotations

import base64
import enum
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import pyotp

from sharewell.errors import InvalidInput, PermissionDenied

# --- registration ------------------------------------------------------------------------------

REGISTRATION_MODES = ("open", "invite", "domains")
DEFAULT_INVITE_CAP = 5
INVITE_DAYS = 14
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class Registration:
    mode: str = "open"
    domains: tuple[str, ...] = ()
    invite_cap: int = DEFAULT_INVITE_CAP


def check_mode(mode: str) -> str:
    value = mode.strip().lower()
    if value not in REGISTRATION_MODES:
        raise InvalidInput(
            f"The registration mode is one of {', '.join(REGISTRATION_MODES)}, not '{mode[:20]}'.",
            field="mode",
        )
    return value


def normalize_domains(values: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for raw in values:
        for part in re.split(r"[\s,]+", raw):
            domain = part.strip().lower().lstrip("@").rstrip(".")
            if not domain:
                continue
            if not DOMAIN_RE.match(domain):
                raise InvalidInput(
                    f"'{domain[:60]}' is not a mail domain such as example.org.", field="domains"
                )
            if domain not in out:
                out.append(domain)
    if len(out) > 100:
        raise InvalidInput("List at most 100 domains.", field="domains")
    return tuple(out)


def check_invite_cap(cap: int) -> int:
    if not 0 <= cap <= 1000:
        raise InvalidInput("The invitation cap is between 0 and 1000.", field="invite_cap")
    return cap


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def check_registration(reg: Registration, email: str, *, invited: bool) -> None:
    """May someone with this address join now? A valid invitation admits in every mode."""
    if invited or reg.mode == "open":
        return
    if reg.mode == "invite":
        raise PermissionDenied(
            "Sharewell here is invitation-only: ask a member for an invitation link.",
            field="invite",
        )
    if email_domain(email) not in reg.domains:
        allowed = ", ".join(reg.domains) or "none yet"
        raise PermissionDenied(
            f"Joining is open to addresses at these domains only: {allowed}. "
            "An invitation link from a member admits other addresses.",
            field="email",
        )


# --- emailed links ---------------------------------------------------------------------------


def link_is_usable(expires_at: datetime, used_at: datetime | None, now: datetime) -> bool:
    return used_at is None and expires_at > now


LINK_INVALID = "This link is invalid, was used already or has expired. Ask for a new one."


# --- two-factor ------------------------------------------------------------------------------

TOTP_ISSUER = "Sharewell"
RECOVERY_CODES = 10


def new_totp_secret() -> str:
    return pyotp.random_base32(32)


def totp_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str, now: datetime, last_step: int) -> int | None:
    """The time step ``code`` belongs to (±1 step of clock drift), or None. A step at or before
    ``last_step`` is refused, so a code seen once (over a shoulder) cannot be used again."""
    digits = re.sub(r"\s+", "", code)
    if not re.fullmatch(r"\d{6}", digits):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current, current - 1, current + 1):
        if step > last_step and secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def new_recovery_codes(n: int = RECOVERY_CODES) -> list[str]:
    """80-bit codes (so a fast hash is safe to store), grouped for reading: ``abcd-efgh-…``."""
    out = []
    for _ in range(n):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        out.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return out


def normalize_recovery_code(code: str) -> str:
    raw = re.sub(r"[^a-z2-7]", "", code.strip().lower())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def looks_like_recovery_code(code: str) -> bool:
    return len(re.sub(r"[^a-z2-7]", "", code.strip().lower())) == 16


# --- sign-in with other providers ----------------------------------------------------------------

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")


def check_provider_slug(slug: str) -> str:
    value = slug.strip().lower()
    if not SLUG_RE.match(value):
        raise InvalidInput(
            "A provider's short name has 2 to 40 letters a-z, digits or hyphens.", field="slug"
        )
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_issuer(url: str) -> str:
    """An issuer is an https URL (plain http only on this machine's loopback, for testing)."""
    value = url.strip().rstrip("/")
    parts = urlsplit(value)
    host = parts.hostname or ""
    ok = bool(host) and (parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)))
    if not ok or parts.query or parts.fragment or len(value) > 300:
        raise InvalidInput(
            "The issuer is the provider's https:// address, such as https://accounts.google.com.",
            field="issuer",
        )
    return value


class LinkDecision(enum.Enum):
    SIGN_IN = "sign_in"  # the identity is linked already: sign its member in
    ASK_TO_LINK = "ask_to_link"  # a member is signed in: ask them to confirm the link
    LINK_TRUSTED = "link_trusted"  # trusted provider asserts a verified address of a member
    REFUSE_EMAIL_MATCH = "refuse_email_match"  # address belongs to a member: never link on that
    CREATE = "create"  # a new member, under the registration mode
    REFUSE_OTHER_MEMBER = "refuse_other_member"  # linked to someone else than who is signed in


def decide_link(
    *,
    linked_member: int | None,
    signed_in_member: int | None,
    email_member: int | None,
    provider_trusted: bool,
    email_verified: bool,
) -> LinkDecision:
    """What an OIDC sign-in may do. An identity joins an existing member only when that member is
    signed in and confirms, or when the admin trusts the provider's addresses and the provider
    says this one is verified. A bare match of addresses never links: whoever controls a
    provider (or an account there with someone's address) would take the account over."""
    if linked_member is not None:
        if signed_in_member is not None and signed_in_member != linked_member:
            return LinkDecision.REFUSE_OTHER_MEMBER
        return LinkDecision.SIGN_IN
    if signed_in_member is not None:
        return LinkDecision.ASK_TO_LINK
    if email_member is not None:
        if provider_trusted and email_verified:
            return LinkDecision.LINK_TRUSTED
        return LinkDecision.REFUSE_EMAIL_MATCH
    return LinkDecision.CREATE


# --- devices ---------------------------------------------------------------------------------

_BROWSERS = (
    ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
    ("Safari/", "Safari"), ("curl/", "curl"), ("python-httpx", "Python script"),
    ("testclient", "Test client"),
)  # fmt: skip
_SYSTEMS = (
    ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
    ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
)  # fmt: skip


def device_label(user_agent: str) -> str:
    """``"Firefox on Linux"`` from a User-Agent header; ``"Unknown device"`` when it is empty."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or ("Unknown device" if not user_agent.strip() else "Other browser")


# --- mail texts ----------------------------------------------------------------------------------


def verify_mail(name: str, link: str, hours: int) -> tuple[str, str]:
    return (
        "Confirm your address for Sharewell",
        f"Hello {name},\n\nPlease confirm this address by opening the link below:\n\n{link}\n\n"
        f"The link works for {hours} hours, once. If you did not join Sharewell, ignore this "
        "message: nothing happens without the link.\n",
    )


def reset_mail(name: str, link: str, minutes: int) -> tuple[str, str]:
    return (
        "Reset your Sharewell password",
        f"Hello {name},\n\nSomeone (we hope you) asked to reset your Sharewell password. "
        f"Choose a new one here:\n\n{link}\n\nThe link works for {minutes} minutes, once. If "
        "you did not ask, ignore this message: your password stays as it is.\n",
    )


def account_exists_mail(name: str, signin: str, reset: str) -> tuple[str, str]:
    return (
        "Someone tried to join Sharewell with your address",
        f"Hello {name},\n\nSomeone just tried to create a Sharewell account with this address, "
        f"which already has one: yours. Nothing changed.\n\nSign in: {signin}\nForgot your "
        f"password? {reset}\n\nIf it was not you, you can ignore this message.\n",
    )


@dataclass(frozen=True)
class ProviderClaims:
    """What a provider's ID token (and user info) told us about the person."""

    subject: str
    email: str | None
    email_verified: bool
    name: str
