"""Live sessions: scheduling per cohort, attendance, approved make-ups, and what they add up to.

The caller owns the transaction: these functions add and flush, the view commits.
"""

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.auth.permissions import cohort_trainee_ids
from lms.errors import Conflict, InvalidInput, TooSoon
from lms.extensions import db
from lms.live import rules
from lms.models import (
    Attendance,
    Cohort,
    Course,
    CourseVersion,
    Enrolment,
    LiveMakeUp,
    LiveSession,
    Role,
    User,
    cohort_supervisors,
    cohort_trainees,
    utcnow,
)
from lms.signals import attendance_recorded, requirement_met

MAX_DURATION = 600
SCHEDULE_WINDOW = timedelta(days=730)  # a typo in the year is refused rather than stored


def required_live_minutes(version: CourseVersion) -> int:
    """The live minutes a course version declares (the loader's sum of its modules' `live_minutes`)."""
    return int((version.hour_breakdown or {}).get("live") or 0)


def live_course_versions() -> list[CourseVersion]:
    """The live versions of courses that declare live minutes, with their modules (for scheduling)."""
    versions = db.session.scalars(
        sa.select(CourseVersion).where(CourseVersion.is_live.is_(True))
        .options(so.selectinload(CourseVersion.modules)).order_by(CourseVersion.title)
    ).all()
    return [version for version in versions if required_live_minutes(version) > 0]


def cohort_trainees_of(cohort: Cohort) -> list[User]:
    """The cohort's trainees who belong to its organization, by name."""
    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(cohort_trainee_ids(cohort.id))).order_by(User.name, User.id)
    ))


def cohorts_for_staff(user) -> list[Cohort]:
    """The cohorts whose live sessions `user` runs: all for an administrator, the organization's for its
    administrators, the assigned cohorts of their own organization for a supervisor."""
    query = sa.select(Cohort).options(so.joinedload(Cohort.organization)).order_by(Cohort.name)
    if user.role == Role.ADMIN:
        return list(db.session.scalars(query))
    if user.organization_id is None:
        return []
    query = query.where(Cohort.organization_id == user.organization_id)
    if user.role == Role.SUPERVISOR:
        query = query.join(cohort_supervisors, cohort_supervisors.c.cohort_id == Cohort.id).where(
            cohort_supervisors.c.user_id == user.id)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class SessionDetails:
    """What a supervisor enters for a session, when scheduling it and when changing it."""

    course_id: int
    module_id: int | None
    title: str
    topic: str
    starts_at: datetime
    duration_minutes: int
    place: str
    video_url: str


def _checked_details(details: SessionDetails) -> SessionDetails:
    versions = {version.course_id: version for version in live_course_versions()}
    version = versions.get(details.course_id)
    if version is None:
        raise InvalidInput(_("Choose a course that declares live hours."), field="course")
    if details.module_id is not None and details.module_id not in {module.id for module in version.modules}:
        raise InvalidInput(_("Choose a module of %(course)s.", course=version.title), field="module")
    if not 1 <= details.duration_minutes <= MAX_DURATION:
        raise InvalidInput(_("Enter between 1 and %(max)d minutes.", max=MAX_DURATION), field="duration")
    if abs(details.starts_at - utcnow()) > SCHEDULE_WINDOW:
        raise InvalidInput(_("Choose a start within two years of today."), field="starts_at")
    if not (details.place.strip() or details.video_url.strip()):
        raise InvalidInput(_("Give the place or the video link (or both)."), field="place")
    return SessionDetails(course_id=details.course_id, module_id=details.module_id, title=details.title.strip(),
                          topic=details.topic.strip(), starts_at=details.starts_at,
                          duration_minutes=details.duration_minutes, place=details.place.strip(),
                          video_url=details.video_url.strip())


def schedule_session(cohort: Cohort, details: SessionDetails, *, actor: User) -> LiveSession:
    """A new session for `cohort`, counting toward the live hours of the details' course."""
    details = _checked_details(details)
    session = LiveSession(cohort_id=cohort.id, created_by_id=actor.id, **asdict(details))
    db.session.add(session)
    db.session.flush()
    audit.record("live.session_scheduled", actor=actor, subject=session, cohort=cohort.id,
                 starts_at=details.starts_at.isoformat(), minutes=details.duration_minutes)
    return session


