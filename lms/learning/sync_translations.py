"""Load a course's translations (courses/<course>/translations/<language>/) into its live version's rows.

A translation changes prose only (lms.content.translations checks that), so it is laid over the rows the
course's own files made, matched by id: a quiz's questions by question and option id, a rubric's criteria
by id, a scenario's turns by position. It never makes a new course version: progress, attempts, exams and
certificates stay shared between languages. A translation with errors is not loaded (`courses check` lists
them); one marked in-progress loads the files it has.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import yaml

from lms.content import markdown
from lms.content.schema import CourseSpec
from lms.content.translations import check_translation, languages_of, split_front_matter
from lms.extensions import db
from lms.models import CourseVersion, ExamItem, Rubric

DIGEST_KEY = "digest"


@dataclass(frozen=True)
class TranslationOutcome:
    language: str
    status: str  # loaded | unchanged | refused
    note: str = ""

    def __str__(self) -> str:
        return f"  {self.language}: {self.status}{f' ({self.note})' if self.note else ''}"


def digest(course_dir: Path) -> str:
    """What the translations' files hold, all languages: the outline cache's key changes with it."""
    hasher = hashlib.sha256()
    folder = course_dir / "translations"
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.is_file():
            hasher.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


def apply_translations(version: CourseVersion, spec: CourseSpec, course_dir: Path, module_url, asset_url
                       ) -> list[TranslationOutcome]:
    """Lay every valid translation of the course over `version`'s rows. The caller commits."""
    current = digest(course_dir)
    if (version.translations or {}).get(DIGEST_KEY) == current:
        return [TranslationOutcome(language, "unchanged") for language in languages_of(course_dir)]
    outcomes = []
    loaded: dict[str, dict] = {DIGEST_KEY: current}
    rows = _Rows(version)
    for language in languages_of(course_dir):
        report = _checked(str(course_dir), language, current)
        if report.errors:
            outcomes.append(TranslationOutcome(language, "refused", f"{len(report.errors)} errors: run courses check"))
            for row in rows.all():
                row.translations = {k: v for k, v in (row.translations or {}).items() if k != language}
            continue
        files = _Files(course_dir / "translations" / language)
        _lay_over(rows, files, spec, language, module_url, asset_url)
        loaded[language] = _course_values(version, files, language)
        outcomes.append(TranslationOutcome(language, "loaded", report.status))
    version.translations = loaded
    db.session.flush()
    return outcomes


class _Urls(tuple):
    """(module_url, asset_url), equal for the same course and version: a key for the rendering cache."""

    def __new__(cls, slug: str, version: str, module_url, asset_url):
        instance = super().__new__(cls, (module_url, asset_url))
        instance.key = (slug, version)
        return instance

    def __hash__(self):
        return hash(self.key)

    def __eq__(self, other):
        return isinstance(other, _Urls) and self.key == other.key


@functools.lru_cache(maxsize=16)
def _checked(course_dir: str, language: str, _digest: str):
    # Per content of the files: the test suite syncs the same courses many times.
    return check_translation(Path(course_dir), language)


@functools.lru_cache(maxsize=4096)
def _parsed(path: str, _mtime_ns: int, _size: int, markdown_file: bool):
    text = Path(path).read_text(encoding="utf-8")
    if markdown_file:
        front, body = split_front_matter(text)
        return front or {}, body
    return yaml.safe_load(text)


@functools.lru_cache(maxsize=4096)
def _rendered(text: str, language: str, urls: tuple, images: tuple) -> str:
    module_url, asset_url = urls[0], urls[1]
    found = dict(images)
    return markdown.render(text, module_url=module_url, language=language,
                           asset_url=lambda src: asset_url(found[src]) if src in found else None)


