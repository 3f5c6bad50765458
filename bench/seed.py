"""Seed a benchmark database fast: the real courses, then people and their work by core bulk inserts.

Every trainee looks the same whatever the size (a cohort of 50, ten quiz attempts, two role-play
submissions each), so comparing the small and the large database measures how a page's cost grows
with the *total* data, which is what must not happen.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import (
    Certificate,
    Cohort,
    Course,
    CourseVersion,
    Enrolment,
    Grade,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Organization,
    Quiz,
    QuizAttempt,
    Role,
    Rubric,
    Scenario,
    Submission,
    User,
    cohort_supervisors,
    cohort_trainees,
)

PASSWORD = "bench-password-123"  # noqa: S105 - every benchmark account, in a throwaway database
COHORT_SIZE = 50
CHUNK = 5000


@dataclass(frozen=True)
class Size:
    name: str
    trainees: int
    quiz_attempts: int
    submissions: int
    certificates: int

    def scaled(self, factor: float) -> Size:
        def scale(n: int) -> int:
            return max(COHORT_SIZE, int(n * factor)) if n >= COHORT_SIZE else n

        return Size(self.name, scale(self.trainees), int(self.quiz_attempts * factor),
                    int(self.submissions * factor), int(self.certificates * factor))


SMALL = Size("small", trainees=50, quiz_attempts=500, submissions=100, certificates=30)
LARGE = Size("large", trainees=5000, quiz_attempts=50_000, submissions=10_000, certificates=3000)


@dataclass
class Seeded:
    """What the measurements need to know about a seeded database."""

    size: Size
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)
    emails: dict = field(default_factory=dict)  # role -> email of the person the bench logs in as
    cohort_id: int | None = None
    organization_id: int | None = None
    course_slug: str | None = None
    course_version: str | None = None
    module_slug: str | None = None
    lesson_slug: str | None = None
    lesson_id: int | None = None
    quiz_id: int | None = None
    scenario_slug: str | None = None
    scenario_id: int | None = None
    submission_id: int | None = None  # awaiting a grade, in the benchmarked cohort
    numbers: list[str] = field(default_factory=list)  # certificate numbers

    def url_values(self) -> dict:
        """Values for URL parameters, under the names views are likely to use."""
        values = {
            "cohort_id": self.cohort_id, "organization_id": self.organization_id, "org_id": self.organization_id,
            "course_slug": self.course_slug, "course": self.course_slug, "slug": self.course_slug,
            "version": self.course_version, "module_slug": self.module_slug, "module": self.module_slug,
            "lesson_slug": self.lesson_slug, "lesson": self.lesson_slug, "lesson_id": self.lesson_id,
            "quiz_id": self.quiz_id, "scenario_slug": self.scenario_slug, "scenario_id": self.scenario_id,
            "submission_id": self.submission_id, "number": self.numbers[0] if self.numbers else None,
        }
        return {key: value for key, value in values.items() if value is not None}


def _insert(model_or_table, rows: list[dict], returning=None) -> list:
    """Bulk insert in chunks; with `returning`, the generated ids in the order of `rows`."""
    ids: list = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if not chunk:
            continue
        if returning is not None:
            statement = sa.insert(model_or_table).returning(returning, sort_by_parameter_order=True)
            ids.extend(db.session.execute(statement, chunk).scalars().all())
        else:
            db.session.execute(sa.insert(model_or_table), chunk)
    return ids


def sync_courses(app: Flask) -> None:
    """The shipped courses, through the same path `flask courses sync` takes."""
    hook = app.extensions.get("lms_sync_courses")
    if hook is not None:
        hook()
        return
    try:
        from lms.content.loader import load_courses
        from lms.learning.sync import sync_courses as sync
    except ImportError:
        _synthetic_course()
        return
    result = load_courses(Path(app.config["COURSES_DIR"]))
    sync(result.courses)
    db.session.flush()
    if db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0:
        _synthetic_course()


def _synthetic_course() -> None:
    """A course of five modules when the course loader is not available."""
    course = Course(slug="bench-course", title="Benchmark course", kind="certification")
    db.session.add(course)
    db.session.flush()
    version = CourseVersion(course_id=course.id, version="1.0", content_hash="bench", title=course.title,
                            description="A course for benchmarks.", hours=40,
                            competencies=[{"id": "c1", "title": "Listening", "framework": "bench"}],
                            certificate_rules={"validity_months": 24})
    db.session.add(version)
    db.session.flush()
    rubric = Rubric(course_version_id=version.id, slug="rubric", title="Rubric",
                    criteria=[{"id": "listening", "title": "Listening", "minimum": 2, "levels": []}])
    db.session.add(rubric)
    db.session.flush()
    for position in range(1, 6):
        module = Module(course_version_id=version.id, slug=f"module-{position}", position=position,
                        title=f"Module {position}")
        db.session.add(module)
        db.session.flush()
        for n in range(1, 4):
            db.session.add(Lesson(module_id=module.id, slug=f"lesson-{n}", position=n, title=f"Lesson {n}",
                                  html="<p>" + "Peer support lesson text. " * 200 + "</p>", word_count=800))
        db.session.add(Quiz(module_id=module.id, questions=[]))
        db.session.add(Scenario(module_id=module.id, rubric_id=rubric.id, slug=f"scenario-{position}",
                                title=f"Scenario {position}", setting="in-person", pass_mark=70,
                                criteria=["listening"]))
    db.session.flush()


def _course_rows():
    """The certification course's live version, its modules, lessons, quizzes and scenarios."""
    versions = db.session.scalars(
        sa.select(CourseVersion).where(CourseVersion.is_live.is_(True)).order_by(CourseVersion.id)
    ).all()
    version = next((v for v in versions if v.certificate_rules is not None), versions[0])
    modules = db.session.scalars(
        sa.select(Module).where(Module.course_version_id == version.id).order_by(Module.position)
    ).all()
    module_ids = [m.id for m in modules]
    lessons = db.session.scalars(
        sa.select(Lesson).where(Lesson.module_id.in_(module_ids)).order_by(Lesson.module_id, Lesson.position)
    ).all()
    quizzes = db.session.scalars(sa.select(Quiz).where(Quiz.module_id.in_(module_ids)).order_by(Quiz.id)).all()
    scenarios = db.session.scalars(
        sa.select(Scenario).where(Scenario.module_id.in_(module_ids)).order_by(Scenario.id)
    ).all()
    return version, modules, lessons, quizzes, scenarios


