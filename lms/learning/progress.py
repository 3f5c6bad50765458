"""Module-step progress from plain facts: the one rule the learning pages and the dashboards share.

No database, no Flask: callers count what a trainee has done and pass the counts in.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


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


@dataclass(frozen=True)
class ModuleFacts:
    """One module of a course version, as one trainee stands in it: counts and flags only.

    What the module asks for:
      lessons      how many lessons it has
      exercises    how many practice exercises it has
      quiz         whether it has a knowledge check
      scenarios    how many role-plays it has
    What the trainee has done (each at most the number above):
      lessons_read        lessons marked as read (a LessonProgress row)
      exercises_done      exercises submitted, and reviewed where the exercise requires a review
      quiz_passed         a submitted attempt at the knowledge check passed
      quiz_attempted      any attempt at the knowledge check was submitted
      scenarios_passed    role-plays with a passed submission
      scenarios_started   role-plays with any submission
      passed              the module's completion is recorded (a ModuleCompletion row); it wins
    """

    lessons: int = 0
    exercises: int = 0
    quiz: bool = False
    scenarios: int = 0
    lessons_read: int = 0
    exercises_done: int = 0
    quiz_passed: bool = False
    quiz_attempted: bool = False
    scenarios_passed: int = 0
    scenarios_started: int = 0
    passed: bool = False

    @property
    def steps_total(self) -> int:
        return self.lessons + self.exercises + (1 if self.quiz else 0) + self.scenarios

    @property
    def steps_done(self) -> int:
        quiz = 1 if self.quiz and self.quiz_passed else 0
        return (min(self.lessons_read, self.lessons) + min(self.exercises_done, self.exercises) + quiz
                + min(self.scenarios_passed, self.scenarios))

    @property
    def started(self) -> bool:
        return bool(self.lessons_read or self.exercises_done or self.quiz_attempted or self.scenarios_started)


@dataclass(frozen=True)
class ModuleResult:
    status: ModuleStatus
    steps_done: int
    steps_total: int

    @property
    def percent(self) -> int:
        """Whole percent of the module's steps done; a module without steps counts as done."""
        if self.status is ModuleStatus.PASSED:
            return 100
        return (100 * self.steps_done) // self.steps_total if self.steps_total else 100


@dataclass(frozen=True)
class CourseResult:
    modules: tuple[ModuleResult, ...]

    @property
    def steps_total(self) -> int:
        return sum(module.steps_total for module in self.modules)

    @property
    def steps_done(self) -> int:
        return sum(module.steps_done for module in self.modules)

    @property
    def percent(self) -> int:
        total = self.steps_total
        return (100 * self.steps_done) // total if total else 0

    @property
    def modules_passed(self) -> int:
        return sum(1 for module in self.modules if module.status is ModuleStatus.PASSED)


def module_progress(modules: Sequence[ModuleFacts]) -> CourseResult:
    """Each module's status and steps, in course order, and the course's totals.

    Modules open in order: a module is locked until the one before it is passed. A passed module
    is passed whatever its counts say (its completion was recorded when its steps were done); an
    open module is in progress once anything in it is read, done, attempted or started.
    """
    results = []
    previous_passed = True
    for facts in modules:
        if facts.passed:
            status = ModuleStatus.PASSED
        elif not previous_passed:
            status = ModuleStatus.LOCKED
        elif facts.started:
            status = ModuleStatus.IN_PROGRESS
        else:
            status = ModuleStatus.AVAILABLE
        previous_passed = status is ModuleStatus.PASSED
        results.append(ModuleResult(status, facts.steps_done, facts.steps_total))
    return CourseResult(tuple(results))