def details_of(session: LiveSession) -> SessionDetails:
    return SessionDetails(course_id=session.course_id, module_id=session.module_id, title=session.title,
                          topic=session.topic or "", starts_at=session.starts_at,
                          duration_minutes=session.duration_minutes, place=session.place or "",
                          video_url=session.video_url or "")


def has_attendance(session: LiveSession) -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count(Attendance.id)).where(Attendance.session_id == session.id)))


# Attended minutes are capped by the session's length and credited to its course: once attendance is
# taken, these stay as they were so that no trainee's recorded hours change behind their back.
FIXED_ONCE_ATTENDED = ("course_id", "module_id", "starts_at", "duration_minutes")


def _to_the_minute(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).replace(second=0, microsecond=0)


def change_session(session: LiveSession, details: SessionDetails, *, actor: User) -> bool:
    """Change a scheduled session (a new room, a later start...). Returns False when nothing changed."""
    details = _checked_details(details)
    before = asdict(details_of(session))
    after = asdict(details)
    # The form has minutes only: a start unchanged to the minute is unchanged.
    before["starts_at"], after["starts_at"] = _to_the_minute(before["starts_at"]), _to_the_minute(after["starts_at"])
    changed = {name for name in after if after[name] != before[name]}
    if not changed:
        return False
    if changed & set(FIXED_ONCE_ATTENDED) and has_attendance(session):
        raise Conflict(_("Attendance is recorded for this session, so its course, module, start and length stay "
                         "as they were; only the title, topic, place and link can change."))
    for name in changed:
        setattr(session, name, after[name])
    db.session.flush()
    audit.record("live.session_changed", actor=actor, subject=session, cohort=session.cohort_id,
                 changed=sorted(changed),
                 before={name: str(before[name]) for name in sorted(changed)},
                 after={name: str(after[name]) for name in sorted(changed)})
    return True


def cancel_session(session: LiveSession, *, actor: User) -> None:
    """Remove a session scheduled by mistake; once attendance is recorded it is part of trainees' records."""
    if has_attendance(session):
        raise Conflict(_("Attendance is recorded for this session, so it stays on the trainees' records."))
    audit.record("live.session_cancelled", actor=actor, subject=session, cohort=session.cohort_id,
                 title=session.title, starts_at=session.starts_at.isoformat())
    db.session.delete(session)
    db.session.flush()


def sessions_of_cohort(cohort: Cohort) -> list[LiveSession]:
    return list(db.session.scalars(
        sa.select(LiveSession).where(LiveSession.cohort_id == cohort.id)
        .options(so.joinedload(LiveSession.course), so.joinedload(LiveSession.module),
                 so.selectinload(LiveSession.attendance))
        .order_by(LiveSession.starts_at, LiveSession.id)
    ).unique())


def attendance_by_user(session: LiveSession) -> dict[int, Attendance]:
    return {row.user_id: row for row in db.session.scalars(
        sa.select(Attendance).where(Attendance.session_id == session.id))}


def _checked_minutes(session: LiveSession, user_id: int, status: str, entered: int | None) -> int:
    try:
        return rules.attended_minutes(status, session.duration_minutes, entered)
    except rules.MinutesProblem as problem:
        message = (_("Enter the minutes attended.") if problem.kind == "missing" else
                   _("Enter between 1 and %(max)d minutes (present is the whole session).",
                     max=session.duration_minutes - 1))
        raise InvalidInput(message, field=f"minutes_{user_id}") from problem
    except ValueError as error:
        raise InvalidInput(_("Choose a status."), field=f"status_{user_id}") from error


def record_attendance(session: LiveSession, *, actor: User, entries: dict[int, tuple[str, int | None]]) -> int:
    """Save the attendance of the session's cohort trainees in one go; `entries` maps a trainee's id to
    (status, minutes entered). Saving the same values again changes nothing (a double submit is harmless);
    each change is audited. Returns how many rows changed."""
    if session.starts_at > utcnow():
        raise TooSoon(_("Attendance opens when the session starts (%(when)s).",
                        when=format_datetime(session.starts_at, "medium")))
    trainees = {trainee.id: trainee for trainee in cohort_trainees_of(session.cohort)}
    unknown = set(entries) - set(trainees)
    if unknown:
        raise InvalidInput(_("Attendance can only be taken for the cohort's trainees."))
    checked = {user_id: (status, _checked_minutes(session, user_id, status, entered))
               for user_id, (status, entered) in entries.items()}
    existing = attendance_by_user(session)
    changed = 0
    for user_id, (status, minutes) in checked.items():
        row = existing.get(user_id)
        if row is None:
            row, previous = _insert_attendance(session, user_id, status, minutes, actor)
        else:
            previous = (row.status, row.minutes)
        if previous == (status, minutes):
            continue
        row.status, row.minutes, row.recorded_by_id, row.recorded_at = status, minutes, actor.id, utcnow()
        audit.record("live.attendance_recorded", actor=actor, subject=session, target_user=trainees[user_id],
                     status=status, minutes=minutes,
                     previous=f"{previous[0]} {previous[1]}" if previous else None)
        changed += 1
    db.session.flush()
    attendance_recorded.send(session, attendances=[row for user_id, row in attendance_by_user(session).items()
                                                   if user_id in checked])
    for user_id in checked:
        requirement_met.send(trainees[user_id], course_id=session.course_id, actor=actor)
    return changed


