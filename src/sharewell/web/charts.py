"""Charts drawn by pygal (a maintained server-side SVG library): give/take over time,
standing over time, and the introduction funnel. Each is served as its own SVG document from
``/charts/…`` and shown with ``<img>``: pygal's SVG carries its own ``<style>``, which the
pages' strict CSP would refuse inline, and an image can run no script at all. The pages keep
the same numbers in a table beside each chart, and no chart relies on colour alone: gives
point up and takes down, standing is one line with a marked point per day, the funnel is one
series with its numbers printed on the bars."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date

import pygal
from fastapi import APIRouter, Response
from pygal.style import Style

from sharewell.db import utcnow
from sharewell.deps import SessionDep, SettingsDep
from sharewell.intros import queries as intro_queries
from sharewell.ledger import queries as ledger_queries
from sharewell.ledger.schemas import TallyPointOut
from sharewell.members import queries as members
from sharewell.standing import queries as standing_queries
from sharewell.web.session import SignedInMember, WebMember

# pygal appends a pre-PEP 451 import hook (``find_module`` only, for its map plugins, which
# Sharewell does not use) to ``sys.meta_path``. Tools that walk ``sys.meta_path`` and call
# ``find_spec`` on each entry (pytest's importlib mode, for one) then fail with
# AttributeError, and Python 3.12 ignores such hooks anyway: take it out.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

router = APIRouter(include_in_schema=False)

# Dark enough on white for text (WCAG AA); green and red differ in lightness too.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#5f6b7a",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    colors=("#1b5e20", "#b71c1c", "#0d47a1"),
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    opacity="1",
    value_colors=("#ffffff", "#ffffff", "#ffffff"),  # printed values sit on the dark bars
    opacity_hover="1",
)


WIDE, NARROW = 720, 360  # the page picks the narrow drawing on phones (<picture>)


def _config(**extra: object) -> dict[str, object]:
    return {
        "style": STYLE, "js": [], "width": WIDE, "height": 300, "explicit_size": False,
        "show_y_guides": True, "legend_at_bottom": True, "truncate_legend": -1,
        "print_values": False, "margin": 12, "truncate_label": -1, **extra,
    }  # fmt: skip


def _whole_ticks(low: int, high: int, most: int = 6) -> list[int]:
    """Axis ticks on whole numbers (counts of gives or requests have no tenths)."""
    low, high = min(low, 0), max(high, 1)
    step = max(1, -(-(high - low) // most))
    return list(range(low - low % step if low % step else low, high + step, step))


def give_take_svg(series: Sequence[TallyPointOut], width: int = WIDE) -> bytes:
    """Gives per week above the axis, takes below it."""
    peak_give = max((p.gives for p in series), default=0)
    peak_take = max((p.takes for p in series), default=0)
    chart = pygal.Bar(
        **_config(
            x_label_rotation=0, show_minor_x_labels=False, width=width,
            y_labels=_whole_ticks(-peak_take, peak_give),
        )
    )  # fmt: skip
    chart.x_labels = [p.week_start.strftime("%d %b") for p in series]
    chart.x_labels_major = chart.x_labels[:: max(1, len(series) // (6 if width > NARROW else 3))]
    chart.add("Gives (up)", [p.gives for p in series])
    chart.add("Takes (down)", [-p.takes for p in series])
    return bytes(chart.render())


def give_take_summary(series: Sequence[TallyPointOut]) -> str:
    last = series[-1].balance if series else 0
    return (
        f"Gives and takes per week over {len(series)} weeks: "
        f"{sum(p.gives for p in series)} gives, {sum(p.takes for p in series)} takes; "
        f"balance {last}."
    )


def standing_svg(points: Sequence[tuple[date, float]], width: int = WIDE) -> bytes:
    chart = pygal.Line(
        **_config(
            show_legend=False,
            dots_size=4,
            fill=False,
            show_minor_x_labels=False,
            include_x_axis=True,
            width=width,
        )
    )
    chart.x_labels = [d.strftime("%d %b") for d, _ in points]
    chart.x_labels_major = chart.x_labels[:: max(1, len(points) // (6 if width > NARROW else 3))]
    chart.add("Standing level", [round(v, 3) for _, v in points])
    return bytes(chart.render())


def funnel_svg(stages: Sequence[tuple[str, int]], width: int = WIDE) -> bytes:
    peak = max((n for _, n in stages), default=0)
    chart = pygal.HorizontalBar(
        **_config(
            show_legend=False, print_values=True, height=60 + 48 * len(stages),
            y_labels=_whole_ticks(0, peak), width=width,
        )
    )  # fmt: skip
    # pygal draws the first value at the bottom: reversed, the first stage is on top.
    chart.x_labels = [label for label, _ in reversed(stages)]
    chart.add("Requests", [n for _, n in reversed(stages)])
    return bytes(chart.render())


def _svg(body: bytes) -> Response:
    return Response(
        body,
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=60"},
    )


def _width(narrow: int) -> int:
    return NARROW if narrow else WIDE


@router.get("/charts/give-take.svg")
def give_take(me: SignedInMember, session: SessionDep, narrow: int = 0) -> Response:
    series = ledger_queries.tally_series(session, me, now=utcnow(), weeks=26)
    return _svg(give_take_svg(series, _width(narrow)))


@router.get("/charts/funnel.svg")
def intro_funnel(me: SignedInMember, session: SessionDep, narrow: int = 0) -> Response:
    return _svg(funnel_svg(intro_queries.funnel(session, me.id), _width(narrow)))


@router.get("/charts/standing/{handle}.svg")
def standing(
    handle: str, me: WebMember, session: SessionDep, settings: SettingsDep, narrow: int = 0
) -> Response:
    """Public, as the profile that shows it is."""
    member = members.active_member_by_handle(session, handle[:40])
    points = standing_queries.history(
        session, member.id, days=settings.standing_history_days, now=utcnow()
    )
    return _svg(standing_svg([(p.day, p.level) for p in points], _width(narrow)))
