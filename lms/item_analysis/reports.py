"""What an item analysis page and its CSV say: items with their statistics, flags in words, charts.

Built from `queries` (items and attempts) and `statistics` (the numbers). With fewer than
MIN_ATTEMPTS counted attempts nothing is shown: option rates over two or three people would let a
supervisor read one trainee's answers, and the statistics mean little anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.charts import Chart, bar_chart
from lms.csv_export import to_csv
from lms.item_analysis import statistics
from lms.item_analysis.queries import AssessedItem
from lms.item_analysis.statistics import Analysis, Flag, ItemStats

MIN_ATTEMPTS = 5
FLAG_LABELS = {
    "too_easy": _l("too easy"), "too_hard": _l("too hard"), "negative_discrimination": _l("negative"),
    "weak_discrimination": _l("weak"), "unused_distractor": _l("unused distractor"),
    "strong_distractor": _l("distractor draws strong candidates"),
}


@dataclass(frozen=True)
class FlagNote:
    code: str
    label: str
    message: str
    where: str  # courses/<file>:<line>


@dataclass(frozen=True)
class ItemRow:
    item: AssessedItem
    stats: ItemStats
    where: str
    flags: tuple[FlagNote, ...]


@dataclass(frozen=True)
class Report:
    title: str
    kind: str  # knowledge_check | exam
    attempts: int
    shown: bool
    analysis: Analysis | None
    rows: tuple[ItemRow, ...]
    competency_titles: dict[str, str]

    @property
    def flags(self) -> list[FlagNote]:
        return [flag for row in self.rows for flag in row.flags]


def where(item: AssessedItem) -> str:
    if not item.source_file:
        return _("not recorded (synced before sources were kept)")
    return f"courses/{item.source_file}:{item.source_line}" if item.source_line else f"courses/{item.source_file}"


def number(value: float | None, digits: int = 2) -> str:
    return _("not computable") if value is None else f"{value:.{digits}f}"


def percent(value: float | None) -> str:
    return _("not computable") if value is None else f"{value * 100:.0f}%"


def flag_message(flag: Flag, item: AssessedItem, stats: ItemStats) -> str:
    text = item.option_texts.get(flag.option, "") if flag.option else ""
    option = f"{flag.option} (“{text if len(text) <= 60 else text[:59].rstrip() + '…'}”)" if flag.option else ""
    upper = next((o for o in stats.options if o.id == flag.option), None)
    messages = {
        "too_easy": _("too easy: %(value)s answered it correctly (above %(limit)s)",
                      value=percent(stats.facility), limit=percent(statistics.TOO_EASY)),
        "too_hard": _("too hard: %(value)s answered it correctly (below %(limit)s)",
                      value=percent(stats.facility), limit=percent(statistics.TOO_HARD)),
        "negative_discrimination": _("negative discrimination: point-biserial %(value)s (weaker candidates do "
                                     "better on it; check the key)", value=number(stats.point_biserial)),
        "weak_discrimination": _("weak discrimination: point-biserial %(value)s (below %(limit)s)",
                                 value=number(stats.point_biserial), limit=number(statistics.WEAK_DISCRIMINATION)),
        "unused_distractor": _("distractor %(option)s: nobody chose it", option=option),
        "strong_distractor": _("distractor %(option)s draws strong candidates: %(upper)s of the upper 27%% chose it, "
                               "%(lower)s of the lower 27%%", option=option,
                               upper=percent(upper.upper_rate if upper else None),
                               lower=percent(upper.lower_rate if upper else None)),
    }
    return messages[flag.code]


def build_report(title: str, kind: str, items: list[AssessedItem], attempts: list[statistics.AttemptResponses],
                 competency_titles: dict[str, str] | None = None) -> Report:
    shown = len(attempts) >= MIN_ATTEMPTS
    analysis = statistics.analyse([item.key for item in items], attempts) if shown else None
    rows = []
    for index, item in enumerate(items if shown else []):
        stats = analysis.items[index]
        location = where(item)
        notes = tuple(FlagNote(flag.code, f"{FLAG_LABELS[flag.code]}{': ' + flag.option if flag.option else ''}",
                               f"{item.key.id}: {flag_message(flag, item, stats)}", location)
                      for flag in stats.flags)
        rows.append(ItemRow(item, stats, location, notes))
    return Report(title, kind, len(attempts), shown, analysis, tuple(rows), competency_titles or {})


def charts(report: Report) -> list[Chart]:
    """Facility and discrimination per item, each with its table (the chart helper draws both)."""
    if not report.shown:
        return []
    labels = [row.item.key.id for row in report.rows]
    facility = bar_chart(
        f"{report.kind}-facility", _("Facility (share answering correctly)"),
        [(label, row.stats.facility * 100 if row.stats.facility is not None else None)
         for label, row in zip(labels, report.rows, strict=True)],
        value_header=_("Facility"), label_header=_("Item"), max_value=100, unit="%", digits=0,
        summary=_("Items above 90% are flagged as too easy, below 30% as too hard."),
        reference=(statistics.TOO_HARD * 100, "30%"),
    )
    discrimination = bar_chart(
        f"{report.kind}-discrimination", _("Discrimination (corrected point-biserial)"),
        [(label, row.stats.point_biserial) for label, row in zip(labels, report.rows, strict=True)],
        value_header=_("Point-biserial"), label_header=_("Item"), max_value=1, digits=2,
        summary=_("Below 0.2 is flagged as weak; a negative value draws no bar."),
        extra_columns=[(_("Upper-lower index"), [number(row.stats.upper_lower) for row in report.rows])],
        reference=(statistics.WEAK_DISCRIMINATION, "0.2"),
    )
    return [facility, discrimination]


def options_text(row: ItemRow) -> str:
    return "; ".join(f"{o.id}{'*' if o.correct else ''} {percent(o.rate)}" for o in row.stats.options)


def to_csv_text(report: Report) -> str:
    headers = [_("Item"), _("Module"), _("Competency"), _("File"), _("Line"), _("Attempts"), _("Facility"),
               _("Point-biserial (corrected)"), _("Upper-lower index"), _("Omitted"),
               _("Options (* = key): selection rate"), _("Flags")]
    rows = [
        [row.item.key.id, row.item.module_title, row.item.key.competency, row.item.source_file or "",
         row.item.source_line or "", row.stats.n, _rounded(row.stats.facility), _rounded(row.stats.point_biserial),
         _rounded(row.stats.upper_lower), _rounded(row.stats.omitted_rate), options_text(row),
         " | ".join(flag.message for flag in row.flags)]
        for row in report.rows
    ]
    return to_csv(headers, rows)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
