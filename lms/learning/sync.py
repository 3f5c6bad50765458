"""Upsert loaded course content into the database, by course slug plus content hash.

- content already synced (same hash)      -> nothing is written;
- changed content with a new `version`    -> a new CourseVersion that becomes live; older ones
                                             stay (enrolments keep pointing at them) but are not live;
- changed content with the same `version` -> refused: bump `version` in course.yaml.

Lesson Markdown is rendered and sanitised here, once. Callers commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from lms.content import markdown
from lms.content.schema import CourseSpec, ExerciseSpec, LessonSpec, ModuleSpec, ScenarioSpec
from lms.errors import DomainError
from lms.extensions import db
from lms.learning.sync_translations import apply_translations
from lms.models import (
    Course,
    CourseAsset,
    CourseVersion,
    ExamItem,
    Exercise,
    Lesson,
    Module,
    Quiz,
    Rubric,
    Scenario,
    ScenarioReference,
)

CREATED = "created"
NEW_VERSION = "new version"
UNCHANGED = "unchanged"

class VersionNotBumped(DomainError):
    status_code = 409


@dataclass(frozen=True)
class SyncOutcome:
    slug: str
    version: str
    status: str  # created | new version | unchanged
    course_version: CourseVersion
    note: str = ""
    translations: tuple = ()  # lms.learning.sync_translations.TranslationOutcome, one per language

    def __str__(self) -> str:
        line = f"{self.slug} {self.version}: {self.status}{f' ({self.note})' if self.note else ''}"
        return "\n".join([line, *map(str, self.translations)])


def url_builders(course_slug: str, version: str) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """Paths for `module:<slug>` links and course images, without a request (CLI and tests)."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")

    def module_url(slug: str) -> str:
        return adapter.build("learning.module", {"course_slug": course_slug, "module_slug": slug})

    def asset_url(path: str) -> str:
        return adapter.build("learning.asset", {"course_slug": course_slug, "version": version, "path": path})

    return module_url, asset_url


def sync_courses(courses: Iterable[CourseSpec]) -> tuple[list[SyncOutcome], list[str]]:
    """Sync every course; return the outcomes and the refusals (one message per refused course)."""
    outcomes, refusals = [], []
    for spec in courses:
        try:
            outcomes.append(sync_course(spec))
        except VersionNotBumped as refusal:
            refusals.append(refusal.message)
    return outcomes, refusals


def sync_course(spec: CourseSpec) -> SyncOutcome:
    """The course's own files, then its translations laid over the live version."""
    outcome = _sync_content(spec)
    if not spec.folder or not outcome.course_version.is_live:
        return outcome
    module_url, asset_url = url_builders(spec.slug, outcome.course_version.version)
    translated = apply_translations(outcome.course_version, spec, Path(spec.folder), module_url, asset_url)
    return dataclasses.replace(outcome, translations=tuple(translated))


def _sync_content(spec: CourseSpec) -> SyncOutcome:
    course = db.session.scalar(sa.select(Course).where(Course.slug == spec.slug))
    status = CREATED
    if course is None:
        course = Course(slug=spec.slug, title=spec.title, kind=str(spec.kind))
        db.session.add(course)
        db.session.flush()
    else:
        unchanged = _unchanged_outcome(course, spec)
        if unchanged is not None:
            return unchanged
        status = NEW_VERSION
        db.session.execute(
            sa.update(CourseVersion).where(CourseVersion.course_id == course.id).values(is_live=False)
        )
        course.title = spec.title
        course.kind = str(spec.kind)
    version = _new_version(course, spec)
    db.session.add(version)
    db.session.flush()
    rubrics = _add_rubrics(version, spec)
    for asset in spec.assets:
        db.session.add(
            CourseAsset(course_version_id=version.id, path=asset.path, mimetype=asset.mimetype, data=asset.data)
        )
    module_url, asset_url = url_builders(spec.slug, spec.version)
    for position, module_spec in enumerate(spec.modules, start=1):
        _add_module(version, module_spec, position, rubrics, module_url, asset_url)
    db.session.flush()
    return SyncOutcome(spec.slug, spec.version, status, version)


