"""The trainee's learning path: catalog, enrolment, progress, lessons read, knowledge checks.

Services add and flush; the view or command that calls them commits. Refusals raise
lms.errors exceptions with a message written for the person who tried.
"""

from __future__ import annotations

import enum
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.errors import Conflict, DomainError, NotAllowed, NotEligible
from lms.extensions import db
from lms.learning import active_time, exercises, scoring
from lms.models import (
    Course,
    CourseAsset,
    CourseVersion,
    Enrolment,
    Exercise,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
    Role,
    Scenario,
    Submission,
    SubmissionState,
    User,
    utcnow,
)
from lms.signals import course_completed


class ModuleStatus(enum.StrEnum):
    LOCKED = "locked"
    AVAILABLE = "available"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"

    @property
    def label(self) -> str:
        return {"locked": "Locked", "available": "Available", "in_progress": "In progress", "passed": "Passed"}[
            self.value
        ]


class InvalidAnswers(DomainError):
    """A quiz form that does not fit its attempt (an answer to a question not in it, say)."""

    status_code = 400


class IncompleteAnswers(DomainError):
    def __init__(self, message: str, question_ids: list[str], answers: dict[str, list[str]]):
        super().__init__(message)
        self.question_ids = question_ids
        self.answers = answers


class AlreadySubmitted(Conflict):
    pass


# --- catalog and lookups ---------------------------------------------------------------------

def live_versions() -> list[CourseVersion]:
    """The courses on offer: each course's live version, by title."""
    return list(
        db.session.scalars(
            sa.select(CourseVersion)
            .where(CourseVersion.is_live.is_(True))
            .options(so.selectinload(CourseVersion.modules).selectinload(Module.lessons),
                     so.selectinload(CourseVersion.course))
            .order_by(CourseVersion.title)
        )
    )


def find_course(slug: str) -> Course | None:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def live_version(course: Course) -> CourseVersion | None:
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(CourseVersion.course_id == course.id, CourseVersion.is_live.is_(True))
        .order_by(CourseVersion.id.desc())
        .limit(1)
    )


def load_version(version_id: int) -> CourseVersion:
    """A version with its modules, lessons, quizzes and scenarios, in a constant number of queries."""
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(CourseVersion.id == version_id)
        .options(
            so.selectinload(CourseVersion.course),
            so.selectinload(CourseVersion.modules).selectinload(Module.lessons),
            so.selectinload(CourseVersion.modules).selectinload(Module.quiz),
            so.selectinload(CourseVersion.modules).selectinload(Module.scenarios),
            so.selectinload(CourseVersion.modules).selectinload(Module.exercises),
        )
    )


