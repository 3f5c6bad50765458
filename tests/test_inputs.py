"""Every input gets a clear answer at the boundary (lms.inputs, lms.forms): control characters and lone
surrogates in forms and JSON, integers no column can hold in URLs and query strings, Decimal specials,
and JSON bodies too large or too deep."""

import importlib
import io
import pkgutil
import re
from datetime import date

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm

import lms
from lms.forms import Form
from lms.inputs import MAX_INT, TEXT_MESSAGE, bounded_int, clean_text, forbidden_characters
from lms.models import Submission, SupervisedHours, User
from tests import factories

TEXT_REFUSED = str(TEXT_MESSAGE)
# A chunked body without Content-Length, as a WSGI server hands it over (already de-chunked).
CHUNKED = {"wsgi.input_terminated": True}


# -- the rules, with plain values -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, multiline, forbidden, cleaned", [
    ("Robin Quinn", False, False, "Robin Quinn"),
    ("Eve\x00", False, True, "Eve"),
    ("a\x07b\x1bc\x7fd\x85e", False, True, "abcde"),
    ("lone \ud800 surrogate", True, True, "lone  surrogate"),
    ("a pair 😀 is fine", False, False, "a pair 😀 is fine"),
    ("line one\nline two\tand a tab\r\n", True, False, "line one\nline two\tand a tab\r\n"),
    ("line one\nline two", False, True, "line one line two"),
    ("tab\tin a name", False, True, "tab in a name"),
    ("\u202e\u200b", False, False, "\u202e\u200b"),  # format characters are text, not controls
])
def test_control_characters_and_lone_surrogates_are_found_and_removed(text, multiline, forbidden, cleaned):
    assert forbidden_characters(text, multiline=multiline) is forbidden
    assert clean_text(text, multiline=multiline) == cleaned


@pytest.mark.parametrize("value, ok", [("1", True), ("-3", True), (str(MAX_INT), True), (str(MAX_INT + 1), False),
                                       (str(2**63), False), ("99999999999999999999", False), ("abc", False)])
def test_bounded_int_reads_only_what_a_column_can_hold(value, ok):
    if ok:
        assert bounded_int(value) == int(value)
    else:
        with pytest.raises(ValueError):
            bounded_int(value)


def _all_form_classes():
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        importlib.import_module(module.name)
    found, pending = set(), [FlaskForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass.__module__.startswith("lms.") and subclass not in found:
                found.add(subclass)
                pending.append(subclass)
    return found


def test_every_form_of_the_app_is_built_on_the_checking_base_form():
    forms = _all_form_classes()
    assert len(forms) > 30
    assert sorted(f"{form.__module__}.{form.__name__}" for form in forms if not issubclass(form, Form)) == []


def test_json_is_read_by_the_one_helper_only():
    from pathlib import Path

    root = Path(lms.__file__).parent
    readers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if any(call in path.read_text() for call in ("get_json(", "request.json")))
    assert readers == []


# -- forms: a field error, nothing stored ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Eve\x00Null", "Eve\ud800"[:3] + "\x1b[31m"])
def test_registration_with_a_control_character_in_the_name_gets_a_field_error(client, db, name):
    response = client.post("/auth/register", data={"name": name, "email": "eve@example.org",
                                                   "password": "a-long-enough-password",
                                                   "confirm": "a-long-enough-password"})
    assert response.status_code in (200, 400)
    assert TEXT_REFUSED in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "eve@example.org")) == 0


