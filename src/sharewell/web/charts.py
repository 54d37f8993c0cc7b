"""Server-rendered SVG charts: geometry computed here, drawn by templates (autoescaped, no
script, no inline style, so the CSP stays strict and the chart works without JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass

from sharewell.ledger.schemas import TallyPointOut

WIDTH, HEIGHT, PAD = 640, 220, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class GiveTakeChart:
    width: int
    height: int
    zero_y: float
    gives: list[Bar]
    takes: list[Bar]
    balance_points: str  # SVG polyline points of the cumulative give − take balance
    ticks: list[tuple[float, str]]  # (x, label) for a few week starts
    max_count: int
    summary: str


def give_take_chart(series: list[TallyPointOut]) -> GiveTakeChart:
    n = max(1, len(series))
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    zero_y = PAD + plot_h / 2
    peak = max([1] + [max(p.gives, p.takes) for p in series])
    balances = [p.balance for p in series] or [0]
    span = max(1, max(abs(b) for b in balances))
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.35)
    gives, takes, points, ticks = [], [], [], []
    for i, p in enumerate(series):
        x = PAD + i * slot
        week = p.week_start.strftime("%d %b")
        gh = p.gives / peak * (plot_h / 2)
        th = p.takes / peak * (plot_h / 2)
        gives.append(
            Bar(x + slot * 0.1, zero_y - gh, bar_w, gh, f"week of {week}: {p.gives} gives")
        )
        takes.append(
            Bar(x + slot * 0.1 + bar_w, zero_y, bar_w, th, f"week of {week}: {p.takes} takes")
        )
        y = zero_y - p.balance / span * (plot_h / 2)
        points.append(f"{x + slot / 2:.1f},{y:.1f}")
        if i % max(1, n // 6) == 0:
            ticks.append((x, week))
    last = series[-1] if series else None
    summary = (
        f"Over {len(series)} weeks: {sum(p.gives for p in series)} gives and "
        f"{sum(p.takes for p in series)} takes; overall balance {last.balance if last else 0}."
    )
    return GiveTakeChart(
        WIDTH, HEIGHT, zero_y, gives, takes, " ".join(points), ticks, peak, summary
    )
