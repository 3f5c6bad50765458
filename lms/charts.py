"""Charts drawn on the server as SVG, each with the table that says the same thing: the one chart
module (the cohort dashboard and the rater agreement page both draw with it).

Pure functions: no Flask, no database. The SVG is an image with a name (`role="img"`,
`<title>` and `<desc>` referenced by `aria-labelledby`); the table rows are what a screen
reader user (or anyone who wants the numbers) reads instead, in a `<details>` under it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

TEXT = "#1d2624"
MUTED = "#4f5d5a"
GRID = "#d5dcda"
SERIES_COLOURS = ("#1f6f6b", "#8a4b08", "#1d4a86")
FLAGGED = "#a4262c"
SERIES_DASHES = ("", "6 4", "2 3")
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str
    svg: Markup
    headers: list[str]
    rows: list[list[str]]

    @property
    def empty(self) -> bool:
        return not self.rows


def _fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return f"{text}{unit}"


def _nice_max(value: float) -> float:
    """A round upper bound for an axis (1, 2, 2.5, 5 or 10 times a power of ten)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _wrap(text: str, width: int, lines: int = 2) -> list[str]:
    """Split a label into at most `lines` lines of about `width` characters (the last one truncated)."""
    words, result, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            result.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    result.append(current)
    if len(result) > lines:
        result = result[: lines - 1] + [" ".join(result[lines - 1:])]
    return [_truncate(line, width) for line in result]


def _open_svg(chart_id: str, title: str, summary: str, width: int, height: int) -> list[str]:
    return [
        f'<svg viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="chart-svg" {FONT} font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]


def _reference_line(x: float, top: float, bottom: float, label: str) -> list[str]:
    """A dashed vertical line across the bars (a target, a threshold) with its label above."""
    return [
        f'<line x1="{x:.1f}" y1="{top - 10}" x2="{x:.1f}" y2="{bottom}" stroke="{SERIES_COLOURS[1]}" '
        f'stroke-width="2" stroke-dasharray="4 3"/>',
        f'<text x="{x:.1f}" y="{top - 12}" text-anchor="middle" fill="{TEXT}">{escape(label)}</text>',
    ]


def _bar_label(lines: list[str], x: float, middle: float) -> str:
    """A bar's label, right-aligned before the bar, on one or two lines centred on `middle`."""
    first = middle + 4 - 7 * (len(lines) - 1)
    spans = "".join(f'<tspan x="{x}" y="{first + 14 * n:.1f}">{escape(line)}</tspan>' for n, line in enumerate(lines))
    return f'<text text-anchor="end" fill="{TEXT}">{spans}</text>'


def _series_lines(number: int, name: str, coords: list[tuple[float, float]], left: int) -> list[str]:
    """One series of a line chart: its polyline, its points and its legend row."""
    colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
    dash = SERIES_DASHES[number % len(SERIES_DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    parts = []
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
    parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in coords)
    legend_y = 12 + 18 * number
    parts.append(f'<line x1="{left}" y1="{legend_y}" x2="{left + 28}" y2="{legend_y}" stroke="{colour}" '
                 f'stroke-width="2.5"{dash_attr}/>')
    parts.append(f'<text x="{left + 36}" y="{legend_y + 4}" fill="{TEXT}">{escape(_truncate(name, 60))}</text>')
    return parts


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float | None]],
    *,
    value_header: str,
    label_header: str,
    max_value: float | None = None,
    unit: str = "",
    digits: int = 1,
    summary: str = "",
    extra_columns: Sequence[tuple[str, Sequence[str]]] = (),
    reference: tuple[float, str] | None = None,
    flagged: Sequence[bool] = (),
) -> Chart:
    """Horizontal bars, one per item (long labels stay readable); None draws no bar and says “–”.

    `reference` draws a dashed line at a value (a target, a threshold); `flagged` marks the bars to look at
    (another colour, class "bar flagged", and a ⚑ after the value)."""
    label_width, bar_width, top = 180, 270, 24
    labels = [_wrap(label, 26) for label, _ in items]
    row_height = 34 if any(len(lines) > 1 for lines in labels) else 26
    width = label_width + bar_width + 60
    height = top + row_height * max(len(items), 1) + 28
    values = [value for _, value in items if value is not None]
    axis_max = max_value if max_value is not None else _nice_max(max(values, default=0))
    parts = _open_svg(chart_id, title, summary or title, width, height)
    bottom = top + row_height * len(items)
    for i in range(5):  # gridlines and their labels
        x = label_width + bar_width * i / 4
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{MUTED}">'
                     f'{escape(_fmt(axis_max * i / 4, unit, digits))}</text>')
    if reference is not None:
        x = label_width + bar_width * min(reference[0] / axis_max, 1)
        parts.extend(_reference_line(x, top, bottom, reference[1]))
    for index, ((_label, value), lines) in enumerate(zip(items, labels, strict=True)):
        y = top + index * row_height
        middle = y + row_height / 2
        parts.append(_bar_label(lines, label_width - 8, middle))
        if value is None:
            parts.append(f'<text x="{label_width + 4}" y="{middle + 4:.1f}" fill="{MUTED}">–</text>')
            continue
        length = bar_width * max(0.0, min(value / axis_max, 1.0)) if axis_max else 0
        flag = index < len(flagged) and flagged[index]
        css, colour = ("bar flagged", FLAGGED) if flag else ("bar", SERIES_COLOURS[0])
        parts.append(f'<rect x="{label_width}" y="{middle - 8:.1f}" width="{length:.1f}" height="16" '
                     f'rx="3" class="{css}" fill="{colour}"/>')
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{middle + 4:.1f}" fill="{TEXT}">'
                     f'{escape(_fmt(value, unit, digits))}{" ⚑" if flag else ""}</text>')
    parts.append("</svg>")
    headers = [label_header, value_header, *[header for header, _ in extra_columns]]
    rows = [
        [label, _fmt(value, unit, digits), *[column[index] for _, column in extra_columns]]
        for index, (label, value) in enumerate(items)
    ]
    return Chart(chart_id, title, summary, Markup("".join(parts)), headers, rows)  # noqa: S704 (escaped above)