def _synced_version(course: Course, column, value) -> CourseVersion | None:
    return db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == course.id, column == value))


def _unchanged_outcome(course: Course, spec: CourseSpec) -> SyncOutcome | None:
    """The outcome when this content is already synced; None when it is new. Refuses changed
    content under a version number already taken."""
    same = _synced_version(course, CourseVersion.content_hash, spec.content_hash)
    if same is not None:
        note = ""
        if same.version != spec.version:
            note = f'the content is identical to version "{same.version}"; the version number alone changed'
        elif not same.is_live:
            note = "this content is an older version that is not live"
        return SyncOutcome(spec.slug, same.version, UNCHANGED, same, note)
    if _synced_version(course, CourseVersion.version, spec.version) is not None:
        raise VersionNotBumped(
            f'{spec.source}: the content of {spec.slug} changed, but version "{spec.version}" is already '
            f'synced with different content. Bump "version" in course.yaml (for example to '
            f'"{_suggest_next(spec.version)}") and sync again; trainees on "{spec.version}" keep it.'
        )
    return None


def _new_version(course: Course, spec: CourseSpec) -> CourseVersion:
    certificate = spec.certificate
    ethics = spec.ethics_code
    return CourseVersion(
        course=course,
        version=spec.version,
        content_hash=spec.content_hash,
        is_live=True,
        title=spec.title,
        description=spec.description,
        hours=spec.hours,
        ce_hours=spec.ce_hours,
        enrolment=str(spec.enrolment),
        competencies=[{"id": c.id, "title": c.title, "framework": c.framework} for c in spec.competencies],
        certificate_rules=(
            {
                "validity_months": certificate.validity_months,
                "renewal_ce_hours": certificate.renewal_ce_hours,
                "supervised_hours_required": certificate.supervised_hours_required,
            }
            if certificate
            else None
        ),
        feedback_targets=dict(spec.feedback_targets),
        hour_breakdown=_breakdown(spec),
        minimum_active_share=spec.minimum_active_share,
        exam=_exam(spec),
        ethics_code=(
            {"title": ethics.title, "version": ethics.version, "source": ethics.based_on,
             "html": markdown.render(ethics.markdown)}
            if ethics else None
        ),
    )


def _add_rubrics(version: CourseVersion, spec: CourseSpec) -> dict[str, Rubric]:
    rubrics = {}
    for rubric_spec in spec.rubrics:
        rubric = Rubric(
            course_version=version,
            slug=rubric_spec.id,
            title=rubric_spec.title,
            criteria=[
                {
                    "id": c.id,
                    "title": c.title,
                    "minimum": c.minimum,
                    "safety_critical": c.safety_critical,
                    "gate": c.gate,
                    "levels": {str(level): text for level, text in c.levels.items()},
                }
                for c in rubric_spec.criteria
            ],
            scoring_rule=rubric_spec.scoring_rule,
        )
        db.session.add(rubric)
        rubrics[rubric_spec.id] = rubric
    return rubrics


def render_lesson(lesson: LessonSpec, module_url: Callable[[str], str], asset_url: Callable[[str], str]) -> str:
    """A lesson's Markdown as sanitised HTML, its `module:` links and images resolved (pure given
    its arguments: the test suite memoizes it)."""
    images = dict(lesson.images)
    return markdown.render(
        lesson.markdown,
        module_url=module_url,
        asset_url=lambda src: asset_url(images[src]) if src in images else None,
    )