def seed(app: Flask, size: Size, *, password_hash: str, rng_seed: int = 7) -> Seeded:
    """Create the schema and fill it; the caller is inside `app.app_context()`."""
    from lms.certificates.numbers import generate_number

    rng = random.Random(rng_seed)  # noqa: S311 - repeatable fake data, not security
    started = time.perf_counter()
    db.drop_all()
    db.create_all()
    sync_courses(app)
    version, modules, lessons, quizzes, scenarios = _course_rows()
    course = db.session.get(Course, version.course_id)
    now = datetime.now(UTC)
    seeded = Seeded(size=size)

    cohorts_count = max(1, size.trainees // COHORT_SIZE)
    orgs_count = max(1, cohorts_count // 10)
    org_ids = _insert(Organization, [{"name": f"Organization {i + 1}"} for i in range(orgs_count)], Organization.id)

    people = [{"email": "bench-admin@example.org", "name": "Bench Admin", "role": str(Role.ADMIN)}]
    people += [{"email": f"orgadmin{i + 1}@example.org", "name": f"Org Admin {i + 1}", "role": str(Role.ORG_ADMIN),
                "organization_id": org_id} for i, org_id in enumerate(org_ids)]
    supervisor_rows = [{"email": f"supervisor{c + 1}@example.org", "name": f"Supervisor {c + 1}",
                        "role": str(Role.SUPERVISOR), "organization_id": org_ids[c % orgs_count]}
                       for c in range(cohorts_count)]
    trainee_rows = [{"email": f"trainee{t + 1}@example.org", "name": f"Trainee {t + 1}",
                     "role": str(Role.TRAINEE), "organization_id": org_ids[(t // COHORT_SIZE) % orgs_count]}
                    for t in range(size.trainees)]
    for row in people + supervisor_rows + trainee_rows:
        row.update(password_hash=password_hash, created_at=now - timedelta(days=90))
    _insert(User, people, User.id)
    supervisor_ids = _insert(User, supervisor_rows, User.id)
    trainee_ids = _insert(User, trainee_rows, User.id)

    cohort_ids = _insert(Cohort, [
        {"organization_id": org_ids[c % orgs_count], "name": f"Cohort {c + 1}",
         "starts_on": date(2026, 1, 5), "ends_on": date(2026, 6, 30)} for c in range(cohorts_count)
    ], Cohort.id)
    _insert(cohort_supervisors, [{"cohort_id": cohort_ids[c], "user_id": supervisor_ids[c]}
                                 for c in range(cohorts_count)])
    _insert(cohort_trainees, [{"cohort_id": cohort_ids[min(t // COHORT_SIZE, cohorts_count - 1)], "user_id": uid}
                              for t, uid in enumerate(trainee_ids)])

    # The same share of every cohort holds a certificate, so the first cohort looks alike at any size.
    per_cohort = round(COHORT_SIZE * min(size.certificates, size.trainees) / max(1, size.trainees))
    certified = {t for t in range(size.trainees) if t % COHORT_SIZE < per_cohort}
    enrolment_ids = _insert(Enrolment, [
        {"user_id": uid, "course_id": course.id, "course_version_id": version.id,
         "created_at": now - timedelta(days=60), "last_activity_at": now - timedelta(hours=t % 200),
         "completed_at": now - timedelta(days=5) if t in certified else None}
        for t, uid in enumerate(trainee_ids)
    ], Enrolment.id)

    progress, completions = [], []
    for t, enrolment_id in enumerate(enrolment_ids):
        done = len(lessons) if t in certified else rng.randint(0, len(lessons))
        progress += [{"enrolment_id": enrolment_id, "lesson_id": lesson.id, "read_at": now - timedelta(days=30)}
                     for lesson in lessons[:done]]
        passed_modules = len(modules) if t in certified else rng.randint(0, max(0, len(modules) - 1))
        completions += [{"enrolment_id": enrolment_id, "module_id": module.id, "passed_at": now - timedelta(days=20)}
                        for module in modules[:passed_modules]]
    _insert(LessonProgress, progress)
    _insert(ModuleCompletion, completions)

    attempts = []
    if quizzes:
        per_trainee = max(1, size.quiz_attempts // max(1, size.trainees))
        for t, enrolment_id in enumerate(enrolment_ids):
            for n in range(per_trainee):
                if len(attempts) >= size.quiz_attempts:
                    break
                quiz = quizzes[n % len(quizzes)]
                score = rng.randint(40, 100)
                started_at = now - timedelta(days=40 - n, minutes=t % 600)
                attempts.append({"enrolment_id": enrolment_id, "quiz_id": quiz.id, "started_at": started_at,
                                 "submitted_at": started_at + timedelta(minutes=12), "layout": [],
                                 "answers": {}, "score": score, "passed": score >= quiz.pass_mark})
    _insert(QuizAttempt, attempts)

    submissions, graded = [], []
    if scenarios:
        per_trainee = max(1, size.submissions // max(1, size.trainees))
        states = ["passed", "passed", "passed", "submitted", "resubmit"]
        for t, (uid, enrolment_id) in enumerate(zip(trainee_ids, enrolment_ids, strict=True)):
            for n in range(per_trainee):
                if len(submissions) >= size.submissions:
                    break
                scenario = scenarios[n % len(scenarios)]
                state = "passed" if t in certified else states[(t + n) % len(states)]
                submitted_at = now - timedelta(days=15 - n, minutes=t % 900)
                submissions.append({
                    "scenario_id": scenario.id, "trainee_id": uid, "enrolment_id": enrolment_id, "attempt_no": 1,
                    "kind": "written", "state": state, "created_at": submitted_at - timedelta(hours=1),
                    "updated_at": submitted_at, "submitted_at": submitted_at,
                    "graded_at": None if state == "submitted" else submitted_at + timedelta(days=2),
                    "replies": [f"I hear how hard this week has been for you ({n})." for _ in scenario.turns or [1]],
                })
                graded.append((state, t, scenario))
    submission_ids = _insert(Submission, submissions, Submission.id)
    grades = []
    for submission_id, (state, t, scenario) in zip(submission_ids, graded, strict=True):
        if state == "submitted":
            continue
        cohort = min(t // COHORT_SIZE, cohorts_count - 1)
        criteria = scenario.criteria or ["listening"]
        grades.append({"submission_id": submission_id, "grader_id": supervisor_ids[cohort], "kind": "primary",
                       "levels": {str(c): 3 if state == "passed" else 1 for c in criteria}, "comments": {},
                       "feedback": "Warm, clear reflections.", "total": 80 if state == "passed" else 40,
                       "passed": state == "passed", "created_at": now - timedelta(days=10),
                       "released_at": now - timedelta(days=10)})
    _insert(Grade, grades)

    competencies = [{"id": str(c.get("id", "")), "title": str(c.get("title", "")),
                     "framework": str(c.get("framework", ""))} for c in (version.competencies or [])]
    numbers = [generate_number() for _ in certified]
    _insert(Certificate, [
        {"number": numbers[i], "user_id": trainee_ids[t], "course_id": course.id, "course_version_id": version.id,
         "generation": 1, "holder_name": f"Trainee {t + 1}", "course_title": version.title,
         "course_version_label": version.version, "hours": float(version.hours), "competencies": competencies,
         "issuer_name": "PeerCert Training Program", "issued_on": date.today() - timedelta(days=5),
         "expires_on": date.today() + timedelta(days=725), "reason": "completion", "status_list_index": i}
        for i, t in enumerate(sorted(certified))
    ])
    db.session.commit()

    # The people the bench logs in as: the first cohort's supervisor and a trainee of it.
    first_cohort_trainees = trainee_ids[:COHORT_SIZE]
    awaiting = db.session.scalar(
        sa.select(Submission.id).where(Submission.trainee_id.in_(first_cohort_trainees),
                                       Submission.state == "submitted").order_by(Submission.id).limit(1))
    lesson = lessons[0] if lessons else None
    module = next((m for m in modules if lesson is not None and m.id == lesson.module_id), modules[0])
    seeded.seconds = time.perf_counter() - started
    seeded.counts = {
        "trainees": len(trainee_ids), "cohorts": cohorts_count, "organizations": orgs_count,
        "quiz_attempts": len(attempts), "submissions": len(submission_ids), "grades": len(grades),
        "certificates": len(numbers), "lesson_progress": len(progress),
    }
    seeded.emails = {
        "admin": "bench-admin@example.org", "org_admin": "orgadmin1@example.org",
        "supervisor": "supervisor1@example.org",
        # The last trainee of the first cohort: still working through the course at every size.
        "trainee": f"trainee{min(COHORT_SIZE, size.trainees)}@example.org",
    }
    seeded.cohort_id = cohort_ids[0]
    seeded.organization_id = org_ids[0]
    seeded.course_slug = course.slug
    seeded.course_version = version.version
    seeded.module_slug = module.slug
    seeded.lesson_slug = lesson.slug if lesson else None
    seeded.lesson_id = lesson.id if lesson else None
    seeded.quiz_id = quizzes[0].id if quizzes else None
    seeded.scenario_slug = scenarios[0].slug if scenarios else None
    seeded.scenario_id = scenarios[0].id if scenarios else None
    seeded.submission_id = awaiting
    seeded.numbers = numbers
    return seeded