def find_enrolment(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def enrolments_of(user: User) -> list[Enrolment]:
    """A trainee's enrolments, the most recently active first."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.user_id == user.id)
            .options(so.selectinload(Enrolment.course), so.selectinload(Enrolment.course_version))
            .order_by(sa.func.coalesce(Enrolment.last_activity_at, Enrolment.created_at).desc(), Enrolment.id.desc())
        )
    )


def find_asset(course: Course, version_label: str, path: str) -> CourseAsset | None:
    return db.session.scalar(
        sa.select(CourseAsset)
        .join(CourseVersion, CourseVersion.id == CourseAsset.course_version_id)
        .where(CourseVersion.course_id == course.id, CourseVersion.version == version_label, CourseAsset.path == path)
    )


# --- enrolment -------------------------------------------------------------------------------

def enrol(user: User, course_version: CourseVersion, enrolled_by: User | None = None) -> Enrolment:
    """Enrol a trainee in a course version; enrolling twice returns the first enrolment.

    Org administrators' pages call this with `enrolled_by`. A trainee already enrolled in the
    course (on any version) keeps that enrolment and its progress.
    """
    if user.role != Role.TRAINEE:
        raise NotEligible(_("%(name)s is not a trainee: only trainees enrol in courses.", name=user.name))
    if not user.is_active:
        raise NotEligible(_("The account of %(name)s is deactivated.", name=user.name))
    existing = find_enrolment(user, course_version.course)
    if existing is not None:
        return existing
    if not course_version.is_live:
        raise NotEligible(_("This version of the course is no longer offered; enrol in the current one."))
    enrolment = Enrolment(
        user_id=user.id,
        course_id=course_version.course_id,
        course_version_id=course_version.id,
        enrolled_by_id=enrolled_by.id if enrolled_by is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
            db.session.flush()
    except IntegrityError:
        # Two requests at once (a double click, or an admin and the trainee): one row wins.
        existing = find_enrolment(user, course_version.course)
        if existing is None:
            raise
        return existing
    audit.record(
        "course.enrolled",
        actor=enrolled_by or user,
        subject=enrolment,
        target_user=user,
        course=course_version.course.slug,
        version=course_version.version,
    )
    return enrolment


def self_enrol(user: User, course: Course) -> Enrolment:
    """A trainee enrols themself in a course open to self-enrolment (its live version)."""
    existing = find_enrolment(user, course)
    if existing is not None:
        return existing
    version = live_version(course)
    if version is None:
        raise NotEligible(_("This course is not on offer at the moment."))
    if version.enrolment != "open":
        raise NotAllowed(
            _("Your organization enrols trainees in this course. Ask your program coordinator to add you.")
        )
    return enrol(user, version)


# --- progress --------------------------------------------------------------------------------

@dataclass
class ModuleProgress:
    module: Module
    status: ModuleStatus
    lessons_read: set[int]
    quiz_passed: bool
    quiz_attempted: bool
    scenarios_passed: set[int]
    exercises_done: set[int] = field(default_factory=set)

    @property
    def lessons_total(self) -> int:
        return len(self.module.lessons)

    @property
    def steps_total(self) -> int:
        return (self.lessons_total + len(self.module.exercises) + (1 if self.module.quiz else 0)
                + len(self.module.scenarios))

    @property
    def steps_done(self) -> int:
        read = sum(1 for lesson in self.module.lessons if lesson.id in self.lessons_read)
        done = sum(1 for exercise in self.module.exercises if exercise.id in self.exercises_done)
        passed = sum(1 for scenario in self.module.scenarios if scenario.id in self.scenarios_passed)
        return read + done + (1 if self.module.quiz and self.quiz_passed else 0) + passed

    @property
    def percent(self) -> int:
        return (100 * self.steps_done) // self.steps_total if self.steps_total else 100

    @property
    def locked(self) -> bool:
        return self.status is ModuleStatus.LOCKED

    def is_read(self, lesson: Lesson) -> bool:
        return lesson.id in self.lessons_read


@dataclass
class NextStep:
    kind: str  # lesson | exercise | quiz | scenario
    module: Module
    lesson: Lesson | None = None
    scenario: Scenario | None = None
    exercise: Exercise | None = None


@dataclass
class CourseProgress:
    enrolment: Enrolment
    version: CourseVersion
    modules: list[ModuleProgress] = field(default_factory=list)

    @property
    def steps_total(self) -> int:
        return sum(m.steps_total for m in self.modules)

    @property
    def steps_done(self) -> int:
        return sum(m.steps_done for m in self.modules)

    @property
    def percent(self) -> int:
        total = self.steps_total
        return (100 * self.steps_done) // total if total else 0

    @property
    def completed(self) -> bool:
        return self.enrolment.completed_at is not None

    @property
    def modules_passed(self) -> int:
        return sum(1 for m in self.modules if m.status is ModuleStatus.PASSED)

    def for_module(self, module: Module) -> ModuleProgress:
        for progress in self.modules:
            if progress.module.id == module.id:
                return progress
        raise LookupError(module.slug)

    def previous_module(self, module: Module) -> Module | None:
        for index, progress in enumerate(self.modules):
            if progress.module.id == module.id:
                return self.modules[index - 1].module if index else None
        return None

    @property
    def next_step(self) -> NextStep | None:
        """The first thing left to do, in order; None when everything is passed."""
        for progress in self.modules:
            if progress.status is ModuleStatus.LOCKED:
                return None
            if progress.status is ModuleStatus.PASSED:
                continue
            module = progress.module
            for lesson in module.lessons:
                if lesson.id not in progress.lessons_read:
                    return NextStep("lesson", module, lesson=lesson)
            for exercise in module.exercises:
                if exercise.id not in progress.exercises_done:
                    return NextStep("exercise", module, exercise=exercise)
            if module.quiz is not None and not progress.quiz_passed:
                return NextStep("quiz", module)
            for scenario in module.scenarios:
                if scenario.id not in progress.scenarios_passed:
                    return NextStep("scenario", module, scenario=scenario)
            return NextStep("lesson", module, lesson=module.lessons[0] if module.lessons else None)
        return None


def course_progress(enrolment: Enrolment) -> CourseProgress:
    """Where a trainee stands in their enrolled version: statuses and steps for every module."""
    version = load_version(enrolment.course_version_id)
    modules = version.modules
    lesson_ids = [lesson.id for module in modules for lesson in module.lessons]
    scenario_ids = [scenario.id for module in modules for scenario in module.scenarios]
    read = set(
        db.session.scalars(
            sa.select(LessonProgress.lesson_id).where(
                LessonProgress.enrolment_id == enrolment.id, LessonProgress.lesson_id.in_(lesson_ids)
            )
        )
    )
    attempts = db.session.execute(
        sa.select(QuizAttempt.quiz_id, sa.func.max(sa.case((QuizAttempt.passed.is_(True), 1), else_=0)))
        .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.quiz_id)
    ).all()
    attempted = {quiz_id for quiz_id, _passed in attempts}
    passed_quizzes = {quiz_id for quiz_id, passed in attempts if passed}
    submissions = db.session.execute(
        sa.select(Submission.scenario_id, Submission.state).where(
            Submission.trainee_id == enrolment.user_id, Submission.scenario_id.in_(scenario_ids)
        )
    ).all() if scenario_ids else []
    started_scenarios = {scenario_id for scenario_id, _state in submissions}
    passed_scenarios = {scenario_id for scenario_id, state in submissions if state == SubmissionState.PASSED}
    exercises_done = exercises.done_exercise_ids(enrolment, [e for m in modules for e in m.exercises])
    completed = set(
        db.session.scalars(sa.select(ModuleCompletion.module_id).where(ModuleCompletion.enrolment_id == enrolment.id))
    )

    progress = CourseProgress(enrolment, version)
    previous_passed = True
    for module in modules:
        quiz_id = module.quiz.id if module.quiz else None
        module_lessons = {lesson.id for lesson in module.lessons}
        module_scenarios = {scenario.id for scenario in module.scenarios}
        if module.id in completed:
            status = ModuleStatus.PASSED
        elif not previous_passed:
            status = ModuleStatus.LOCKED
        elif (read & module_lessons) or quiz_id in attempted or (started_scenarios & module_scenarios):
            status = ModuleStatus.IN_PROGRESS
        else:
            status = ModuleStatus.AVAILABLE
        previous_passed = status is ModuleStatus.PASSED
        progress.modules.append(
            ModuleProgress(
                module=module,
                status=status,
                lessons_read=read & module_lessons,
                quiz_passed=quiz_id in passed_quizzes,
                quiz_attempted=quiz_id in attempted,
                scenarios_passed=passed_scenarios & module_scenarios,
                exercises_done=exercises_done & {exercise.id for exercise in module.exercises},
            )
        )
    return progress


def refresh_module_progress(enrolment: Enrolment, module: Module, *, now: datetime | None = None) -> bool:
    """Record the module as passed if its lessons are read, its quiz and each scenario passed.

    Idempotent. Returns whether the module is passed. When this completes the last module, sets
    `Enrolment.completed_at` once and sends `course_completed` (sender=enrolment). The role-play
    feature calls this after a submission passes.
    """
    now = now or utcnow()
    done = db.session.scalar(
        sa.select(ModuleCompletion.id).where(
            ModuleCompletion.enrolment_id == enrolment.id, ModuleCompletion.module_id == module.id
        )
    )
    if done is None:
        if not _module_requirements_met(enrolment, module):
            return False
        try:
            with db.session.begin_nested():
                db.session.add(ModuleCompletion(enrolment_id=enrolment.id, module_id=module.id, passed_at=now))
                db.session.flush()
        except IntegrityError:
            pass  # passed at the same moment by another request
        else:
            audit.record("module.passed", actor=None, subject=enrolment, target_user=enrolment.user,
                         module=module.slug)
    _complete_course_if_done(enrolment, now)
    return True


def _module_requirements_met(enrolment: Enrolment, module: Module) -> bool:
    lesson_ids = [lesson.id for lesson in module.lessons]
    if lesson_ids:
        read = db.session.scalar(
            sa.select(sa.func.count()).select_from(LessonProgress).where(
                LessonProgress.enrolment_id == enrolment.id, LessonProgress.lesson_id.in_(lesson_ids)
            )
        )
        if read < len(lesson_ids):
            return False
    if module.exercises and len(exercises.done_exercise_ids(enrolment, module.exercises)) < len(module.exercises):
        return False
    if module.quiz is not None:
        passed = db.session.scalar(
            sa.select(QuizAttempt.id).where(
                QuizAttempt.enrolment_id == enrolment.id,
                QuizAttempt.quiz_id == module.quiz.id,
                QuizAttempt.passed.is_(True),
            ).limit(1)
        )
        if passed is None:
            return False
    scenario_ids = [scenario.id for scenario in module.scenarios]
    if scenario_ids:
        passed_scenarios = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Submission.scenario_id))).where(
                Submission.trainee_id == enrolment.user_id,
                Submission.scenario_id.in_(scenario_ids),
                Submission.state == SubmissionState.PASSED,
            )
        )
        if passed_scenarios < len(scenario_ids):
            return False
    return active_time.module_share_met(enrolment, module)  # the course's minimum_active_share, if any


def _complete_course_if_done(enrolment: Enrolment, now: datetime) -> None:
    if enrolment.completed_at is not None:
        return
    modules = db.session.scalar(
        sa.select(sa.func.count()).select_from(Module).where(Module.course_version_id == enrolment.course_version_id)
    )
    passed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ModuleCompletion)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .where(ModuleCompletion.enrolment_id == enrolment.id,
               Module.course_version_id == enrolment.course_version_id)
    )
    if not modules or passed < modules:
        return
    # Only the request that sets completed_at announces it, however many race here.
    updated = db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.completed_at.is_(None))
        .values(completed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(enrolment, ["completed_at"])
    if updated == 1:
        audit.record("course.completed", subject=enrolment, target_user=enrolment.user,
                     course=enrolment.course.slug)
        course_completed.send(enrolment)


def mark_lesson_read(enrolment: Enrolment, lesson: Lesson, *, now: datetime | None = None) -> bool:
    """Record that the trainee reached the end of a lesson; True the first time."""
    exists = db.session.get(LessonProgress, (enrolment.id, lesson.id))
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, read_at=now or utcnow()))
            db.session.flush()
    except IntegrityError:
        return False
    refresh_module_progress(enrolment, lesson.module, now=now)
    return True


def record_activity(enrolment: Enrolment, path: str, *, now: datetime | None = None) -> None:
    """Remember where the trainee is, for "Continue where you left off"."""
    now = now or utcnow()
    if len(path) <= 300:
        enrolment.last_url = path
    enrolment.last_activity_at = now
    enrolment.user.last_activity_at = now


# --- knowledge checks ------------------------------------------------------------------------

def submitted_attempts(enrolment: Enrolment, quiz: Quiz) -> list[QuizAttempt]:
    """Every submitted attempt, newest first (all are kept)."""
    return list(
        db.session.scalars(
            sa.select(QuizAttempt)
            .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id,
                   QuizAttempt.submitted_at.is_not(None))
            .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
        )
    )


def open_attempt(enrolment: Enrolment, quiz: Quiz) -> QuizAttempt | None:
    return db.session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id,
            QuizAttempt.submitted_at.is_(None),
        )
    )


def retake_available_at(enrolment: Enrolment, quiz: Quiz) -> datetime | None:
    """When a failed attempt's cooldown ends (None: no wait)."""
    if not quiz.cooldown_minutes:
        return None
    last = db.session.scalar(
        sa.select(QuizAttempt)
        .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id,
               QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at.desc())
        .limit(1)
    )
    if last is None or last.passed:
        return None
    return last.submitted_at + timedelta(minutes=quiz.cooldown_minutes)


