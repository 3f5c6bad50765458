"""Test data for organizations, cohorts, dashboards and privacy: plain functions that add and flush.

`make_org_course` builds a small course straight into the tables (no course files), and
`add_org_trainees` bulk-inserts trainees with progress through Core inserts, so a cohort of
2,000 takes a second, not a minute.
"""

import itertools
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from lms.extensions import db
from lms.models import (
    Course,
    CourseVersion,
    Enrolment,
    Grade,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
    Role,
    Rubric,
    Scenario,
    Submission,
    SupervisedHours,
    User,
    cohort_trainees,
    utcnow,
)

_counter = itertools.count(1)

CRITERIA = [
    {"id": "listening", "title": "Open questions and reflections", "minimum": 2, "safety_critical": False,
     "levels": {1: "a", 2: "b", 3: "c", 4: "d"}},
    {"id": "validation", "title": "Validation", "minimum": 2, "safety_critical": False,
     "levels": {1: "a", 2: "b", 3: "c", 4: "d"}},
    {"id": "confidentiality", "title": "Confidentiality and its limits", "minimum": 3, "safety_critical": True,
     "levels": {1: "a", 2: "b", 3: "c", 4: "d"}},
]


def make_org_course(*, modules: int = 3, lessons: int = 2, title: str | None = None,
                    supervised_hours_required: float = 0, version: str = "1.0", live: bool = True,
                    course: Course | None = None) -> CourseVersion:
    """A certifying course version with modules, lessons, a knowledge check and a role-play per module."""
    n = next(_counter)
    if course is None:
        course = Course(slug=f"org-course-{n}", title=title or f"Org test course {n}", kind="certification")
        db.session.add(course)
        db.session.flush()
    course_version = CourseVersion(
        course_id=course.id, version=version, content_hash=f"hash-{n}", is_live=live, title=course.title,
        description="A course for tests.", hours=40, certificate_rules={
            "validity_months": 24, "renewal_ce_hours": 20, "supervised_hours_required": supervised_hours_required},
    )
    db.session.add(course_version)
    db.session.flush()
    rubric = Rubric(course_version_id=course_version.id, slug="core", title="Rubric", criteria=CRITERIA)
    db.session.add(rubric)
    db.session.flush()
    module_titles = ["Foundations", "Active listening", "Validation", "Boundaries", "Confidentiality", "Crisis"]
    for position in range(1, modules + 1):
        module = Module(course_version_id=course_version.id, slug=f"m{position}", position=position,
                        title=module_titles[(position - 1) % len(module_titles)])
        db.session.add(module)
        db.session.flush()
        for lp in range(1, lessons + 1):
            db.session.add(Lesson(module_id=module.id, slug=f"l{lp}", position=lp, title=f"Lesson {lp}",
                                  html="<p>Text</p>"))
        db.session.add(Quiz(module_id=module.id, pass_mark=80, questions=[]))
        db.session.add(Scenario(module_id=module.id, rubric_id=rubric.id, slug=f"s{position}", position=1,
                                title=f"Role-play {position}", setting="one-to-one",
                                criteria=[c["id"] for c in CRITERIA], pass_mark=8))
    db.session.flush()
    db.session.expire(course_version)
    return course_version


def course_parts(version: CourseVersion) -> list[dict]:
    """Per module (in order): ids of the module, its lessons, quiz and scenario."""
    parts = []
    for module in db.session.scalars(sa.select(Module).where(Module.course_version_id == version.id)
                                     .order_by(Module.position)):
        parts.append({
            "module": module.id,
            "lessons": list(db.session.scalars(sa.select(Lesson.id).where(Lesson.module_id == module.id))),
            "quiz": db.session.scalar(sa.select(Quiz.id).where(Quiz.module_id == module.id)),
            "scenario": db.session.scalar(sa.select(Scenario.id).where(Scenario.module_id == module.id)),
        })
    return parts


