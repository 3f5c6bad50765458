"""Loading scenarios and submissions, and reading them: their rubric, their grades, their turns, whose
submissions a user may see. Every other role-play module reads submissions through these."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.auth.permissions import supervised_trainee_ids
from lms.extensions import db
from lms.models import CourseVersion, Enrolment, Grade, GradeKind, Module, Role, Scenario, Submission, User
from lms.roleplay import rubric


def scenario_options() -> list[so.interfaces.LoaderOption]:
    return [
        so.joinedload(Scenario.module).joinedload(Module.course_version).joinedload(CourseVersion.course),
        so.joinedload(Scenario.rubric),
    ]


def submission_options() -> list[so.interfaces.LoaderOption]:
    return [
        so.joinedload(Submission.trainee),
        so.joinedload(Submission.scenario).options(*scenario_options()),
        so.selectinload(Submission.grades).joinedload(Grade.grader),
    ]


def get_scenario(scenario_id: int) -> Scenario | None:
    return db.session.scalar(sa.select(Scenario).where(Scenario.id == scenario_id).options(*scenario_options()))


def get_submission(submission_id: int) -> Submission | None:
    return db.session.scalar(
        sa.select(Submission).where(Submission.id == submission_id).options(*submission_options())
    )


def in_scope(query: sa.Select, user: User) -> sa.Select:
    """Limit a query on submissions to the trainees `user` supervises (an administrator sees all)."""
    if user.role == Role.ADMIN:
        return query
    return query.where(Submission.trainee_id.in_(supervised_trainee_ids(user)))


def in_course(query: sa.Select, course_id: int | None) -> sa.Select:
    """Limit a query on submissions to the scenarios of one course (every version); None keeps all."""
    if not course_id:
        return query
    return query.where(Submission.scenario_id.in_(
        sa.select(Scenario.id)
        .join(Module, Module.id == Scenario.module_id)
        .join(CourseVersion, CourseVersion.id == Module.course_version_id)
        .where(CourseVersion.course_id == course_id)
    ))


def criteria_for(scenario: Scenario) -> list[rubric.Criterion]:
    return rubric.scored_criteria(scenario.rubric.criteria, scenario.criteria, scenario.minimums)


def gate_checks_for(scenario: Scenario) -> list[rubric.Criterion]:
    """The gates (confidentiality, safety) this scenario does not score: each rater marks breach / no breach."""
    return rubric.gate_checks(scenario.rubric.criteria, scenario.criteria)


def decision_for(scenario: Scenario, levels: Mapping[str, int], gates: Mapping[str, str] | None = None
                 ) -> rubric.Decision:
    """The pass rule applied to a scenario (ValueError when a level or a gate outcome is missing)."""
    return rubric.decide(criteria_for(scenario), levels, scenario.pass_mark, gates, gate_checks_for(scenario))


def enrolment_for(trainee: User, scenario: Scenario) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.user_id == trainee.id,
            Enrolment.course_version_id == scenario.module.course_version_id,
        )
    )


def attempts_for(trainee_id: int, scenario_id: int) -> list[Submission]:
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(Submission.trainee_id == trainee_id, Submission.scenario_id == scenario_id)
            .options(so.selectinload(Submission.grades).joinedload(Grade.grader))
            .order_by(Submission.attempt_no)
        )
    )


def primary_grade(submission: Submission) -> Grade | None:
    return next((g for g in submission.grades if g.kind == GradeKind.PRIMARY), None)


def effective_grade(submission: Submission) -> Grade | None:
    """The grade that counts: the latest correction, else the primary grade."""
    corrections = [g for g in submission.grades if g.kind == GradeKind.CORRECTION]
    if corrections:
        return max(corrections, key=lambda g: g.id)
    return primary_grade(submission)


def blind_grade_by(submission: Submission, grader: User, kind: GradeKind) -> Grade | None:
    return next((g for g in submission.grades if g.kind == kind and g.grader_id == grader.id), None)


def must_stay_blind(submission: Submission, user: User) -> bool:
    """A second marker sees no other grade until their own is saved."""
    return submission.second_marker_id == user.id and blind_grade_by(submission, user, GradeKind.SECOND) is None


def revealed_turns(submission: Submission) -> int:
    """How many of the persona's lines the trainee has seen: one more than the replies given so far."""
    turns = len(submission.scenario.turns)
    answered = 0
    for reply in submission.replies or []:
        if not str(reply).strip():
            break
        answered += 1
    return min(turns, answered + 1)


def is_complete(submission: Submission) -> bool:
    turns = len(submission.scenario.turns)
    replies = list(submission.replies or [])
    return len(replies) >= turns and all(str(r).strip() for r in replies[:turns])