def wait_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    if minutes >= 120:
        return ngettext("You can retake this knowledge check in %(num)s hour. Use the time to review the lessons.",
                        "You can retake this knowledge check in %(num)s hours. Use the time to review the lessons.",
                        math.ceil(minutes / 60))
    return ngettext("You can retake this knowledge check in %(num)s minute. Use the time to review the lessons.",
                    "You can retake this knowledge check in %(num)s minutes. Use the time to review the lessons.",
                    minutes)


def retake_wait(enrolment: Enrolment, quiz: Quiz, now: datetime | None = None) -> str | None:
    """Why the trainee must wait before another attempt, or None when they may start one now."""
    now = now or utcnow()
    until = retake_available_at(enrolment, quiz)
    return wait_message(until, now) if until is not None and until > now else None


def start_attempt(enrolment: Enrolment, quiz: Quiz, *, now: datetime | None = None,
                  rng: random.Random | None = None) -> QuizAttempt:
    """Open an attempt with its own shuffled layout, or return the one already open."""
    now = now or utcnow()
    current = open_attempt(enrolment, quiz)
    if current is not None:
        return current
    wait = retake_wait(enrolment, quiz, now)
    if wait is not None:
        raise NotEligible(wait)
    attempt = QuizAttempt(
        enrolment_id=enrolment.id,
        quiz_id=quiz.id,
        started_at=now,
        layout=scoring.make_layout(quiz.questions, rng),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        # The partial unique index allows one open attempt: a double click gets the same one.
        current = open_attempt(enrolment, quiz)
        if current is None:
            raise
        return current
    return attempt


def _answer_error_message(error: scoring.AnswerError) -> str:
    messages = {
        "unknown_question": _("An answer was sent for a question that is not part of this attempt."),
        "unknown_option": _("An answer was sent with an option that is not part of its question."),
        "several_answers": _("Only one answer can be chosen for this question."),
    }
    return messages.get(error.code, str(error))


def submit_attempt(attempt: QuizAttempt, submitted: dict[str, list[str]], *,
                   now: datetime | None = None) -> QuizAttempt:
    """Score an open attempt on the server and close it; a second submission is refused.

    Raises InvalidAnswers (400) for answers that do not fit the attempt, IncompleteAnswers for
    unanswered questions, AlreadySubmitted when the attempt was closed meanwhile.
    """
    now = now or utcnow()
    if attempt.submitted_at is not None:
        raise AlreadySubmitted(_("This attempt was already submitted; here are its results."))
    quiz = attempt.quiz
    try:
        answers, unanswered = scoring.check_answers(attempt.layout, quiz.questions, submitted)
    except scoring.AnswerError as error:
        raise InvalidAnswers(_answer_error_message(error)) from error
    if unanswered:
        raise IncompleteAnswers(
            ngettext("Answer every question before submitting: %(num)s is still unanswered.",
                     "Answer every question before submitting: %(num)s are still unanswered.", len(unanswered)),
            unanswered,
            answers,
        )
    result = scoring.score(attempt.layout, quiz.questions, answers, quiz.pass_mark)
    # The guard makes scoring happen once, whatever a double click or a second tab sends.
    updated = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=now, answers=answers, score=result.percent, passed=result.passed)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        db.session.refresh(attempt)
        raise AlreadySubmitted(_("This attempt was already submitted; here are its results."))
    db.session.refresh(attempt)
    if result.passed:
        refresh_module_progress(attempt.enrolment, quiz.module, now=now)
    return attempt


