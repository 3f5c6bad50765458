"""Active time on self-paced activities: what a trainee spent with the page in view and in use.

The browser (static/js/active_time.js) counts seconds while the page is visible and the trainee
typed, scrolled, pointed or pressed a key in the last minute, and reports them every 30 seconds and
when the page is left. The server trusts that count only up to the wall time since the previous
report on the same activity (so two tabs, a replayed request or an edited script cannot add more
than the clock does), and never records more than twice the activity's declared minutes. Without
JavaScript nothing is recorded.

A course may make active time a completion rule (`minimum_active_share` in course.yaml): a module
counts only when the active time over its self-paced activities reaches that share of their
declared minutes. Off by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.errors import InvalidInput, NotFound
from lms.extensions import db
from lms.guarded_update import guarded_update
from lms.learning.enrolment import record_activity
from lms.models import (
    ActiveTime,
    ActivityKind,
    Enrolment,
    Exercise,
    Lesson,
    Module,
    Quiz,
    Scenario,
    User,
    utcnow,
)

CAP_FACTOR = 2  # at most twice the declared minutes are ever recorded on one activity
# The browser reports every 30 s; a report may make up for one or two that were lost, never for more.
BEACON_MAX_SECONDS = 120
MAX_PLACE = 300  # the length of Enrolment.last_url
ACTIVITY_MODELS = {ActivityKind.LESSON: Lesson, ActivityKind.EXERCISE: Exercise, ActivityKind.QUIZ: Quiz,
                   ActivityKind.SCENARIO: Scenario}


# --- the rules, pure ---------------------------------------------------------------------------

def cap_seconds(declared_minutes: int) -> int:
    """The most active time one activity can hold: twice its declared minutes."""
    return CAP_FACTOR * 60 * max(0, int(declared_minutes or 0))


def credited_seconds(*, reported: int, elapsed: float, recorded: int, cap: int) -> int:
    """What one report adds: the seconds the browser counted, but never more than the wall time since
    the last counted report, never more than a report may make up for, never past the cap."""
    if reported <= 0 or elapsed <= 0:
        return 0
    return max(0, min(int(reported), int(elapsed), BEACON_MAX_SECONDS, cap - recorded))


def share_met(active_seconds: int, declared_minutes: int, share: float | None) -> bool:
    """Whether active time reaches `share` of the declared minutes; always true when no share is set."""
    if not share or declared_minutes <= 0:
        return True
    return active_seconds >= share * declared_minutes * 60


def minutes_missing(active_seconds: int, declared_minutes: int, share: float | None) -> int:
    """Whole minutes of active time still needed for the share (0 when met)."""
    if share_met(active_seconds, declared_minutes, share):
        return 0
    return max(1, -(-int(share * declared_minutes * 60 - active_seconds) // 60))


# --- activities and reports ---------------------------------------------------------------------

@dataclass(frozen=True)
class Activity:
    kind: ActivityKind
    id: int
    module_id: int
    course_version_id: int
    minutes: int


def parse_place(payload) -> str | None:
    """The page the beacon was sent from (`place`, optional), when it is a path of this site."""
    place = payload.get("place") if isinstance(payload, dict) else None
    if (isinstance(place, str) and place.startswith("/") and not place.startswith("//")
            and len(place) <= MAX_PLACE and place.isprintable() and "\\" not in place):
        return place
    return None


def parse_report(payload) -> tuple[ActivityKind, int, int]:
    """The activity kind, id and reported seconds of a beacon's JSON body, or InvalidInput."""
    if not isinstance(payload, dict):
        raise InvalidInput(_("Send an object with kind, id and seconds."))
    kind, activity_id, seconds = payload.get("kind"), payload.get("id"), payload.get("seconds")
    if kind not in {str(k) for k in ActivityKind}:
        raise InvalidInput(_("Unknown kind of activity."), field="kind")
    for value, name in ((activity_id, "id"), (seconds, "seconds")):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 2**31 - 1:
            raise InvalidInput(_("%(name)s must be a whole number.", name=name), field=name)
    return ActivityKind(kind), activity_id, seconds


def find_activity(kind: ActivityKind, activity_id: int) -> Activity | None:
    model = ACTIVITY_MODELS[kind]
    row = db.session.execute(
        sa.select(model.id, model.module_id, Module.course_version_id, model.minutes)
        .join(Module, Module.id == model.module_id).where(model.id == activity_id)
    ).first()
    return Activity(kind, *row) if row is not None else None


