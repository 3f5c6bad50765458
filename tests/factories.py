"""Plain functions that add, flush and return test data."""

import itertools
from datetime import date

from werkzeug.security import generate_password_hash

from lms.extensions import db
from lms.models import Cohort, Organization, Role, User

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
_HASH_CACHE: dict[str, str] = {}


def _hash(password: str) -> str:
    # The app hashes with scrypt, slow on purpose. Test accounts use a cheap pbkdf2 hash, which
    # werkzeug verifies by the method recorded in the hash, so every test login stays fast.
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = generate_password_hash(password, method="pbkdf2:sha256:1000")
    return _HASH_CACHE[password]


def make_org(name: str | None = None, **fields) -> Organization:
    org = Organization(name=name or f"Organization {next(_counter)}", **fields)
    db.session.add(org)
    db.session.flush()
    return org


def make_user(role: Role = Role.TRAINEE, *, org: Organization | None = None, email: str | None = None,
              name: str | None = None, password: str = PASSWORD, **fields) -> User:
    n = next(_counter)
    user = User(
        email=email or f"{role}{n}@example.org",
        name=name or f"{Role(role).label} {n}",
        password_hash=_hash(password),
        role=str(role),
        organization=org,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_cohort(org: Organization, *, supervisors=(), trainees=(), name: str | None = None) -> Cohort:
    cohort = Cohort(organization=org, name=name or f"Cohort {next(_counter)}",
                    starts_on=date(2026, 1, 5), ends_on=date(2026, 6, 30))
    cohort.supervisors.extend(supervisors)
    cohort.trainees.extend(trainees)
    db.session.add(cohort)
    db.session.flush()
    return cohort


# -- certificates (issue 5) -----------------------------------------------------------------


CORE_COMPETENCIES = [
    {"id": "engagement", "title": "Engages peers in collaborative and caring relationships",
     "framework": "SAMHSA Core Competencies for Peer Workers (2015)"},
    {"id": "support", "title": "Provides support", "framework": "SAMHSA Core Competencies for Peer Workers (2015)"},
]


def make_certifying_course(*, slug: str | None = None, title: str = "Peer Specialist Core Training",
                           modules: int = 2, hours: float = 40, validity_months: int = 24,
                           renewal_ce_hours: float = 20, supervised_hours_required: float = 0,
                           version: str = "1.0"):
    """A course version that grants a certificate, with `modules` empty modules."""
    from lms.models import Course, CourseVersion, Module

    n = next(_counter)
    course = Course(slug=slug or f"core-{n}", title=title, kind="certification")
    db.session.add(course)
    course_version = CourseVersion(
        course=course, version=version, content_hash=f"hash-{n}", title=title,
        description="The core skills of a peer support specialist.", hours=hours, ce_hours=0,
        competencies=list(CORE_COMPETENCIES),
        certificate_rules={"validity_months": validity_months, "renewal_ce_hours": renewal_ce_hours,
                           "supervised_hours_required": supervised_hours_required},
    )
    db.session.add(course_version)
    for position in range(1, modules + 1):
        db.session.add(Module(course_version=course_version, slug=f"m{position}", position=position,
                              title=f"Module {position}"))
    db.session.flush()
    return course_version


def make_ce_course(*, ce_hours: float = 6, title: str = "Peer Support in Telehealth"):
    """A continuing-education course version (no certificate; `ce_hours` credited on completion)."""
    from lms.models import Course, CourseVersion, Module

    n = next(_counter)
    course = Course(slug=f"ce-{n}", title=title, kind="continuing-education")
    course_version = CourseVersion(course=course, version="1.0", content_hash=f"ce-hash-{n}", title=title,
                                   description="Continuing education.", hours=ce_hours, ce_hours=ce_hours,
                                   competencies=[], certificate_rules=None)
    db.session.add_all([course, course_version, Module(course_version=course_version, slug="m1", position=1,
                                                       title="Module 1")])
    db.session.flush()
    return course_version


def complete_course(user: User, course_version, *, completed: bool = True):
    """An enrolment with every module passed (and `completed_at` set, unless `completed=False`)."""
    from lms.models import Enrolment, ModuleCompletion, utcnow

    enrolment = Enrolment(user_id=user.id, course_id=course_version.course_id, course_version_id=course_version.id)
    db.session.add(enrolment)
    db.session.flush()
    for module in course_version.modules:
        db.session.add(ModuleCompletion(enrolment_id=enrolment.id, module_id=module.id))
    if completed:
        enrolment.completed_at = utcnow()
    db.session.flush()
    return enrolment


def make_supervised_hours(user: User, hours: float, *, state: str = "approved"):
    from decimal import Decimal

    from lms.models import SupervisedHours

    entry = SupervisedHours(user_id=user.id, worked_on=date(2026, 2, 1), setting="Drop-in centre",
                            activity="One-to-one peer support", hours=Decimal(str(hours)), state=state)
    db.session.add(entry)
    db.session.flush()
    return entry


def make_continuing_education(user: User, hours: float, *, completed_on: date, state: str = "approved",
                              title: str = "Trauma-informed care workshop"):
    from decimal import Decimal

    from lms.models import ContinuingEducation

    entry = ContinuingEducation(user_id=user.id, title=title, provider="State peer network",
                                hours=Decimal(str(hours)), completed_on=completed_on, source="outside", state=state)
    db.session.add(entry)
    db.session.flush()
    return entry


# -- role-plays (issue 4) -------------------------------------------------------------------


ROLEPLAY_CRITERIA = [
    {"id": "listening", "title": "Open questions and reflections", "minimum": 2, "safety_critical": False,
     "levels": {"1": "Mostly closed questions or advice.", "2": "Some open questions.",
                "3": "Open questions and accurate reflections.", "4": "Complex reflections throughout."}},
    {"id": "validation", "title": "Validation", "minimum": 2, "safety_critical": False,
     "levels": {"1": "Minimizes or judges.", "2": "Generic acknowledgement.", "3": "Names the feeling.",
                "4": "Validates at several levels."}},
    {"id": "confidentiality", "title": "Confidentiality and its limits", "minimum": 3, "safety_critical": True,
     "levels": {"1": "Promises absolute secrecy.", "2": "Does not explain the limits.",
                "3": "Explains the limits before disclosure.", "4": "Checks understanding of the limits."}},
    {"id": "language", "title": "Recovery-oriented, person-first language", "minimum": 2, "safety_critical": False,
     "levels": {"1": "Labels.", "2": "Slips into a label.", "3": "Person-first.", "4": "Names strengths."}},
]

ROLEPLAY_TURNS = [
    {"persona": "Before I say anything, can you promise this stays between us?", "hint": "Explain the limits."},
    {"persona": "So you'd put it in your notes.", "hint": "Reflect the fear."},
    {"persona": "I drank again. I guess I'm just a drunk.", "hint": "Respond to self-stigma."},
    {"persona": "My wife can't find out.", "hint": "Be accurate about consent."},
    {"persona": "Would you sit in with me when I tell my counselor?", "hint": "Summarize and agree next steps."},
]


def make_course_version(*, title: str = "Peer Specialist Core Training", feedback_targets=None, **fields):
    """A live course version (no certificate rules unless given)."""
    from lms.models import Course, CourseVersion

    n = next(_counter)
    course = Course(slug=f"course-{n}", title=title, kind="certification")
    version = CourseVersion(
        course=course, version="1.0", content_hash=f"rp-hash-{n}", title=title, description="A course.",
        hours=40, feedback_targets=feedback_targets if feedback_targets is not None else
        {"reflections_per_question": 1.0, "complex_reflection_share": 0.4, "max_advice": 0},
        **fields,
    )
    db.session.add_all([course, version])
    db.session.flush()
    return version


def make_module(course_version, *, title: str = "Confidentiality", position: int | None = None):
    from lms.models import Module

    n = next(_counter)
    module = Module(course_version=course_version, slug=f"module-{n}", position=position or n, title=title)
    db.session.add(module)
    db.session.flush()
    return module


def make_rubric(course_version, *, criteria=None):
    from lms.models import Rubric

    rubric = Rubric(course_version_id=course_version.id, slug=f"rubric-{next(_counter)}",
                    title="Peer support role-play rubric", criteria=criteria or ROLEPLAY_CRITERIA)
    db.session.add(rubric)
    db.session.flush()
    return rubric


def make_scenario(module=None, *, rubric=None, title: str = "Can you promise this stays between us?",
                  criteria=("listening", "validation", "confidentiality", "language"), minimums=None,
                  pass_mark: int = 10, turns=None, course_version=None):
    """A scenario (and, unless given, its course version, module and rubric)."""
    from lms.models import Scenario

    if module is None:
        module = make_module(course_version or make_course_version())
    rubric = rubric or make_rubric(module.course_version)
    scenario = Scenario(
        module_id=module.id, rubric_id=rubric.id, slug=f"scenario-{next(_counter)}", title=title,
        setting="one-to-one", persona={"name": "Marcus", "description": "Marcus is 38 and in recovery."},
        skills=["explaining confidentiality limits"], criteria=list(criteria), minimums=minimums or {},
        pass_mark=pass_mark, turns=turns or list(ROLEPLAY_TURNS),
    )
    db.session.add(scenario)
    db.session.flush()
    return scenario


def make_enrolment(user: User, course_version):
    from lms.models import Enrolment

    enrolment = Enrolment(user_id=user.id, course_id=course_version.course_id, course_version_id=course_version.id)
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def make_enrolled_scenario(trainee: User, **fields):
    """A scenario whose course version `trainee` is enrolled in, so that they may start it."""
    scenario = make_scenario(**fields)
    make_enrolment(trainee, scenario.module.course_version)
    return scenario


def make_submission(trainee: User, scenario, *, state: str = "submitted", kind: str = "written", replies=None,
                    attempt_no: int | None = None, enrolment=None, submitted_at=None, **fields):
    """A submission (enrolling the trainee if needed); a submitted written one has a reply to every turn."""
    import sqlalchemy as sa

    from lms.models import Enrolment, Submission, utcnow

    if enrolment is None:
        enrolment = db.session.scalar(sa.select(Enrolment).where(
            Enrolment.user_id == trainee.id, Enrolment.course_version_id == scenario.module.course_version_id))
        enrolment = enrolment or make_enrolment(trainee, scenario.module.course_version)
    if attempt_no is None:
        last = db.session.scalar(sa.select(sa.func.max(Submission.attempt_no)).where(
            Submission.trainee_id == trainee.id, Submission.scenario_id == scenario.id))
        attempt_no = (last or 0) + 1
    if replies is None:
        replies = [] if state == "draft" or kind != "written" else [
            f"It sounds like that matters a lot to you (turn {i + 1})." for i in range(len(scenario.turns))]
    submission = Submission(
        scenario_id=scenario.id, trainee_id=trainee.id, enrolment_id=enrolment.id, attempt_no=attempt_no,
        kind=kind, state=state, replies=replies,
        submitted_at=None if state == "draft" else (submitted_at or utcnow()), **fields,
    )
    db.session.add(submission)
    db.session.flush()
    return submission


def make_grade(submission, grader: User, levels: dict, *, kind: str = "primary", feedback: str = "", **fields):
    """A grade row as the rubric would compute it (total and pass decision)."""
    from lms.models import Grade, utcnow
    from lms.roleplay import rubric

    scenario = submission.scenario
    decision = rubric.decide(rubric.scored_criteria(scenario.rubric.criteria, scenario.criteria, scenario.minimums),
                             levels, scenario.pass_mark)
    grade = Grade(submission_id=submission.id, grader_id=grader.id, kind=kind, levels=dict(levels), comments={},
                  feedback=feedback, total=decision.total, passed=decision.passed,
                  released_at=utcnow() if kind in ("primary", "correction") else None, **fields)
    db.session.add(grade)
    db.session.flush()
    db.session.expire(submission, ["grades"])
    return grade


def stub_certificate_pdfs(monkeypatch) -> None:
    """Replace WeasyPrint (about 0.4 s a certificate) with a tiny stand-in PDF, for tests that do not read it."""
    from lms.certificates import documents

    def stand_in(facts, *, revoked=False, **kwargs):
        marker = " REVOKED" if revoked else ""
        return f"%PDF-1.7\n% stand-in certificate {facts.number} {facts.holder_name}{marker}\n%%EOF\n".encode()

    monkeypatch.setattr(documents, "render_certificate_pdf", stand_in)


# --- learning path (issue 3) ---------------------------------------------------------------------

def quiz_answers(attempt, *, correct: bool = True) -> dict[str, list[str]]:
    """Answers for every question of an attempt, all right or all wrong. Tests may know; pages never do."""
    by_id = {question["id"]: question for question in attempt.quiz.questions}
    answers = {}
    for entry in attempt.layout:
        options = by_id[entry["question"]]["options"]
        right = [option["id"] for option in options if option["correct"]]
        wrong = [option["id"] for option in options if not option["correct"]]
        answers[entry["question"]] = right if correct else wrong[:1]
    return answers


def complete_exercises(enrolment, module):
    """Submit every practice exercise of a module (and mark the ones needing a supervisor's review as reviewed)."""
    from lms.learning import exercises

    for exercise in module.exercises:
        response = exercises.submit_response(enrolment, exercise, f"My answer to {exercise.title}.")
        if exercise.review == "required":
            response.reviewed_at = response.submitted_at
            response.review_comment = "Reviewed."


def pass_module(enrolment, module):
    """Read every lesson, pass the knowledge check and every role-play of a module, through the services."""
    from lms.learning import completion, quizzes

    for lesson in module.lessons:
        completion.mark_lesson_read(enrolment, lesson)
    complete_exercises(enrolment, module)
    if module.quiz is not None:
        attempt = quizzes.start_attempt(enrolment, module.quiz)
        quizzes.submit_attempt(attempt, quiz_answers(attempt))
    for scenario in module.scenarios:
        make_submission(enrolment.user, scenario, state="passed", enrolment=enrolment)
    completion.refresh_module_progress(enrolment, module)
    db.session.flush()


# --- item analysis (issue 15) ----------------------------------------------------------------------

def add_quiz_attempts(quiz, version, org, count: int, *, cohort=None, start: int = 0) -> list[int]:
    """Bulk-insert `count` trainees of `org` (in `cohort`), each with a first submitted attempt at `quiz`
    answered like a person of random ability (seeded by the trainee's number: the same every run), and a
    later attempt with every answer right (it must not count)."""
    import random
    from datetime import timedelta

    import sqlalchemy as sa

    from lms.item_analysis.demo import simulated_answers
    from lms.models import Enrolment, QuizAttempt, cohort_trainees, utcnow

    now = utcnow()
    users = [{"email": f"ia{start + i}-{org.id}@example.org", "name": f"Item Trainee {start + i}",
              "role": str(Role.TRAINEE), "organization_id": org.id, "active": True, "created_at": now,
              "failed_logins": 0, "session_version": 1} for i in range(count)]
    user_ids = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), users).all()
    if cohort is not None:
        db.session.execute(sa.insert(cohort_trainees), [{"cohort_id": cohort.id, "user_id": u} for u in user_ids])
    enrolment_ids = db.session.scalars(
        sa.insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True),
        [{"user_id": u, "course_id": version.course_id, "course_version_id": version.id, "created_at": now}
         for u in user_ids]).all()
    rows = []
    for i, enrolment_id in enumerate(enrolment_ids):
        rng = random.Random(start + i)
        first = simulated_answers(quiz.questions, rng.gauss(0, 1), rng)
        retake = {q["id"]: [o["id"] for o in q["options"] if o["correct"]] for q in quiz.questions}
        for answers, minutes in ((first, 0), (retake, 30)):
            at = now + timedelta(minutes=minutes)
            rows.append({"enrolment_id": enrolment_id, "quiz_id": quiz.id, "layout": [], "started_at": at,
                         "submitted_at": at, "answers": answers, "score": 60, "passed": False})
    db.session.execute(sa.insert(QuizAttempt), rows)
    return user_ids