def _add_module(version: CourseVersion, spec: ModuleSpec, position: int, rubrics: dict,
                module_url, asset_url) -> None:
    module = Module(
        course_version=version,
        slug=spec.slug,
        position=position,
        title=spec.title,
        summary=spec.summary,
        competencies=list(spec.competencies),
        live_minutes=spec.live_minutes,
        live_topics=list(spec.live_topics),
    )
    db.session.add(module)
    for lesson_position, lesson in enumerate(spec.lessons, start=1):
        db.session.add(
            Lesson(
                module=module,
                slug=lesson.slug,
                position=lesson_position,
                title=lesson.title,
                minutes=lesson.minutes,
                html=render_lesson(lesson, module_url, asset_url),
                word_count=lesson.word_count,
            )
        )
    if spec.quiz is not None:
        db.session.add(
            Quiz(
                module=module,
                pass_mark=spec.quiz.pass_mark,
                cooldown_minutes=spec.quiz.cooldown_minutes,
                minutes=spec.quiz.minutes,
                questions=[_question(q, spec.quiz.source) for q in spec.quiz.questions],
            )
        )
    for item in spec.exam_items.items if spec.exam_items else ():
        db.session.add(ExamItem(course_version=version, module=module, item_id=item.id, competency=item.competency,
                                question=_question(item, spec.exam_items.source)))
    for exercise_position, exercise in enumerate(spec.exercises, start=1):
        db.session.add(_exercise(module, exercise, exercise_position, module_url))
    for scenario_position, scenario in enumerate(spec.scenarios, start=1):
        db.session.add(_scenario(module, scenario, scenario_position, rubrics[scenario.rubric]))


def _exercise(module: Module, exercise: ExerciseSpec, position: int, module_url) -> Exercise:
    return Exercise(
        module=module,
        slug=exercise.id,
        position=position,
        title=exercise.title,
        minutes=exercise.minutes,
        competencies=list(exercise.competencies),
        review=str(exercise.review),
        prompt_html=markdown.render(exercise.prompt, module_url=module_url),
        material_html=markdown.render(exercise.material, module_url=module_url) if exercise.material else "",
        model_answer_html=markdown.render(exercise.model_answer, module_url=module_url),
        reasons=list(exercise.reasons),
    )


def _scenario(module: Module, scenario: ScenarioSpec, position: int, rubric: Rubric) -> Scenario:
    return Scenario(
        module=module,
        rubric=rubric,
        slug=scenario.id,
        position=position,
        title=scenario.title,
        setting=str(scenario.setting),
        persona=dict(scenario.persona),
        skills=list(scenario.skills),
        criteria=list(scenario.criteria),
        minimums=dict(scenario.minimums),
        pass_mark=scenario.pass_mark,
        turns=[{"persona": t.persona, "hint": t.hint} for t in scenario.turns],
        minutes=scenario.minutes,
        competencies=list(scenario.competencies),
        focal=list(scenario.focal),
        brief=scenario.brief,
        actor_notes=scenario.actor_notes,
        rater_notes=scenario.rater_notes,
        branches=[{"when": b.when, "then": b.then} for b in scenario.branches],
        references=[
            ScenarioReference(
                slug=r.id, position=number, label=r.label, replies=list(r.replies), scores=dict(r.scores),
                gates={k: str(v) for k, v in r.gates.items()}, rationale=dict(r.rationale),
                decision=str(r.decision),
            )
            for number, r in enumerate(scenario.references, start=1)
        ],
    )


def _question(q, file: str) -> dict:
    # `source` (file and line in courses/) lets item analysis name where an item is written; it is
    # derived from the files, so it never changes the content hash.
    return {
        "id": q.id,
        "type": str(q.type),
        "prompt": q.prompt,
        "scenario": q.scenario,
        "competency": q.competency,
        "options": [{"id": o.id, "text": o.text, "correct": o.correct, "feedback": o.feedback} for o in q.options],
        "source": {"file": file, "line": q.line},
    }


def _breakdown(spec: CourseSpec) -> dict:
    parts = spec.hour_breakdown()
    return {"reading": parts.reading, "practice": parts.practice, "live": parts.live, "exam": parts.exam}


def _exam(spec: CourseSpec) -> dict | None:
    exam = spec.exam
    if exam is None:
        return None
    return {"title": exam.title, "pass_mark": exam.pass_mark, "time_limit_minutes": exam.time_limit_minutes,
            "attempts": exam.attempts, "wait_hours": exam.wait_hours, "minutes": exam.minutes,
            "blueprint": dict(exam.blueprint)}


def _suggest_next(version: str) -> str:
    head, _, last = version.rpartition(".")
    if last.isdigit():
        return f"{head}.{int(last) + 1}" if head else str(int(last) + 1)
    return f"{version}.1"