def _insert_attendance(session: LiveSession, user_id: int, status: str, minutes: int,
                       actor: User) -> tuple[Attendance, tuple[str, int] | None]:
    """A new row and None; when a concurrent request inserted it first, that row (the unique constraint
    decides) and its values before this change."""
    row = Attendance(session_id=session.id, user_id=user_id, status=status, minutes=minutes,
                     recorded_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        row = db.session.scalar(sa.select(Attendance).where(Attendance.session_id == session.id,
                                                            Attendance.user_id == user_id))
        return row, (row.status, row.minutes)
    return row, None


def record_make_up(cohort: Cohort, *, actor: User, trainee_id: int, course_id: int, minutes: int,
                   reason: str) -> LiveMakeUp:
    """Approved make-up minutes for a trainee of `cohort` (a recording watched and discussed, a one-to-one)."""
    trainees = {trainee.id: trainee for trainee in cohort_trainees_of(cohort)}
    if trainee_id not in trainees:
        raise InvalidInput(_("Choose a trainee of this cohort."), field="trainee")
    if course_id not in {version.course_id for version in live_course_versions()}:
        raise InvalidInput(_("Choose a course that declares live hours."), field="course")
    if not 1 <= minutes <= MAX_DURATION:
        raise InvalidInput(_("Enter between 1 and %(max)d minutes.", max=MAX_DURATION), field="minutes")
    if not reason.strip():
        raise InvalidInput(_("Say how the time was made up."), field="reason")
    make_up = LiveMakeUp(user_id=trainee_id, course_id=course_id, minutes=minutes, reason=reason.strip(),
                         approved_by_id=actor.id)
    db.session.add(make_up)
    db.session.flush()
    audit.record("live.make_up_approved", actor=actor, subject=make_up, target_user=trainees[trainee_id],
                 minutes=minutes, course=course_id)
    requirement_met.send(trainees[trainee_id], course_id=course_id, actor=actor)
    return make_up


# -- what the trainee sees ------------------------------------------------------------------------


@dataclass
class TraineeSession:
    session: LiveSession
    attendance: Attendance | None


@dataclass
class LiveProgress:
    course_title: str
    required: int
    attended: int
    made_up: int

    @property
    def credited(self) -> int:
        return rules.credited_minutes(self.attended, self.made_up, self.required)

    @property
    def met(self) -> bool:
        return self.credited >= self.required


def sessions_for_trainee(user: User) -> list[TraineeSession]:
    """The sessions of the trainee's cohorts (of their organization), with their own attendance only."""
    cohort_ids = (sa.select(cohort_trainees.c.cohort_id).join(Cohort, Cohort.id == cohort_trainees.c.cohort_id)
                  .where(cohort_trainees.c.user_id == user.id, Cohort.organization_id == user.organization_id))
    rows = db.session.execute(
        sa.select(LiveSession, Attendance)
        .outerjoin(Attendance, sa.and_(Attendance.session_id == LiveSession.id, Attendance.user_id == user.id))
        .where(LiveSession.cohort_id.in_(cohort_ids))
        .options(so.joinedload(LiveSession.course), so.joinedload(LiveSession.module))
        .order_by(LiveSession.starts_at, LiveSession.id)
    ).all()
    return [TraineeSession(session, attendance) for session, attendance in rows]


def _minutes_by_course(user_ids, course_ids) -> tuple[dict, dict]:
    """{(user id, course id): attended minutes} and the same for approved make-ups, in one statement."""
    attended_rows = (
        sa.select(sa.literal(0).label("made_up"), Attendance.user_id, LiveSession.course_id,
                  sa.func.sum(Attendance.minutes).label("total"))
        .join(LiveSession, LiveSession.id == Attendance.session_id)
        .where(Attendance.user_id.in_(user_ids), LiveSession.course_id.in_(course_ids))
        .group_by(Attendance.user_id, LiveSession.course_id))
    made_up_rows = (
        sa.select(sa.literal(1).label("made_up"), LiveMakeUp.user_id, LiveMakeUp.course_id,
                  sa.func.sum(LiveMakeUp.minutes).label("total"))
        .where(LiveMakeUp.user_id.in_(user_ids), LiveMakeUp.course_id.in_(course_ids))
        .group_by(LiveMakeUp.user_id, LiveMakeUp.course_id))
    attended: dict = {}
    made_up: dict = {}
    for kind, user_id, course_id, total in db.session.execute(sa.union_all(attended_rows, made_up_rows)):
        (made_up if kind else attended)[(user_id, course_id)] = int(total or 0)
    return attended, made_up


def live_progress(enrolment: Enrolment) -> LiveProgress | None:
    """Attended and made-up minutes toward the enrolment's declared live minutes; None without any."""
    version = enrolment.course_version
    required = required_live_minutes(version)
    if required <= 0:
        return None
    attended, made_up = _minutes_by_course([enrolment.user_id], [enrolment.course_id])
    key = (enrolment.user_id, enrolment.course_id)
    return LiveProgress(version.title, required, attended.get(key, 0), made_up.get(key, 0))


def progress_for_trainee(user: User) -> list[LiveProgress]:
    """Live minutes toward each of the trainee's courses that declares them, in three queries."""
    enrolments = [enrolment for enrolment in db.session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == user.id)
        .options(so.joinedload(Enrolment.course_version)).order_by(Enrolment.created_at)
    ) if required_live_minutes(enrolment.course_version) > 0]
    if not enrolments:
        return []
    attended, made_up = _minutes_by_course([user.id], [enrolment.course_id for enrolment in enrolments])
    return [LiveProgress(e.course_version.title, required_live_minutes(e.course_version),
                         attended.get((user.id, e.course_id), 0), made_up.get((user.id, e.course_id), 0))
            for e in enrolments]