def test_hours_entry_with_a_nul_byte_gets_a_field_error_and_keeps_the_text_area_lines(client, db, people, auth):
    auth.login(people["trainee"])
    response = client.post("/hours", data={"worked_on": date.today().isoformat(), "setting": "Warmline\x00",
                                           "activity": "Listened.\nThen\tcalled back.\x00", "hours": "2"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count(TEXT_REFUSED) == 2  # beside each field
    assert "Listened.\nThen\tcalled back." in page  # the cleaned text, lines kept, to send again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupervisedHours)) == 0
    ok = client.post("/hours", data={"worked_on": date.today().isoformat(), "setting": "Warmline",
                                     "activity": "Listened.\nThen\tcalled back.", "hours": "2"})
    assert ok.status_code == 302
    assert db.session.scalar(sa.select(SupervisedHours.activity)) == "Listened.\nThen\tcalled back."


@pytest.mark.parametrize("hours", ["sNaN", "NaN", "-NaN", "Infinity", "-Infinity", "inf", "1e999999"])
def test_hours_that_are_not_a_finite_number_get_a_field_message(client, db, people, auth, hours):
    auth.login(people["trainee"])
    response = client.post("/hours", data={"worked_on": date.today().isoformat(), "setting": "Warmline",
                                           "activity": "Listened.", "hours": hours})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a number, for example 1.5." in page or "Enter between 0.25 and 24 hours." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupervisedHours)) == 0


@pytest.mark.parametrize("hours", ["sNaN", "NaN", "Infinity"])
def test_continuing_education_hours_that_are_not_a_finite_number_get_a_field_message(client, db, people, auth,
                                                                                     hours):
    auth.login(people["trainee"])
    response = client.post("/my/continuing-education", data={
        "title": "Workshop", "hours": hours, "completed_on": date.today().isoformat(),
        "evidence": (io.BytesIO(b"%PDF-1.4 evidence"), "evidence.pdf", "application/pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Enter a number, for example 1.5." in response.get_data(as_text=True)


def test_a_huge_integer_in_a_form_is_a_field_error(client, db, people, auth):
    scenario = factories.make_enrolled_scenario(people["trainee"])
    draft = factories.make_submission(people["trainee"], scenario, state="draft")
    db.session.commit()
    auth.login(people["trainee"])
    response = client.post(f"/roleplays/attempts/{draft.id}/reply", data={"turn": str(2**64), "reply": "Hello"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "This number is too large." in response.get_data(as_text=True)


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "[" * 100_000 + "]" * 100_000,
                                  '{"email": "a@example.org", "password": "x\\u0000"}'])
@pytest.mark.parametrize("url", ["/auth/login", "/auth/register", "/auth/reset"])
def test_a_form_posted_as_json_is_no_form_data_not_a_500(client, db, url, body):
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code in (200, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# -- JSON: the role-play autosave -----------------------------------------------------------------------------

@pytest.fixture
def draft(db, people):
    scenario = factories.make_enrolled_scenario(people["trainee"])
    submission = factories.make_submission(people["trainee"], scenario, state="draft")
    db.session.commit()
    return submission


@pytest.mark.parametrize("reply", ["\ud800", "half a pair \udc00 here", "NUL\x00", "bell\x07"])
def test_autosave_refuses_a_lone_surrogate_or_control_character_and_the_attempt_still_opens(
        client, db, people, auth, draft, reply):
    auth.login(people["trainee"])
    url = f"/roleplays/attempts/{draft.id}/autosave"
    response = client.post(url, json={"replies": [reply]})
    assert response.status_code == 400
    assert response.json["error"] == "InvalidJson" and "control characters" in response.json["message"]
    assert db.session.get(Submission, draft.id).replies == []
    assert client.get(f"/roleplays/attempts/{draft.id}").status_code == 200


def test_autosave_keeps_line_breaks_tabs_and_emoji(client, db, people, auth, draft):
    auth.login(people["trainee"])
    replies = ["It sounds like\nthat matters.\tA lot 😀"]
    response = client.post(f"/roleplays/attempts/{draft.id}/autosave", json={"replies": replies})
    assert response.status_code == 200, response.json
    assert db.session.get(Submission, draft.id).replies == replies


@pytest.mark.parametrize("depth", [21, 5_000, 200_000])
def test_autosave_refuses_deeply_nested_json_with_a_400(client, db, people, auth, draft, depth):
    auth.login(people["trainee"])
    body = '{"replies": ' + "[" * depth + "]" * depth + "}"
    response = client.post(f"/roleplays/attempts/{draft.id}/autosave", data=body,
                           content_type="application/json")
    assert response.status_code in (400, 413)
    assert response.is_json


def test_autosave_refuses_a_body_that_is_too_large_even_when_chunked(client, db, people, auth, draft):
    from lms.roleplay.attempt_views import AUTOSAVE_MAX_BYTES

    auth.login(people["trainee"])
    body = b'{"replies": ["' + b"x" * AUTOSAVE_MAX_BYTES + b'"]}'
    url = f"/roleplays/attempts/{draft.id}/autosave"
    sized = client.post(url, data=body, content_type="application/json")
    chunked = client.post(url, input_stream=io.BytesIO(body), content_type="application/json",
                          headers={"Transfer-Encoding": "chunked"}, environ_overrides=CHUNKED)
    for response in (sized, chunked):
        assert response.status_code == 413 and response.json["error"] == "InvalidJson"
    assert db.session.get(Submission, draft.id).replies == []


# -- JSON: the bulk verification API --------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [21, 5_000, 100_000])
def test_bulk_api_refuses_deeply_nested_json_with_a_400(client, db, depth):
    body = '{"numbers": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/v1/verifications", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_json"


def test_bulk_api_refuses_a_chunked_body_over_the_limit(client, db):
    from lms.api.views import MAX_BODY_BYTES

    body = b'{"numbers": ["' + b"x" * MAX_BODY_BYTES + b'"]}'
    response = client.post("/api/v1/verifications", input_stream=io.BytesIO(body), content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"}, environ_overrides=CHUNKED)
    assert response.status_code == 413 and response.json["error"] == "body_too_large"


# -- integers in URLs and query strings -----------------------------------------------------------------------

HUGE = [str(2**31), str(2**63), str(2**64), "99999999999999999999"]


@pytest.mark.parametrize("number", HUGE)
def test_a_huge_id_in_the_url_is_a_404(client, db, people, auth, number):
    auth.login(people["admin"])
    for url in (f"/admin/users/{number}", f"/org/cohorts/{number}", f"/grading/submissions/{number}/correct",
                f"/hours/{number}/edit"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("value", [*HUGE, "-1", "abc", "1e9", "\x00"])
def test_huge_or_odd_page_and_filter_parameters_read_as_the_default(client, db, people, auth, value):
    auth.login(people["admin"])
    cohort = people["cohort"].id
    for url in ("/admin/users", "/admin/audit", "/grading", "/org/people", f"/org/cohorts/{cohort}"):
        for parameter in ("page", "course", "org", "scenario", "days"):
            response = client.get(url, query_string={parameter: value})
            assert response.status_code < 500, (url, parameter, response.status_code)
            assert response.status_code != 404 or parameter == "org", (url, parameter)


def test_every_list_page_reads_its_page_number_through_bounded_int():
    """`db.paginate` without `page=` reads `?page=` itself, unbounded (a 500 at 2**63 on SQLite)."""
    from pathlib import Path

    root = Path(lms.__file__).parent
    calls = [(str(path.relative_to(root)), call) for path in root.rglob("*.py")
             for call in re.findall(r"db\.paginate\((?:[^()]|\([^()]*\))*\)", path.read_text(), re.S)]
    assert len(calls) >= 6
    assert [where for where, call in calls if "type=bounded_int" not in call] == []
    assert [str(path) for path in root.rglob("*.py") if "type=int)" in path.read_text()
            and "cli" not in path.name] == []


def test_query_strings_reach_the_views_without_control_characters(app):
    from flask import request

    with app.test_request_context("/admin/users?q=Eve%00%1b&role=a%0Ab"):
        assert request.args["q"] == "Eve" and request.args["role"] == "a b"


def test_a_control_character_in_a_url_segment_is_a_404(client, db):
    assert client.get("/courses/intro%00").status_code == 404
    assert client.get("/verify/PSS%00-AAAA").status_code == 404
    assert client.get("/static/css/app.css%00").status_code == 404


# -- files: the invitation CSV --------------------------------------------------------------------------------

def test_an_invitation_csv_with_a_control_character_in_a_name_names_the_row(db, people):
    from lms.orgs import invitations

    rows = invitations.read_csv(b"email,name\nnul@example.org,Eve\x00Null\nok@example.org,Fine\n")
    checked = invitations.check_rows(rows, people["org"])
    assert [row.problems for row in checked] == [
        ["The name contains invisible control characters: remove them from the file."], []]
