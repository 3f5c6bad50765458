"""The one way the application reads an uploaded CSV file (`csv_export` is the one way it writes one).

One rule for every upload: UTF-8 (with or without the byte-order mark spreadsheets add), else Windows-1252
(what older spreadsheets save as "CSV") unless the file holds NUL bytes (then it is UTF-16 or not text
at all); the delimiter (comma, semicolon or tab) is sniffed from the first line; every cell is stripped
and blank rows are skipped, each row keeping its line number for messages. Problems with the file
itself raise `InvalidUpload`; what the cells mean is the caller's business.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _

from lms.errors import InvalidUpload

__all__ = ["CsvRow", "decode_text", "read_csv"]

DELIMITERS = ",;\t"


@dataclass(frozen=True)
class CsvRow:
    line: int  # the row's number in a spreadsheet (the first row is 1)
    cells: list[str]


def decode_text(data: bytes | str, *, field: str) -> str:
    """The file's text, by the rule above."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" not in data:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    raise InvalidUpload(_("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and try again."),
                        field=field)


def _dialect(text: str):
    try:
        return csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel


def read_csv(data: bytes | str, *, field: str, max_rows: int | None = None) -> list[CsvRow]:
    """The non-blank rows of an uploaded CSV file, cells stripped; at most `max_rows` + 1 of them, so
    that a caller can tell "too many" without reading a huge file to its end."""
    text = decode_text(data, field=field)
    rows: list[CsvRow] = []
    try:
        for line, values in enumerate(csv.reader(io.StringIO(text), _dialect(text)), start=1):
            cells = [value.strip() for value in values]
            if not any(cells):
                continue
            rows.append(CsvRow(line, cells))
            if max_rows is not None and len(rows) > max_rows:
                break
    except csv.Error as error:
        message = _("The file could not be read as CSV (%(error)s).", error=str(error))
        raise InvalidUpload(message, field=field) from None
    return rows
