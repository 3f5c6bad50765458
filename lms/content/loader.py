"""The only place course files are read: validate `courses/` into frozen dataclasses.

Every problem is collected (not just the first) with its file, its line where the YAML or
Markdown parser knows it, and what is wrong, so that `flask courses check` can list them all.
A course with any error is left out of `LoadResult.courses`; warnings never block.

This module reads the course and its modules; the other kinds of files are read by the
mixins in `lessons`, `quizzes`, `scenarios`, `exercises` and `exam`, on the shared `reader.Reader`. What a
loaded course must also satisfy to be certifiable (hours, coverage, cue lints, gates) is in `checks`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lms.content.exam import ExamReader
from lms.content.exercises import ExerciseReader
from lms.content.fields import (
    CERTIFICATE_FIELDS,
    COMPETENCY_FIELDS,
    COURSE_FIELDS,
    FEEDBACK_TARGET_FIELDS,
    MODULE_FIELDS,
    type_ok,
)
from lms.content.lessons import LessonReader
from lms.content.quizzes import QuizReader
from lms.content.scenarios import ScenarioReader
from lms.content.schema import (
    Asset,
    CertificateRules,
    Competency,
    ContentError,
    CourseKind,
    CourseSpec,
    EnrolmentMode,
    LoadResult,
    ModuleSpec,
    RubricSpec,
)
from lms.content.yaml_lines import YList, YMap, line_of


class _CourseLoader(LessonReader, QuizReader, ScenarioReader, ExerciseReader, ExamReader):
    """Reads one course folder; collects errors and warnings as it goes."""

    def __init__(self, root: Path, folder: Path):
        super().__init__(root, folder)
        self.unusable_module_slugs: set[str] = set()  # modules with errors: links to them are not broken

    # -- the course --
    def load(self) -> CourseSpec | None:
        manifest = self._manifest()
        if manifest is None:
            return None
        raw, data, file, line = manifest
        slug, kind, enrolment = self._identity(data, file, line)
        share = self._active_share(data, file, line)
        competencies = self.competencies(data["competencies"], file, line("competencies"))
        certificate = self.certificate(data["certificate"], file, line("certificate"))
        targets = self.fields(data["feedback_targets"] or {}, FEEDBACK_TARGET_FIELDS, file, "feedback_targets",
                              line("feedback_targets")) or {}
        rubrics = self.rubrics()
        competency_ids = {c.id for c in competencies}
        modules, assets = self._modules(data, file, line, competency_ids, rubrics, kind)
        exam = self.exam(competency_ids)
        ethics_code = self.ethics_code()

        if self.errors or kind is None or enrolment is None:
            return None
        return CourseSpec(
            slug=slug,
            title=data["title"],
            version=data["version"],
            kind=kind,
            description=data["description"],
            hours=float(data["hours"]),
            ce_hours=float(data["ce_hours"] or 0),
            enrolment=enrolment,
            competencies=tuple(competencies),
            certificate=certificate,
            feedback_targets=dict(targets),
            modules=tuple(modules),
            rubrics=tuple(rubrics.values()),
            assets=tuple(assets.values()),
            content_hash=self.content_hash(),
            source=file,
            exam=exam,
            ethics_code=ethics_code,
            minimum_active_share=share,
            folder=str(self.folder),
            lines={key: line(key) for key in COURSE_FIELDS},
            competency_lines=self.competency_lines(data["competencies"]),
        )

    def _manifest(self):
        """course.yaml read and checked field by field: (raw, data, file, line of a key), or None."""
        manifest_path = self.folder / "course.yaml"
        file = self.rel(manifest_path)
        if not manifest_path.is_file():
            self.error(self.rel(self.folder), None, "no course.yaml in this course folder")
            return None
        raw = self.read_yaml(manifest_path)
        if raw is None:
            return None
        data = self.fields(raw, COURSE_FIELDS, file, "", 1)
        if data is None:
            # Keep going with what is usable, to report module errors too.
            data = {key: raw.get(key, spec.default) if isinstance(raw, dict) else spec.default
                    for key, spec in COURSE_FIELDS.items()}
        line = raw.line_of if isinstance(raw, YMap) else (lambda key: 1)
        return raw, data, file, line

    def _identity(self, data: dict, file: str, line):
        """The course's slug, kind and enrolment mode, and its hours checked."""
        slug = data["slug"] if isinstance(data["slug"], str) else self.folder.name
        if isinstance(data["slug"], str):
            self.check_slug(slug, file, line("slug"), "slug")
            if slug != self.folder.name:
                self.error(file, line("slug"), f'slug "{slug}" does not match the folder name "{self.folder.name}"')
        kind = self.enum(CourseKind, data["kind"], file, line("kind"), "kind")
        enrolment = self.enum(EnrolmentMode, data["enrolment"], file, line("enrolment"), "enrolment")
        for key in ("hours", "ce_hours"):
            if type_ok("number", data[key]) and data[key] < 0:
                self.error(file, line(key), f'"{key}" cannot be negative')
        if type_ok("number", data["hours"]) and data["hours"] == 0:
            self.error(file, line("hours"), '"hours" should be the hours of instruction, more than 0')
        return slug, kind, enrolment

    def _active_share(self, data: dict, file: str, line) -> float | None:
        share = data["minimum_active_share"]
        if type_ok("number", share) and not 0 < share <= 1:
            self.error(file, line("minimum_active_share"),
                       '"minimum_active_share" should be a share of the declared minutes, more than 0 and at most 1 '
                       '(for example 0.5); leave it out to count modules without active time')
        return float(share) if type_ok("number", share) else None

    def _modules(self, data: dict, file: str, line, competency_ids, rubrics, kind):
        """The modules listed in course.yaml, each read from its folder, then checked across modules
        (slugs, links between modules, question and scenario ids). Returns (modules, assets)."""
        module_names = self.text_list(data["modules"] if isinstance(data["modules"], list) else [],
                                      file, "", "modules", line("modules"))
        if isinstance(data["modules"], list) and not data["modules"]:
            self.error(file, line("modules"), 'a course needs at least one module in "modules"')
        modules_list = data["modules"] if isinstance(data["modules"], YList) else None
        self.check_unique([(name, modules_list.line_of(i) if modules_list else None)
                           for i, name in enumerate(module_names)], file, "module")
        modules: list[ModuleSpec] = []
        links: list[tuple[str, int, str]] = []
        assets: dict[str, Asset] = {}
        seen_modules = set()
        for index, name in enumerate(module_names):
            if name in seen_modules:
                continue
            seen_modules.add(name)
            item_line = modules_list.line_of(index) if modules_list else None
            module = self.module(name, file, item_line, competency_ids, rubrics, kind, links, assets)
            if module is not None:
                modules.append(module)
        self.check_unique([(m.slug, None) for m in modules], file, "module slug")
        module_slugs = {m.slug for m in modules}
        for source, link_line, target in links:
            if target not in module_slugs | self.unusable_module_slugs:
                known = ", ".join(sorted(module_slugs)) or "none"
                self.error(source, link_line, f'link to "module:{target}", but this course has no module '
                                              f'with that slug (modules: {known})')
        self.unique_across(modules)
        return modules, assets

    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(path.encode() + b"\0")
            digest.update(hashlib.sha256(self.files[path]).digest())
        return digest.hexdigest()

    def competencies(self, values: Any, file: str, line: int | None) -> list[Competency]:
        if not isinstance(values, list):
            return []
        if not values:
            self.error(file, line, 'a course lists at least one competency in "competencies"')
        result = []
        for index, item in enumerate(values):
            item_line = line_of(values, index, line)
            data = self.fields(item, COMPETENCY_FIELDS, file, f"competency {index + 1}", item_line)
            if data is not None:
                self.check_slug(data["id"], file, line_of(item, "id", item_line), "competency id")
                result.append(Competency(data["id"], data["title"], data["framework"]))
        self.check_unique([(c.id, line_of(values, i, line)) for i, c in enumerate(result)], file, "competency id")
        return result

    @staticmethod
    def competency_lines(values: Any) -> dict[str, int | None]:
        return {item["id"]: line_of(values, index, None) for index, item in enumerate(values or [])
                if isinstance(item, dict) and isinstance(item.get("id"), str)}

    def certificate(self, value: Any, file: str, line: int | None) -> CertificateRules | None:
        if value is None:
            return None
        data = self.fields(value, CERTIFICATE_FIELDS, file, "certificate", line)
        if data is None:
            return None
        if data["validity_months"] <= 0:
            self.error(file, line_of(value, "validity_months", line), '"validity_months" should be more than 0')
        for key in ("renewal_ce_hours", "supervised_hours_required"):
            if data[key] < 0:
                self.error(file, line_of(value, key, line), f'"{key}" cannot be negative')
        return CertificateRules(data["validity_months"], float(data["renewal_ce_hours"]),
                                float(data["supervised_hours_required"]))

    # -- modules --
    def module(self, name: str, manifest: str, manifest_line: int | None, competency_ids: set[str],
               rubrics: dict[str, RubricSpec], kind: CourseKind | None, links: list, assets: dict) -> ModuleSpec | None:
        folder = self.folder / "modules" / name
        if not folder.is_dir():
            self.error(manifest, manifest_line, f'module folder "modules/{name}" not found')
            return None
        path = folder / "module.yaml"
        file = self.rel(path)
        if not path.is_file():
            self.error(file, None, "missing module.yaml: every module folder needs one")
            return None
        raw = self.read_yaml(path)
        if raw is None:
            return None
        if isinstance(raw, dict) and isinstance(raw.get("slug"), str):
            self.unusable_module_slugs.add(raw["slug"])
        data = self.fields(raw, MODULE_FIELDS, file, "", 1)
        if data is None:
            return None
        line = raw.line_of
        self.check_slug(data["slug"], file, line("slug"), "slug")
        module_competencies = self.text_list(data["competencies"], file, "", "competencies", line("competencies"))
        self.check_competencies(module_competencies, data["competencies"], file, "", line("competencies"),
                                competency_ids)
        live_topics = self._live_topics(data, file, line)
        lessons = self.lessons(data, folder, file, line, kind, links, assets)
        quiz_path = folder / "quiz.yaml"
        quiz = None
        if quiz_path.is_file():
            quiz = self.quiz(quiz_path, competency_ids)
        else:
            self.error(self.rel(quiz_path), None, "missing knowledge check: every module needs a quiz.yaml")

        exam_path = folder / "exam-items.yaml"
        exam_items = self.exam_items(exam_path, competency_ids) if exam_path.is_file() else None
        exercises = self.listed(data, "exercises", "exercise", folder, file,
                                lambda path: self.exercise(path, competency_ids))
        scenarios = self.listed(data, "scenarios", "scenario", folder, file,
                                lambda path: self.scenario(path, rubrics, competency_ids))

        return ModuleSpec(
            folder=name,
            slug=data["slug"],
            title=data["title"],
            summary=data["summary"],
            competencies=tuple(module_competencies),
            lessons=tuple(lessons),
            quiz=quiz,
            scenarios=tuple(scenarios),
            exercises=tuple(exercises),
            live_minutes=data["live_minutes"],
            live_topics=tuple(live_topics),
            exam_items=exam_items,
            source=file,
            lines={key: line(key) for key in MODULE_FIELDS},
        )

    def _live_topics(self, data: dict, file: str, line) -> list[str]:
        if data["live_minutes"] < 0:
            self.error(file, line("live_minutes"), '"live_minutes" cannot be negative')
        live_topics = self.text_list(data["live_topics"], file, "", "live_topics", line("live_topics"))
        if data["live_minutes"] > 0 and not live_topics:
            self.error(file, line("live_minutes"),
                       f'live_minutes is {data["live_minutes"]}: say what the live time covers in "live_topics"')
        return live_topics

    def listed(self, data: dict, key: str, what: str, folder: Path, file: str, read: Callable) -> list:
        """Read the files a module.yaml lists under `key` (in `<key>/<name>.yaml`), in order."""
        raw = data[key]
        names = self.text_list(raw, file, "", key, getattr(raw, "line", None))
        self.check_unique([(n, line_of(raw, i, None)) for i, n in enumerate(names)], file, what)
        result = []
        for index, name in enumerate(dict.fromkeys(names)):
            path = folder / key / f"{name}.yaml"
            if not path.is_file():
                self.error(file, line_of(raw, index, None), f"missing {what} file {key}/{name}.yaml")
                continue
            item = read(path)
            if item is not None:
                result.append(item)
        return result

    def unique_across(self, modules: list[ModuleSpec]) -> None:
        """Question ids and scenario ids are unique within a course (they are referenced by id)."""
        questions: dict[str, str] = {}
        scenarios: dict[str, str] = {}
        for module in modules:
            if module.quiz:
                seen_here: set[str] = set()
                for question in module.quiz.questions:
                    if question.id in seen_here or question.id in questions:
                        other = questions.get(question.id, module.quiz.source)
                        self.error(module.quiz.source, question.line,
                                   f'duplicate question id "{question.id}" (also in {other})')
                    seen_here.add(question.id)
                    questions.setdefault(question.id, module.quiz.source)
            for scenario in module.scenarios:
                if scenario.id in scenarios:
                    self.error(scenario.source, scenario.line,
                               f'duplicate scenario id "{scenario.id}" (also in {scenarios[scenario.id]})')
                scenarios.setdefault(scenario.id, scenario.source)


def load_course(folder: Path | str, root: Path | str | None = None) -> tuple[CourseSpec | None, list, list]:
    """Load one course folder; return (course or None, errors, warnings)."""
    folder = Path(folder)
    loader = _CourseLoader(Path(root) if root else folder.parent, folder)
    course = loader.load()
    return course, loader.errors, loader.warnings


def load_courses(root: Path | str, only: Callable[[str], bool] | None = None) -> LoadResult:
    """Load every course folder under `root` (each sub-folder is a course)."""
    root = Path(root)
    if not root.is_dir():
        return LoadResult((), (ContentError(root.as_posix(), None, "the courses folder does not exist"),), ())
    courses, errors, warnings, checked = [], [], [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if only is not None and not only(folder.name):
            continue
        checked.append(folder.name)
        course, course_errors, course_warnings = load_course(folder, root)
        errors.extend(course_errors)
        warnings.extend(course_warnings)
        if course is not None:
            courses.append(course)
    return LoadResult(tuple(courses), tuple(errors), tuple(warnings), tuple(checked))
