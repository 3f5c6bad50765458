"""The transcript of record: what a trainee has passed, with dates and scores.

One query per section, whatever the length of the record.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.certificates.records import status_of
from lms.ethics.services import signatures_for
from lms.extensions import db
from lms.learning import active_time
from lms.models import (
    Certificate,
    CertificateStatus,
    Cohort,
    ContinuingEducation,
    Enrolment,
    GradeKind,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
    ReviewState,
    Scenario,
    Submission,
    SubmissionState,
    SupervisedHours,
    User,
    cohort_trainees,
    utcnow,
)


@dataclass
class ModuleLine:
    position: int
    title: str
    passed_at: datetime | None = None
    best_score: int | None = None
    attempts: int = 0
    declared_minutes: int = 0  # the module's self-paced activities, as the course files declare them
    active_minutes: int = 0  # recorded with the page in view and in use (lms.learning.active_time)


@dataclass
class CourseRecord:
    title: str
    version: str
    enrolled_at: datetime
    completed_at: datetime | None
    hours: float
    modules: list[ModuleLine] = field(default_factory=list)
    course_slug: str = ""

    @property
    def modules_passed(self) -> int:
        return sum(1 for module in self.modules if module.passed_at)


@dataclass
class RoleplayLine:
    scenario: str
    module: str
    attempt_no: int
    passed_at: datetime | None
    total: int | None
    max_total: int | None


@dataclass
class CertificateLine:
    number: str
    course: str
    version: str
    issued_on: date
    expires_on: date
    status: CertificateStatus


@dataclass
class Transcript:
    user: User
    organization: str
    cohorts: list[str]
    generated_at: datetime
    courses: list[CourseRecord]
    roleplays: list[RoleplayLine]
    hours: list[SupervisedHours]
    hours_approved: Decimal
    hours_pending: Decimal
    continuing_education: list[ContinuingEducation]
    ce_hours: Decimal
    certificates: list[CertificateLine]
    ethics_signatures: list = field(default_factory=list)  # [(EthicsSignature, course title)]


def _course_records(user: User) -> list[CourseRecord]:
    """Each enrolment with its modules: when each was passed, and the knowledge check's best score."""
    enrolments = list(db.session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == user.id)
        .options(so.joinedload(Enrolment.course_version), so.joinedload(Enrolment.course))
        .order_by(Enrolment.created_at)
    ))
    version_ids = [e.course_version_id for e in enrolments]
    modules = db.session.execute(
        sa.select(Module.id, Module.course_version_id, Module.position, Module.title)
        .where(Module.course_version_id.in_(version_ids)).order_by(Module.position)
    ).all() if version_ids else []
    passed = dict(db.session.execute(
        sa.select(ModuleCompletion.module_id, ModuleCompletion.passed_at)
        .join(Enrolment, Enrolment.id == ModuleCompletion.enrolment_id).where(Enrolment.user_id == user.id)
    ).all())
    checks = {
        module_id: (best, attempts)
        for module_id, best, attempts in db.session.execute(
            sa.select(Quiz.module_id, sa.func.max(QuizAttempt.score), sa.func.count(QuizAttempt.id))
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
            .where(Enrolment.user_id == user.id, QuizAttempt.submitted_at.is_not(None))
            .group_by(Quiz.module_id)
        )
    }
    minutes = active_time.minutes_by_module(enrolments)
    courses = []
    for enrolment in enrolments:
        version = enrolment.course_version
        record = CourseRecord(version.title, version.version, enrolment.created_at, enrolment.completed_at,
                              version.hours, course_slug=enrolment.course.slug)
        for module_id, version_id, position, title in modules:
            if version_id != version.id:
                continue
            best, attempts = checks.get(module_id, (None, 0))
            time = minutes.get(module_id) or active_time.ModuleMinutes(0, 0)
            record.modules.append(ModuleLine(position, title, passed.get(module_id), best, attempts,
                                             time.declared, time.active))
        courses.append(record)
    return courses


def _roleplay_lines(user: User) -> list[RoleplayLine]:
    """Each passed role-play with the total of the grade that counts."""
    submissions = db.session.scalars(
        sa.select(Submission).where(Submission.trainee_id == user.id, Submission.state == SubmissionState.PASSED)
        .options(so.joinedload(Submission.scenario).joinedload(Scenario.module), so.selectinload(Submission.grades))
        .order_by(Submission.graded_at)
    ).unique()
    roleplays = []
    for submission in submissions:
        counting = [g for g in submission.grades if g.kind in {GradeKind.PRIMARY, GradeKind.CORRECTION}]
        grade = max(counting, key=lambda g: g.id, default=None)
        criteria = submission.scenario.criteria or []
        roleplays.append(RoleplayLine(
            submission.scenario.title, submission.scenario.module.title, submission.attempt_no,
            submission.graded_at, grade.total if grade else None, 4 * len(criteria) if criteria else None,
        ))
    return roleplays


def build_transcript(user: User, *, today: date | None = None) -> Transcript:
    today = today or date.today()
    courses = _course_records(user)
    roleplays = _roleplay_lines(user)
    hours = list(db.session.scalars(
        sa.select(SupervisedHours).where(SupervisedHours.user_id == user.id).order_by(SupervisedHours.worked_on)
    ))
    ce = list(db.session.scalars(
        sa.select(ContinuingEducation)
        .where(ContinuingEducation.user_id == user.id, ContinuingEducation.state == ReviewState.APPROVED)
        .order_by(ContinuingEducation.completed_on)
    ))
    certificates = [
        CertificateLine(c.number, c.course_title, c.course_version_label, c.issued_on, c.expires_on,
                        status_of(c, today))
        for c in db.session.scalars(
            sa.select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_on)
        )
    ]
    cohorts = list(db.session.scalars(
        sa.select(Cohort.name).join(cohort_trainees, cohort_trainees.c.cohort_id == Cohort.id)
        .where(cohort_trainees.c.user_id == user.id).order_by(Cohort.name)
    ))
    return Transcript(
        user=user,
        organization=user.organization.name if user.organization else "",
        cohorts=cohorts,
        generated_at=utcnow(),
        courses=courses,
        roleplays=roleplays,
        hours=hours,
        hours_approved=sum((h.hours for h in hours if h.state == ReviewState.APPROVED), Decimal(0)),
        hours_pending=sum((h.hours for h in hours if h.state == ReviewState.PENDING), Decimal(0)),
        continuing_education=ce,
        ce_hours=sum((Decimal(str(c.hours)) for c in ce), Decimal(0)),
        certificates=certificates,
        ethics_signatures=signatures_for(user.id),
    )
