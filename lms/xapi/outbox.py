"""Learning events become outbox rows: one `XapiStatement` per statement, written in the transaction of the
event (nothing is lost if the LRS is down, nothing is sent if the event rolls back), for organizations
whose xAPI is on. A job (`lms.xapi.sending.send_pending`) sends them.

The receivers below are connected to `lms.signals` by the blueprint. Each first asks whether the learner's
organization sends statements at all (one query), and does nothing more when it does not.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context

from lms import jobs
from lms.extensions import db
from lms.i18n.content import source_text  # statements name activities in the course's own words (en-US)
from lms.models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    Enrolment,
    ExamAttempt,
    Grade,
    GradeKind,
    Lesson,
    LiveSession,
    QuizAttempt,
    Submission,
    User,
    XapiSettings,
    XapiStatement,
    utcnow,
)
from lms.roleplay import rubric
from lms.xapi import statements as xs

log = logging.getLogger(__name__)

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)


# -- who, where --------------------------------------------------------------------------------------------


def base_url() -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/")


def active_settings(organization_id: int | None) -> XapiSettings | None:
    """The organization's LRS settings when it sends statements (switched on, with an endpoint), else None."""
    if organization_id is None:
        return None
    return db.session.scalar(sa.select(XapiSettings).where(
        XapiSettings.organization_id == organization_id, XapiSettings.enabled.is_(True),
        XapiSettings.endpoint != ""))


