"""Every CSV export and download goes through one writer: every field quoted, formulas defused."""

import csv
import io
import re

import pytest

from lms.certificates import issuance
from lms.csv_export import safe_cell, to_csv
from lms.models import Role
from tests import factories

pytestmark = pytest.mark.usefixtures("quick_pdfs")

HOSTILE_NAMES = [
    "Eve;=cmd|' /C calc'!A0;",
    "\uff1dcmd|' /C calc'!A0",          # full-width equals sign
    "Eve;\uff0bcmd|' /C calc'!A0;",     # full-width plus, after a separator
    "\uff20SUM(1+1)",                   # full-width commercial at
    "\uff0d2+3",                        # full-width hyphen-minus
    "@SUM(1+1)",
    "+1+1",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]
FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
QUOTED_LINE = re.compile(r'^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$')


def assert_spreadsheet_safe(text: str, names: list[str]) -> None:
    """Every field quoted (so a spreadsheet splitting on ";" or tabs cannot cut a cell open), and
    no cell starts a formula."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    raw_records = text.split("\r\n")[:-1]
    assert len(raw_records) == len(records)  # no name holds a CR LF
    for line in raw_records:
        assert QUOTED_LINE.match(line), line
    for row in records:
        for cell in row:
            assert not cell.startswith(FORMULA_SIGNS), cell
    cells = {cell for row in records for cell in row}
    for name in names:
        stored = {name, name.strip()}  # a holder's name is stored trimmed
        assert cells & ({"'" + s for s in stored} | stored), name  # the value survives, defused


def test_safe_cell_defuses_text_but_leaves_numbers_and_dates():
    from datetime import date
    from decimal import Decimal

    assert safe_cell("=1+1") == "'=1+1" and safe_cell("\uff1d1") == "'\uff1d1" and safe_cell("Ana") == "Ana"
    assert safe_cell(-3) == "-3" and safe_cell(Decimal("-1.5")) == "-1.5" and safe_cell(None) == ""
    assert safe_cell(True) == "yes" and safe_cell(date(2026, 1, 2)) == "2026-01-02"


def test_to_csv_quotes_every_field():
    text = to_csv(["name", "hours"], [[name, 3] for name in HOSTILE_NAMES])
    assert text.startswith('"name","hours"\r\n')
    assert_spreadsheet_safe(text, HOSTILE_NAMES)


def test_the_cohort_progress_export_is_spreadsheet_safe(client, auth, db, people):
    for name in HOSTILE_NAMES:
        people["cohort"].trainees.append(factories.make_user(Role.TRAINEE, org=people["org"], name=name))
    db.session.commit()
    auth.login(people["supervisor"])
    response = client.get(f"/org/cohorts/{people['cohort'].id}/progress.csv")
    assert response.status_code == 200
    assert_spreadsheet_safe(response.get_data(as_text=True), HOSTILE_NAMES)


def test_the_certificates_export_is_spreadsheet_safe(client, auth, db, people):
    course = factories.make_certifying_course()
    for name in HOSTILE_NAMES:
        issuance.issue_certificate(factories.make_user(Role.TRAINEE, org=people["org"], name=name), course)
    db.session.commit()
    auth.login(people["org_admin"])
    response = client.get("/org/certificates.csv")
    assert response.status_code == 200
    assert_spreadsheet_safe(response.get_data(as_text=True), HOSTILE_NAMES)


def test_the_verification_download_is_spreadsheet_safe(client, db, people):
    course = factories.make_certifying_course()
    numbers = [issuance.issue_certificate(factories.make_user(Role.TRAINEE, name=name), course).number
               for name in HOSTILE_NAMES]
    db.session.commit()
    typed = ["Eve;=cmd|' /C calc'!A0;", "\uff1dcmd|' /C calc'!A0"]
    response = client.post("/verify/csv", data={"numbers": "\n".join(numbers + typed), "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert_spreadsheet_safe(response.get_data(as_text=True), HOSTILE_NAMES + typed)
