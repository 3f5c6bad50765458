"""Demo data for item analysis: a past intake's first attempts at the core course's knowledge checks.

Twelve trainees of the demo organization who took the course before the current cohorts (they are
members of no cohort, so the cohort dashboards do not change) answer like people of different ability:
the coordinator and the administrator see statistics, flags and charts on the item analysis pages.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.learning import scoring
from lms.models import Cohort, Course, CourseVersion, Enrolment, QuizAttempt, Role, User, utcnow

SAMPLE_SIZE = 12
SAMPLE_EMAIL = "past-intake-{:02d}@example.org"
MODULES = 3


def simulated_answers(questions: Sequence[dict], ability: float, rng: random.Random) -> dict[str, list[str]]:
    """Answers of a person of `ability` (about -2 to 2): a question is answered right with the logistic
    chance of ability minus its difficulty (later questions are a little harder); a wrong answer is one
    of the wrong options, the first one more often (a plausible distractor)."""
    answers = {}
    for index, question in enumerate(questions):
        difficulty = -1.0 + 2.0 * index / max(len(questions) - 1, 1)
        right = [o["id"] for o in question["options"] if o["correct"]]
        wrong = [o["id"] for o in question["options"] if not o["correct"]]
        if rng.random() < 1 / (1 + math.exp(difficulty - ability)) or not wrong:
            answers[question["id"]] = right
        else:
            answers[question["id"]] = [wrong[0] if rng.random() < 0.6 else rng.choice(wrong)]
    return answers


def seed_demo(people: dict[str, User], cohorts: list[Cohort]) -> None:
    """Idempotent: nothing happens once the sample exists, or without the core course or an organization."""
    organization_id = cohorts[0].organization_id if cohorts else None
    version = db.session.scalar(sa.select(CourseVersion).join(Course).where(
        Course.slug == "peer-specialist-core", CourseVersion.is_live))
    if organization_id is None or version is None:
        return
    if db.session.scalar(sa.select(User.id).where(User.email == SAMPLE_EMAIL.format(1))) is not None:
        return
    rng = random.Random(15)  # noqa: S311 (demo answers, the same every run)
    taken_at = utcnow() - timedelta(days=120)
    quizzes = [module.quiz for module in version.modules[:MODULES] if module.quiz is not None]
    for number in range(1, SAMPLE_SIZE + 1):
        trainee = User(email=SAMPLE_EMAIL.format(number), name=f"Past Intake Trainee {number:02d}",
                       role=str(Role.TRAINEE), organization_id=organization_id)
        enrolment = Enrolment(user=trainee, course_id=version.course_id, course_version_id=version.id,
                              created_at=taken_at)
        db.session.add_all([trainee, enrolment])
        ability = rng.gauss(0.3, 1.0)
        for quiz in quizzes:
            answers = simulated_answers(quiz.questions, ability, rng)
            right = sum(scoring.is_correct(question, answers[question["id"]]) for question in quiz.questions)
            score = round(100 * right / len(quiz.questions)) if quiz.questions else 0
            db.session.add(QuizAttempt(enrolment=enrolment, quiz=quiz, started_at=taken_at, submitted_at=taken_at,
                                       layout=[], answers=answers, score=score, passed=score >= quiz.pass_mark))
    db.session.flush()
