"""The facts behind the cohort dashboard and the staff home page, read with a fixed set of grouped queries
joined on the cohort's membership (`lms.auth.permissions.cohort_trainee_ids`): the number of statements
does not depend on the number of trainees (see tests/test_orgs_dashboard.py). Nothing here loads a
relationship per trainee, and nothing here decides what the numbers mean."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.auth.permissions import cohort_trainee_ids, cohorts_trainee_ids
from lms.extensions import db
from lms.models import (
    Certificate,
    Cohort,
    Course,
    CourseVersion,
    Enrolment,
    Grade,
    GradeKind,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
    Rubric,
    Scenario,
    Submission,
    SubmissionState,
    User,
)
from lms.orgs.dashboard_builders import (
    CheckAttempts,
    EnrolmentFact,
    LessonsRead,
    ModuleFact,
    ModulePassed,
    ProgressFacts,
    RoleplayCount,
    TraineeFact,
    course_percent,
)
from lms.orgs.dashboard_charts import TURNAROUND_WEEKS, RubricFact, Turnaround
from lms.roleplay.agreement_report import GradeFact

BACKLOG_SHOWN = 10


@dataclass
class CourseChoice:
    id: int
    title: str
    enrolled: int


@dataclass
class BacklogItem:
    submission_id: int
    trainee_name: str
    scenario_title: str
    attempt_no: int
    submitted_at: datetime | None
    waited_hours: float


def _members(cohort_id: int):
    """The cohort's trainees as a subquery to join on."""
    return cohort_trainee_ids(cohort_id).subquery()


def trainees(cohort_id: int) -> list[TraineeFact]:
    members = _members(cohort_id)
    return [TraineeFact(uid, name, bool(active) and erased is None) for uid, name, active, erased in db.session.execute(
        sa.select(User.id, User.name, User.active, User.erased_at)
        .join(members, members.c.user_id == User.id).order_by(User.name, User.id)
    )]


def course_choices(cohort_id: int) -> list[CourseChoice]:
    members = _members(cohort_id)
    query = (
        sa.select(Course.id, Course.title, sa.func.count(Enrolment.id))
        .join(Enrolment, Enrolment.course_id == Course.id)
        .join(members, members.c.user_id == Enrolment.user_id)
        .group_by(Course.id, Course.title)
        .order_by(sa.func.count(Enrolment.id).desc(), Course.title)
    )
    return [CourseChoice(*row) for row in db.session.execute(query)]


class CourseScope:
    """The subqueries that scope every fact to the cohort's members in one course."""

    def __init__(self, cohort_id: int, course_id: int):
        self.members = _members(cohort_id)
        self.course_id = course_id
        self.enrolments = (
            sa.select(Enrolment.id).join(self.members, self.members.c.user_id == Enrolment.user_id)
            .where(Enrolment.course_id == course_id).subquery()
        )
        self.versions = (sa.select(Enrolment.course_version_id)
                         .where(Enrolment.id.in_(sa.select(self.enrolments))).distinct())
        self.scenarios = (sa.select(Scenario.id).join(Module, Module.id == Scenario.module_id)
                          .where(Module.course_version_id.in_(self.versions)))


def _rows(query, fact):
    return [fact(*row) for row in db.session.execute(query)]


def _modules(scope: CourseScope) -> list[ModuleFact]:
    def count_of(model):
        return sa.select(sa.func.count(model.id)).where(model.module_id == Module.id).scalar_subquery()

    return _rows(
        sa.select(Module.id, Module.slug, Module.title, Module.position, Module.course_version_id,
                  count_of(Lesson), count_of(Scenario), count_of(Quiz))
        .where(Module.course_version_id.in_(scope.versions))
        .order_by(Module.course_version_id.desc(), Module.position), ModuleFact)


def _checks(scope: CourseScope) -> list[CheckAttempts]:
    passed_sum = sa.func.sum(sa.case((QuizAttempt.passed.is_(True), 1), else_=0))
    failed_sum = sa.func.sum(sa.case((QuizAttempt.passed.is_(False), 1), else_=0))
    return _rows(
        sa.select(QuizAttempt.enrolment_id, Quiz.module_id, passed_sum, failed_sum,
                  sa.func.max(QuizAttempt.submitted_at))
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.enrolment_id.in_(sa.select(scope.enrolments)), QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.enrolment_id, Quiz.module_id), CheckAttempts)


def progress_facts(scope: CourseScope) -> ProgressFacts:
    """Enrolments, modules, lessons read, check attempts, module passes and role-plays: six queries."""
    enrolled = sa.select(scope.enrolments)
    return ProgressFacts(
        enrolments=_rows(
            sa.select(Enrolment.id, Enrolment.user_id, Enrolment.course_version_id, CourseVersion.version,
                      Enrolment.created_at, Enrolment.last_activity_at, Enrolment.completed_at)
            .join(CourseVersion, CourseVersion.id == Enrolment.course_version_id)
            .where(Enrolment.id.in_(enrolled)), EnrolmentFact),
        modules=_modules(scope),
        lessons_read=_rows(
            sa.select(LessonProgress.enrolment_id, Lesson.module_id, sa.func.count(),
                      sa.func.max(LessonProgress.read_at))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.enrolment_id.in_(enrolled))
            .group_by(LessonProgress.enrolment_id, Lesson.module_id), LessonsRead),
        checks=_checks(scope),
        passes=_rows(
            sa.select(ModuleCompletion.enrolment_id, ModuleCompletion.module_id, ModuleCompletion.passed_at)
            .where(ModuleCompletion.enrolment_id.in_(enrolled)), ModulePassed),
        roleplays=_rows(
            sa.select(Submission.trainee_id, Scenario.module_id, Submission.state,
                      sa.func.count(sa.distinct(Submission.scenario_id)), sa.func.max(Submission.updated_at))
            .join(Scenario, Scenario.id == Submission.scenario_id)
            .join(scope.members, scope.members.c.user_id == Submission.trainee_id)
            .where(Submission.scenario_id.in_(scope.scenarios))
            .group_by(Submission.trainee_id, Scenario.module_id, Submission.state), RoleplayCount),
    )


