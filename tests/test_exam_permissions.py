"""Who may see and do what with the exam: a trainee only their own attempts, a supervisor only their cohorts'
(in their organization), an organization administrator their organization's."""

import pytest
import sqlalchemy as sa

from lms.models import ExamAttempt, Role
from tests import factories
from tests.exam_helpers import COURSE, finish, open_sitting, start

pytest_plugins = ["tests.exam_fixtures"]  # the fixtures ready_exam, enrolment, sitting


@pytest.fixture
def other_org_admin(db, people):
    user = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    db.session.commit()
    return user


@pytest.fixture
def submitted(enrolment, sitting):
    return finish(enrolment, right=True)


def staff_urls(people, attempt, enrolment, sitting) -> list[tuple[str, str]]:
    cohort = people["cohort"].id
    return [
        ("GET", f"/exams/cohorts/{cohort}"),
        ("POST", f"/exams/cohorts/{cohort}/sittings"),
        ("POST", f"/exams/sittings/{sitting.id}/close"),
        ("GET", f"/exams/attempts/{attempt.id}/void"),
        ("POST", f"/exams/attempts/{attempt.id}/void"),
        ("GET", f"/exams/enrolments/{enrolment.id}/extra-time"),
        ("POST", f"/exams/enrolments/{enrolment.id}/extra-time"),
    ]


@pytest.mark.parametrize("who", ["other_supervisor", "outsider_supervisor", "other_org_admin", "trainee"])
def test_staff_routes_refuse_the_wrong_cohort_organization_and_role(db, client, auth, people, other_org_admin,
                                                                    enrolment, sitting, submitted, who):
    user = other_org_admin if who == "other_org_admin" else people[who]
    auth.login(user)
    for method, url in staff_urls(people, submitted, enrolment, sitting):
        response = client.open(url, method=method, data={"reason": "x", "time_multiplier": "2"})
        assert response.status_code == 403, (who, method, url)
    attempt = db.session.get(ExamAttempt, submitted.id)
    assert attempt.voided_at is None and sitting.closes_at > attempt.submitted_at


@pytest.mark.parametrize("who", ["supervisor", "org_admin", "admin"])
def test_the_cohorts_supervisor_and_the_organizations_administrators_may(client, auth, people, enrolment, sitting,
                                                                       submitted, who):
    auth.login(people[who])
    for method, url in staff_urls(people, submitted, enrolment, sitting):
        if method == "GET":
            assert client.get(url).status_code == 200, (who, url)


def test_a_supervisor_lists_only_their_own_cohorts(client, auth, people, other_org_admin):
    cohort_link = f'href="/exams/cohorts/{people["cohort"].id}"'
    auth.login(people["supervisor"])
    assert cohort_link in client.get("/exams/cohorts").get_data(as_text=True)
    for user in (people["other_supervisor"], people["outsider_supervisor"], other_org_admin):
        auth.switch_to(user)
        assert cohort_link not in client.get("/exams/cohorts").get_data(as_text=True)
    auth.switch_to(people["org_admin"])
    assert cohort_link in client.get("/exams/cohorts").get_data(as_text=True)


def test_a_trainee_never_sees_another_trainees_attempt(db, client, auth, people, ready_exam, enrolment, sitting):
    other = factories.make_user(Role.TRAINEE, org=people["org"])
    people["cohort"].trainees.append(other)
    other_enrolment = factories.make_enrolment(other, ready_exam)
    db.session.commit()
    theirs = start(other_enrolment)
    auth.login(people["trainee"])
    url = f"{COURSE}/attempts/{theirs.id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"submit": "Submit the exam"}).status_code == 404
    assert client.post(f"{url}/answers", json={"position": 1, "choices": [0]}).status_code == 404
    assert db.session.get(ExamAttempt, theirs.id).submitted_at is None


def test_staff_cannot_take_the_exam(client, auth, people, enrolment):
    for who in ("supervisor", "org_admin", "admin"):
        auth.switch_to(people[who])
        assert client.get(COURSE).status_code == 403
        assert client.get("/exams").status_code == 403
        assert client.post(f"{COURSE}/start").status_code == 403


def test_a_trainee_of_another_organization_in_the_cohort_cannot_use_its_sitting(db, client, auth, people,
                                                                                 ready_exam):
    """A membership left over from a move to another organization never opens the exam."""
    moved = factories.make_user(Role.TRAINEE, org=people["other_org"])
    people["cohort"].trainees.append(moved)
    moved_enrolment = factories.make_enrolment(moved, ready_exam)
    db.session.commit()
    open_sitting(people, ready_exam)
    auth.login(moved)
    client.post(f"{COURSE}/start")
    assert db.session.scalar(sa.select(ExamAttempt).where(ExamAttempt.enrolment_id == moved_enrolment.id)) is None


def test_a_trainee_not_enrolled_is_sent_to_the_course_page(db, client, auth, people, ready_exam):
    outsider = factories.make_user(Role.TRAINEE, org=people["org"])
    db.session.commit()
    auth.login(outsider)
    response = client.get(COURSE)
    assert response.status_code == 302 and response.headers["Location"] == "/courses/ready-course"
    missing = client.get("/exams/courses/no-such-course")
    assert missing.status_code == 404, missing.headers.get("Location")
