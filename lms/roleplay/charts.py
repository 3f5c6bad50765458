"""Geometry for the server-side SVG bar chart of kappa per criterion (the template draws it)."""

from __future__ import annotations

from dataclasses import dataclass

LABEL_WIDTH = 230
PLOT_WIDTH = 420
BAR_HEIGHT = 26
GAP = 12
TOP = 28
BOTTOM = 34


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    y: float
    width: float
    flagged: bool
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    plot_width: int
    top: int
    bottom_axis: float
    bars: list[Bar]
    threshold_x: float
    ticks: list[tuple[float, str]]


def bar_chart(items: list[tuple[str, float | None]], *, threshold: float) -> BarChart:
    """Horizontal bars on a 0..1 scale (a negative kappa draws no bar; its value is still written)."""
    bars = []
    for i, (label, value) in enumerate(items):
        clipped = 0.0 if value is None else max(0.0, min(1.0, value))
        bars.append(Bar(
            label=label,
            value=value,
            y=TOP + i * (BAR_HEIGHT + GAP),
            width=round(clipped * PLOT_WIDTH, 1),
            flagged=value is not None and value < threshold,
            text="–" if value is None else f"{value:.2f}",
        ))
    plot_height = max(1, len(items)) * (BAR_HEIGHT + GAP)
    return BarChart(
        width=LABEL_WIDTH + PLOT_WIDTH + 60,
        height=TOP + plot_height + BOTTOM,
        left=LABEL_WIDTH,
        plot_width=PLOT_WIDTH,
        top=TOP,
        bottom_axis=TOP + plot_height,
        bars=bars,
        threshold_x=LABEL_WIDTH + threshold * PLOT_WIDTH,
        ticks=[(LABEL_WIDTH + t / 5 * PLOT_WIDTH, f"{t / 5:.1f}") for t in range(6)],
    )
