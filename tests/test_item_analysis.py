"""Item analysis pages: sources in courses/, scope per role and organization, constant queries, CSV."""

import pytest

from lms.learning.sync import UNCHANGED, sync_courses
from lms.models import Role
from tests import factories
from tests.conftest import ROOT
from tests.factories import add_quiz_attempts
from tests.test_orgs_dashboard import StatementCounter


@pytest.fixture
def quiz(courses):
    version = courses["peer-specialist-core"]
    return version, version.modules[0].quiz


def test_synced_questions_name_their_file_and_line_in_courses(quiz):
    version, check = quiz
    question = check.questions[0]
    file, line = question["source"]["file"], question["source"]["line"]
    assert file.startswith("peer-specialist-core/modules/") and file.endswith("/quiz.yaml")
    text = (ROOT / "courses" / file).read_text().splitlines()
    assert f"id: {question['id']}" in text[line - 1]


def test_syncing_again_is_unchanged_with_sources_stored(quiz, shipped_courses):
    outcomes, refusals = sync_courses(shipped_courses.courses)
    assert not refusals and {outcome.status for outcome in outcomes} == {UNCHANGED}


def test_admin_sees_statistics_flags_with_file_and_line_a_chart_and_its_table(client, auth, people, quiz, db):
    version, check = quiz
    add_quiz_attempts(check, version, people["org"], 20)
    db.session.commit()
    auth.login(people["admin"])
    page = client.get(f"/item-analysis/knowledge-checks/{check.id}").get_data(as_text=True)
    assert "Attempts counted: 20." in page  # first attempts only: the 20 retakes do not count
    assert "KR-20" in page and "<svg" in page and "Show the data as a table" in page
    source = check.questions[0]["source"]
    assert f"courses/{source['file']}:{source['line']}" in page
    assert "style=" not in page and "%%" not in page


def test_the_page_makes_the_same_number_of_queries_for_20_and_5000_attempts(client, auth, people, quiz, db):
    version, check = quiz
    other = version.modules[1].quiz
    add_quiz_attempts(check, version, people["org"], 20)
    add_quiz_attempts(other, version, people["org"], 5000, start=20)
    db.session.commit()
    auth.login(people["org_admin"])
    client.get(f"/item-analysis/knowledge-checks/{check.id}")  # warm up: templates compile once
    counts = {}
    for name, target, expected in (("small", check, 20), ("large", other, 5000)):
        with StatementCounter(db.engine) as counter:
            response = client.get(f"/item-analysis/knowledge-checks/{target.id}")
        assert response.status_code == 200
        assert f"Attempts counted: {expected}." in response.get_data(as_text=True)
        counts[name] = len(counter.statements)
    assert counts["small"] == counts["large"], counts
    assert counts["large"] <= 8


def test_csv_lists_every_item_with_its_file_line_and_statistics(client, auth, people, quiz, db):
    version, check = quiz
    add_quiz_attempts(check, version, people["org"], 10)
    db.session.commit()
    auth.login(people["admin"])
    response = client.get(f"/item-analysis/knowledge-checks/{check.id}/items.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith('"Item","Module","Competency","File","Line"')
    assert len(lines) == 1 + len(check.questions)
    first = check.questions[0]
    assert f'"{first["id"]}"' in lines[1] and f'"{first["source"]["file"]}","{first["source"]["line"]}"' in lines[1]


def test_trainee_is_refused_every_item_analysis_page(client, auth, people, quiz):
    _, check = quiz
    auth.login(people["trainee"])
    for url in ("/item-analysis/", f"/item-analysis/knowledge-checks/{check.id}",
                f"/item-analysis/knowledge-checks/{check.id}/items.csv"):
        assert client.get(url).status_code == 403, url


def test_org_admin_of_another_organization_counts_none_of_its_attempts(client, auth, db, people, quiz):
    version, check = quiz
    add_quiz_attempts(check, version, people["org"], 12)
    outsider = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    db.session.commit()
    auth.login(outsider)
    page = client.get(f"/item-analysis/knowledge-checks/{check.id}").get_data(as_text=True)
    assert "Attempts counted: 0." in page and "KR-20" not in page
    assert client.get(f"/item-analysis/knowledge-checks/{check.id}/items.csv").status_code == 404
    auth.switch_to(people["org_admin"])
    assert "Attempts counted: 12." in client.get(f"/item-analysis/knowledge-checks/{check.id}").get_data(as_text=True)


def test_supervisor_counts_only_their_cohorts_trainees(client, auth, db, people, quiz):
    version, check = quiz
    add_quiz_attempts(check, version, people["org"], 6, cohort=people["cohort"])
    add_quiz_attempts(check, version, people["org"], 9, start=100)  # same organization, no cohort of theirs
    db.session.commit()
    auth.login(people["supervisor"])
    assert "Attempts counted: 6." in client.get(f"/item-analysis/knowledge-checks/{check.id}").get_data(as_text=True)
    index = client.get("/item-analysis/").get_data(as_text=True)
    assert f'href="/item-analysis/knowledge-checks/{check.id}"' in index
    auth.switch_to(people["outsider_supervisor"])
    assert "Attempts counted: 0." in client.get(f"/item-analysis/knowledge-checks/{check.id}").get_data(as_text=True)


def test_fewer_than_five_attempts_show_no_statistics(client, auth, db, people, quiz):
    version, check = quiz
    add_quiz_attempts(check, version, people["org"], 4)
    db.session.commit()
    auth.login(people["admin"])
    page = client.get(f"/item-analysis/knowledge-checks/{check.id}").get_data(as_text=True)
    assert "Statistics appear from 5 attempts on" in page and "KR-20" not in page


def test_unknown_assessments_are_not_found(client, auth, people, courses):
    auth.login(people["admin"])
    assert client.get("/item-analysis/knowledge-checks/999999").status_code == 404
    assert client.get("/item-analysis/exams/999999").status_code == 404


def test_staff_see_the_navigation_entry_and_trainees_do_not(client, auth, people, courses):
    auth.login(people["org_admin"])
    assert 'href="/item-analysis/"' in client.get("/dashboard").get_data(as_text=True)
    auth.switch_to(people["trainee"])
    assert 'href="/item-analysis/"' not in client.get("/dashboard").get_data(as_text=True)


def test_demo_seeds_a_past_intake_once_and_the_coordinator_sees_statistics(client, auth, db, people, courses):
    from lms.item_analysis.demo import SAMPLE_SIZE, seed_demo

    seed_demo({}, [people["cohort"]])
    seed_demo({}, [people["cohort"]])  # idempotent
    db.session.commit()
    version = courses["peer-specialist-core"]
    auth.login(people["org_admin"])
    page = client.get(f"/item-analysis/knowledge-checks/{version.modules[0].quiz.id}").get_data(as_text=True)
    assert f"Attempts counted: {SAMPLE_SIZE}." in page and "KR-20" in page
