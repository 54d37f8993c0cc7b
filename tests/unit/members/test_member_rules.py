"""Pure rules of members and profiles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharewell.errors import InvalidInput
from sharewell.members import rules


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Ana", "ana"), ("@sam-okafor", "sam-okafor"), (" Priya99 ", "priya99")],
)
def test_handles_are_normalised(raw: str, expected: str) -> None:
    assert rules.normalize_handle(raw) == expected


@pytest.mark.parametrize(
    "raw", ["ab", "-ana", "ana-", "an a", "ánа", "x" * 31, "admin", "settings"]
)
def test_bad_or_reserved_handles_are_refused_with_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as err:
        rules.normalize_handle(raw)
    assert err.value.field == "handle"


@given(st.text(min_size=1, max_size=80))
def test_handle_suggestions_are_always_valid(name: str) -> None:
    assert rules.HANDLE_RE.match(rules.handle_from_name(name))


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("Data Engineering", "data-engineering"),
        ("  data   engineering ", "data-engineering"),
        ("#Python", "python"),
        ("C++", "c++"),
        ("C#", "c#"),
        (".NET", "net"),
        ("Machine_Learning", "machine-learning"),
        ("Ünïcode Tópic", "ünïcode-tópic"),
    ],
)
def test_topic_spellings_meet_on_one_slug(label: str, slug: str) -> None:
    assert rules.topic_slug(label) == slug


def test_topics_deduplicate_and_keep_the_first_label() -> None:
    assert rules.normalize_topics(["Data Engineering", "data-engineering", "", "SQL"]) == [
        ("data-engineering", "Data Engineering"),
        ("sql", "SQL"),
    ]


def test_too_many_topics_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="at most 20 topics"):
        rules.normalize_topics([f"topic {i}" for i in range(21)])


def test_unusable_topic_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a usable topic"):
        rules.topic_slug("!!!")


def test_short_passwords_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 10"):
        rules.check_password("short")
    rules.check_password("long enough pass")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.org", "example.com", "https://"])
def test_links_must_be_http_addresses(url: str) -> None:
    with pytest.raises(InvalidInput, match="http"):
        rules.check_link_url(url)


def test_secrets_are_random_prefixed_and_hashed() -> None:
    a, b = rules.new_secret("swt"), rules.new_secret("swt")
    assert a != b and a.startswith("swt_") and len(a) > 40
    assert rules.hash_secret(a) != a and len(rules.hash_secret(a)) == 64