def add_org_trainees(cohort, version: CourseVersion, count: int, *, grader: User, start: int = 0,
                     second_grader: User | None = None) -> list[int]:
    """Bulk-insert `count` trainees into `cohort`, enrolled in `version`, with varied progress:

    every trainee has read the lessons of module 1; two in three passed it (quiz, role-play graded,
    some second-marked) and the third stopped a month ago after failing its check; every fifth of
    those who passed failed module 2's check three times; every seventh has a role-play waiting for a
    grade; every tenth completed the course. The blind second marks are by `second_grader` (a rater
    compared with themself is no agreement: without one, no second marks are made).
    """
    now = utcnow()
    parts = course_parts(version)
    first = parts[0]
    users = [{"email": f"bulk{start + i}-{cohort.id}@example.org", "name": f"Bulk Trainee {start + i:05d}",
              "role": str(Role.TRAINEE), "organization_id": cohort.organization_id, "active": True,
              "created_at": now, "failed_logins": 0, "session_version": 1} for i in range(count)]
    ids = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), users).all()
    for u, uid in zip(users, ids, strict=True):
        u["id"] = uid
    db.session.execute(sa.insert(cohort_trainees), [{"cohort_id": cohort.id, "user_id": u["id"]} for u in users])
    enrolments = []
    for i, u in enumerate(users):
        completed = now - timedelta(days=2) if i % 10 == 0 else None
        enrolments.append({"user_id": u["id"], "course_id": version.course_id,
                           "course_version_id": version.id, "created_at": now - timedelta(days=40),
                           "last_activity_at": now - timedelta(days=(30 if i % 3 == 2 else 1)),
                           "completed_at": completed})
    ids = db.session.scalars(sa.insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True),
                             enrolments).all()
    for e, eid in zip(enrolments, ids, strict=True):
        e["id"] = eid
    progress, attempts, completions, submissions = [], [], [], []
    for i, e in enumerate(enrolments):
        passed_first = i % 3 != 2  # the others stopped a month ago
        read_at = now - timedelta(days=3 if passed_first else 31)
        for lesson_id in first["lessons"]:
            progress.append({"enrolment_id": e["id"], "lesson_id": lesson_id, "read_at": read_at})
        attempts.append({"enrolment_id": e["id"], "quiz_id": first["quiz"], "started_at": read_at,
                         "submitted_at": read_at, "layout": [], "answers": {},
                         "score": 90 if passed_first else 50, "passed": passed_first})
        if passed_first:
            completions.append({"enrolment_id": e["id"], "module_id": first["module"],
                                "passed_at": now - timedelta(days=4 + i % 20)})
            submissions.append({"scenario_id": first["scenario"],
                                "trainee_id": e["user_id"], "enrolment_id": e["id"], "attempt_no": 1,
                                "kind": "written", "state": "passed", "replies": ["I hear you."],
                                "created_at": now - timedelta(days=6), "updated_at": now - timedelta(days=5),
                                "submitted_at": now - timedelta(days=6, hours=i % 48),
                                "graded_at": now - timedelta(days=5), "is_calibration": False})
        if i % 5 == 0 and passed_first and len(parts) > 1:
            for _ in range(3):
                attempts.append({"enrolment_id": e["id"], "quiz_id": parts[1]["quiz"],
                                 "started_at": now - timedelta(days=2), "submitted_at": now - timedelta(days=2),
                                 "layout": [], "answers": {}, "score": 40, "passed": False})
        if i % 7 == 0 and len(parts) > 1:
            submissions.append({"scenario_id": parts[1]["scenario"],
                                "trainee_id": e["user_id"], "enrolment_id": e["id"], "attempt_no": 1,
                                "kind": "written", "state": "submitted", "replies": ["Tell me more."],
                                "created_at": now - timedelta(days=1), "updated_at": now - timedelta(days=1),
                                "submitted_at": now - timedelta(hours=20 + i % 10), "is_calibration": False})
    db.session.execute(sa.insert(LessonProgress), progress)
    db.session.execute(sa.insert(QuizAttempt), attempts)
    if completions:
        db.session.execute(sa.insert(ModuleCompletion), completions)
    if submissions:
        ids = db.session.scalars(sa.insert(Submission).returning(Submission.id, sort_by_parameter_order=True),
                                 submissions).all()
        for sub, sid in zip(submissions, ids, strict=True):
            sub["id"] = sid
        grades = []
        for n, s in enumerate(submissions):
            if s["state"] != "passed":
                continue
            levels = {"listening": 2 + n % 3, "validation": 3, "confidentiality": 3 + n % 2}
            grades.append({"submission_id": s["id"], "grader_id": grader.id, "kind": "primary", "levels": levels,
                           "comments": {}, "feedback": "", "total": sum(levels.values()), "passed": True,
                           "created_at": now - timedelta(days=5), "released_at": now - timedelta(days=5)})
            if n % 4 == 0 and second_grader is not None:
                second = dict(levels, listening=levels["listening"] if n % 8 else max(1, levels["listening"] - 1))
                grades.append({"submission_id": s["id"], "grader_id": second_grader.id, "kind": "second",
                               "levels": second, "comments": {}, "feedback": "", "total": sum(second.values()),
                               "passed": True, "created_at": now - timedelta(days=4)})
        db.session.execute(sa.insert(Grade), grades)
    db.session.flush()
    return [u["id"] for u in users]


