"""Practice exercises: a trainee's draft and submitted answer, and the supervisor's optional review.

Rules: the model answer and its reasons are shown only once the answer is submitted; a submitted answer is
final (it is on the trainee's record); an exercise counts as done when submitted, and, when its review is
`required`, once a supervisor of the trainee's cohort (same organization) has reviewed it. Services add and
flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.auth.permissions import supervises
from lms.errors import Conflict, DomainError, NotAllowed, NotEligible
from lms.extensions import db
from lms.guarded_update import guarded_update
from lms.learning.completion import refresh_module_progress
from lms.models import Enrolment, Exercise, ExerciseResponse, Module, Role, User, utcnow

MAX_ANSWER_CHARS = 10_000
MAX_COMMENT_CHARS = 4_000
REVIEWABLE = ("optional", "required")


def is_done(exercise: Exercise, response: ExerciseResponse | None) -> bool:
    if response is None or response.submitted_at is None:
        return False
    return exercise.review != "required" or response.reviewed_at is not None


def done_exercise_ids(enrolment: Enrolment, exercises: Iterable[Exercise]) -> set[int]:
    """The exercises (of those given) that count as done for this enrolment."""
    by_id = {exercise.id: exercise for exercise in exercises}
    if not by_id:
        return set()
    responses = db.session.scalars(sa.select(ExerciseResponse).where(
        ExerciseResponse.enrolment_id == enrolment.id, ExerciseResponse.exercise_id.in_(by_id)))
    return {r.exercise_id for r in responses if is_done(by_id[r.exercise_id], r)}


def response_for(enrolment: Enrolment, exercise: Exercise) -> ExerciseResponse | None:
    return db.session.scalar(sa.select(ExerciseResponse).where(
        ExerciseResponse.enrolment_id == enrolment.id, ExerciseResponse.exercise_id == exercise.id))


def _clean(text: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_ANSWER_CHARS:
        raise DomainError(_("Keep your answer under %(n)d characters.", n=MAX_ANSWER_CHARS), field="answer")
    return text


def _response(enrolment: Enrolment, exercise: Exercise, now: datetime) -> ExerciseResponse:
    response = response_for(enrolment, exercise)
    if response is not None:
        return response
    response = ExerciseResponse(enrolment_id=enrolment.id, exercise_id=exercise.id, text="", created_at=now,
                                updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError:  # a second tab saved first
        response = response_for(enrolment, exercise)
    return response


def save_draft(enrolment: Enrolment, exercise: Exercise, text: str, *, now: datetime | None = None
               ) -> ExerciseResponse:
    now = now or utcnow()
    response = _response(enrolment, exercise, now)
    if response.submitted_at is not None:
        raise Conflict(_("You have already submitted this exercise; your answer is on your record."))
    response.text = _clean(text)
    response.updated_at = now
    db.session.flush()
    return response


def submit_response(enrolment: Enrolment, exercise: Exercise, text: str, *, now: datetime | None = None
                    ) -> ExerciseResponse:
    """Submit the answer (final): from now on the trainee sees the model answer and its reasons."""
    now = now or utcnow()
    cleaned = _clean(text)
    if not cleaned:
        raise DomainError(_("Write your answer before submitting it."), field="answer")
    response = save_draft(enrolment, exercise, cleaned, now=now)
    updated = guarded_update(response, ExerciseResponse.submitted_at.is_(None), submitted_at=now)
    db.session.refresh(response)
    if not updated:
        raise Conflict(_("You have already submitted this exercise; your answer is on your record."))
    audit.record("exercise.submitted", actor=enrolment.user, subject=enrolment, target_user=enrolment.user,
                 exercise=exercise.slug)

    refresh_module_progress(enrolment, exercise.module, now=now)
    return response


# --- supervisor review -------------------------------------------------------------------------------

def get_response(response_id: int) -> ExerciseResponse | None:
    return db.session.scalar(
        sa.select(ExerciseResponse).where(ExerciseResponse.id == response_id).options(
            so.selectinload(ExerciseResponse.exercise).selectinload(Exercise.module).selectinload(Module.course_version),
            so.selectinload(ExerciseResponse.enrolment).selectinload(Enrolment.user),
        )
    )


def may_review(user: User, response: ExerciseResponse) -> bool:
    """A supervisor of one of the trainee's cohorts, in the trainee's organization (or an admin)."""
    trainee = response.enrolment.user
    if user.role == Role.ADMIN:
        return True
    return (user.role == Role.SUPERVISOR and user.organization_id is not None
            and user.organization_id == trainee.organization_id and supervises(user, trainee.id))


def review_response(response: ExerciseResponse, reviewer: User, comment: str, *, now: datetime | None = None
                    ) -> ExerciseResponse:
    if not may_review(reviewer, response):
        raise NotAllowed(_("Only a supervisor of this trainee's cohort can review their exercises."))
    if response.exercise.review not in REVIEWABLE:
        raise NotEligible(_("This exercise is not reviewed by a supervisor."))
    if response.submitted_at is None:
        raise NotEligible(_("The trainee has not submitted this exercise yet."))
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Write a comment for the trainee."), field="comment")
    if len(comment) > MAX_COMMENT_CHARS:
        raise DomainError(_("Keep the comment under %(n)d characters.", n=MAX_COMMENT_CHARS), field="comment")
    now = now or utcnow()
    response.review_comment = comment
    response.reviewer_id = reviewer.id
    response.reviewed_at = now
    db.session.flush()
    audit.record("exercise.reviewed", actor=reviewer, subject=response.enrolment, target_user=response.enrolment.user,
                 exercise=response.exercise.slug)

    refresh_module_progress(response.enrolment, response.exercise.module, now=now)
    return response


def waiting_for_review(user: User) -> list[ExerciseResponse]:
    """Submitted answers to reviewed exercises, not yet reviewed, of trainees `user` may review."""
    from lms.models import cohort_supervisors, cohort_trainees

    query = (
        sa.select(ExerciseResponse)
        .join(Exercise, ExerciseResponse.exercise_id == Exercise.id)
        .join(Enrolment, ExerciseResponse.enrolment_id == Enrolment.id)
        .where(Exercise.review.in_(REVIEWABLE), ExerciseResponse.submitted_at.is_not(None),
               ExerciseResponse.reviewed_at.is_(None))
        .order_by(ExerciseResponse.submitted_at)
        .options(so.selectinload(ExerciseResponse.exercise), so.selectinload(ExerciseResponse.enrolment)
                 .selectinload(Enrolment.user))
    )
    if user.role != Role.ADMIN:
        supervised = (
            sa.select(cohort_trainees.c.user_id)
            .join(cohort_supervisors, cohort_supervisors.c.cohort_id == cohort_trainees.c.cohort_id)
            .where(cohort_supervisors.c.user_id == user.id)
        )
        query = query.where(Enrolment.user_id.in_(supervised)).join(User, Enrolment.user_id == User.id).where(
            User.organization_id == user.organization_id)
    return list(db.session.scalars(query))
