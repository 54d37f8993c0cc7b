"""Pure rules of the accounts area."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from sharewell.accounts import rules
from sharewell.accounts.rules import LinkDecision, Registration
from sharewell.errors import InvalidInput, PermissionDenied

D = LinkDecision


@pytest.mark.parametrize(
    ("linked", "signed_in", "email_member", "trusted", "verified", "expected"),
    [
        (7, None, None, False, False, D.SIGN_IN),
        (7, 7, None, False, False, D.SIGN_IN),
        (7, 8, None, False, False, D.REFUSE_OTHER_MEMBER),
        (None, 8, None, False, False, D.ASK_TO_LINK),
        (None, 8, 9, True, True, D.ASK_TO_LINK),  # signed in: always ask, never guess
        (None, None, 9, False, False, D.REFUSE_EMAIL_MATCH),
        (None, None, 9, False, True, D.REFUSE_EMAIL_MATCH),  # verified but provider untrusted
        (None, None, 9, True, False, D.REFUSE_EMAIL_MATCH),  # trusted but address unverified
        (None, None, 9, True, True, D.LINK_TRUSTED),
        (None, None, None, False, False, D.CREATE),
        (None, None, None, True, True, D.CREATE),
    ],
)
def test_link_decisions_never_link_on_a_bare_email_match(
    linked: int | None,
    signed_in: int | None,
    email_member: int | None,
    trusted: bool,
    verified: bool,
    expected: LinkDecision,
) -> None:
    assert (
        rules.decide_link(
            linked_member=linked,
            signed_in_member=signed_in,
            email_member=email_member,
            provider_trusted=trusted,
            email_verified=verified,
        )
        is expected
    )


def test_registration_modes() -> None:
    rules.check_registration(Registration("open"), "a@x.org", invited=False)
    with pytest.raises(PermissionDenied, match="invitation"):
        rules.check_registration(Registration("invite"), "a@x.org", invited=False)
    rules.check_registration(Registration("invite"), "a@x.org", invited=True)
    domains = Registration("domains", ("acme.example",))
    rules.check_registration(domains, "ann@ACME.example", invited=False)
    with pytest.raises(PermissionDenied, match=r"acme\.example"):
        rules.check_registration(domains, "ann@evil.example", invited=False)
    with pytest.raises(PermissionDenied):  # a subdomain is another domain
        rules.check_registration(domains, "ann@x.acme.example", invited=False)
    rules.check_registration(domains, "ann@evil.example", invited=True)


def test_modes_domains_and_caps_are_checked() -> None:
    assert rules.check_mode(" Invite ") == "invite"
    with pytest.raises(InvalidInput):
        rules.check_mode("closed")
    assert rules.normalize_domains(["@Acme.example, b.org", "b.org"]) == ("acme.example", "b.org")
    with pytest.raises(InvalidInput):
        rules.normalize_domains(["not a domain!"])
    with pytest.raises(InvalidInput):
        rules.check_invite_cap(-1)


def test_totp_accepts_drift_and_refuses_replay() -> None:
    secret = rules.new_totp_secret()
    now = datetime(2030, 1, 1, 12, 0, 10, tzinfo=UTC)
    totp = pyotp.TOTP(secret)
    code = totp.at(now)
    step = rules.totp_step(secret, code, now, last_step=0)
    assert step == int(now.timestamp()) // 30
    assert rules.totp_step(secret, code, now, last_step=step) is None  # used once already
    assert rules.totp_step(secret, totp.at(now - timedelta(seconds=30)), now, 0) == step - 1
    assert rules.totp_step(secret, totp.at(now + timedelta(seconds=30)), now, step) == step + 1
    assert rules.totp_step(secret, totp.at(now - timedelta(minutes=5)), now, 0) is None
    assert rules.totp_step(secret, "12345", now, 0) is None
    assert rules.totp_step(secret, f" {code[:3]} {code[3:]} ", now, 0) == step
    assert rules.totp_uri(secret, "ann@x.org").startswith("otpauth://totp/Sharewell:ann")


def test_recovery_codes_are_distinct_and_normalise() -> None:
    codes = rules.new_recovery_codes()
    assert len(set(codes)) == rules.RECOVERY_CODES
    code = codes[0]
    assert len(code) == 19 and code.count("-") == 3
    assert rules.looks_like_recovery_code(code.upper().replace("-", " "))
    assert rules.normalize_recovery_code(code.upper().replace("-", "")) == code
    assert not rules.looks_like_recovery_code("123456")


@pytest.mark.parametrize(
    ("ua", "label"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 "
            "Version/17.0 Mobile Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64) AppleWebKit/537.36 Chrome/126.0 "
            "Safari/537.36 Edg/126.0",
            "Edge on Windows",
        ),
        ("", "Unknown device"),
        ("curl/8.5.0", "curl"),
    ],
)
def test_device_labels(ua: str, label: str) -> None:
    assert rules.device_label(ua) == label


def test_issuers_must_be_https_except_on_loopback() -> None:
    assert rules.check_issuer("https://accounts.example.com/") == "https://accounts.example.com"
    assert rules.check_issuer("http://localhost:8080") == "http://localhost:8080"
    assert rules.check_issuer("http://127.0.0.1:9000") == "http://127.0.0.1:9000"
    for bad in ("http://id.example.com", "ftp://x", "https://x.example?y=1", "nonsense"):
        with pytest.raises(InvalidInput):
            rules.check_issuer(bad)
    with pytest.raises(InvalidInput):
        rules.check_provider_slug("Bad Slug!")


def test_links_are_single_use_and_expire() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert rules.link_is_usable(now + timedelta(seconds=1), None, now)
    assert not rules.link_is_usable(now, None, now)
    assert not rules.link_is_usable(now + timedelta(hours=1), now, now)
