"""Pure rules for members and profiles: no database, no web."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from urllib.parse import urlsplit

from sharewell.errors import InvalidInput

HANDLE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,28}[a-z0-9])$")
RESERVED_HANDLES = frozenset(
    {
        "admin",
        "api",
        "about",
        "docs",
        "feeds",
        "find",
        "help",
        "home",
        "insights",
        "intros",
        "ledger",
        "login",
        "logout",
        "me",
        "members",
        "network",
        "new",
        "paths",
        "search",
        "settings",
        "signin",
        "signout",
        "signup",
        "static",
        "support",
        "topics",
        "sharewell",
        "standing",
        "contacts",
        "www",
        "mail",
        "root",
        "system",
    }
)
PASSWORD_MIN = 10
PASSWORD_MAX = 200
MAX_TOPICS = 20
MAX_ITEMS = 10
MAX_LINKS = 8
TOPIC_MAX_LEN = 40
BIO_MAX = 5000


def normalize_handle(handle: str) -> str:
    value = handle.strip().lstrip("@").lower()
    if not HANDLE_RE.match(value):
        raise InvalidInput(
            "A handle has 3 to 30 letters a-z, digits or hyphens, and starts and ends with a "
            "letter or digit.",
            field="handle",
        )
    if value in RESERVED_HANDLES:
        raise InvalidInput(f"The handle '{value}' is reserved; choose another.", field="handle")
    return value


def handle_from_name(name: str) -> str:
    """A handle suggestion from a display name: ASCII-folded, hyphenated, length-bounded."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:26].strip("-")
    if len(slug) < 3 or slug in RESERVED_HANDLES:
        slug = f"member-{secrets.token_hex(3)}"
    return slug


def check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(
            f"Use a password of at least {PASSWORD_MIN} characters.", field="password"
        )
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(
            f"Use a password of at most {PASSWORD_MAX} characters.", field="password"
        )


def normalize_email(email: str) -> str:
    """Lower-case the whole address: mailbox case-sensitivity is never relied on in practice,
    and treating ``Ann@x`` and ``ann@x`` as two accounts would let one person sign up twice."""
    return email.strip().lower()


def clean_display_name(name: str) -> str:
    value = " ".join(name.split())
    if not value:
        raise InvalidInput("Tell us your name as you want others to see it.", field="display_name")
    if len(value) > 100:
        raise InvalidInput("A name has at most 100 characters.", field="display_name")
    return value


def topic_slug(label: str) -> str:
    """``"Data Engineering"``, ``"data-engineering "`` and ``"#DataEngineering"``-ish spellings
    meet on one slug, so topic pages gather everyone who means the same thing."""
    text = unicodedata.normalize("NFKC", label).strip().lstrip("#").casefold()
    text = re.sub(r"[\s_/]+", "-", text)
    text = re.sub(r"[^\w+#.-]", "", text)  # keep c++, c#, .net
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    if not text:
        raise InvalidInput(f"'{label[:40]}' is not a usable topic.", field="topics")
    if len(text) > TOPIC_MAX_LEN:
        raise InvalidInput(
            f"A topic has at most {TOPIC_MAX_LEN} characters: '{label[:40]}…'.", field="topics"
        )
    return text


def topic_label(label: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", label).strip().lstrip("#").split())[
        :TOPIC_MAX_LEN
    ]


def normalize_topics(labels: list[str]) -> list[tuple[str, str]]:
    """Unique ``(slug, label)`` pairs in the order given."""
    seen: dict[str, str] = {}
    for raw in labels:
        if not raw.strip():
            continue
        slug = topic_slug(raw)
        seen.setdefault(slug, topic_label(raw))
    if len(seen) > MAX_TOPICS:
        raise InvalidInput(f"Choose at most {MAX_TOPICS} topics.", field="topics")
    return list(seen.items())


def clean_items(items: list[str], field: str) -> list[str]:
    cleaned = [" ".join(item.split()) for item in items if item.strip()]
    if len(cleaned) > MAX_ITEMS:
        raise InvalidInput(f"List at most {MAX_ITEMS} {field}.", field=field)
    for item in cleaned:
        if len(item) > 200:
            raise InvalidInput(f"Each of your {field} has at most 200 characters.", field=field)
    return cleaned


def check_link_url(url: str) -> str:
    value = url.strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(value) > 500:
        raise InvalidInput(
            "Links must be full http(s) addresses such as https://example.com, "
            f"not '{value[:60]}'.",
            field="links",
        )
    return value


def new_secret(prefix: str) -> str:
    """A random bearer secret with a readable prefix (so leaked tokens can be recognised)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    """Secrets are 256-bit random values, so a fast hash is enough (no brute force is possible);
    passwords, which people choose, use argon2id instead (see ``passwords.py``)."""
    return hashlib.sha256(secret.encode()).hexdigest()