# -- live sessions and the code of ethics (issue 15) -----------------------------------------------


ETHICS_CODE = {"title": "Code of Ethics for Peer Support Specialists", "version": "1.0",
               "source": "Written for the tests.", "html": "<ol><li>I respect self-determination.</li></ol>"}


def make_live_course(*, live_minutes=(60, 30), ethics_code=None, **fields):
    """A certifying course version whose modules declare `live_minutes` (and, if given, a code of ethics)."""
    version = make_certifying_course(modules=len(live_minutes), **fields)
    for module, minutes in zip(version.modules, live_minutes, strict=True):
        module.live_minutes = minutes
        module.live_topics = ["Practice in pairs"] if minutes else []
    version.hour_breakdown = {"reading": 0, "practice": 0, "live": sum(live_minutes), "exam": 0}
    version.ethics_code = ethics_code
    db.session.flush()
    return version


def make_live_session(cohort, course_version, *, starts_at=None, minutes: int = 60, title: str = "Practice circle",
                      module=None, place: str = "Riverside room 2", video_url: str = ""):
    """A session of `cohort` for `course_version`'s course, by default one that started two hours ago."""
    from datetime import timedelta

    from lms.models import LiveSession, utcnow

    session = LiveSession(cohort_id=cohort.id, course_id=course_version.course_id,
                          module_id=module.id if module else None, title=title,
                          starts_at=starts_at or utcnow() - timedelta(hours=2), duration_minutes=minutes,
                          place=place, video_url=video_url)
    db.session.add(session)
    db.session.flush()
    return session


def make_attendance(session, user, status: str = "present", minutes: int | None = None):
    from lms.models import Attendance

    row = Attendance(session_id=session.id, user_id=user.id, status=status,
                     minutes=session.duration_minutes if minutes is None and status == "present" else (minutes or 0))
    db.session.add(row)
    db.session.flush()
    return row
