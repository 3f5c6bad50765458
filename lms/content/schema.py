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
    VIDEO = "video"


class ReviewMode(enum.StrEnum):
    """Whether a supervisor reviews a practice exercise: `required` holds module completion until done."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


class GateOutcome(enum.StrEnum):
    NO_BREACH = "no_breach"
    BREACH = "breach"


class Decision(enum.StrEnum):
    PASS = "pass"  # noqa: S105
    RESUBMIT = "resubmit"


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
    competency: str = ""


@dataclass(frozen=True)
class QuizSpec:
    pass_mark: int
    cooldown_minutes: int
    questions: tuple[Question, ...]
    source: str = ""
    minutes: int = 0
    lines: dict = field(default_factory=dict, compare=False)  # key -> line, for later checks


@dataclass(frozen=True)
class ExamItemsSpec:
    """A module's contribution to the summative exam pool (`exam-items.yaml`), never shown in its quiz."""

    items: tuple[Question, ...]
    source: str = ""


@dataclass(frozen=True)
class ExerciseSpec:
    id: str
    title: str
    minutes: int
    competencies: tuple[str, ...]
    review: ReviewMode
    prompt: str  # Markdown
    material: str  # Markdown, may be empty
    model_answer: str  # Markdown, shown only after the trainee submits
    reasons: tuple[str, ...]
    source: str = ""
    line: int | None = field(default=None, compare=False)


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
    minutes_line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Turn:
    persona: str
    hint: str = ""


@dataclass(frozen=True)
class Branch:
    when: str
    then: str


@dataclass(frozen=True)
class ReferenceSpec:
    """A reference transcript scored by the authors: what raters calibrate against."""

    id: str
    label: str
    replies: tuple[str, ...]
    scores: dict  # {criterion id: level}
    gates: dict  # {gate criterion id: no_breach | breach}
    rationale: dict  # {criterion id: text}
    decision: Decision
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ScenarioSpec:
    id: str
    title: str
    setting: Setting
    persona: dict  # {name, pronouns, description (v1)}
    skills: tuple[str, ...]
    rubric: str
    criteria: tuple[str, ...]
    minimums: dict
    pass_mark: int
    turns: tuple[Turn, ...]
    source: str = ""
    line: int | None = field(default=None, compare=False)  # of its id
    minutes: int = 0
    competencies: tuple[str, ...] = ()
    brief: str = ""  # the trainee's only view of the situation
    actor_notes: str = ""  # supervisors and live raters only
    rater_notes: str = ""  # supervisors and live raters only
    branches: tuple[Branch, ...] = ()  # supervisors and live raters only
    focal: tuple[str, ...] = ()
    references: tuple[ReferenceSpec, ...] = ()
    references_source: str = ""
    lines: dict = field(default_factory=dict, compare=False)  # key -> line, for later checks


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    minimum: int
    safety_critical: bool
    levels: dict  # {1: "...", 2: ..., 3: ..., 4: ...}
    gate: bool = False  # a breach fails the attempt whatever the total


@dataclass(frozen=True)
class RubricSpec:
    id: str
    title: str
    criteria: tuple[Criterion, ...]
    source: str = ""
    scoring_rule: str = ""
    line: int | None = field(default=None, compare=False)

    @property
    def gates(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria if c.gate)


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
    exercises: tuple[ExerciseSpec, ...] = ()
    live_minutes: int = 0
    live_topics: tuple[str, ...] = ()
    exam_items: ExamItemsSpec | None = None
    source: str = ""  # module.yaml
    lines: dict = field(default_factory=dict, compare=False)

    @property
    def steps(self) -> int:
        return len(self.lessons) + len(self.exercises) + (1 if self.quiz else 0) + len(self.scenarios)


@dataclass(frozen=True)
class ExamSpec:
    title: str
    pass_mark: int
    time_limit_minutes: int
    attempts: int
    wait_hours: float
    minutes: int
    blueprint: dict  # {competency id: items drawn}
    source: str = ""
    lines: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class EthicsCodeSpec:
    title: str
    version: str
    based_on: str  # the front matter's `source`: the code it is based on
    markdown: str
    source: str = ""


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
    exam: ExamSpec | None = None
    ethics_code: EthicsCodeSpec | None = None
    minimum_active_share: float | None = None  # share of declared minutes a module needs in active time
    folder: str = ""  # the course folder as loaded (its translations/ are read from there at sync)
    lines: dict = field(default_factory=dict, compare=False)  # course.yaml key -> line
    competency_lines: dict = field(default_factory=dict, compare=False)  # competency id -> line

    def hour_breakdown(self) -> HourBreakdown:
        return hour_breakdown(self)


@dataclass(frozen=True)
class HourBreakdown:
    """Minutes by kind of activity; the course's declared hours must match their sum (within 10%)."""

    reading: int  # lessons
    practice: int  # exercises, role-plays, knowledge checks
    live: int  # delivered live by the program
    exam: int = 0

    @property
    def total_minutes(self) -> int:
        return self.reading + self.practice + self.live + self.exam

    @property
    def hours(self) -> float:
        return self.total_minutes / 60


def hour_breakdown(course: CourseSpec) -> HourBreakdown:
    reading = practice = live = 0
    for module in course.modules:
        reading += sum(lesson.minutes for lesson in module.lessons)
        practice += sum(e.minutes for e in module.exercises) + sum(s.minutes for s in module.scenarios)
        practice += module.quiz.minutes if module.quiz else 0
        live += module.live_minutes
    return HourBreakdown(reading, practice, live, course.exam.minutes if course.exam else 0)


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