@dataclass(frozen=True)
class OptionReview:
    id: str
    text: str
    correct: bool
    chosen: bool
    feedback: str


@dataclass(frozen=True)
class QuestionReview:
    number: int
    id: str
    type: str
    prompt: str
    scenario: str
    correct: bool
    options: tuple[OptionReview, ...]


def review(attempt: QuizAttempt) -> list[QuestionReview]:
    """A submitted attempt, question by question in the order shown, with every option's feedback."""
    if attempt.submitted_at is None:
        raise Conflict(_("Submit the knowledge check to see its feedback."))
    by_id = {question["id"]: question for question in attempt.quiz.questions}
    reviews = []
    for number, entry in enumerate(attempt.layout, start=1):
        question = by_id.get(entry["question"])
        if question is None:
            continue
        options = {option["id"]: option for option in question["options"]}
        chosen = set(attempt.answers.get(question["id"], []))
        reviews.append(
            QuestionReview(
                number=number,
                id=question["id"],
                type=question["type"],
                prompt=question["prompt"],
                scenario=question.get("scenario") or "",
                correct=scoring.is_correct(question, chosen),
                options=tuple(
                    OptionReview(oid, options[oid]["text"], options[oid]["correct"], oid in chosen,
                                 options[oid]["feedback"])
                    for oid in entry["options"]
                    if oid in options
                ),
            )
        )
    return reviews


