"""A certificate waits for every requirement of its course, whatever order the trainee meets them in,
and the course page shows the status of each (issue 15, point 7)."""

import sqlalchemy as sa

from lms import requirements
from lms.ethics import services as ethics
from lms.live import services as live
from lms.models import Certificate
from tests import factories
from tests.exam_helpers import finish

pytest_plugins = ["tests.exam_fixtures"]


def _certificates(db, user):
    return db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user.id)).all()


def _statuses(client, slug) -> str:
    return client.get(f"/courses/{slug}").get_data(as_text=True)


def test_the_certificate_waits_for_the_exam_live_hours_and_the_signed_code(
        client, auth, db, people, ready_exam, enrolment, sitting, monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)
    trainee, version = people["trainee"], ready_exam
    for module in version.modules:
        factories.pass_module(enrolment, module)
    db.session.commit()
    assert enrolment.completed_at is not None and _certificates(db, trainee) == []
    unmet = [r.key for r in requirements.unmet_requirements(enrolment)]
    assert unmet == ["exam", "live-hours", "ethics-code"]
    auth.login(trainee)
    page = _statuses(client, version.course.slug)
    for key in unmet:
        assert f'<tr data-requirement="{key}">' in page
    assert page.count("Not met yet") == 3

    finish(enrolment, right=True)
    assert _certificates(db, trainee) == []

    session = factories.make_live_session(people["cohort"], version, minutes=30)
    live.record_attendance(session, actor=people["supervisor"], entries={trainee.id: ("present", None)})
    db.session.commit()
    assert _certificates(db, trainee) == []
    assert [r.key for r in requirements.unmet_requirements(enrolment)] == ["ethics-code"]

    item = ethics.code_for_course(trainee, version.course)
    ethics.sign_code(trainee, item, typed_name=trainee.name, agreed=True)
    db.session.commit()
    issued = _certificates(db, trainee)
    assert len(issued) == 1
    # Only what was completed or attended is printed: every activity, the exam and the live half hour.
    assert issued[0].hours == requirements.earned_hours(enrolment) > 0
    page = _statuses(client, version.course.slug)
    assert "Not met yet" not in page and page.count(">Met<") >= 4