def backlog(scope: CourseScope, now: datetime) -> list[BacklogItem]:
    """The oldest submissions waiting for a grade."""
    waiting = (
        sa.select(Submission.id, User.name, Scenario.title, Submission.attempt_no, Submission.submitted_at)
        .join(Scenario, Scenario.id == Submission.scenario_id)
        .join(User, User.id == Submission.trainee_id)
        .join(scope.members, scope.members.c.user_id == Submission.trainee_id)
        .where(Submission.state == SubmissionState.SUBMITTED, Submission.scenario_id.in_(scope.scenarios))
        .order_by(Submission.submitted_at.asc().nulls_last(), Submission.id)
        .limit(BACKLOG_SHOWN)
    )
    return [
        BacklogItem(sid, name, title, attempt, at, round((now - at).total_seconds() / 3600, 1) if at else 0.0)
        for sid, name, title, attempt, at in db.session.execute(waiting)
    ]


def certificates(scope: CourseScope) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Certificate.id)).join(scope.members, scope.members.c.user_id == Certificate.user_id)
        .where(Certificate.course_id == scope.course_id)
    ) or 0


def grades(scope: CourseScope) -> list[GradeFact]:
    """Primary grades and blind second marks of the members' role-plays (rubric and agreement charts)."""
    return [GradeFact(*row) for row in db.session.execute(
        sa.select(Grade.submission_id, Grade.id, Grade.kind, Grade.grader_id, Grade.levels)
        .join(Submission, Submission.id == Grade.submission_id)
        .join(scope.members, scope.members.c.user_id == Submission.trainee_id)
        .where(Submission.scenario_id.in_(scope.scenarios), Grade.kind.in_([GradeKind.PRIMARY, GradeKind.SECOND]))
    )]


def rubrics(scope: CourseScope) -> list[RubricFact]:
    return _rows(sa.select(Rubric.id, Rubric.criteria).where(Rubric.course_version_id.in_(scope.versions)),
                 RubricFact)


def turnaround(scope: CourseScope, now: datetime) -> list[Turnaround]:
    return _rows(
        sa.select(Submission.submitted_at, Submission.graded_at)
        .join(scope.members, scope.members.c.user_id == Submission.trainee_id)
        .where(Submission.scenario_id.in_(scope.scenarios), Submission.graded_at.is_not(None),
               Submission.submitted_at.is_not(None), Submission.graded_at >= now - timedelta(weeks=TURNAROUND_WEEKS)),
        Turnaround)


# The staff home page --------------------------------------------------------------------------

@dataclass
class CohortSummary:
    cohort: Cohort
    trainees: int
    enrolled: int
    completed: int
    modules_passed: int
    modules_total: int

    @property
    def percent(self) -> int:
        return course_percent(self.modules_passed, self.modules_total)


def cohort_summaries(cohorts: list[Cohort]) -> list[CohortSummary]:
    """Trainees, enrolments, completions and module passes for each cohort: four grouped queries."""
    ids = [cohort.id for cohort in cohorts]
    if not ids:
        return []
    members = cohorts_trainee_ids(ids).subquery()
    trainee_counts = dict(db.session.execute(
        sa.select(members.c.cohort_id, sa.func.count()).group_by(members.c.cohort_id)
    ).all())
    enrolled = (sa.select(members.c.cohort_id, Enrolment.id, Enrolment.completed_at, Enrolment.course_version_id)
                .join(Enrolment, Enrolment.user_id == members.c.user_id).subquery())
    enrolment_counts = {cohort_id: (count, completed) for cohort_id, count, completed in db.session.execute(
        sa.select(enrolled.c.cohort_id, sa.func.count(enrolled.c.id), sa.func.count(enrolled.c.completed_at))
        .group_by(enrolled.c.cohort_id))}
    module_counts = (sa.select(Module.course_version_id, sa.func.count(Module.id).label("n"))
                     .group_by(Module.course_version_id).subquery())
    totals = dict(db.session.execute(
        sa.select(enrolled.c.cohort_id, sa.func.sum(module_counts.c.n))
        .join(module_counts, module_counts.c.course_version_id == enrolled.c.course_version_id)
        .group_by(enrolled.c.cohort_id)
    ).all())
    passed = dict(db.session.execute(
        sa.select(enrolled.c.cohort_id, sa.func.count(ModuleCompletion.id))
        .join(ModuleCompletion, ModuleCompletion.enrolment_id == enrolled.c.id)
        .group_by(enrolled.c.cohort_id)
    ).all())
    return [
        CohortSummary(cohort=cohort, trainees=trainee_counts.get(cohort.id, 0),
                      enrolled=enrolment_counts.get(cohort.id, (0, 0))[0],
                      completed=enrolment_counts.get(cohort.id, (0, 0))[1],
                      modules_passed=passed.get(cohort.id, 0), modules_total=int(totals.get(cohort.id) or 0))
        for cohort in cohorts
    ]