def _own_enrolment(user: User, activity: Activity) -> Enrolment:
    """The user's enrolment in the version the activity belongs to; anyone else's activity is not found."""
    enrolment = db.session.scalar(sa.select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.course_version_id == activity.course_version_id))
    if enrolment is None:
        raise NotFound(_("No such activity in your courses."))
    return enrolment


def record_report(user: User, kind: ActivityKind, activity_id: int, reported: int, *,
                  place: str | None = None, now: datetime | None = None) -> ActiveTime:
    """Count one report from the browser on the user's own activity; the first report starts the clock.
    `place`, the page it came from, becomes the trainee's place in the course."""
    now = now or utcnow()
    activity = find_activity(kind, activity_id)
    if activity is None:
        raise NotFound(_("No such activity in your courses."))
    enrolment = _own_enrolment(user, activity)
    record_activity(enrolment, place or enrolment.last_url or "", now=now)
    row = db.session.scalar(sa.select(ActiveTime).where(
        ActiveTime.enrolment_id == enrolment.id, ActiveTime.activity_kind == str(kind),
        ActiveTime.activity_id == activity.id))
    if row is None:
        return _start_clock(enrolment, activity, now)
    previous = row.updated_at
    added = credited_seconds(reported=reported, elapsed=(now - previous).total_seconds(), recorded=row.seconds,
                             cap=cap_seconds(activity.minutes))
    # Only the report that still sees the previous timestamp counts: a racing one adds nothing.
    counted = guarded_update(row, ActiveTime.updated_at == previous, seconds=ActiveTime.seconds + added,
                             updated_at=now)
    db.session.refresh(row)
    if counted and added and enrolment.course_version.minimum_active_share:
        # Deferred import: learning.completion asks this module whether a module's share is met.
        from lms.learning.completion import refresh_module_progress

        refresh_module_progress(enrolment, db.session.get(Module, activity.module_id), now=now)
    return row


def _start_clock(enrolment: Enrolment, activity: Activity, now: datetime) -> ActiveTime:
    row = ActiveTime(enrolment_id=enrolment.id, activity_kind=str(activity.kind), activity_id=activity.id,
                     module_id=activity.module_id, seconds=0, created_at=now, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError:  # another tab's first report came first: its clock is the one
        row = db.session.scalar(sa.select(ActiveTime).where(
            ActiveTime.enrolment_id == enrolment.id, ActiveTime.activity_kind == str(activity.kind),
            ActiveTime.activity_id == activity.id))
    return row


# --- per module ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModuleMinutes:
    declared: int  # minutes the course files declare for the module's self-paced activities
    active_seconds: int

    @property
    def active(self) -> int:
        return self.active_seconds // 60


def declared_minutes(module: Module) -> int:
    """The module's self-paced minutes: lessons, exercises, its knowledge check and role-plays."""
    return (sum(lesson.minutes for lesson in module.lessons) + sum(e.minutes for e in module.exercises)
            + (module.quiz.minutes if module.quiz else 0) + sum(s.minutes for s in module.scenarios))


def module_share_met(enrolment: Enrolment, module: Module) -> bool:
    """The course's `minimum_active_share` rule for one module (true when the course sets none)."""
    share = enrolment.course_version.minimum_active_share
    if not share:
        return True
    active = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(ActiveTime.seconds), 0)).where(
        ActiveTime.enrolment_id == enrolment.id, ActiveTime.module_id == module.id))
    return share_met(int(active), declared_minutes(module), share)


def _declared_by_module(version_ids: list[int]) -> dict[int, int]:
    parts = [sa.select(model.module_id.label("module_id"), model.minutes.label("minutes"))
             for model in ACTIVITY_MODELS.values()]
    activities = sa.union_all(*parts).subquery()
    return {module_id: int(minutes or 0) for module_id, minutes in db.session.execute(
        sa.select(activities.c.module_id, sa.func.sum(activities.c.minutes))
        .join(Module, Module.id == activities.c.module_id)
        .where(Module.course_version_id.in_(version_ids)).group_by(activities.c.module_id))}


def minutes_by_module(enrolments: Iterable[Enrolment]) -> dict[int, ModuleMinutes]:
    """Declared and active minutes per module of the enrolments' versions: two grouped queries."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    declared = _declared_by_module([e.course_version_id for e in enrolments])
    active = dict(db.session.execute(
        sa.select(ActiveTime.module_id, sa.func.sum(ActiveTime.seconds))
        .where(ActiveTime.enrolment_id.in_([e.id for e in enrolments])).group_by(ActiveTime.module_id)).all())
    return {module_id: ModuleMinutes(declared.get(module_id, 0), int(active.get(module_id) or 0))
            for module_id in declared.keys() | active.keys()}
