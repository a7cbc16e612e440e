"""Geometry of the trends page's inline SVG charts, drawn on the server.

Pure arithmetic (no database, no markup): templates/papers/trends.html writes the
SVG from these numbers, so text from digests (tag names) is escaped by the template.
Colours come from CSS classes, so both themes read the same markup.
"""

from __future__ import annotations

import dataclasses
import math

WIDTH = 720
HEIGHT = 260
LEFT = 44
# Room for the last period's label, centred under the plot's right edge.
RIGHT = 36
TOP = 14
BOTTOM = 34
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
MAX_X_LABELS = 8


@dataclasses.dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclasses.dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str  # read by screen readers and shown on hover


@dataclasses.dataclass(frozen=True)
class Line:
    name: str
    css_class: str
    points: str  # an SVG polyline's `points`
    dots: tuple[Point, ...]


@dataclasses.dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclasses.dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float  # x of the plot's right edge
    bottom: float  # y of the plot's baseline
    ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    lines: tuple[Line, ...] = ()
    bars: tuple[Bar, ...] = ()


def nice_step(largest: float, *, most_ticks: int = 4) -> float:
    """The smallest 1, 2 or 5 times a power of ten giving at most `most_ticks`
    steps up to `largest`."""
    if largest <= 0:
        return 1
    # Counts are whole numbers: no step below 1.
    power = max(1, 10 ** math.floor(math.log10(largest / most_ticks)))
    for factor in (1, 2, 5, 10):
        step = factor * power
        if largest / step <= most_ticks:
            return step
    return 10 * power  # pragma: no cover - the loop always returns


def _x(index: int, count: int) -> float:
    if count == 1:
        return LEFT + PLOT_WIDTH / 2
    return LEFT + index * PLOT_WIDTH / (count - 1)


def _y(value: float, top_value: float) -> float:
    return TOP + PLOT_HEIGHT * (1 - value / top_value)


def _x_labels(labels: list[str], position) -> tuple[XLabel, ...]:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    return tuple(
        XLabel(x=round(position(index), 1), label=label)
        for index, label in enumerate(labels)
        if index % every == 0
    )


def _frame(ticks, x_labels, **parts) -> Chart:
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        bottom=TOP + PLOT_HEIGHT,
        ticks=ticks,
        x_labels=x_labels,
        **parts,
    )


def line_chart(
    labels: list[str],
    series: list[tuple[str, tuple[int, ...]]],
    *,
    axis_labels: list[str] | None = None,
) -> Chart:
    """One line per (name, counts) over the periods `labels` (short `axis_labels`
    under the axis); six colours, then they repeat."""
    count = len(labels)
    largest = max((max(counts, default=0) for _, counts in series), default=0)
    step = nice_step(largest)
    top_value = max(step, math.ceil(largest / step) * step)
    ticks = tuple(
        Tick(y=round(_y(value, top_value), 1), label=f"{value:g}")
        for value in _frange(0, top_value, step)
    )
    lines = []
    for number, (name, counts) in enumerate(series):
        dots = tuple(
            Point(
                x=round(_x(index, count), 1),
                y=round(_y(value, top_value), 1),
                title=f"{name}, {labels[index]}: {_papers(value)}",
            )
            for index, value in enumerate(counts)
        )
        lines.append(
            Line(
                name=name,
                css_class=f"series-{number % 6}",
                points=" ".join(f"{dot.x},{dot.y}" for dot in dots),
                dots=dots,
            )
        )
    return _frame(
        ticks,
        _x_labels(axis_labels or labels, lambda i: _x(i, count)),
        lines=tuple(lines),
    )


def share_chart(
    labels: list[str],
    shares: list[float | None],
    *,
    axis_labels: list[str] | None = None,
) -> Chart:
    """One bar per period: the share (0 to 1) of papers with code; None is no bar."""
    count = len(labels)
    slot = PLOT_WIDTH / max(count, 1)
    width = round(slot * 0.7, 1)

    def centre(index: int) -> float:
        return LEFT + slot * (index + 0.5)

    ticks = tuple(
        Tick(y=round(_y(value, 1), 1), label=f"{value:.0%}") for value in (0, 0.5, 1)
    )
    bars = tuple(
        Bar(
            x=round(centre(index) - width / 2, 1),
            y=round(_y(share, 1), 1),
            width=width,
            height=round(PLOT_HEIGHT * share, 1),
            title=f"{labels[index]}: {share:.0%} with code",
        )
        for index, share in enumerate(shares)
        if share is not None
    )
    return _frame(ticks, _x_labels(axis_labels or labels, centre), bars=bars)


def _papers(count: int) -> str:
    return f"{count} paper{'' if count == 1 else 's'}"


def _frange(start: float, stop: float, step: float):
    value = start
    while value <= stop + step / 1000:
        yield value
        value += step
