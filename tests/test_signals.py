"""The learning-event signals (`lms.signals`): each service sends its event once, with the row it changed, and
a repeated action (a double click, a second tab) sends nothing more."""

from contextlib import contextmanager

import pytest

from lms import signals
from lms.certificates import issuance, lifecycle
from lms.learning import completion, quizzes
from lms.roleplay import grading
from tests import factories
from tests.exam_helpers import correct_places

pytest_plugins = ["tests.exam_fixtures"]
pytestmark = pytest.mark.usefixtures("quick_pdfs")


@contextmanager
def caught(signal):
    seen = []

    def receiver(sender, **extra):
        seen.append((sender, extra))

    signal.connect(receiver)
    try:
        yield seen
    finally:
        signal.disconnect(receiver)


def test_a_lesson_read_sends_lesson_completed_once(db, enrolment):
    lesson = enrolment.course_version.modules[0].lessons[0]
    with caught(signals.lesson_completed) as seen:
        assert completion.mark_lesson_read(enrolment, lesson)
        assert not completion.mark_lesson_read(enrolment, lesson)
    assert seen == [(enrolment, {"lesson": lesson, "actor": enrolment.user})]


def test_a_submitted_knowledge_check_sends_its_scored_attempt(db, enrolment):
    quiz = next(module.quiz for module in enrolment.course_version.modules if module.quiz is not None)
    attempt = quizzes.start_attempt(enrolment, quiz)
    with caught(signals.quiz_submitted) as seen:
        quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
        with pytest.raises(quizzes.AlreadySubmitted):
            quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
    assert [sender for sender, _ in seen] == [attempt]
    assert attempt.score == 100 and attempt.passed


def test_a_submitted_exam_and_its_voiding_are_sent(db, people, enrolment, sitting):
    from lms.exams import attempts, staff

    attempt = attempts.start_attempt(enrolment)
    attempts.save_answers(attempt, correct_places(attempt))
    with caught(signals.exam_submitted) as submitted, caught(signals.exam_voided) as voided:
        attempts.submit_attempt(attempt)
        with pytest.raises(attempts.AlreadySubmitted):
            attempts.submit_attempt(attempt)
        staff.void_attempt(attempt, "The room's fire alarm went off.", by=people["supervisor"])
    assert [sender for sender, _ in submitted] == [attempt]
    assert attempt.score is not None
    assert [sender for sender, _ in voided] == [attempt]


def test_a_role_play_submission_and_each_grade_that_counts_are_sent(db, people):
    scenario = factories.make_scenario()
    submission = factories.make_submission(people["trainee"], scenario)
    scores = grading.Scores(levels={c: 3 for c in scenario.criteria}, comments={}, feedback="Clear and warm.")
    with caught(signals.roleplay_graded) as graded:
        first = grading.grade_submission(submission, people["supervisor"], scores)
        corrected = grading.correct_grade(submission, people["supervisor"], scores, "Arithmetic slip.")
    assert [sender for sender, _ in graded] == [first, corrected]


def test_issuing_and_revoking_a_certificate_are_sent(db, people):
    version = factories.make_certifying_course()
    with caught(signals.certificate_issued) as issued, caught(signals.certificate_revoked) as revoked:
        certificate = issuance.issue_certificate(people["trainee"], version)
        lifecycle.revoke_certificate(certificate, "Issued in error.", actor=people["admin"])
    assert [sender for sender, _ in issued] == [certificate]
    assert [sender for sender, _ in revoked] == [certificate]


def test_recorded_attendance_is_sent_with_its_rows(db, people):
    from datetime import timedelta

    from lms.live import services
    from lms.models import utcnow

    version = factories.make_live_course()
    cohort = factories.make_cohort(people["org"], supervisors=[people["supervisor"]], trainees=[people["trainee"]])
    factories.make_enrolment(people["trainee"], version)
    session = factories.make_live_session(cohort, version, starts_at=utcnow() - timedelta(hours=2))
    with caught(signals.attendance_recorded) as seen:
        services.record_attendance(session, actor=people["supervisor"],
                                   entries={people["trainee"].id: ("present", None)})
    [(sender, extra)] = seen
    assert sender is session
    assert [row.user_id for row in extra["attendances"]] == [people["trainee"].id]