def line_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    x_header: str,
    max_value: float | None = None,
    unit: str = "",
    digits: int = 0,
    summary: str = "",
    formatter: Callable[[float | None], str] | None = None,
) -> Chart:
    """One line per series over shared x labels; series differ by colour and dash pattern."""
    left, right, bottom_margin = 44, 14, 40
    top = 18 + 18 * len(series)  # one legend row per series
    width, height = 520, 240 + 18 * len(series)
    plot_w, plot_h = width - left - right, height - top - bottom_margin
    values = [v for _, vs in series for v in vs if v is not None]
    axis_max = max_value if max_value is not None else _nice_max(max(values, default=0))
    parts = _open_svg(chart_id, title, summary or title, width, height)
    base = top + plot_h
    for i in range(5):
        y = base - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                     f'{escape(_fmt(axis_max * i / 4, unit, digits))}</text>')
    count = len(x_labels)
    step = plot_w / (count - 1) if count > 1 else 0

    def x_at(index: int) -> float:
        return left + (step * index if count > 1 else plot_w / 2)

    every = max(1, -(-count // 7))  # at most about seven x labels
    for index, label in enumerate(x_labels):
        last = index == count - 1
        if last or (index % every == 0 and count - 1 - index > every // 2):  # no label crowds the last one
            anchor = "start" if index == 0 and count > 1 else "end" if last and count > 1 else "middle"
            parts.append(f'<text x="{x_at(index):.1f}" y="{base + 18}" text-anchor="{anchor}" fill="{MUTED}">'
                         f'{escape(label)}</text>')
    for number, (name, points) in enumerate(series):
        coords = [
            (x_at(i), base - plot_h * max(0.0, min(v / axis_max, 1.0)))
            for i, v in enumerate(points) if v is not None
        ]
        parts.extend(_series_lines(number, name, coords, left))
    parts.append("</svg>")
    fmt = formatter or (lambda value: _fmt(value, unit, digits))
    headers = [x_header, *[name for name, _ in series]]
    rows = [[label, *[fmt(points[i]) for _, points in series]] for i, label in enumerate(x_labels)]
    return Chart(chart_id, title, summary, Markup("".join(parts)), headers, rows)  # noqa: S704 (escaped above)
