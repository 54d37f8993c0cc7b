"""``db.ids_in``: a list of ids of any length works on both databases (SQLite refuses a
statement with more than 250,000 placeholders; a broad search at 100,000 members re-checks
that many contacts), and long and short lists select the same rows."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import Members

from sharewell.db import SQLITE_LIST_MAX, ids_in
from sharewell.members.models import Member


def test_any_number_of_ids_selects_exactly_the_listed_rows(db: Session, members: Members) -> None:
    made = [members.create().id for _ in range(3)]
    for ids in (
        [made[0], made[2]],  # short: placeholders
        [made[0], made[2], *range(10**9, 10**9 + SQLITE_LIST_MAX)],  # just past the switch
        [*range(10**9, 10**9 + 300_000), made[1]],  # past SQLite's placeholder limit
    ):
        found = db.scalars(select(Member.id).where(ids_in(db, Member.id, ids))).all()
        assert sorted(found) == sorted(set(ids) & set(made))
    assert db.scalar(select(func.count()).where(ids_in(db, Member.id, []))) == 0