def make_org_hours(user: User, hours: float = 2, *, state: str = "pending", days_ago: int = 3,
                   setting: str = "Drop-in centre", activity: str = "Peer support conversations") -> SupervisedHours:
    entry = SupervisedHours(user_id=user.id, worked_on=(utcnow() - timedelta(days=days_ago)).date(), setting=setting,
                            activity=activity, hours=Decimal(str(hours)), state=state)
    db.session.add(entry)
    db.session.flush()
    return entry


def org_csv(rows: list[tuple[str, str, str, str]], header: str = "email,name,role,cohort") -> bytes:
    lines = [header] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def org_people_rows(count: int, *, cohort: str = "", domain: str = "example.org") -> list[tuple[str, str, str, str]]:
    roles = ["trainee"] * 9 + ["supervisor"]
    return [(f"person{i:02d}@{domain}", f"Person {i:02d}", roles[i % len(roles)], cohort) for i in range(1, count + 1)]


def make_org_record(trainee: User, grader: User, *, data_dir=None, version: CourseVersion | None = None) -> dict:
    """A trainee with a full record: module 1 passed (check failed once at 60%, passed at 90%), a
    recorded role-play passed with a graded, second-marked submission, hours, continuing education, a
    certificate; with `data_dir`, their recording, evidence file and certificate PDF on disk."""
    from datetime import date
    from pathlib import Path

    from lms.models import Certificate, ContinuingEducation

    version = version or make_org_course(modules=2)
    parts = course_parts(version)
    now = utcnow()
    enrolment = Enrolment(user_id=trainee.id, course_id=version.course_id, course_version_id=version.id,
                          created_at=now - timedelta(days=30), last_activity_at=now - timedelta(days=1))
    db.session.add(enrolment)
    db.session.flush()
    for lesson_id in parts[0]["lessons"]:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson_id))
    for score in (60, 90):
        db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=parts[0]["quiz"], submitted_at=now,
                                   score=score, passed=score >= 80, answers={"q1": ["a"]}))
    db.session.add(ModuleCompletion(enrolment_id=enrolment.id, module_id=parts[0]["module"],
                                    passed_at=now - timedelta(days=2)))
    recording = f"recordings/{trainee.id}-roleplay.webm"
    submission = Submission(scenario_id=parts[0]["scenario"], trainee_id=trainee.id, enrolment_id=enrolment.id,
                            attempt_no=1, kind="recorded", state="passed",
                            replies=[f"Hi, I'm {trainee.name}; you can reach me at {trainee.email}."],
                            recording_path=recording, recording_mimetype="video/webm", recording_size=12,
                            submitted_at=now - timedelta(days=3), graded_at=now - timedelta(days=2))
    db.session.add(submission)
    db.session.flush()
    db.session.add(Grade(submission_id=submission.id, grader_id=grader.id, kind="primary",
                         levels={"listening": 3, "validation": 3, "confidentiality": 4},
                         comments={"listening": f"Good reflections, {trainee.name}."},
                         feedback=f"Well done {trainee.name}.", total=10, passed=True, released_at=now))
    evidence = f"evidence/{trainee.id}-certificate.pdf"
    db.session.add(ContinuingEducation(user_id=trainee.id, title="Ethics for peer workers", provider="State network",
                                       hours=Decimal("6"), completed_on=date(2026, 1, 20), state="approved",
                                       evidence_path=evidence, review_note=f"Checked {trainee.name}'s evidence."))
    make_org_hours(trainee, 12, state="approved", activity=f"Groups co-led by {trainee.name}")
    from lms.certificates.numbers import generate_number

    number = generate_number()
    pdf = f"certificates/{number}.pdf"
    certificate = Certificate(
        number=number, user_id=trainee.id, course_id=version.course_id,
        course_version_id=version.id, holder_name=trainee.name, course_title=version.title,
        course_version_label=version.version, hours=40, issuer_name="Riverside", issued_on=date(2026, 2, 1),
        expires_on=date(2099, 2, 1), status_list_index=trainee.id, pdf_path=pdf, pdf_rendered_at=now)
    db.session.add(certificate)
    db.session.flush()
    files = []
    if data_dir is not None:
        for relative, content in ((recording, b"\x1a\x45\xdf\xa3webm"), (evidence, b"%PDF-1.4 evidence"),
                                  (pdf, b"%PDF-1.7 certificate")):
            path = Path(data_dir) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            files.append(path)
    return {"version": version, "enrolment": enrolment, "submission": submission, "certificate": certificate,
            "files": files}
