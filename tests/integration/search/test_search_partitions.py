"""The full-text index is split into partitions (one per kind, shared contacts by
visibility): whatever sharing changes an entry goes through, its document is in exactly the
partition of its current visibility — private and opted-out entries in none — so a card
search, an aggregate count and a member search each see only what they may."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharewell.contacts import service as contact_service
from sharewell.contacts import sharing
from sharewell.contacts.schemas import ContactIn
from sharewell.search import backends, rules
from sharewell.search.models import SearchDocument

from .conftest import World

VISIBILITIES = ("private", "blind", "open", "counted")


def partitions_holding(db: Session, word: str) -> set[str]:
    """The partitions whose full-text index answers ``word`` (in the title)."""
    dialect = db.get_bind().dialect.name
    q = rules.Query(groups=((word,),))
    found = set()
    words = {backends.FTS_PARAM: backends.expression(dialect, q, with_name=False)}
    for part in backends.PARTS:
        m = backends.match(dialect, part=part)
        stmt = select(SearchDocument.id).select_from(m.source).where(m.where)
        if db.execute(stmt, words).first():
            found.add(part)
    return found


@hsettings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.sampled_from(VISIBILITIES), min_size=1, max_size=5))
def test_an_entry_is_in_the_partition_of_its_visibility_only(
    db: Session, world: World, steps: list[str]
) -> None:
    word = "quillwright"
    contact = contact_service.create_contact(
        db, world.holder, ContactIn(full_name="Pat Quill", title=f"Master {word}")
    )
    db.flush()
    assert partitions_holding(db, word) == set()  # private until shared
    for visibility in steps:
        sharing.bulk_set_visibility(
            db, world.holder, sharing.Selection(ids=(contact.public_id,)), visibility
        )
        expected = set() if visibility == "private" else {visibility}
        assert partitions_holding(db, word) == expected
    contact_service.delete_contact(db, world.holder, contact.public_id)
    db.flush()
    assert partitions_holding(db, word) == set()


def test_members_insights_and_comments_each_have_their_own_partition(
    db: Session, world: World
) -> None:
    assert partitions_holding(db, "rotas") == {"comment"}  # only a comment says "rotas"
    assert partitions_holding(db, "owner") == {"insight"}  # only an insight's body
    assert partitions_holding(db, "wrangler") == set()
    assert "member" in partitions_holding(db, "recruiter")  # a headline
