"""The pygal charts: well-formed SVG documents that name what they show, carry the numbers
as labels, and do not lean on colour (gives up, takes down; one series elsewhere)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from xml.etree import ElementTree

from hypothesis import given, settings
from hypothesis import strategies as st

from sharewell.ledger.schemas import TallyPointOut
from sharewell.web.charts import (
    _whole_ticks,
    funnel_svg,
    give_take_summary,
    give_take_svg,
    standing_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: bytes) -> list[str]:
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def _week(i: int, gives: int, takes: int, balance: int) -> TallyPointOut:
    return TallyPointOut(
        week_start=datetime(2026, 1, 5) + timedelta(weeks=i), gives=gives, takes=takes,
        cumulative_gives=0, cumulative_takes=0, balance=balance,
    )  # fmt: skip


def test_give_take_names_both_directions_and_sums_in_its_summary() -> None:
    series = [_week(0, 3, 1, 2), _week(1, 0, 2, 0), _week(2, 4, 0, 4)]
    texts = _texts(give_take_svg(series))
    assert "Gives (up)" in texts and "Takes (down)" in texts
    assert give_take_summary(series) == (
        "Gives and takes per week over 3 weeks: 7 gives, 3 takes; balance 4."
    )


def test_funnel_prints_each_stage_and_its_count() -> None:
    stages = [("Requested", 5), ("Passed on by a connector", 3), ("Accepted", 1)]
    texts = _texts(funnel_svg(stages))
    for label, n in stages:
        assert label in texts and str(n) in texts


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=50, allow_nan=False), min_size=1, max_size=40))
def test_standing_chart_is_valid_svg_for_any_history(levels: list[float]) -> None:
    start = date(2026, 1, 1)
    svg = standing_svg([(start + timedelta(days=i), v) for i, v in enumerate(levels)])
    assert _texts(svg)  # parses, and carries its axis labels


@given(st.integers(min_value=-10_000, max_value=0), st.integers(min_value=0, max_value=10_000))
def test_axis_ticks_are_whole_cover_the_data_and_include_zero(low: int, high: int) -> None:
    ticks = _whole_ticks(low, high)
    assert ticks == sorted(set(ticks)) and 0 in ticks
    assert ticks[0] <= low and ticks[-1] >= high
    assert len(ticks) <= 9


def test_the_phone_drawing_is_narrower_and_still_labelled() -> None:
    series = [_week(i, i % 3, i % 2, 0) for i in range(26)]
    wide, narrow = give_take_svg(series), give_take_svg(series, 360)
    assert b'viewBox="0 0 720 300"' in wide and b'viewBox="0 0 360 300"' in narrow
    assert "Gives (up)" in _texts(narrow)