@dataclass(frozen=True)
class ShownOption:
    id: str
    text: str


@dataclass(frozen=True)
class ShownQuestion:
    """What the quiz form may show: never which option is correct, never the feedback."""

    number: int
    id: str
    type: str
    prompt: str
    scenario: str
    options: tuple[ShownOption, ...]

    @property
    def multiple(self) -> bool:
        return self.type == "multiple"


def questions_for_form(attempt: QuizAttempt) -> list[ShownQuestion]:
    by_id = {question["id"]: question for question in attempt.quiz.questions}
    shown = []
    for number, entry in enumerate(attempt.layout, start=1):
        question = by_id[entry["question"]]
        options = {option["id"]: option for option in question["options"]}
        shown.append(
            ShownQuestion(
                number=number,
                id=question["id"],
                type=question["type"],
                prompt=question["prompt"],
                scenario=question.get("scenario") or "",
                options=tuple(ShownOption(oid, options[oid]["text"]) for oid in entry["options"]),
            )
        )
    return shown


def get_attempt(attempt_id: int, enrolment: Enrolment, quiz: Quiz) -> QuizAttempt | None:
    """An attempt that belongs to this enrolment and quiz (anyone else's is not found)."""
    return db.session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.id == attempt_id, QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id
        )
    )


def scenario_states(enrolment: Enrolment, module: Module) -> dict[int, str]:
    """Per scenario of the module: "passed" if any attempt passed, else the latest attempt's state."""
    scenario_ids = [scenario.id for scenario in module.scenarios]
    if not scenario_ids:
        return {}
    rows = db.session.execute(
        sa.select(Submission.scenario_id, Submission.state)
        .where(Submission.trainee_id == enrolment.user_id, Submission.scenario_id.in_(scenario_ids))
        .order_by(Submission.attempt_no, Submission.id)
    ).all()
    states: dict[int, str] = {}
    for scenario_id, state in rows:
        if states.get(scenario_id) != SubmissionState.PASSED:
            states[scenario_id] = state
    return states


