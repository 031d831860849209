"""Chart geometry for server-drawn SVG: stacked bars over time, lines, horizontal bars.

Charts are computed here and drawn by templates/macros.html, so pages need no script; each
chart also carries its numbers for the table shown under it (screen readers, exact values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28
PALETTE = 8
"""Series colours are CSS classes s0..s7 (dashboard.css), chosen for contrast on white."""


@dataclass(frozen=True, slots=True)
class Rect:
    """One drawn bar; ``label`` is its tooltip (SVG title)."""

    x: float
    y: float
    w: float
    h: float
    css: str
    label: str


@dataclass(frozen=True, slots=True)
class Tick:
    """A gridline with its value."""

    pos: float
    text: str


@dataclass(frozen=True, slots=True)
class Line:
    """One series of a line chart: its polyline points and dots."""

    name: str
    css: str
    points: str
    dots: tuple[tuple[float, float, str], ...]


@dataclass
class Chart:
    """What a template needs to draw one chart and its data table."""

    kind: str
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    yticks: list[Tick] = field(default_factory=list)
    xlabels: list[Tick] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _nice_max(value: float) -> float:
    """An axis top of four round steps covering ``value`` (whole numbers below 10 a step)."""
    need = max(value, 1.0) / 4
    scale = 1.0
    while scale * 10 <= need:
        scale *= 10
    steps = (1, 1.5, 2, 2.5, 3, 4, 5, 10) if scale >= 10 else (1, 2, 3, 4, 5, 10)
    return 4 * next(factor * scale for factor in steps if factor * scale >= need)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"


def stacked_bars(buckets: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                 css: Sequence[str] = ()) -> Chart:
    """Bars per bucket (day, week), one stacked segment per series (colours: ``css``)."""
    colours = list(css) or [f"s{n % PALETTE}" for n in range(len(series))]
    chart = Chart("bars", header=["", *(name for name, _ in series), "Σ"])
    totals = [sum(values[i] for _, values in series) for i in range(len(buckets))]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(buckets), 1)
    chart.yticks = [Tick(TOP + plot_h * (1 - i / 4), _number(top * i / 4)) for i in range(5)]
    every = max(1, len(buckets) // 8)
    for index, bucket in enumerate(buckets):
        x = LEFT + slot * index + slot * 0.15
        base: float = TOP + plot_h
        for number, (name, values) in enumerate(series):
            height = plot_h * values[index] / top
            if height > 0:
                base -= height
                chart.rects.append(Rect(x, base, slot * 0.7, height, colours[number],
                                        f"{bucket} · {name}: {_number(values[index])}"))
        if index % every == 0:
            chart.xlabels.append(Tick(LEFT + slot * (index + 0.5), bucket))
        chart.rows.append([bucket, *(_number(v[index]) for _, v in series),
                           _number(totals[index])])
    chart.legend = [(name, colours[n]) for n, (name, _) in enumerate(series)]
    return chart


def lines(buckets: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
          low: float, high: float) -> Chart:
    """One line per series on a fixed scale (NPS −100..100, CSAT 1..5); gaps where unknown."""
    chart = Chart("lines", header=["", *(name for name, _ in series)])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(buckets), 1)
    chart.yticks = [Tick(TOP + plot_h * (1 - i / 4), _number(low + (high - low) * i / 4))
                    for i in range(5)]
    every = max(1, len(buckets) // 8)
    chart.xlabels = [Tick(LEFT + slot * (i + 0.5), b) for i, b in enumerate(buckets)
                     if i % every == 0]
    for number, (name, values) in enumerate(series):
        dots = tuple((LEFT + slot * (i + 0.5),
                      TOP + plot_h * (1 - (value - low) / (high - low)),
                      f"{buckets[i]} · {name}: {_number(value)}")
                     for i, value in enumerate(values) if value is not None)
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in dots)
        chart.lines.append(Line(name, f"s{number % PALETTE}", points, dots))
    chart.legend = [(line.name, line.css) for line in chart.lines]
    chart.rows = [[bucket, *("—" if v[i] is None else _number(v[i] or 0) for _, v in series)]
                  for i, bucket in enumerate(buckets)]
    return chart


def hbars(items: Sequence[tuple[str, float]], *, css: str = "s0") -> Chart:
    """Horizontal bars, one per item, the longest full width (funnels, sources, drop-off).

    Drawn as a list with a bar each, so the names and numbers are text and wrap on phones.
    """
    chart = Chart("hbars", header=["", "#"])
    top = max((value for _, value in items), default=0) or 1
    for name, value in items:
        chart.rects.append(Rect(0, 0, round(100 * value / top, 1), 10, css, name))
        chart.rows.append([name, _number(value)])
    return chart
