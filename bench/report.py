"""Rows of figures beside their baselines: a printed table and a JSON file for comparison over time."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

NOT_PRESENT = "n/a (endpoint not present)"


@dataclass
class Row:
    section: str
    figure: str
    unit: str
    value: float | None
    baseline: str
    baseline_value: float | None
    target: str = ""  # e.g. ">= 0.5x" (ratio), "< 1000 ms", "= 0"
    holds: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline_value or math.isnan(self.value):
            return None
        return self.value / self.baseline_value


def _fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit in {"statements", "errors", "requests"}:
        return f"{value:,.0f} {unit}"
    if unit == "req/s":
        return f"{value:,.0f} {unit}"
    return f"{value:,.1f} {unit}" if value >= 10 else f"{value:,.2f} {unit}"


def render_table(rows: list[Row]) -> str:
    headers = ("Figure", "Value", "Baseline (same run)", "Baseline value", "Ratio", "Target", "Holds")
    lines_data = []
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            lines_data.append((f"[{section}]", "", "", "", "", "", ""))
        if row.value is None:
            lines_data.append((f"  {row.figure}", row.note or NOT_PRESENT, row.baseline,
                               _fmt(row.baseline_value, row.unit), "", row.target, "n/a"))
            continue
        ratio = row.ratio
        holds = "" if row.holds is None else ("yes" if row.holds else "NO")
        lines_data.append((f"  {row.figure}", _fmt(row.value, row.unit), row.baseline,
                           _fmt(row.baseline_value, row.unit), "" if ratio is None else f"{ratio:.2f}x",
                           row.target, holds))
    widths = [max(len(str(line[i])) for line in [headers, *lines_data]) for i in range(len(headers))]
    out = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)),
           "-+-".join("-" * w for w in widths)]
    out += [" | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines_data]
    notes = [f"  * {row.figure}: {row.note}" for row in rows if row.note and row.value is not None]
    if notes:
        out += ["", "Notes:", *notes]
    return "\n".join(out)


def _git_commit(root: Path) -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,  # noqa: S607
                              text=True, check=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def write_results(rows: list[Row], context: dict, directory: Path, root: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}.json"
    payload = {
        "timestamp": stamp,
        "commit": _git_commit(root),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        **context,
        "rows": [{**asdict(row), "ratio": row.ratio} for row in rows],
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path
