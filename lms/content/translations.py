"""The rule for a course translation: the same course in another language, file for file.

A translation lives in ``courses/<course>/translations/<language>/`` and mirrors the course's own files
(course.yaml, exam.yaml, ethics-code.md, rubrics, and per module module.yaml, lessons, exercises, quiz.yaml,
exam-items.yaml and scenarios). Only prose is translated: the values of the keys in ``PROSE_KEYS`` and the
Markdown bodies. Everything else (ids, option ids, which option is correct, competencies, minutes, pass
marks, links, images) must be exactly the source's, so that progress, attempts, exams, item analysis and
certificates are shared between languages. Reference transcripts (``*.references.yaml``) are not
translated: their scores were given to the English replies.

This module is pure (PyYAML and the standard library only), so that a translator can run it on its own:
``python3 lms/content/translations.py courses/peer-specialist-core es``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Keys whose values are prose a reader sees. A list under one of them is a list of prose strings.
PROSE_KEYS = frozenset({
    "title", "description", "summary", "live_topics", "prompt", "scenario", "text", "feedback", "brief",
    "actor_notes", "rater_notes", "when", "then", "skills", "hint", "persona", "material", "model_answer",
    "reasons", "scoring_rule", "framework", "source",
})
# Keys whose children are all prose (the rubric's level anchors, keyed by level number).
PROSE_PARENTS = frozenset({"levels"})

TRANSLATION_FILE = "translation.yaml"
STATUSES = ("complete", "in-progress")

FENCE = re.compile(r"^:::\s*([a-z-]*)\s*$")
HEADING = re.compile(r"^(#{2,6})\s")
LINK_TARGET = re.compile(r"\]\(([^)\s]+)")


@dataclass
class Finding:
    file: str
    message: str
    error: bool = True

    def __str__(self) -> str:
        return f"{'error' if self.error else 'warning'}: {self.file}: {self.message}"


@dataclass
class TranslationReport:
    language: str
    status: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.error]


def translatable_files(course_dir: Path) -> list[str]:
    """The course's files a translation must mirror, as paths relative to the course folder."""
    names = []
    for name in ("course.yaml", "exam.yaml", "ethics-code.md"):
        if (course_dir / name).is_file():
            names.append(name)
    names += sorted(str(p.relative_to(course_dir)) for p in (course_dir / "rubrics").glob("*.yaml"))
    for module in sorted((course_dir / "modules").glob("*/")):
        for pattern in ("module.yaml", "quiz.yaml", "exam-items.yaml", "lessons/*.md", "exercises/*.yaml",
                        "scenarios/*.yaml"):
            for path in sorted(module.glob(pattern)):
                if not path.name.endswith(".references.yaml"):
                    names.append(str(path.relative_to(course_dir)))
    return names


def compare_yaml(source, translation, where: str = "") -> list[str]:
    """What differs between a source document and its translation, apart from translated prose."""
    return _compare(source, translation, where, prose=False)


def _compare(source, translation, where: str, prose: bool) -> list[str]:
    if isinstance(source, dict):
        return _compare_mapping(source, translation, where)
    if isinstance(source, list):
        return _compare_list(source, translation, where, prose)
    if prose and isinstance(source, str):
        if not isinstance(translation, str) or (source.strip() and not translation.strip()):
            return [f"{where}: the translation is empty"]
        return []
    if source != translation:
        return [f"{where}: must stay {source!r} as in the source (found {translation!r})"]
    return []


def _compare_mapping(source: dict, translation, where: str) -> list[str]:
    name = where or "the file"
    if not isinstance(translation, dict):
        return [f"{name}: should be a mapping, as in the source"]
    problems = []
    missing = [str(k) for k in source if k not in translation]
    extra = [str(k) for k in translation if k not in source]
    if missing:
        problems.append(f"{name}: missing {', '.join(missing)}")
    if extra:
        problems.append(f"{name}: not in the source: {', '.join(extra)}")
    parent = where.rsplit(".", 1)[-1]
    for key in source:
        if key in translation:
            child = f"{where}.{key}" if where else str(key)
            problems += _compare(source[key], translation[key], child, key in PROSE_KEYS or parent in PROSE_PARENTS)
    return problems


def _compare_list(source: list, translation, where: str, prose: bool) -> list[str]:
    if not isinstance(translation, list):
        return [f"{where}: should be a list, as in the source"]
    if len(source) != len(translation):
        return [f"{where}: has {len(translation)} entries; the source has {len(source)}"]
    problems = []
    for index, (s, t) in enumerate(zip(source, translation, strict=True)):
        label = s.get("id", index) if isinstance(s, dict) else index
        problems += _compare(s, t, f"{where}[{label}]", prose)
    return problems


