"""Demo data: live sessions for the first demo cohort, attendance taken at the held ones, one gap."""

from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.live import services
from lms.models import Cohort, LiveSession, User, utcnow

# (days from now, title, minutes, place, video link); sessions in the past get attendance.
DEMO_SESSIONS = [
    (-14, "Opening circle: what peer support is", 30, "Riverside centre, room 2", ""),
    (-3, "Active listening practice in pairs", 45, "", "https://meet.example.org/riverside-listening"),
    (5, "Confidentiality and its limits: case discussion", 30, "Riverside centre, room 2", ""),
]


def seed_demo(people: dict[str, User], cohorts: list[Cohort]) -> None:
    """Once: three sessions for the first cohort (two held, one next week) of the first course that
    declares live hours; the demo trainee attended both, the other trainees missed or left early."""
    versions = services.live_course_versions()
    if not cohorts or not versions or db.session.scalar(
            sa.select(sa.func.count(LiveSession.id)).where(LiveSession.cohort_id == cohorts[0].id)):
        return
    cohort, version = cohorts[0], versions[0]
    supervisor = people.get("supervisor@example.org")
    trainee = people.get("trainee@example.org")
    live_modules = [module for module in version.modules if module.live_minutes > 0]
    for index, (days, title, minutes, place, video_url) in enumerate(DEMO_SESSIONS):
        session = LiveSession(
            cohort_id=cohort.id, course_id=version.course_id, title=title, starts_at=utcnow() + timedelta(days=days),
            module_id=live_modules[index].id if index < len(live_modules) else None, duration_minutes=minutes,
            place=place, video_url=video_url, created_by_id=supervisor.id if supervisor else None)
        db.session.add(session)
        db.session.flush()
        if days < 0 and supervisor is not None:
            entries = {t.id: ("present", None) if trainee and t.id == trainee.id else ("left_early", minutes // 2)
                       if index else ("absent", None) for t in services.cohort_trainees_of(cohort)}
            services.record_attendance(session, actor=supervisor, entries=entries)
    db.session.flush()
