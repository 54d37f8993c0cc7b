"""A small server-rendered SVG line chart of standing over time (no JavaScript, no CDN).

Pure: numbers in, markup out. Every piece of text is escaped; the chart carries a ``<title>``
and ``<desc>`` and the page shows the same numbers in a table for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

WIDTH, HEIGHT, PAD = 600, 160, 32


def line_chart(points: Sequence[tuple[date, float]], *, label: str = "Standing level") -> str:
    """An SVG polyline of ``(day, value)`` points (oldest first); empty string when none."""
    if not points:
        return ""
    days = [d.toordinal() for d, _ in points]
    values = [max(0.0, float(v)) for _, v in points]
    lo_d, hi_d = min(days), max(days)
    hi_v = max(values) or 1.0
    span_d = max(hi_d - lo_d, 1)

    def x(d: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * (d - lo_d) / span_d

    def y(v: float) -> float:
        return HEIGHT - PAD + (2 * PAD - HEIGHT) * v / hi_v

    coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in zip(days, values, strict=True))
    first, last = points[0][0].isoformat(), points[-1][0].isoformat()
    desc = (
        f"{escape(label)} from {first} to {last}: from {values[0]:.2f} to {values[-1]:.2f}, "
        f"highest {hi_v:.2f}."
    )
    dots = "".join(
        f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="2.5"/>'
        for d, v in zip(days, values, strict=True)
    )
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">{escape(label)} over time</title>'
        f'<desc id="chart-desc">{desc}</desc>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        f'stroke="currentColor" stroke-opacity="0.4"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" '
        f'stroke="currentColor" stroke-opacity="0.4"/>'
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end" font-size="11">{hi_v:.1f}</text>'
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD}" text-anchor="end" font-size="11">0</text>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{escape(first)}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end" font-size="11">'
        f"{escape(last)}</text>"
        f'<polyline fill="none" stroke="currentColor" stroke-width="2" points="{coords}"/>'
        f'<g fill="currentColor">{dots}</g></svg>'
    )
