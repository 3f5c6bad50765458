"""The courses on offer and what they ask for: live versions, their structure, hours and requirements."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models import Course, CourseAsset, CourseVersion, Module


def live_versions() -> list[CourseVersion]:
    """The courses on offer: each course's live version, by title."""
    return list(
        db.session.scalars(
            sa.select(CourseVersion)
            .where(CourseVersion.is_live.is_(True))
            .options(so.selectinload(CourseVersion.modules).selectinload(Module.lessons),
                     so.selectinload(CourseVersion.course))
            .order_by(CourseVersion.title)
        )
    )


def find_course(slug: str) -> Course | None:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def live_version(course: Course) -> CourseVersion | None:
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(CourseVersion.course_id == course.id, CourseVersion.is_live.is_(True))
        .order_by(CourseVersion.id.desc())
        .limit(1)
    )


def load_version(version_id: int) -> CourseVersion:
    """A version with its modules, lessons, quizzes and scenarios, in a constant number of queries."""
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(CourseVersion.id == version_id)
        .options(
            so.selectinload(CourseVersion.course),
            so.selectinload(CourseVersion.modules).selectinload(Module.lessons),
            so.selectinload(CourseVersion.modules).selectinload(Module.quiz),
            so.selectinload(CourseVersion.modules).selectinload(Module.scenarios),
            so.selectinload(CourseVersion.modules).selectinload(Module.exercises),
        )
    )


def find_asset(course: Course, version_label: str, path: str) -> CourseAsset | None:
    return db.session.scalar(
        sa.select(CourseAsset)
        .join(CourseVersion, CourseVersion.id == CourseAsset.course_version_id)
        .where(CourseVersion.course_id == course.id, CourseVersion.version == version_label, CourseAsset.path == path)
    )


@dataclass(frozen=True)
class Requirements:
    """What completing the course, and its certificate, require: shown on the course page."""

    quizzes: int
    pass_marks: tuple[int, ...]
    scenarios: int
    grants_certificate: bool
    validity_months: int | None
    renewal_ce_hours: float
    supervised_hours: float
    ce_hours: float


def certificate_requirements(version: CourseVersion) -> Requirements:
    rules = version.certificate_rules or {}
    quizzes = [module.quiz for module in version.modules if module.quiz is not None]
    return Requirements(
        quizzes=len(quizzes),
        pass_marks=tuple(sorted({quiz.pass_mark for quiz in quizzes})),
        scenarios=sum(len(module.scenarios) for module in version.modules),
        grants_certificate=version.certificate_rules is not None,
        validity_months=rules.get("validity_months"),
        renewal_ce_hours=float(rules.get("renewal_ce_hours") or 0),
        supervised_hours=float(rules.get("supervised_hours_required") or 0),
        ce_hours=float(version.ce_hours or 0),
    )


@dataclass(frozen=True)
class HourBreakdown:
    """A course version's hours by kind of activity, from the minutes its files declare (`courses check`
    keeps their sum within 10% of the hours the certificate prints)."""

    reading: float  # self-paced lessons
    practice: float  # exercises, role-plays and knowledge checks
    live: float  # delivered live by the program
    exam: float
    certified: float  # the course's declared hours, printed on the certificate

    @property
    def total(self) -> float:
        return self.reading + self.practice + self.live + self.exam


def hour_breakdown(version: CourseVersion) -> HourBreakdown | None:
    minutes = version.hour_breakdown or {}
    if not any(minutes.values()):
        return None
    hours = {key: round(int(minutes.get(key, 0)) / 60, 2) for key in ("reading", "practice", "live", "exam")}
    return HourBreakdown(certified=float(version.hours), **hours)