@dataclass(frozen=True)
class Requirements:
    """What completing the course, and its certificate, require: shown on the course page."""

    quizzes: int
    pass_marks: tuple[int, ...]
    scenarios: int
    grants_certificate: bool
    validity_months: int | None
    renewal_ce_hours: float
    supervised_hours: float
    ce_hours: float


def certificate_requirements(version: CourseVersion) -> Requirements:
    rules = version.certificate_rules or {}
    quizzes = [module.quiz for module in version.modules if module.quiz is not None]
    return Requirements(
        quizzes=len(quizzes),
        pass_marks=tuple(sorted({quiz.pass_mark for quiz in quizzes})),
        scenarios=sum(len(module.scenarios) for module in version.modules),
        grants_certificate=version.certificate_rules is not None,
        validity_months=rules.get("validity_months"),
        renewal_ce_hours=float(rules.get("renewal_ce_hours") or 0),
        supervised_hours=float(rules.get("supervised_hours_required") or 0),
        ce_hours=float(version.ce_hours or 0),
    )


def trainee_dashboard(user: User) -> list[CourseProgress]:
    """Each enrolment's progress, the most recently active first."""
    return [course_progress(enrolment) for enrolment in enrolments_of(user)]


@dataclass(frozen=True)
class HourBreakdown:
    """A course version's hours by kind of activity, from the minutes its files declare (`courses check`
    keeps their sum within 10% of the hours the certificate prints)."""

    reading: float  # self-paced lessons
    practice: float  # exercises, role-plays and knowledge checks
    live: float  # delivered live by the program
    exam: float
    certified: float  # the course's declared hours, printed on the certificate

    @property
    def total(self) -> float:
        return self.reading + self.practice + self.live + self.exam


def hour_breakdown(version: CourseVersion) -> HourBreakdown | None:
    minutes = version.hour_breakdown or {}
    if not any(minutes.values()):
        return None
    hours = {key: round(int(minutes.get(key, 0)) / 60, 2) for key in ("reading", "practice", "live", "exam")}
    return HourBreakdown(certified=float(version.hours), **hours)
