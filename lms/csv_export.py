"""The one way the application writes CSV: every export and download goes through `to_csv`.

A spreadsheet runs a cell that starts with "=", "+", "-" or "@" (and some also after a tab or
carriage return, or the full-width forms of these signs) as a formula. Every text cell that
starts so gets a leading apostrophe, which spreadsheets show as text; and every field is
quoted, so a spreadsheet that splits on ";" or tabs cannot cut a cell into a formula either
(`Eve;=cmd|' /C calc'!A0;` stays one quoted text cell).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

__all__ = ["FORMULA_START", "safe_cell", "to_csv"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value) -> str:
    """`value` as CSV cell text: dates in ISO form, booleans as yes/no, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)  # a number is data, even a negative one
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text  # a spreadsheet shows it as text instead of running it
    return text


def to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV document (RFC 4180 line ends, every field quoted) of `headers` and `rows`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([safe_cell(header) for header in headers])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()