def opaque_name(settings: XapiSettings, user_id: int) -> str:
    """A person's stable name in the LRS: derived from the organization's random salt, so it reveals nothing
    and cannot be matched across organizations."""
    return hmac.new(settings.actor_salt.encode(), f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def actor_for(settings: XapiSettings, user: User) -> dict:
    if settings.identify_by_email and user.email and user.erased_at is None:
        return xs.email_actor(user.email, user.name)
    return xs.account_actor(base_url(), opaque_name(settings, user.id))


def course_activity(course) -> xs.Activity:
    return xs.Activity(f"{base_url()}/courses/{course.slug}", "course", course.title)


def module_activity(course, module) -> xs.Activity:
    return xs.Activity(f"{base_url()}/courses/{course.slug}/modules/{module.slug}", "module",
                       source_text(module, "title"))


def registration(enrolment: Enrolment | None) -> str | None:
    return xs.registration_for(f"{base_url()}/enrolments/{enrolment.id}") if enrolment is not None else None


def envelope(settings: XapiSettings, user: User, course, timestamp: datetime, *, enrolment=None,
             module=None) -> xs.Envelope:
    return xs.Envelope(
        actor=actor_for(settings, user),
        course=course_activity(course) if course is not None else None,
        parent=module_activity(course, module) if module is not None and course is not None else None,
        registration=registration(enrolment),
        timestamp=timestamp or utcnow(),
    )


# -- the outbox --------------------------------------------------------------------------------------------


def queue(settings: XapiSettings, user: User | None, event_key: str, verb: str,
          build: Callable[[str], dict]) -> XapiStatement | None:
    """Add one statement to the outbox, unless this event is already there. `build(statement_id)` makes it;
    the id is made here, once."""
    exists = db.session.scalar(sa.select(XapiStatement.id).where(
        XapiStatement.organization_id == settings.organization_id, XapiStatement.event_key == event_key))
    if exists is not None:
        return None
    statement_id = str(uuid.uuid4())
    row = XapiStatement(organization_id=settings.organization_id, statement_id=statement_id,
                        event_key=event_key[:120], verb=verb, user_id=user.id if user is not None else None,
                        payload=build(statement_id), next_attempt_at=utcnow())
    db.session.add(row)
    return row


def schedule_send(settings: XapiSettings) -> None:
    """Send the organization's pending statements through the job queue, once the caller commits: never
    from inside the event's transaction, and never for an event that rolls back.

    With Redis, `jobs.enqueue` pushes the job when the transaction commits. Without it (inline mode), the
    send waits for the commit too (`send_after_commit`), and then runs in a transaction of its own."""
    from lms.xapi.sending import send_pending

    db.session.flush()
    if current_app.config.get("REDIS_URL"):
        jobs.enqueue(send_pending, settings.organization_id)
        return
    db.session().info.setdefault(_SEND_AFTER_COMMIT, set()).add(settings.organization_id)


_SEND_AFTER_COMMIT = "xapi_send_after_commit"  # key in Session.info: organizations to send for (inline mode)


def send_after_commit(session) -> None:
    """Session `after_commit` (inline mode): run the send job for each organization the transaction queued
    statements for, through `jobs.perform` (its own application context and transaction, as a worker).
    A failure is logged; the rows stay pending for the recovery."""
    organizations = session.info.pop(_SEND_AFTER_COMMIT, None)
    if not organizations or not has_app_context():
        return
    for organization_id in sorted(organizations):
        try:
            jobs.perform("lms.xapi.sending.send_pending", [organization_id], {})
        except Exception:
            log.exception("Sending xAPI statements of organization %s failed; they stay queued", organization_id)


def forget_after_rollback(session) -> None:
    session.info.pop(_SEND_AFTER_COMMIT, None)


# -- receivers (sender and keywords as documented in lms/signals.py) ---------------------------------------


def on_lesson_completed(enrolment: Enrolment, *, lesson: Lesson, actor: User | None = None, **_) -> None:
    user = enrolment.user
    settings = active_settings(user.organization_id)
    if settings is None:
        return
    course, module = enrolment.course, lesson.module
    activity = xs.Activity(f"{base_url()}/courses/{course.slug}/modules/{module.slug}/lessons/{lesson.slug}",
                           "lesson", source_text(lesson, "title"))
    env = envelope(settings, user, course, utcnow(), enrolment=enrolment, module=module)
    queue(settings, user, f"lesson:{enrolment.id}:{lesson.id}", "completed",
          lambda sid: xs.lesson_completed(sid, env, activity))
    schedule_send(settings)


def _assessment(settings, user, enrolment, key: str, activity, env, score, passed: bool) -> None:
    queue(settings, user, f"{key}:attempted", "attempted",
          lambda sid: xs.assessment_attempted(sid, env, activity, score))
    queue(settings, user, f"{key}:outcome", "passed" if passed else "failed",
          lambda sid: xs.assessment_outcome(sid, env, activity, score, passed))


def on_quiz_submitted(attempt: QuizAttempt, **_) -> None:
    enrolment = attempt.enrolment
    user = enrolment.user
    settings = active_settings(user.organization_id)
    if settings is None or attempt.score is None:
        return
    course, module = enrolment.course, attempt.quiz.module
    activity = xs.Activity(f"{base_url()}/courses/{course.slug}/modules/{module.slug}/quiz", "assessment",
                           f"{source_text(module, 'title')}: knowledge check")
    env = envelope(settings, user, course, attempt.submitted_at, enrolment=enrolment, module=module)
    _assessment(settings, user, enrolment, f"quiz-attempt:{attempt.id}", activity, env,
                xs.Score(attempt.score, 0, 100), bool(attempt.passed))
    schedule_send(settings)


def on_exam_submitted(attempt: ExamAttempt, **_) -> None:
    enrolment = attempt.enrolment
    user = enrolment.user
    settings = active_settings(user.organization_id)
    if settings is None or attempt.score is None:
        return
    course = enrolment.course
    title = (source_text(attempt.course_version, "exam") or {}).get("title") or f"{course.title}: exam"
    activity = xs.Activity(f"{base_url()}/exams/courses/{course.slug}", "assessment", title)
    env = envelope(settings, user, course, attempt.submitted_at, enrolment=enrolment)
    _assessment(settings, user, enrolment, f"exam-attempt:{attempt.id}", activity, env,
                xs.Score(attempt.score, 0, 100), bool(attempt.passed))
    schedule_send(settings)


def on_exam_voided(attempt: ExamAttempt, **_) -> None:
    """Void (xAPI's way) the statements sent about the attempt: its score no longer counts."""
    user = attempt.enrolment.user
    settings = active_settings(user.organization_id)
    if settings is None:
        return
    keys = [f"exam-attempt:{attempt.id}:attempted", f"exam-attempt:{attempt.id}:outcome"]
    originals = db.session.scalars(sa.select(XapiStatement).where(
        XapiStatement.organization_id == settings.organization_id, XapiStatement.event_key.in_(keys))
        .order_by(XapiStatement.id)).all()
    voider = attempt.voided_by or user
    for original in originals:
        queue(settings, user, f"{original.event_key}:voided", "voided",
              lambda sid, original=original: xs.voiding(sid, actor_for(settings, voider), original.statement_id,
                                                        attempt.voided_at or utcnow()))
    if originals:
        schedule_send(settings)


def _scenario_activity(submission: Submission) -> tuple[xs.Activity, object, object]:
    scenario = submission.scenario
    module = scenario.module
    course = module.course_version.course
    activity = xs.Activity(f"{base_url()}/roleplays/{scenario.id}", "performance", source_text(scenario, "title"))
    return activity, course, module


def on_roleplay_submitted(submission: Submission, **_) -> None:
    user = submission.trainee
    settings = active_settings(user.organization_id)
    if settings is None:
        return
    activity, course, module = _scenario_activity(submission)
    env = envelope(settings, user, course, submission.submitted_at, enrolment=submission.enrolment,
                   module=module)
    queue(settings, user, f"submission:{submission.id}:submitted", "submitted",
          lambda sid: xs.roleplay_submitted(sid, env, activity, attempt=submission.attempt_no))
    schedule_send(settings)


def rubric_score(grade: Grade) -> xs.Score:
    """The rubric's total, between every criterion at its lowest and at its highest level."""
    scenario = grade.submission.scenario
    criteria = rubric.scored_criteria(scenario.rubric.criteria, scenario.criteria, scenario.minimums)
    count = len(criteria)
    return xs.Score(grade.total, count * rubric.LEVELS[0], count * rubric.LEVELS[-1])


def on_roleplay_graded(grade: Grade, **_) -> None:
    submission = grade.submission
    user = submission.trainee
    settings = active_settings(user.organization_id)
    if settings is None:
        return
    activity, course, module = _scenario_activity(submission)
    env = envelope(settings, user, course, grade.created_at, enrolment=submission.enrolment, module=module)
    score = rubric_score(grade)
    correction = grade.kind == GradeKind.CORRECTION
    queue(settings, user, f"grade:{grade.id}", "scored",
          lambda sid: xs.roleplay_graded(sid, env, activity, score, grade.passed, correction=correction))
    schedule_send(settings)


def on_attendance_recorded(session: LiveSession, *, attendances: list[Attendance] = (), **_) -> None:
    settings = active_settings(session.cohort.organization_id)
    rows = [row for row in attendances if row.status in ATTENDED]
    if settings is None or not rows:
        return
    users = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_([row.user_id for row in rows])))}
    enrolments = {enrolment.user_id: enrolment for enrolment in db.session.scalars(
        sa.select(Enrolment).where(Enrolment.course_id == session.course_id,
                                   Enrolment.user_id.in_(list(users))))}
    course = session.course
    activity = xs.Activity(f"{base_url()}/live/sessions/{session.id}", "meeting", session.title)
    for row in rows:
        user = users.get(row.user_id)
        if user is None or user.organization_id != settings.organization_id:
            continue
        env = envelope(settings, user, course, session.starts_at, enrolment=enrolments.get(user.id),
                       module=session.module)
        queue(settings, user, f"attendance:{row.id}", "attended",
              lambda sid, env=env, row=row: xs.session_attended(sid, env, activity, minutes=row.minutes))
    schedule_send(settings)


def _certificate_activity(certificate: Certificate) -> xs.Activity:
    from lms.certificates.settings import verification_url

    return xs.Activity(verification_url(certificate.number), "badge",
                       f"{certificate.course_title}: certificate {certificate.number}")


def on_certificate_issued(certificate: Certificate, **_) -> None:
    user = certificate.user
    settings = active_settings(user.organization_id if user is not None else None)
    if settings is None:
        return
    env = envelope(settings, user, certificate.course, certificate.created_at or utcnow())
    activity = _certificate_activity(certificate)
    queue(settings, user, f"certificate:{certificate.id}:issued", "earned",
          lambda sid: xs.certificate_issued(sid, env, activity))
    schedule_send(settings)


def on_certificate_revoked(certificate: Certificate, **_) -> None:
    user = certificate.user
    settings = active_settings(user.organization_id if user is not None else None)
    if settings is None:
        return
    env = envelope(settings, user, certificate.course, certificate.revoked_at or utcnow())
    activity = _certificate_activity(certificate)
    queue(settings, user, f"certificate:{certificate.id}:revoked", "lost",
          lambda sid: xs.certificate_revoked(sid, env, activity, reason=certificate.revoked_reason))
    schedule_send(settings)
