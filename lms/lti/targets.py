"""What a platform's link points at, as a stable string that survives course syncs:

    course/<course>            module/<course>/<module>        quiz/<course>/<module>
    exam/<course>              roleplay/<course>/<module>/<scenario>

Links made by deep linking carry it as the custom parameter `peercert_target`; an administrator who adds a
link by hand types it there (README "LTI 1.3")."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for
from flask_babel import gettext as _

from lms.errors import InvalidInput
from lms.extensions import db
from lms.learning import catalog
from lms.models import Course, CourseVersion, Module, Role, Scenario

KINDS = ("course", "module", "quiz", "exam", "roleplay")
CUSTOM_PARAMETER = "peercert_target"
GRADED_KINDS = frozenset({"quiz", "exam", "roleplay"})


@dataclass(frozen=True)
class Target:
    kind: str
    course: Course
    version: CourseVersion
    module: Module | None = None
    scenario: Scenario | None = None

    @property
    def ref(self) -> str:
        return ref_of(self.kind, self.course.slug, self.module.slug if self.module else None,
                      self.scenario.slug if self.scenario else None)

    @property
    def title(self) -> str:
        if self.kind == "exam":
            return _("%(course)s: final exam", course=self.version.title)
        if self.kind == "quiz":
            return _("%(module)s: knowledge check", module=self.module.title)
        if self.kind == "roleplay":
            return _("Role-play: %(title)s", title=self.scenario.title)
        if self.kind == "module":
            return self.module.title
        return self.version.title

    @property
    def score_maximum(self) -> int:
        return 100


def ref_of(kind: str, course_slug: str, module_slug: str | None = None, scenario_slug: str | None = None) -> str:
    return "/".join(part for part in (kind, course_slug, module_slug, scenario_slug) if part)


def resolve(ref: str | None) -> Target:
    """The live course (module, scenario) a reference names; `InvalidInput` when it names nothing on offer."""
    parts = (ref or "").strip().split("/")
    wanted = {"course": 2, "exam": 2, "module": 3, "quiz": 3, "roleplay": 4}
    if not parts or parts[0] not in wanted or len(parts) != wanted[parts[0]] or not all(parts):
        raise InvalidInput(_("This link does not say which course it opens. Ask your course administrator to "
                             "place it again with the tool's content picker."))
    kind = parts[0]
    course = db.session.scalar(sa.select(Course).where(Course.slug == parts[1]))
    version = catalog.live_version(course) if course is not None else None
    if version is None:
        raise InvalidInput(_("The course this link opens is not on offer any more."))
    module = scenario = None
    if len(parts) >= 3:
        module = db.session.scalar(sa.select(Module).where(Module.course_version_id == version.id,
                                                           Module.slug == parts[2]))
        if module is None or (kind == "quiz" and module.quiz is None):
            raise InvalidInput(_("The part of the course this link opens is not in its current version."))
    if kind == "roleplay":
        scenario = db.session.scalar(sa.select(Scenario).where(Scenario.module_id == module.id,
                                                               Scenario.slug == parts[3]))
        if scenario is None:
            raise InvalidInput(_("The role-play this link opens is not in the course's current version."))
    if kind == "exam" and not version.exam:
        raise InvalidInput(_("This course has no exam."))
    return Target(kind, course, version, module, scenario)


def url_for_target(target: Target, role: str) -> str:
    """Where a launch lands. Staff see the material: a knowledge check or exam opens its module or course."""
    slug = target.course.slug
    trainee = role == Role.TRAINEE
    if target.kind == "quiz":
        endpoint = "learning.quiz" if trainee else "learning.module"
        return url_for(endpoint, course_slug=slug, module_slug=target.module.slug)
    if target.kind == "module":
        return url_for("learning.module", course_slug=slug, module_slug=target.module.slug)
    if target.kind == "roleplay":
        return url_for("roleplay.scenario", scenario_id=target.scenario.id)
    if target.kind == "exam" and trainee:
        return url_for("exams.overview", course_slug=slug)
    return url_for("learning.course", course_slug=slug)


def choices() -> list[Target]:
    """Everything an instructor may place in their course, from the live versions, in course order."""
    versions = db.session.scalars(
        sa.select(CourseVersion).where(CourseVersion.is_live.is_(True))
        .options(so.selectinload(CourseVersion.course),
                 so.selectinload(CourseVersion.modules).selectinload(Module.quiz),
                 so.selectinload(CourseVersion.modules).selectinload(Module.scenarios))
        .order_by(CourseVersion.title)
    )
    found: list[Target] = []
    for version in versions:
        course = version.course
        found.append(Target("course", course, version))
        for module in version.modules:
            found.append(Target("module", course, version, module))
            if module.quiz is not None:
                found.append(Target("quiz", course, version, module))
            for scenario in module.scenarios:
                found.append(Target("roleplay", course, version, module, scenario))
        if version.exam:
            found.append(Target("exam", course, version))
    return found