class _Files:
    """The translation's files that exist, parsed (once per file content in a process)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _read(self, name: str, markdown_file: bool):
        path = self.folder / name
        if not path.is_file():
            return None
        stat = path.stat()
        return copy.deepcopy(_parsed(str(path), stat.st_mtime_ns, stat.st_size, markdown_file))

    def yaml(self, name: str) -> dict | None:
        return self._read(name, False)

    def markdown(self, name: str) -> tuple[dict, str] | None:
        return self._read(name, True)


class _Rows:
    def __init__(self, version: CourseVersion):
        self.version = version
        self.modules = {m.slug: m for m in version.modules}
        self.rubrics = {r.slug: r for r in db.session.scalars(sa.select(Rubric).where(
            Rubric.course_version_id == version.id))}
        self.exam_items = {i.item_id: i for i in db.session.scalars(sa.select(ExamItem).where(
            ExamItem.course_version_id == version.id))}

    def all(self) -> list:
        rows = [*self.rubrics.values(), *self.exam_items.values()]
        for module in self.modules.values():
            rows += [module, *module.lessons, *module.exercises, *module.scenarios]
            rows += [module.quiz] if module.quiz else []
        return rows


def _set(row, language: str, values: dict) -> None:
    row.translations = {**(row.translations or {}), language: values}


def _question(stored: dict, translated: dict | None) -> dict:
    question = copy.deepcopy(stored)
    if not translated:
        return question
    for key in ("prompt", "scenario"):
        if translated.get(key) is not None:
            question[key] = translated[key]
    options = {o.get("id"): o for o in translated.get("options") or []}
    for option in question.get("options", []):
        source = options.get(option["id"])
        if source:
            option["text"] = source.get("text", option["text"])
            if source.get("feedback") is not None:
                option["feedback"] = source["feedback"]
    return question


def _lay_over(rows: _Rows, files: _Files, spec: CourseSpec, language: str, module_url, asset_url) -> None:
    urls = _Urls(spec.slug, rows.version.version, module_url, asset_url)
    for rubric_id, rubric in rows.rubrics.items():
        data = files.yaml(f"rubrics/{rubric_id}.yaml")
        if data:
            _set(rubric, language, _rubric_values(rubric, data))
    for module_spec in spec.modules:
        module = rows.modules.get(module_spec.slug)
        if module is not None:
            _lay_over_module(module, module_spec, rows, files, language, urls)


def _rubric_values(rubric, data: dict) -> dict:
    criteria = {c["id"]: c for c in data.get("criteria") or []}
    translated = copy.deepcopy(rubric.criteria)
    for criterion in translated:
        source = criteria.get(criterion["id"], {})
        criterion["title"] = source.get("title", criterion["title"])
        criterion["levels"] = {str(k): v for k, v in (source.get("levels") or criterion["levels"]).items()}
    return {"title": data.get("title", rubric.title), "criteria": translated,
            "scoring_rule": data.get("scoring_rule", rubric.scoring_rule)}


def _lay_over_module(module, module_spec, rows: _Rows, files: _Files, language: str, urls) -> None:
    base = f"modules/{module_spec.folder}"
    data = files.yaml(f"{base}/module.yaml")
    if data:
        _set(module, language, {"title": data["title"], "summary": data.get("summary", module.summary),
                                "live_topics": data.get("live_topics", module.live_topics)})
    images = {lesson.slug: tuple(lesson.images) for lesson in module_spec.lessons}
    for lesson in module.lessons:
        document = files.markdown(f"{base}/lessons/{lesson.slug}.md")
        if document is not None:
            front, body = document
            _set(lesson, language, {"title": front.get("title", lesson.title),
                                    "html": _rendered(body, language, urls, images.get(lesson.slug, ()))})
    quiz = files.yaml(f"{base}/quiz.yaml")
    if quiz and module.quiz is not None:
        by_id = {q["id"]: q for q in quiz.get("questions") or []}
        _set(module.quiz, language, {"questions": [_question(q, by_id.get(q["id"])) for q in module.quiz.questions]})
    for item in (files.yaml(f"{base}/exam-items.yaml") or {}).get("items") or []:
        row = rows.exam_items.get(item["id"])
        if row is not None:
            _set(row, language, {"question": _question(row.question, item)})
    for exercise in module.exercises:
        data = files.yaml(f"{base}/exercises/{exercise.slug}.yaml")
        if data:
            _set(exercise, language, _exercise_values(data, language, urls))
    for scenario in module.scenarios:
        data = files.yaml(f"{base}/scenarios/{scenario.slug}.yaml")
        if data:
            _set(scenario, language, _scenario_values(scenario, data))


def _exercise_values(data: dict, language: str, urls) -> dict:
    def render(text: str) -> str:
        return _rendered(text, language, urls, ())

    return {"title": data["title"], "prompt_html": render(data["prompt"]),
            "material_html": render(data["material"]) if data.get("material") else "",
            "model_answer_html": render(data["model_answer"]), "reasons": list(data.get("reasons") or [])}


def _scenario_values(scenario, data: dict) -> dict:
    turns = [
        {**turn, "persona": source.get("persona", turn["persona"]), "hint": source.get("hint", turn.get("hint"))}
        for turn, source in zip(scenario.turns, data.get("turns") or [], strict=False)
    ]
    branches = [
        {**branch, "when": source.get("when", branch["when"]), "then": source.get("then", branch["then"])}
        for branch, source in zip(scenario.branches, data.get("branches") or [], strict=False)
    ]
    return {"title": data["title"], "brief": data.get("brief", scenario.brief),
            "actor_notes": data.get("actor_notes", scenario.actor_notes),
            "rater_notes": data.get("rater_notes", scenario.rater_notes),
            "skills": list(data.get("skills") or scenario.skills), "turns": turns, "branches": branches}


def _course_values(version: CourseVersion, files: _Files, language: str) -> dict:
    values: dict = {}
    course = files.yaml("course.yaml")
    if course:
        titles = {c["id"]: c for c in course.get("competencies") or []}
        values["title"] = course["title"]
        values["description"] = " ".join(str(course.get("description", version.description)).split())
        values["competencies"] = [
            {**c, "title": titles.get(c["id"], {}).get("title", c["title"]),
             "framework": titles.get(c["id"], {}).get("framework", c.get("framework"))}
            for c in version.competencies or []
        ]
    exam = files.yaml("exam.yaml")
    if exam and version.exam:
        values["exam"] = {**version.exam, "title": exam.get("title", version.exam["title"])}
    ethics = files.markdown("ethics-code.md")
    if ethics and version.ethics_code:
        front, body = ethics
        values["ethics_code"] = {**version.ethics_code, "title": front.get("title", version.ethics_code["title"]),
                                 "source": " ".join(str(front.get("source", "")).split())
                                 or version.ethics_code["source"],
                                 "html": markdown.render(body, language=language)}
    return values
