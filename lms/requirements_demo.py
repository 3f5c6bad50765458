"""Demo active time: the demo trainees' lessons read show active minutes next to the declared ones.

`seed_demo(people, cohorts)` is one of the demo seeders (lms/demo.py); idempotent; it runs after the
learning seeder and adds time only where a lesson was read.
"""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import ActiveTime, ActivityKind, Cohort, Enrolment, Lesson, LessonProgress, User

# The share of a lesson's declared minutes each demo trainee spent on it with the page in use:
# Elena reads closely, Taylor skims (what a supervisor would notice in the transcript).
# The certified holders read as a trainee who earned the certificate would.
SHARES = {"elena@example.org": 0.9, "trainee@example.org": 0.4,
          "avery@example.org": 0.85, "kai@example.org": 0.75, "drew@example.org": 0.7}


def seed_demo(people: dict[str, User], cohorts: list[Cohort]) -> None:
    for email, share in SHARES.items():
        user = people.get(email)
        if user is None:
            continue
        read = db.session.execute(
            sa.select(Enrolment.id, Lesson.id, Lesson.module_id, Lesson.minutes)
            .join(LessonProgress, LessonProgress.enrolment_id == Enrolment.id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(Enrolment.user_id == user.id)
        ).all()
        recorded = set(db.session.execute(
            sa.select(ActiveTime.enrolment_id, ActiveTime.activity_id)
            .join(Enrolment, Enrolment.id == ActiveTime.enrolment_id)
            .where(Enrolment.user_id == user.id, ActiveTime.activity_kind == str(ActivityKind.LESSON))
        ).all())
        for enrolment_id, lesson_id, module_id, minutes in read:
            if (enrolment_id, lesson_id) in recorded:
                continue
            db.session.add(ActiveTime(enrolment_id=enrolment_id, activity_kind=str(ActivityKind.LESSON),
                                      activity_id=lesson_id, module_id=module_id,
                                      seconds=int(share * minutes * 60)))
    db.session.flush()
