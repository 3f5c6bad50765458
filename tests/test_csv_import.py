"""The one CSV reader (`lms.csv_import`): encodings, delimiters, blank rows, line numbers, refusals."""

import pytest

from lms.csv_import import CsvRow, read_csv
from lms.errors import InvalidUpload


def test_utf8_with_a_byte_order_mark_and_semicolons_reads_as_cells():
    rows = read_csv("\ufeffEmail;Name\nana@example.org; Ana \n".encode(), field="file")
    assert rows == [CsvRow(1, ["Email", "Name"]), CsvRow(2, ["ana@example.org", "Ana"])]


def test_windows_1252_is_read_when_the_file_is_not_utf8():
    rows = read_csv("name\tcity\nZoë\tKöln\n".encode("cp1252"), field="file")
    assert rows[1].cells == ["Zoë", "Köln"]


def test_blank_rows_are_skipped_and_line_numbers_kept():
    rows = read_csv(b"a,b\n\n,\nc,d\n", field="file")
    assert [(row.line, row.cells) for row in rows] == [(1, ["a", "b"]), (4, ["c", "d"])]


def test_utf16_is_refused_on_the_field_that_carried_it():
    with pytest.raises(InvalidUpload) as refused:
        read_csv("email,name\nа@example.org,Ünïcode".encode("utf-16"), field="csv")
    assert "not UTF-8" in refused.value.message and refused.value.field == "csv"


def test_reading_stops_one_row_past_the_limit():
    data = "\n".join(f"PSS-{i}" for i in range(50)).encode()
    assert len(read_csv(data, field="csv", max_rows=10)) == 11


def test_an_empty_file_has_no_rows():
    assert read_csv(b"", field="file") == [] and read_csv(b"\n \n", field="file") == []
