"""What a course folder contains, as frozen dataclasses (see courses/README.md).

No Flask and no database here: the loader builds these from files and `lms.learning.sync`
turns them into rows.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    BEST_RESPONSE = "best_response"

    @property
    def single_answer(self) -> bool:
        return self is not QuestionType.MULTIPLE


class CourseKind(enum.StrEnum):
    CERTIFICATION = "certification"
    CONTINUING_EDUCATION = "continuing-education"


class EnrolmentMode(enum.StrEnum):
    OPEN = "open"
    ORGANIZATION = "organization"


class Setting(enum.StrEnum):
    ONE_TO_ONE = "one-to-one"
    GROUP = "group"
    PHONE = "phone"
    ONLINE = "online"


CALLOUTS = {"try": "Try saying", "avoid": "Avoid", "note": "Note"}


@dataclass(frozen=True)
class ContentError:
    """A problem in a course file: where it is, and what is wrong, for the person who wrote it."""

    file: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"


@dataclass(frozen=True)
class Competency:
    id: str
    title: str
    framework: str = ""


@dataclass(frozen=True)
class CertificateRules:
    validity_months: int
    renewal_ce_hours: float = 0
    supervised_hours_required: float = 0


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    prompt: str
    options: tuple[Option, ...]
    scenario: str = ""
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class QuizSpec:
    pass_mark: int
    cooldown_minutes: int
    questions: tuple[Question, ...]
    source: str = ""


@dataclass(frozen=True)
class LessonSpec:
    slug: str
    title: str
    minutes: int
    markdown: str  # the body, front matter removed
    word_count: int
    source: str = ""  # the file, relative to the courses folder
    body_line: int = 1  # line of the file where `markdown` starts
    images: tuple[tuple[str, str], ...] = ()  # (src as written, asset path in the course folder)


@dataclass(frozen=True)
class Turn:
    persona: str
    hint: str = ""


@dataclass(frozen=True)
class ScenarioSpec:
    id: str
    title: str
    setting: Setting
    persona: dict
    skills: tuple[str, ...]
    rubric: str
    criteria: tuple[str, ...]
    minimums: dict
    pass_mark: int
    turns: tuple[Turn, ...]
    source: str = ""
    line: int | None = field(default=None, compare=False)  # of its id


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    minimum: int
    safety_critical: bool
    levels: dict  # {1: "...", 2: ..., 3: ..., 4: ...}


@dataclass(frozen=True)
class RubricSpec:
    id: str
    title: str
    criteria: tuple[Criterion, ...]
    source: str = ""


@dataclass(frozen=True)
class ModuleSpec:
    folder: str
    slug: str
    title: str
    summary: str
    competencies: tuple[str, ...]
    lessons: tuple[LessonSpec, ...]
    quiz: QuizSpec | None
    scenarios: tuple[ScenarioSpec, ...]

    @property
    def steps(self) -> int:
        return len(self.lessons) + (1 if self.quiz else 0) + len(self.scenarios)


@dataclass(frozen=True)
class Asset:
    path: str  # relative to the course folder, e.g. modules/02-active-listening/images/x.png
    mimetype: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    version: str
    kind: CourseKind
    description: str
    hours: float
    ce_hours: float
    enrolment: EnrolmentMode
    competencies: tuple[Competency, ...]
    certificate: CertificateRules | None
    feedback_targets: dict
    modules: tuple[ModuleSpec, ...]
    rubrics: tuple[RubricSpec, ...]
    assets: tuple[Asset, ...]
    content_hash: str
    source: str = ""


@dataclass(frozen=True)
class LoadResult:
    courses: tuple[CourseSpec, ...]
    errors: tuple[ContentError, ...]
    warnings: tuple[ContentError, ...]
    checked: tuple[str, ...] = ()  # the course folders looked at, valid or not

    @property
    def ok(self) -> bool:
        return not self.errors

    def course(self, slug: str) -> CourseSpec:
        for course in self.courses:
            if course.slug == slug:
                return course
        raise KeyError(slug)
