"""The only place course files are read: validate `courses/` into frozen dataclasses.

Every problem is collected (not just the first) with its file, its line where the YAML or
Markdown parser knows it, and what is wrong, so that `flask courses check` can list them all.
A course with any error is left out of `LoadResult.courses`; warnings never block.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lms.content import markdown
from lms.content.schema import (
    CALLOUTS,
    SLUG_PATTERN,
    Asset,
    CertificateRules,
    Competency,
    ContentError,
    CourseKind,
    CourseSpec,
    Criterion,
    EnrolmentMode,
    LessonSpec,
    LoadResult,
    ModuleSpec,
    Option,
    Question,
    QuestionType,
    QuizSpec,
    RubricSpec,
    ScenarioSpec,
    Setting,
    Turn,
)

MIN_CORE_LESSON_WORDS = 600
MIN_TURNS = 5
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
IMAGE_MAX_BYTES = 2 * 1024 * 1024
_SLUG = re.compile(SLUG_PATTERN)
_MISSING = object()


# --- YAML with line numbers ---------------------------------------------------------------

class YMap(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def _line_of(container: Any, key: Any, default: int | None) -> int | None:
    if isinstance(container, YMap | YList):
        return container.line_of(key)
    return default


# --- field specs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class F:
    """One key of a YAML mapping: the type it must have, whether it is required, its default."""

    kind: str  # text | int | number | bool | list | map | any
    required: bool = True
    default: Any = None


TYPE_NAMES = {"text": "text", "int": "a whole number", "number": "a number", "bool": "true or false",
              "list": "a list", "map": "a mapping (key: value lines)"}


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind == "map":
        return isinstance(value, dict)
    return True


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true or false)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f'text ("{short}")'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


COURSE_FIELDS = {
    "slug": F("text"), "title": F("text"), "version": F("text"), "kind": F("text"),
    "description": F("text"), "hours": F("number"), "ce_hours": F("number", False, 0),
    "enrolment": F("text", False, "open"), "competencies": F("list"),
    "certificate": F("map", False, None), "feedback_targets": F("map", False, {}), "modules": F("list"),
}
COMPETENCY_FIELDS = {"id": F("text"), "title": F("text"), "framework": F("text", False, "")}
CERTIFICATE_FIELDS = {"validity_months": F("int"), "renewal_ce_hours": F("number", False, 0),
                      "supervised_hours_required": F("number", False, 0)}
FEEDBACK_TARGET_FIELDS = {"reflections_per_question": F("number", False, 1.0),
                          "complex_reflection_share": F("number", False, 0.4),
                          "max_advice": F("int", False, 0)}
MODULE_FIELDS = {"slug": F("text"), "title": F("text"), "summary": F("text", False, ""),
                 "competencies": F("list", False, []), "lessons": F("list"), "scenarios": F("list", False, [])}
FRONT_MATTER_FIELDS = {"title": F("text"), "minutes": F("int", False, 10)}
QUIZ_FIELDS = {"pass_mark": F("int", False, 80), "cooldown_minutes": F("int", False, 0), "questions": F("list")}
QUESTION_FIELDS = {"id": F("text"), "type": F("text"), "prompt": F("text"), "scenario": F("text", False, ""),
                   "options": F("list")}
OPTION_FIELDS = {"id": F("text"), "text": F("text"), "correct": F("bool"), "feedback": F("text")}
RUBRIC_FIELDS = {"id": F("text"), "title": F("text"), "criteria": F("list")}
CRITERION_FIELDS = {"id": F("text"), "title": F("text"), "minimum": F("int"),
                    "safety_critical": F("bool", False, False), "levels": F("map")}
SCENARIO_FIELDS = {"id": F("text"), "title": F("text"), "setting": F("text"), "persona": F("map"),
                   "skills": F("list", False, []), "rubric": F("text"), "criteria": F("list"),
                   "minimums": F("map", False, {}), "pass_mark": F("int"), "turns": F("list")}
PERSONA_FIELDS = {"name": F("text"), "description": F("text")}
TURN_FIELDS = {"persona": F("text"), "hint": F("text", False, "")}

HINTS = {
    "feedback": "every option explains why it is right or wrong",
    "version": 'quote it, like version: "1.0"',
}


def _choices(enum_type) -> str:
    values = [str(v) for v in enum_type]
    return ", ".join(values[:-1]) + " or " + values[-1]


class _CourseLoader:
    """Reads one course folder; collects errors and warnings as it goes."""

    def __init__(self, root: Path, folder: Path):
        self.root = root
        self.folder = folder
        self.errors: list[ContentError] = []
        self.warnings: list[ContentError] = []
        self.files: dict[str, bytes] = {}
        self.unusable_module_slugs: set[str] = set()  # modules with errors: links to them are not broken

    # -- reporting --
    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def error(self, file: str, line: int | None, message: str) -> None:
        self.errors.append(ContentError(file, line, message))

    def warn(self, file: str, line: int | None, message: str) -> None:
        self.warnings.append(ContentError(file, line, message, warning=True))

    # -- reading --
    def read_bytes(self, path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.error(self.rel(path), None, f"cannot read the file ({exc.strerror})")
            return None
        self.files[path.relative_to(self.folder).as_posix()] = data
        return data

    def read_text(self, path: Path) -> str | None:
        data = self.read_bytes(path)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.error(self.rel(path), None, f"the file is not UTF-8 text (byte {exc.start})")
            return None

    def parse_yaml(self, text: str, file: str, line_offset: int = 0) -> Any:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                self.error(file, None, "the file is empty")
                return None
            return self._build(loader, node, file, line_offset)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 + line_offset if mark else None
            problem = exc.problem or exc.context or "not valid YAML"
            self.error(file, line, f"YAML syntax error: {problem}")
            return None
        finally:
            loader.dispose()

    def _build(self, loader: yaml.SafeLoader, node: yaml.Node, file: str, offset: int) -> Any:
        line = node.start_mark.line + 1 + offset
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)
            result = YMap()
            result.line, result.key_lines = line, {}
            for key_node, value_node in node.value:
                key = loader.construct_object(key_node, deep=True)
                key_line = key_node.start_mark.line + 1 + offset
                if not isinstance(key, str | int):
                    self.error(file, key_line, f"a key must be text, not {_describe(key)}")
                    continue
                if key in result:
                    self.error(file, key_line, f'duplicate key "{key}" (first at line {result.key_lines[key]})')
                    continue
                result[key] = self._build(loader, value_node, file, offset)
                result.key_lines[key] = key_line
            return result
        if isinstance(node, yaml.SequenceNode):
            items = YList()
            items.line, items.item_lines = line, []
            for item in node.value:
                items.append(self._build(loader, item, file, offset))
                items.item_lines.append(item.start_mark.line + 1 + offset)
            return items
        return loader.construct_object(node, deep=True)

    def read_yaml(self, path: Path) -> Any:
        text = self.read_text(path)
        if text is None:
            return None
        return self.parse_yaml(text, self.rel(path))

    # -- checking shapes --
    def fields(self, value: Any, spec: dict[str, F], file: str, where: str, line: int | None) -> dict | None:
        """Check a mapping against `spec`: unknown keys, missing keys, wrong types; fill defaults."""
        prefix = f"{where}: " if where else ""
        if not isinstance(value, dict):
            self.error(file, line, f"{prefix}should be a mapping (key: value lines), not {_describe(value)}")
            return None
        result: dict[str, Any] = {}
        for key in value:
            if key not in spec:
                close = difflib.get_close_matches(str(key), list(spec), n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else f" (allowed: {', '.join(spec)})"
                self.error(file, _line_of(value, key, line), f'{prefix}unknown key "{key}"{hint}')
        ok = True
        for key, field in spec.items():
            raw = value.get(key, _MISSING)
            if raw is _MISSING or raw is None:
                if field.required:
                    hint = f" ({HINTS[key]})" if key in HINTS else ""
                    what = "missing" if raw is _MISSING else "empty"
                    self.error(file, _line_of(value, key, line) if raw is None else getattr(value, "line", line),
                               f'{prefix}{what} key "{key}"{hint}')
                    ok = False
                result[key] = field.default
                continue
            if not _type_ok(field.kind, raw):
                hint = f"; {HINTS[key]}" if key in HINTS else ""
                self.error(file, _line_of(value, key, line),
                           f'{prefix}"{key}" should be {TYPE_NAMES[field.kind]}, not {_describe(raw)}{hint}')
                ok = False
                result[key] = field.default
                continue
            if field.kind == "text":
                raw = raw.strip()
                if not raw and field.required:
                    self.error(file, _line_of(value, key, line), f'{prefix}empty key "{key}"')
                    ok = False
            result[key] = raw
        return result if ok else None

    def text_list(self, values: Any, file: str, where: str, key: str, line: int | None) -> list[str]:
        result = []
        for index, item in enumerate(values or []):
            if not isinstance(item, str) or not item.strip():
                self.error(file, _line_of(values, index, line),
                           f'{where + ": " if where else ""}each item of "{key}" should be text, not {_describe(item)}')
                continue
            result.append(item.strip())
        return result

    def check_unique(self, items: list[tuple[str, int | None]], file: str, what: str, where: str = "") -> set[str]:
        seen: dict[str, int | None] = {}
        for value, line in items:
            if value in seen:
                first = f" (first at line {seen[value]})" if seen[value] else ""
                self.error(file, line, f'{where + ": " if where else ""}duplicate {what} "{value}"{first}')
            else:
                seen[value] = line
        return set(seen)

    def check_slug(self, value: str, file: str, line: int | None, what: str) -> None:
        if not _SLUG.match(value):
            self.error(file, line, f'{what} "{value}" should use lowercase letters, digits and dashes only')

    # -- the course --
    def load(self) -> CourseSpec | None:
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

        slug = data["slug"] if isinstance(data["slug"], str) else self.folder.name
        if isinstance(data["slug"], str):
            self.check_slug(slug, file, line("slug"), "slug")
            if slug != self.folder.name:
                self.error(file, line("slug"), f'slug "{slug}" does not match the folder name "{self.folder.name}"')
        kind = self.enum(CourseKind, data["kind"], file, line("kind"), "kind")
        enrolment = self.enum(EnrolmentMode, data["enrolment"], file, line("enrolment"), "enrolment")
        for key in ("hours", "ce_hours"):
            if _type_ok("number", data[key]) and data[key] < 0:
                self.error(file, line(key), f'"{key}" cannot be negative')
        if _type_ok("number", data["hours"]) and data["hours"] == 0:
            self.error(file, line("hours"), '"hours" should be the hours of instruction, more than 0')

        competencies = self.competencies(data["competencies"], file, line("competencies"))
        certificate = self.certificate(data["certificate"], file, line("certificate"))
        targets = self.fields(data["feedback_targets"] or {}, FEEDBACK_TARGET_FIELDS, file, "feedback_targets",
                              line("feedback_targets")) or {}

        rubrics = self.rubrics()
        module_names = self.text_list(data["modules"] if isinstance(data["modules"], list) else [],
                                      file, "", "modules", line("modules"))
        if isinstance(data["modules"], list) and not data["modules"]:
            self.error(file, line("modules"), 'a course needs at least one module in "modules"')
        modules_list = data["modules"] if isinstance(data["modules"], YList) else None
        self.check_unique([(name, modules_list.line_of(i) if modules_list else None)
                           for i, name in enumerate(module_names)], file, "module")

        competency_ids = {c.id for c in competencies}
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

        # Across modules: slugs, links between modules, question and scenario ids.
        slug_lines = [(m.slug, None) for m in modules]
        self.check_unique(slug_lines, file, "module slug")
        module_slugs = {m.slug for m in modules}
        for source, link_line, target in links:
            if target not in module_slugs | self.unusable_module_slugs:
                known = ", ".join(sorted(module_slugs)) or "none"
                self.error(source, link_line, f'link to "module:{target}", but this course has no module '
                                              f'with that slug (modules: {known})')
        self.unique_across(modules)

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
        )

    def enum(self, enum_type, value: Any, file: str, line: int | None, key: str, where: str = ""):
        if not isinstance(value, str):
            return None
        try:
            return enum_type(value)
        except ValueError:
            prefix = f"{where}: " if where else ""
            self.error(file, line, f'{prefix}unknown {key} "{value}" (use {_choices(enum_type)})')
            return None

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
            item_line = _line_of(values, index, line)
            data = self.fields(item, COMPETENCY_FIELDS, file, f"competency {index + 1}", item_line)
            if data is not None:
                self.check_slug(data["id"], file, _line_of(item, "id", item_line), "competency id")
                result.append(Competency(data["id"], data["title"], data["framework"]))
        self.check_unique([(c.id, _line_of(values, i, line)) for i, c in enumerate(result)], file, "competency id")
        return result

    def certificate(self, value: Any, file: str, line: int | None) -> CertificateRules | None:
        if value is None:
            return None
        data = self.fields(value, CERTIFICATE_FIELDS, file, "certificate", line)
        if data is None:
            return None
        if data["validity_months"] <= 0:
            self.error(file, _line_of(value, "validity_months", line), '"validity_months" should be more than 0')
        for key in ("renewal_ce_hours", "supervised_hours_required"):
            if data[key] < 0:
                self.error(file, _line_of(value, key, line), f'"{key}" cannot be negative')
        return CertificateRules(data["validity_months"], float(data["renewal_ce_hours"]),
                                float(data["supervised_hours_required"]))

    # -- rubrics --
    def rubrics(self) -> dict[str, RubricSpec]:
        result: dict[str, RubricSpec] = {}
        folder = self.folder / "rubrics"
        if not folder.is_dir():
            return result
        for path in sorted(folder.glob("*.yaml")):
            rubric = self.rubric(path)
            if rubric is not None:
                result[rubric.id] = rubric
        return result

    def rubric(self, path: Path) -> RubricSpec | None:
        file = self.rel(path)
        raw = self.read_yaml(path)
        if raw is None:
            return None
        data = self.fields(raw, RUBRIC_FIELDS, file, "", 1)
        if data is None:
            return None
        if data["id"] != path.stem:
            self.error(file, _line_of(raw, "id", 1),
                       f'rubric id "{data["id"]}" does not match the file name "{path.name}"')
        criteria = []
        values = data["criteria"]
        if not values:
            self.error(file, _line_of(raw, "criteria", 1), "a rubric needs at least one criterion")
        for index, item in enumerate(values):
            item_line = _line_of(values, index, None)
            label = f"criterion {item.get('id', index + 1) if isinstance(item, dict) else index + 1}"
            crit = self.fields(item, CRITERION_FIELDS, file, label, item_line)
            if crit is None:
                continue
            if not 1 <= crit["minimum"] <= 4:
                self.error(file, _line_of(item, "minimum", item_line),
                           f'{label}: "minimum" should be a level from 1 to 4')
            levels = crit["levels"]
            keys = set(levels)
            if keys != {1, 2, 3, 4}:
                self.error(file, _line_of(item, "levels", item_line),
                           f"{label}: levels should be exactly 1, 2, 3 and 4, one behavioural anchor each")
            elif not all(isinstance(v, str) and v.strip() for v in levels.values()):
                self.error(file, _line_of(item, "levels", item_line), f"{label}: every level needs a description")
            else:
                criteria.append(Criterion(crit["id"], crit["title"], crit["minimum"], crit["safety_critical"],
                                          {int(k): v.strip() for k, v in sorted(levels.items())}))
        self.check_unique([(c.id, None) for c in criteria], file, "criterion id")
        return RubricSpec(data["id"], data["title"], tuple(criteria), file)

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
        for index, competency in enumerate(module_competencies):
            if competency not in competency_ids:
                declared = ", ".join(sorted(competency_ids)) or "none"
                self.error(file, _line_of(data["competencies"], index, line("competencies")),
                           f'unknown competency "{competency}" (course.yaml declares: {declared})')

        lesson_names = self.text_list(data["lessons"], file, "", "lessons", line("lessons"))
        if not lesson_names:
            self.error(file, line("lessons"), "a module needs at least one lesson")
        self.check_unique([(n, _line_of(data["lessons"], i, None)) for i, n in enumerate(lesson_names)], file, "lesson")
        lessons = []
        for index, lesson_name in enumerate(dict.fromkeys(lesson_names)):
            lesson_path = folder / "lessons" / f"{lesson_name}.md"
            if not lesson_path.is_file():
                self.error(file, _line_of(data["lessons"], index, line("lessons")),
                           f"missing lesson file lessons/{lesson_name}.md")
                continue
            lesson = self.lesson(lesson_path, folder, kind, links, assets)
            if lesson is not None:
                lessons.append(lesson)
        lessons_dir = folder / "lessons"
        if lessons_dir.is_dir():
            for extra in sorted(lessons_dir.glob("*.md")):
                if extra.stem not in lesson_names:
                    self.warn(self.rel(extra), None,
                              "this lesson is not listed in module.yaml, so trainees will not see it")

        quiz_path = folder / "quiz.yaml"
        quiz = None
        if quiz_path.is_file():
            quiz = self.quiz(quiz_path)
        else:
            self.error(self.rel(quiz_path), None, "missing knowledge check: every module needs a quiz.yaml")

        scenario_names = self.text_list(data["scenarios"], file, "", "scenarios", line("scenarios"))
        self.check_unique([(n, _line_of(data["scenarios"], i, None)) for i, n in enumerate(scenario_names)],
                          file, "scenario")
        scenarios = []
        for index, scenario_name in enumerate(dict.fromkeys(scenario_names)):
            scenario_path = folder / "scenarios" / f"{scenario_name}.yaml"
            if not scenario_path.is_file():
                self.error(file, _line_of(data["scenarios"], index, line("scenarios")),
                           f"missing scenario file scenarios/{scenario_name}.yaml")
                continue
            scenario = self.scenario(scenario_path, rubrics)
            if scenario is not None:
                scenarios.append(scenario)

        return ModuleSpec(
            folder=name,
            slug=data["slug"],
            title=data["title"],
            summary=data["summary"],
            competencies=tuple(module_competencies),
            lessons=tuple(lessons),
            quiz=quiz,
            scenarios=tuple(scenarios),
        )

    # -- lessons --
    def lesson(self, path: Path, module_folder: Path, kind: CourseKind | None, links: list,
               assets: dict) -> LessonSpec | None:
        file = self.rel(path)
        text = self.read_text(path)
        if text is None:
            return None
        lines = text.splitlines()
        if not lines or lines[0].strip() != "---":
            self.error(file, 1, "missing front matter: start the file with a --- line, then title: and minutes:")
            return None
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            self.error(file, 1, "the front matter is not closed: add a --- line after it")
            return None
        front = self.parse_yaml("\n".join(lines[1:end]) or "{}", file, line_offset=1)
        meta = self.fields(front, FRONT_MATTER_FIELDS, file, "front matter", 2) if front is not None else None
        body = "\n".join(lines[end + 1:]) + "\n"
        body_line = end + 2
        report = markdown.inspect(body, line_offset=body_line - 1)
        for name, callout_line in report.unknown_callouts:
            self.error(file, callout_line, f'unknown callout "{name}" (use {", ".join(CALLOUTS)})')
        for tag, html_line in report.raw_html:
            self.warn(file, html_line, f'raw HTML is not rendered: "{tag}" will show as text; use Markdown instead')
        for heading_line in report.top_headings:
            self.error(file, heading_line, "use ## for headings: the lesson title is the page's only # heading")
        for target, link_line in report.module_links:
            links.append((file, link_line, target))
        images = []
        for src, image_line in report.images:
            asset = self.image(src, module_folder, file, image_line)
            if asset is not None:
                assets[asset.path] = asset
                images.append((src, asset.path))
        if meta is None:
            return None
        if meta["minutes"] <= 0:
            self.error(file, _line_of(front, "minutes", 2), '"minutes" should be more than 0')
        if kind is CourseKind.CERTIFICATION and report.word_count < MIN_CORE_LESSON_WORDS:
            self.warn(file, None, f"this lesson has {report.word_count} words; core lessons should have at least "
                                  f"{MIN_CORE_LESSON_WORDS}")
        return LessonSpec(
            slug=path.stem,
            title=meta["title"],
            minutes=meta["minutes"],
            markdown=body,
            word_count=report.word_count,
            source=file,
            body_line=body_line,
            images=tuple(images),
        )

    def image(self, src: str, module_folder: Path, file: str, line: int) -> Asset | None:
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) or src.startswith("//") or src.startswith("/"):
            self.error(file, line, f'images must come from the course folder, not "{src}"')
            return None
        path = (module_folder / src).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            self.error(file, line, f'image "{src}" is outside the course folder')
            return None
        relative = path.relative_to(self.folder.resolve()).as_posix()
        mimetype = IMAGE_TYPES.get(path.suffix.lower())
        if mimetype is None:
            self.error(file, line, f'image "{src}" has an unsupported type (use {", ".join(IMAGE_TYPES)})')
            return None
        if not path.is_file():
            self.error(file, line, f'image "{src}" not found (looked for {relative} in the course folder)')
            return None
        if path.stat().st_size > IMAGE_MAX_BYTES:
            self.error(file, line, f'image "{src}" is larger than {IMAGE_MAX_BYTES // (1024 * 1024)} MB')
            return None
        data = path.read_bytes()
        self.files[relative] = data
        return Asset(relative, mimetype, data)

    # -- knowledge checks --
    def quiz(self, path: Path) -> QuizSpec | None:
        file = self.rel(path)
        raw = self.read_yaml(path)
        if raw is None:
            return None
        data = self.fields(raw, QUIZ_FIELDS, file, "", 1)
        if data is None:
            return None
        if not 1 <= data["pass_mark"] <= 100:
            self.error(file, _line_of(raw, "pass_mark", 1), '"pass_mark" should be a percentage from 1 to 100')
        if data["cooldown_minutes"] < 0:
            self.error(file, _line_of(raw, "cooldown_minutes", 1), '"cooldown_minutes" cannot be negative')
        values = data["questions"]
        if not values:
            self.error(file, _line_of(raw, "questions", 1), "a knowledge check needs at least one question")
        questions = []
        for index, item in enumerate(values):
            question = self.question(item, file, _line_of(values, index, None), index)
            if question is not None:
                questions.append(question)
        return QuizSpec(data["pass_mark"], data["cooldown_minutes"], tuple(questions), file)

    def question(self, item: Any, file: str, line: int | None, index: int) -> Question | None:
        given = item.get("id") if isinstance(item, dict) else None
        label = f"question {given if isinstance(given, str) else index + 1}"
        data = self.fields(item, QUESTION_FIELDS, file, label, line)
        if data is None:
            return None
        qtype = self.enum(QuestionType, data["type"], file, _line_of(item, "type", line), "type", label)
        if qtype is QuestionType.BEST_RESPONSE and not data["scenario"]:
            self.error(file, _line_of(item, "type", line),
                       f'{label}: best_response questions need a "scenario" (the situation the response answers)')
        if qtype is not None and qtype is not QuestionType.BEST_RESPONSE and data["scenario"]:
            self.error(file, _line_of(item, "scenario", line),
                       f'{label}: "scenario" is only used by best_response questions')
        values = data["options"]
        options: list[Option] = []
        option_lines: list[tuple[str, int | None]] = []
        for option_index, option_item in enumerate(values):
            option_line = _line_of(values, option_index, line)
            raw_id = option_item.get("id") if isinstance(option_item, dict) else None
            if isinstance(raw_id, bool):
                value = str(raw_id).lower()
                self.error(file, _line_of(option_item, "id", option_line),
                           f'{label}: option id {value} should be text: quote it, like id: "{value}"')
                continue
            option_label = f"{label}, option {raw_id if isinstance(raw_id, str) else option_index + 1}"
            option = self.fields(option_item, OPTION_FIELDS, file, option_label, option_line)
            if option is None:
                continue
            options.append(Option(option["id"], option["text"], option["correct"], option["feedback"]))
            option_lines.append((option["id"], _line_of(option_item, "id", option_line)))
        self.check_unique(option_lines, file, "option id", label)
        if len(values) < 2:
            self.error(file, _line_of(item, "options", line), f"{label}: a question needs at least two options")
        if qtype is None or len(options) != len(values):
            return None
        correct = sum(1 for option in options if option.correct)
        options_line = _line_of(item, "options", line)
        if correct == 0:
            self.error(file, options_line, f"{label}: no option is marked \"correct: true\"")
        elif qtype.single_answer and correct > 1:
            self.error(file, options_line,
                       f"{label}: {correct} options are marked correct, but a {qtype} question has exactly one")
        if qtype is QuestionType.TRUE_FALSE and {o.id for o in options} != {"true", "false"}:
            self.error(file, options_line, f'{label}: true_false options must have the ids "true" and "false"')
        return Question(data["id"], qtype, data["prompt"], tuple(options), data["scenario"],
                        line=_line_of(item, "id", line))

    # -- scenarios --
    def scenario(self, path: Path, rubrics: dict[str, RubricSpec]) -> ScenarioSpec | None:
        file = self.rel(path)
        raw = self.read_yaml(path)
        if raw is None:
            return None
        data = self.fields(raw, SCENARIO_FIELDS, file, "", 1)
        if data is None:
            return None
        line = raw.line_of
        label = f"scenario {data['id']}"
        if data["id"] != path.stem:
            self.error(file, line("id"), f'scenario id "{data["id"]}" does not match the file name "{path.name}"')
        self.check_slug(data["id"], file, line("id"), "scenario id")
        setting = self.enum(Setting, data["setting"], file, line("setting"), "setting", label)
        persona = self.fields(data["persona"], PERSONA_FIELDS, file, f"{label}, persona", line("persona"))
        skills = self.text_list(data["skills"], file, label, "skills", line("skills"))
        criteria = self.text_list(data["criteria"], file, label, "criteria", line("criteria"))
        if not criteria:
            self.error(file, line("criteria"), f"{label}: list the rubric criteria it is scored on")
        self.check_unique([(c, _line_of(data["criteria"], i, None)) for i, c in enumerate(criteria)],
                          file, "criterion", label)
        rubric = rubrics.get(data["rubric"])
        if rubric is None:
            known = ", ".join(sorted(rubrics)) or "none"
            self.error(file, line("rubric"), f'{label}: unknown rubric "{data["rubric"]}" (rubrics/ has: {known})')
        else:
            rubric_criteria = {c.id for c in rubric.criteria}
            for index, criterion in enumerate(criteria):
                if criterion not in rubric_criteria:
                    self.error(file, _line_of(data["criteria"], index, line("criteria")),
                               f'{label}: criterion "{criterion}" is not in rubric {rubric.id}')
        minimums = {}
        for key, value in data["minimums"].items():
            key_line = _line_of(data["minimums"], key, line("minimums"))
            if key not in criteria:
                self.error(file, key_line, f'{label}: a minimum for "{key}", which is not one of its criteria')
            elif not _type_ok("int", value) or not 1 <= value <= 4:
                self.error(file, key_line, f'{label}: the minimum for "{key}" should be a level from 1 to 4')
            else:
                minimums[key] = value
        highest = 4 * len(criteria)
        if criteria and not len(criteria) <= data["pass_mark"] <= highest:
            self.error(file, line("pass_mark"),
                       f"{label}: pass_mark {data['pass_mark']} should be between {len(criteria)} and {highest} "
                       f"(the lowest and highest totals of {len(criteria)} criteria)")
        turns = []
        for index, item in enumerate(data["turns"]):
            turn_line = _line_of(data["turns"], index, None)
            turn = self.fields(item, TURN_FIELDS, file, f"{label}, turn {index + 1}", turn_line)
            if turn is not None:
                turns.append(Turn(turn["persona"], turn["hint"]))
        if len(data["turns"]) < MIN_TURNS:
            self.error(file, line("turns"),
                       f"{label} has {len(data['turns'])} turns; a role-play needs at least {MIN_TURNS}")
        if setting is None or persona is None:
            return None
        return ScenarioSpec(
            id=data["id"], title=data["title"], setting=setting, persona=dict(persona), skills=tuple(skills),
            rubric=data["rubric"], criteria=tuple(criteria), minimums=minimums, pass_mark=data["pass_mark"],
            turns=tuple(turns), source=file, line=line("id"),
        )

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