# -- the cohort's attendance gaps -----------------------------------------------------------------


@dataclass
class MissedSession:
    session: LiveSession
    status: str | None  # None: no attendance recorded for this trainee
    minutes: int


@dataclass
class AttendanceGap:
    trainee: User
    course: Course
    expected: int  # minutes held so far (with attendance taken), capped at the declared live minutes
    credited: int
    missed: list[MissedSession] = field(default_factory=list)

    @property
    def short_by(self) -> int:
        return self.expected - self.credited


def attendance_gaps(cohort: Cohort) -> list[AttendanceGap]:
    """Trainees of `cohort` whose credited live minutes are below what the sessions held so far offered,
    per course, with the sessions they missed or left early. Only sessions where attendance was taken
    count: a session nobody has recorded yet is nobody's gap. A constant number of queries."""
    trainees = cohort_trainees_of(cohort)
    held = [s for s in sessions_of_cohort(cohort) if s.attendance and s.starts_at <= utcnow()]
    if not trainees or not held:
        return []
    versions = {version.course_id: version for version in live_course_versions()}
    courses = {s.course_id: s.course for s in held}
    attended, made_up = _minutes_by_course([t.id for t in trainees], list(courses))
    gaps = []
    for course_id, course in courses.items():
        course_sessions = [s for s in held if s.course_id == course_id]
        declared = required_live_minutes(versions[course_id]) if course_id in versions else 0
        offered = sum(s.duration_minutes for s in course_sessions)
        expected = min(offered, declared) if declared else offered
        for trainee in trainees:
            key = (trainee.id, course_id)
            credited = min(attended.get(key, 0) + made_up.get(key, 0), expected)
            if credited >= expected:
                continue
            gap = AttendanceGap(trainee, course, expected, credited)
            for s in course_sessions:
                row = next((a for a in s.attendance if a.user_id == trainee.id), None)
                if row is None or row.minutes < s.duration_minutes:
                    gap.missed.append(MissedSession(s, row.status if row else None, row.minutes if row else 0))
            gaps.append(gap)
    return sorted(gaps, key=lambda g: (g.course.title, -g.short_by, g.trainee.name))
