"""Item analysis of the summative exam: first non-voided attempts, per-competency KR-20, constant queries.

Skipped where the exam tables (lms.models.exams) do not exist yet: `queries.exam_models()` is the one guard.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.item_analysis import queries
from lms.models import Enrolment, ExamItem, Role, User, utcnow
from tests import factories
from tests.test_orgs_dashboard import StatementCounter

pytestmark = pytest.mark.skipif(queries.exam_models() is None, reason="the exam tables (lms.models.exams) are not here")


def add_exam_attempts(db, version, cohort, admin, count: int, *, start: int = 0, items_per_attempt: int = 6,
                      uncounted: bool = True) -> None:
    """`count` trainees of the cohort's organization, each with a first submitted attempt at a form of
    `items_per_attempt` items of the pool (rotating through it), plus a voided earlier attempt that
    answers everything right and a later attempt: neither may count."""
    models = queries.exam_models()
    now = utcnow()
    pool = db.session.scalars(sa.select(ExamItem).where(ExamItem.course_version_id == version.id)
                              .order_by(ExamItem.id)).all()
    users = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"email": f"exam{start + i}-{cohort.id}@example.org", "name": f"Exam Trainee {start + i}",
         "role": str(Role.TRAINEE), "organization_id": cohort.organization_id, "active": True, "created_at": now,
         "failed_logins": 0, "session_version": 1} for i in range(count)]).all()
    enrolments = db.session.scalars(sa.insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True), [
        {"user_id": u, "course_id": version.course_id, "course_version_id": version.id, "created_at": now}
        for u in users]).all()
    sitting = models.ExamSitting(cohort_id=cohort.id, course_version_id=version.id, opens_at=now - timedelta(days=1),
                                 closes_at=now + timedelta(days=1), proctored=False, created_by_id=admin.id,
                                 created_at=now)
    db.session.add(sitting)
    db.session.flush()
    attempts = []
    for i, enrolment_id in enumerate(enrolments):
        for number, voided in ((1, now), (2, None), (3, None)) if uncounted else ((2, None),):
            attempts.append({"enrolment_id": enrolment_id, "course_version_id": version.id, "sitting_id": sitting.id,
                             "number": number, "started_at": now + timedelta(hours=number),
                             "deadline_at": now + timedelta(hours=number + 1),
                             "submitted_at": now + timedelta(hours=number), "auto_submitted": False, "score": 50,
                             "passed": False, "voided_at": voided, "time_multiplier": 1})
    attempt_ids = db.session.scalars(sa.insert(models.ExamAttempt).returning(
        models.ExamAttempt.id, sort_by_parameter_order=True), attempts).all()
    answers = []
    for index, attempt_id in enumerate(attempt_ids):
        trainee, number = divmod(index, 3) if uncounted else (index, 2)
        for position in range(items_per_attempt):
            item = pool[(trainee + position) % len(pool)]
            options = item.question["options"]
            right = [o["id"] for o in options if o["correct"]]
            wrong = [o["id"] for o in options if not o["correct"]]
            correct = number != 2 or (start + trainee + 2 * position) % 5 < 3
            answers.append({"attempt_id": attempt_id, "exam_item_id": item.id, "position": position + 1,
                            "option_order": [o["id"] for o in options], "selected": right if correct else wrong[:1],
                            "is_correct": correct, "saved_at": now})
    db.session.execute(sa.insert(models.ExamAnswer), answers)


@pytest.fixture
def exam_version(courses):
    version = courses["peer-specialist-core"]
    from lms.extensions import db

    assert db.session.scalar(sa.select(sa.func.count()).where(ExamItem.course_version_id == version.id)) >= 6
    return version


def test_exam_page_counts_first_non_voided_attempts_per_competency(client, auth, db, people, exam_version):
    add_exam_attempts(db, exam_version, people["cohort"], people["admin"], 12)
    db.session.commit()
    auth.login(people["admin"])
    page = client.get(f"/item-analysis/exams/{exam_version.id}").get_data(as_text=True)
    assert "Attempts counted: 12." in page  # the voided first and the third attempts do not count
    assert "KR-20" in page and "<svg" in page
    item = db.session.scalars(sa.select(ExamItem).where(ExamItem.course_version_id == exam_version.id)).first()
    assert f"courses/{item.question['source']['file']}:{item.question['source']['line']}" in page
    assert 'href="/item-analysis/exams/' in client.get("/item-analysis/").get_data(as_text=True)
    csv = client.get(f"/item-analysis/exams/{exam_version.id}/items.csv")
    assert csv.status_code == 200 and item.item_id in csv.get_data(as_text=True)


def test_exam_page_makes_the_same_number_of_queries_for_20_and_5000_attempts(client, auth, db, people, courses):
    small, large = courses["peer-specialist-core"], courses["peer-support-telehealth"]
    add_exam_attempts(db, small, people["cohort"], people["admin"], 20)
    pool = db.session.scalar(sa.select(sa.func.count()).where(ExamItem.course_version_id == large.id))
    if not pool:
        large = small  # one pool only: compare 20 with 5,020 attempts on the same exam
    add_exam_attempts(db, large, people["cohort"], people["admin"], 5000, start=20, uncounted=False)
    db.session.commit()
    auth.login(people["org_admin"])
    client.get(f"/item-analysis/exams/{small.id}")
    counts = []
    for version in (small, large):
        with StatementCounter(db.engine) as counter:
            assert client.get(f"/item-analysis/exams/{version.id}").status_code == 200
        counts.append(len(counter.statements))
    assert counts[0] == counts[1] and counts[1] <= 8, counts


def test_exam_statistics_exclude_other_organizations_and_refuse_trainees(client, auth, db, people, exam_version):
    add_exam_attempts(db, exam_version, people["cohort"], people["admin"], 8)
    outsider = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    db.session.commit()
    auth.login(outsider)
    assert "Attempts counted: 0." in client.get(f"/item-analysis/exams/{exam_version.id}").get_data(as_text=True)
    auth.switch_to(people["trainee"])
    assert client.get(f"/item-analysis/exams/{exam_version.id}").status_code == 403
