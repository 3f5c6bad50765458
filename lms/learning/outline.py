"""Lean loading for the pages people open most (the course page, a lesson).

The course, its live version and the person's enrolment come in one statement. A version's content
never changes once synced (changed content is a new version, with a new hash), and lessons are
rendered at sync, so each process keeps every version it has served, loaded once with its modules,
lessons, quizzes, exercises and scenarios and detached from any session: a page reads it without a
statement, and a lazy load on it fails loudly instead of querying.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value

from lms.extensions import db
from lms.i18n.content import reading_language
from lms.learning.catalog import load_version
from lms.models import Course, CourseVersion, Enrolment

_live = so.aliased(CourseVersion, name="live")
_mine = so.aliased(CourseVersion, name="mine")
# Built once: a page pays for binding two values, not for building the statement.
_ENTRY = (
    sa.select(Course, _live, Enrolment, _mine)
    .outerjoin(_live, sa.and_(_live.course_id == Course.id, _live.is_live.is_(True)))
    .outerjoin(Enrolment, sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == sa.bindparam("user_id")))
    .outerjoin(_mine, _mine.id == Enrolment.course_version_id)
    .where(Course.slug == sa.bindparam("slug"))
    .order_by(_live.id.desc())
    .limit(1)
    # Only what picks the outline and names the versions, and the small settings the certificate's
    # requirements read (lms.requirements): the content comes from memory.
    .options(*(so.Load(alias).load_only(alias.id, alias.course_id, alias.version, alias.content_hash,
                                          alias.is_live, alias.title, alias.enrolment, alias.certificate_rules,
                                          alias.minimum_active_share, alias.exam, alias.hour_breakdown,
                                          alias.ethics_code, alias.translations)
               for alias in (_live, _mine)))
)


@dataclass(frozen=True)
class CourseEntry:
    """A course as one person reaches it: its live version, and their enrolment if they have one."""

    course: Course
    live: CourseVersion | None
    enrolment: Enrolment | None
    enrolled_version: CourseVersion | None

    @property
    def version(self) -> CourseVersion | None:
        """The version the person works in: the one they enrolled in, else the live one."""
        return self.enrolled_version or self.live


def course_entry(slug: str, user_id: int | None) -> CourseEntry | None:
    """The course by slug with its live version and the user's enrolment, in one statement.

    `user_id` None (staff) looks for no enrolment.
    """
    row = db.session.execute(_ENTRY, {"slug": slug, "user_id": user_id}).first()
    if row is None:
        return None
    course, live, enrolment, enrolled = row
    return CourseEntry(course, live, enrolment, enrolled)


def outline(version: CourseVersion) -> CourseVersion:
    """The version with all its content, from this process's memory (loaded the first time).

    Keyed by id and content hash, per app: a rebuilt database cannot serve another's content.
    """
    cache = current_app.extensions.setdefault("learning.outlines", {})
    # Per reading language, and per synced translation (a translation changes without a new version).
    key = (version.id, version.content_hash, reading_language(), (version.translations or {}).get("digest"))
    found = cache.get(key)
    if found is None:
        found = cache[key] = _load_detached(version.id)
    return found


def _load_detached(version_id: int) -> CourseVersion:
    version = load_version(version_id)
    loaded = [version, version.course]
    for module in version.modules:
        set_committed_value(module, "course_version", version)
        children = [*module.lessons, *module.exercises, *module.scenarios, *([module.quiz] if module.quiz else [])]
        for child in children:
            set_committed_value(child, "module", module)
        loaded += [module, *children]
    for instance in loaded:
        db.session.expunge(instance)
    return version