def split_front_matter(text: str) -> tuple[dict | None, str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            return yaml.safe_load("\n".join(lines[1:end]) or "{}"), "\n".join(lines[end + 1:])
    return None, text


def markdown_shape(body: str) -> dict:
    """What a translated Markdown body must keep: its blocks, its heading levels and its link targets."""
    fences, headings, targets = [], [], []
    for line in body.splitlines():
        fence = FENCE.match(line.strip())
        if fence:
            fences.append(fence.group(1) or "end")
        heading = HEADING.match(line)
        if heading:
            headings.append(len(heading.group(1)))
        targets += [t for t in LINK_TARGET.findall(line) if not t.startswith(("http://", "https://", "mailto:"))]
    return {"blocks": fences, "headings": headings, "links": sorted(targets)}


def compare_markdown(source_text: str, translation_text: str, has_front_matter: bool) -> list[str]:
    problems = []
    source_body, translation_body = source_text, translation_text
    if has_front_matter:
        source_front, source_body = split_front_matter(source_text)
        translation_front, translation_body = split_front_matter(translation_text)
        if translation_front is None:
            return ["missing front matter"]
        problems += compare_yaml(source_front or {}, translation_front, "front matter")
    if source_body.strip() and not translation_body.strip():
        return problems + ["the text is empty"]
    source_shape, translation_shape = markdown_shape(source_body), markdown_shape(translation_body)
    names = {"blocks": "::: blocks", "headings": "heading levels", "links": "link and image targets"}
    for key, name in names.items():
        if source_shape[key] != translation_shape[key]:
            problems.append(f"its {name} differ from the source's: {translation_shape[key]} against "
                            f"{source_shape[key]}")
    return problems


def check_translation(course_dir: Path, language: str) -> TranslationReport:
    """Every finding for one language of one course."""
    folder = course_dir / "translations" / language
    report = TranslationReport(language)
    base = f"translations/{language}"
    try:
        meta = yaml.safe_load((folder / TRANSLATION_FILE).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        report.findings.append(Finding(f"{base}/{TRANSLATION_FILE}", f"cannot be read: {error}"))
        return report
    if not isinstance(meta, dict):
        meta = {}
    report.status = str(meta.get("status", ""))
    if report.status not in STATUSES:
        report.findings.append(Finding(f"{base}/{TRANSLATION_FILE}", f"status should be one of {', '.join(STATUSES)}"))
    if meta.get("language") != language:
        report.findings.append(Finding(f"{base}/{TRANSLATION_FILE}", f"language should be {language!r}"))
    expected = translatable_files(course_dir)
    for name in expected:
        target = folder / name
        file = f"{base}/{name}"
        if not target.is_file():
            report.findings.append(Finding(file, "missing: every file of the course needs its translation",
                                           error=report.status != "in-progress"))
            continue
        try:
            source_text = (course_dir / name).read_text(encoding="utf-8")
            translation_text = target.read_text(encoding="utf-8")
            if name.endswith(".md"):
                with_front = "/lessons/" in name or name == "ethics-code.md"
                problems = compare_markdown(source_text, translation_text, has_front_matter=with_front)
            else:
                problems = compare_yaml(yaml.safe_load(source_text), yaml.safe_load(translation_text))
        except (UnicodeDecodeError, yaml.YAMLError) as error:
            problems = [f"cannot be read: {str(error).splitlines()[0]}"]
        report.findings += [Finding(file, problem) for problem in problems]
    known = set(expected) | {TRANSLATION_FILE}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        if path.is_file() and relative not in known:
            report.findings.append(Finding(f"{base}/{relative}", "the course has no such file to translate"))
    return report


def languages_of(course_dir: Path) -> list[str]:
    folder = course_dir / "translations"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


if __name__ == "__main__":  # a translator's own check: python3 lms/content/translations.py <course folder> <lang>
    result = check_translation(Path(sys.argv[1]), sys.argv[2])
    only = sys.argv[3:]
    shown = [f for f in result.findings if not only or any(f.file.startswith(f"translations/{sys.argv[2]}/{o}")
                                                           for o in only)]
    print("\n".join(map(str, shown)) or "no findings")
    sys.exit(1 if any(f.error for f in shown) else 0)
