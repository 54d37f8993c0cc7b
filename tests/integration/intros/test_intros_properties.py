"""Property test: random sequences of actions by every participant on random requests. After
each step, nothing a requester or connector can read (the request page, the inbox, the
notifications) carries the non-member target's name, email or phone beyond what its card
shows, unless the introduction was accepted (and then only the requester's view); and every
step either follows the state machine or is refused with nothing changed."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from tests.factories import Members
from tests.intros_support import (
    SILENT_NAME,
    SILENT_PHONE,
    TARGET_EMAIL,
    TARGET_NAME,
    TARGET_PHONE,
    make_chain,
)

from sharewell.config import Settings
from sharewell.errors import SharewellError
from sharewell.intros import queries, rules, service
from sharewell.intros.models import Intro
from sharewell.members.models import Member

SECRETS = (TARGET_NAME, TARGET_EMAIL, TARGET_PHONE, SILENT_NAME, SILENT_PHONE, "NOTE-")
ACTORS = ("requester", "c1", "c2")
ACTIONS = ("forward", "ask_target", "attest", "decline", "question", "answer", "withdraw",
           "expire", "message", "outcome")  # fmt: skip


@hsettings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(
    card=st.sampled_from(["target", "silent"]),
    steps=st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(ACTIONS)), max_size=12),
)
def test_no_detail_before_acceptance_and_no_illegal_move(
    db: Session, members: Members, settings: Settings, card: str, steps: list[tuple[str, str]]
) -> None:
    chain = make_chain(db, members, settings)
    who = {"requester": chain.requester, "c1": chain.c1, "c2": chain.c2}
    card_id = chain.target_card if card == "target" else chain.silent_card
    intro = service.create_request(db, settings, chain.requester, service.RequestSpec(
        target_kind="card", card_id=card_id, why="w", path=[chain.c1.handle, chain.c2.handle]))  # fmt: skip
    db.commit()
    pid = intro.public_id
    for actor, action in steps:
        me = who[actor]
        before = db.get(Intro, intro.id)
        assert before is not None
        state_before, version_before = before.state, before.version
        calls = {
            "forward": lambda: service.forward(db, settings, me, pid),
            "ask_target": lambda: service.ask_target(db, settings, me, pid),
            "attest": lambda: service.attest(db, settings, me, pid),
            "decline": lambda: service.decline(db, settings, me, pid, "r"),
            "question": lambda: service.ask_question(db, settings, me, pid, "q?"),
            "answer": lambda: service.answer(db, settings, me, pid, "a"),
            "withdraw": lambda: service.withdraw(db, settings, me, pid),
            "expire": lambda: service.expire_due(
                db,
                settings,
                before.expires_at,  # type: ignore[union-attr]
            ),
            "message": lambda: service.post_message(db, settings, me, pid, "hi"),
            "outcome": lambda: service.record_outcome(db, settings, me, pid, "met"),
        }
        try:
            calls[action]()
            db.commit()
        except SharewellError:
            db.rollback()
            after = db.get(Intro, intro.id)
            assert after is not None
            assert (after.state, after.version) == (state_before, version_before)
        after = db.get(Intro, intro.id)
        assert after is not None
        if after.state != state_before:
            moved = {
                ("requested", "forwarded"), ("requested", "asked"), ("forwarded", "asked"),
                ("requested", "accepted"), ("forwarded", "accepted"), ("asked", "accepted"),
            }  # fmt: skip
            ok = (state_before, after.state) in moved or (
                state_before in rules.OPEN_STATES
                and after.state in ("declined", "withdrawn", "expired")
            )
            assert ok, (state_before, after.state, actor, action)
        accepted = after.state == "accepted"
        for member in (*who.values(), chain.member_target):
            # The inbox tabs' counts (one SQL count per box) agree with the rows themselves.
            assert queries.counts(db, member) == _waiting_in_every_box(db, member)
        for name, member in who.items():
            try:
                texts = [queries.intro_view(db, member, pid).model_dump_json()]
            except SharewellError:
                texts = []
            texts.append(queries.notifications(db, member).model_dump_json())
            texts.append(queries.inbox(db, member, "from", limit=10).model_dump_json())
            texts.append(queries.inbox(db, member, "through", limit=10).model_dump_json())
            for text in texts:
                for secret in SECRETS:
                    if accepted and name == "requester" and secret != "NOTE-":
                        continue
                    assert secret not in text, (secret, name, after.state)


def _waiting_in_every_box(db: Session, member: Member) -> dict[str, int]:
    """Requests waiting on ``member`` per box, read page by page through the whole inbox."""
    out = {}
    for box in queries.BOXES:
        waiting, cursor = 0, None
        while True:
            page = queries.inbox(db, member, box, limit=2, cursor=cursor)
            waiting += sum(1 for item in page.items if item.waiting_on_me)
            if not (cursor := page.next_cursor):
                break
        out[box] = waiting
    return out


def test_counts_follow_a_member_target_through_the_chain(
    db: Session, members: Members, settings: Settings
) -> None:
    chain = make_chain(db, members, settings)
    intro = service.create_request(db, settings, chain.requester, service.RequestSpec(
        target_kind="member", target_handle=chain.member_target.handle, why="meet",
        path=[chain.c1.handle, chain.c2.handle, chain.member_target.handle]))  # fmt: skip
    zero = {"to": 0, "through": 0, "from": 0}
    assert queries.counts(db, chain.c1) == {**zero, "through": 1}
    assert queries.counts(db, chain.c2) == zero  # not reached yet
    service.forward(db, settings, chain.c1, intro.public_id)
    assert queries.counts(db, chain.c1) == zero
    assert queries.counts(db, chain.c2) == {**zero, "through": 1}
    service.ask_question(db, settings, chain.c2, intro.public_id, "Why now?")
    assert queries.counts(db, chain.c2) == zero
    assert queries.counts(db, chain.requester) == {**zero, "from": 1}
    service.answer(db, settings, chain.requester, intro.public_id, "A hire.")
    service.ask_target(db, settings, chain.c2, intro.public_id)
    assert queries.counts(db, chain.member_target) == {**zero, "to": 1}
    assert queries.counts(db, chain.requester) == zero
    service.accept(db, settings, chain.member_target, intro.public_id, "mona@example.org")
    assert queries.counts(db, chain.member_target) == zero
