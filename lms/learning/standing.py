"""Where a trainee stands in their enrolled version: what they did, read in one statement, and
what follows from it (lms.learning.progress holds the rule)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import g, has_request_context, request

from lms.extensions import db
from lms.learning import catalog, outline
from lms.learning import enrolment as enrolments
from lms.learning.progress import ModuleFacts, ModuleResult, ModuleStatus, module_progress
from lms.models import (
    CourseVersion,
    Enrolment,
    Exercise,
    ExerciseResponse,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    QuizAttempt,
    Scenario,
    Submission,
    SubmissionState,
    User,
)

# The kinds of fact in the one UNION ALL statement below (integers: every engine unions them alike).
LESSON_READ, QUIZ, SCENARIO, EXERCISE, MODULE_PASSED = 1, 2, 3, 4, 5


@dataclass
class ModuleProgress:
    module: Module
    status: ModuleStatus
    lessons_read: set[int]
    quiz_passed: bool
    quiz_attempted: bool
    scenarios_passed: set[int]
    exercises_done: set[int] = field(default_factory=set)
    result: ModuleResult | None = None

    @property
    def lessons_total(self) -> int:
        return len(self.module.lessons)

    @property
    def steps_total(self) -> int:
        return self.result.steps_total

    @property
    def steps_done(self) -> int:
        return self.result.steps_done

    @property
    def percent(self) -> int:
        return self.result.percent

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


def _next_in_module(progress: ModuleProgress) -> NextStep:
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
            if progress.status is not ModuleStatus.PASSED:
                return _next_in_module(progress)
        return None


@dataclass
class Done:
    """What one enrolment has done, by id: the facts before they are counted per module."""

    read: set[int] = field(default_factory=set)
    quizzes_attempted: set[int] = field(default_factory=set)
    quizzes_passed: set[int] = field(default_factory=set)
    scenarios_started: set[int] = field(default_factory=set)
    scenarios_passed: set[int] = field(default_factory=set)
    exercises: dict[int, tuple[bool, bool]] = field(default_factory=dict)  # id -> (submitted, reviewed)
    modules_passed: set[int] = field(default_factory=set)

    def exercise_done(self, exercise: Exercise) -> bool:
        submitted, reviewed = self.exercises.get(exercise.id, (False, False))
        return submitted and (exercise.review != "required" or reviewed)


def _flag(condition) -> sa.Case:
    return sa.case((condition, 1), else_=0)


def _done_statement() -> sa.CompoundSelect:
    one, zero = sa.literal_column("1"), sa.literal_column("0")
    kind = sa.literal_column
    enrolment_id, user_id = sa.bindparam("enrolment_id"), sa.bindparam("user_id")
    return sa.union_all(
        sa.select(kind(str(LESSON_READ)), LessonProgress.lesson_id, one, zero)
        .where(LessonProgress.enrolment_id == enrolment_id),
        sa.select(kind(str(QUIZ)), QuizAttempt.quiz_id, sa.func.max(_flag(QuizAttempt.passed.is_(True))), zero)
        .where(QuizAttempt.enrolment_id == enrolment_id, QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.quiz_id),
        sa.select(kind(str(SCENARIO)), Submission.scenario_id,
                  sa.func.max(_flag(Submission.state == SubmissionState.PASSED)), zero)
        .where(Submission.trainee_id == user_id)
        .group_by(Submission.scenario_id),
        sa.select(kind(str(EXERCISE)), ExerciseResponse.exercise_id, _flag(ExerciseResponse.submitted_at.is_not(None)),
                  _flag(ExerciseResponse.reviewed_at.is_not(None)))
        .where(ExerciseResponse.enrolment_id == enrolment_id),
        sa.select(kind(str(MODULE_PASSED)), ModuleCompletion.module_id, one, zero)
        .where(ModuleCompletion.enrolment_id == enrolment_id),
    )


_DONE = _done_statement()  # built once: the progress pages bind two ids, they do not rebuild it


def done_by(enrolment: Enrolment) -> Done:
    """Everything the enrolment did, in one statement (the pages that show progress are kept lean).

    Within a GET it is read once per enrolment: a GET writes nothing, so what the trainee has done
    cannot change during it, and the page and the certificate's requirements share one read.
    """
    if not (has_request_context() and request.method in ("GET", "HEAD")):
        return _read_done(enrolment)
    memo = g.setdefault("learning_done_by", {})
    if enrolment.id not in memo:
        memo[enrolment.id] = _read_done(enrolment)
    return memo[enrolment.id]


def _read_done(enrolment: Enrolment) -> Done:
    rows = db.session.execute(_DONE, {"enrolment_id": enrolment.id, "user_id": enrolment.user_id})
    done = Done()
    for fact, item, first, second in rows:
        _note(done, int(fact), item, bool(first), bool(second))
    return done


def _note(done: Done, fact: int, item: int, first: bool, second: bool) -> None:
    if fact == LESSON_READ:
        done.read.add(item)
    elif fact == QUIZ:
        done.quizzes_attempted.add(item)
        if first:
            done.quizzes_passed.add(item)
    elif fact == SCENARIO:
        done.scenarios_started.add(item)
        if first:
            done.scenarios_passed.add(item)
    elif fact == EXERCISE:
        done.exercises[item] = (first, second)
    elif fact == MODULE_PASSED:
        done.modules_passed.add(item)


def module_facts(module: Module, done: Done) -> tuple[ModuleFacts, dict]:
    quiz_id = module.quiz.id if module.quiz else None
    lessons = {lesson.id for lesson in module.lessons} & done.read
    exercises = {exercise.id for exercise in module.exercises if done.exercise_done(exercise)}
    scenario_ids = {scenario.id for scenario in module.scenarios}
    scenarios = scenario_ids & done.scenarios_passed
    facts = ModuleFacts(
        lessons=len(module.lessons), exercises=len(module.exercises), quiz=module.quiz is not None,
        scenarios=len(scenario_ids), lessons_read=len(lessons), exercises_done=len(exercises),
        quiz_passed=quiz_id in done.quizzes_passed, quiz_attempted=quiz_id in done.quizzes_attempted,
        scenarios_passed=len(scenarios), scenarios_started=len(scenario_ids & done.scenarios_started),
        passed=module.id in done.modules_passed,
    )
    sets = {"lessons_read": lessons, "exercises_done": exercises, "scenarios_passed": scenarios,
            "quiz_passed": facts.quiz_passed, "quiz_attempted": facts.quiz_attempted}
    return facts, sets


def course_progress(enrolment: Enrolment, version: CourseVersion | None = None) -> CourseProgress:
    """Where a trainee stands in their enrolled version: statuses and steps for every module.

    `version` is the enrolled version already loaded with its modules (the lean pages load it
    their own way); without it the version is loaded here.
    """
    version = version or catalog.load_version(enrolment.course_version_id)
    done = done_by(enrolment)
    per_module = [module_facts(module, done) for module in version.modules]
    result = module_progress([facts for facts, _sets in per_module])
    progress = CourseProgress(enrolment, version)
    for module, (_counts, sets), module_result in zip(version.modules, per_module, result.modules, strict=True):
        progress.modules.append(ModuleProgress(module=module, status=module_result.status, result=module_result,
                                               **sets))
    return progress


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


def trainee_dashboard(user: User) -> list[CourseProgress]:
    """Each enrolment's progress, the most recently active first (versions read from memory)."""
    return [course_progress(enrolment, outline.outline(enrolment.course_version))
            for enrolment in enrolments.enrolments_of(user)]
