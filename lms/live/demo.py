"""Demo data: live sessions for both demo cohorts, attendance taken at the held ones, and the certified
holders' live hours.

The in-progress trainees attended the cohort's recent sessions (Taylor came late once, Tomás missed
them), so the cohort dashboard's attendance gaps and each trainee's live page have content, and each
cohort has a session coming up. The certified holders did their live hours with their own intake, before
these sessions were scheduled: a supervisor credited them from the intake's sign-in sheets as approved
make-ups dated before the certificate (sessions of the current cohort in the past would count as missed
for the trainees who joined since, and the dashboard would show every one of them short by hours).
"""

from datetime import timedelta

import sqlalchemy as sa

from lms.certificates import demo as certificates_demo
from lms.extensions import db
from lms.live import services
from lms.models import Cohort, LiveMakeUp, LiveSession, User, utcnow

CORE_COURSE = "peer-specialist-core"
SUPERVISOR = "supervisor@example.org"

# (cohort index, days from now, title, minutes, place, video link)
DEMO_SESSIONS = [
    (0, -14, "Opening circle: what peer support is", 30, "Riverside centre, room 2", ""),
    (0, -3, "Active listening practice in pairs", 45, "", "https://meet.example.org/riverside-listening"),
    (0, 5, "Confidentiality and its limits: case discussion", 30, "Riverside centre, room 2", ""),
    (1, -6, "Opening circle: what peer support is", 30, "Riverside centre, room 3", ""),
    (1, 9, "Active listening practice in pairs", 45, "", "https://meet.example.org/riverside-autumn"),
]

# Attendance at the held sessions, by (cohort index, days from now): e-mail -> (status, minutes entered).
ATTENDANCE = {
    (0, -14): {"trainee@example.org": ("present", None), "elena@example.org": ("present", None),
               "tomas@example.org": ("absent", None)},
    (0, -3): {"trainee@example.org": ("late", 30), "elena@example.org": ("present", None),
              "tomas@example.org": ("absent", None)},
    (1, -6): {"casey@example.org": ("present", None)},
}

# The certified holders' intake sessions, credited in two parts (one make-up is at most 600 minutes).
INTAKE_PARTS = [
    (0.5, 45, "Live sessions of their intake, first half: from the paper sign-in sheets"),
    (0.5, 10, "Live sessions of their intake, second half: from the paper sign-in sheets"),
]


def seed_demo(people: dict[str, User], cohorts: list[Cohort]) -> None:
    """Once: the cohorts' sessions with attendance, then the certified holders' make-ups."""
    versions = services.live_course_versions()  # the courses that declare live minutes
    version = next((v for v in versions if v.course.slug == CORE_COURSE), versions[0] if versions else None)
    supervisor = people.get(SUPERVISOR)
    if not cohorts or version is None or supervisor is None:
        return
    if not db.session.scalar(sa.select(sa.func.count(LiveSession.id)).where(
            LiveSession.cohort_id.in_([cohort.id for cohort in cohorts]))):
        _seed_sessions(people, cohorts, version, supervisor)
    _seed_intake_make_ups(people, cohorts[0], version, supervisor)
    db.session.flush()


def _seed_sessions(people, cohorts, version, supervisor) -> None:
    live_modules = [module for module in version.modules if module.live_minutes > 0]
    now = utcnow()
    for index, (cohort_index, days, title, minutes, place, video_url) in enumerate(DEMO_SESSIONS):
        if cohort_index >= len(cohorts):
            continue
        module = live_modules[index % len(live_modules)] if live_modules else None
        session = LiveSession(
            cohort_id=cohorts[cohort_index].id, course_id=version.course_id, title=title,
            starts_at=now + timedelta(days=days), module_id=module.id if module else None,
            duration_minutes=minutes, place=place, video_url=video_url, created_by_id=supervisor.id)
        db.session.add(session)
        db.session.flush()
        entries = {people[email].id: entry for email, entry in ATTENDANCE.get((cohort_index, days), {}).items()
                   if email in people}
        if entries:
            services.record_attendance(session, actor=supervisor, entries=entries)


def _seed_intake_make_ups(people, cohort, version, supervisor) -> None:
    """Each certified holder's declared live minutes, credited before their certificate's date."""
    required = services.required_live_minutes(version)
    for enrolment, certificate in certificates_demo.certified_holders(people):
        if db.session.scalar(sa.select(LiveMakeUp.id).where(
                LiveMakeUp.user_id == enrolment.user_id, LiveMakeUp.course_id == version.course_id).limit(1)):
            continue
        credited = 0
        for number, (share, days_before, reason) in enumerate(INTAKE_PARTS, start=1):
            minutes = required - credited if number == len(INTAKE_PARTS) else int(required * share)
            make_up = services.record_make_up(cohort, actor=supervisor, trainee_id=enrolment.user_id,
                                              course_id=version.course_id, minutes=minutes, reason=reason)
            make_up.created_at = certificates_demo.moment_before(certificate, days=days_before)
            certificates_demo.backdate_audit(make_up, make_up.created_at)
            credited += minutes
