"""The grading queue: what waits for a supervisor's grade or blind second mark, what they graded, and
the counts shown in the navigation and the daily reminder. Scope is `submissions.in_scope`."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Grade, GradeKind, Role, Scenario, Submission, SubmissionState, User
from lms.roleplay.calibration import calibration_samples
from lms.roleplay.grading import GRADED_STATES
from lms.roleplay.submissions import in_course, in_scope, scenario_options, submission_options

QUEUE_STATUSES = ("waiting", "second", "graded", "all")


def _has_grade(kind: GradeKind, grader_id=None):
    condition = sa.and_(Grade.submission_id == Submission.id, Grade.kind == kind)
    if grader_id is not None:
        condition = sa.and_(condition, Grade.grader_id == grader_id)
    return sa.exists().where(condition)


def _not_second_marker(user: User):
    return sa.or_(Submission.second_marker_id.is_(None), Submission.second_marker_id != user.id)


def status_condition(status: str, user: User):
    """The submissions under one tab of the queue, as `user` sees them."""
    is_admin = user.role == Role.ADMIN
    if status == "waiting":
        condition = sa.and_(Submission.state == SubmissionState.SUBMITTED, ~_has_grade(GradeKind.PRIMARY))
        return condition if is_admin else sa.and_(condition, _not_second_marker(user))
    if status == "second":
        if is_admin:
            return sa.and_(Submission.second_marker_id.is_not(None), ~_has_grade(GradeKind.SECOND))
        return sa.and_(Submission.second_marker_id == user.id, ~_has_grade(GradeKind.SECOND, user.id))
    if status == "graded":
        condition = Submission.state.in_(GRADED_STATES)
        if is_admin:
            return condition
        # a blind second marker finds it under "second", not among the graded
        return sa.and_(condition, sa.or_(_not_second_marker(user), _has_grade(GradeKind.SECOND, user.id)))
    return Submission.state != SubmissionState.DRAFT


@dataclass
class QueueFilters:
    status: str = "waiting"
    course_id: int | None = None
    scenario_id: int | None = None


def queue_query(user: User, filters: QueueFilters) -> sa.Select:
    query = in_scope(sa.select(Submission), user).where(status_condition(filters.status, user))
    query = in_course(query, filters.course_id)
    if filters.scenario_id:
        query = query.where(Submission.scenario_id == filters.scenario_id)
    order = (Submission.graded_at.desc(), Submission.id.desc()) if filters.status == "graded" else (
        Submission.submitted_at.asc(), Submission.id.asc())
    return query.options(*submission_options()).order_by(*order)


def queue_counts(user: User) -> dict[str, int]:
    counts = {}
    for status in ("waiting", "second"):
        query = in_scope(sa.select(sa.func.count(Submission.id)), user).where(status_condition(status, user))
        counts[status] = db.session.scalar(query) or 0
    counts["calibration"] = sum(1 for sample in calibration_samples(user) if sample.own_grade is None)
    return counts


def queue_scenarios(user: User) -> list[Scenario]:
    """Scenarios that have submissions in the user's scope, for the filter."""
    ids = in_scope(sa.select(Submission.scenario_id), user).where(Submission.state != SubmissionState.DRAFT)
    return list(db.session.scalars(
        sa.select(Scenario).where(Scenario.id.in_(ids.distinct())).options(*scenario_options()).order_by(Scenario.title)
    ).unique())
