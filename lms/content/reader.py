"""The shared base of the course readers: reading files, collecting errors with file and line.

The loader is split by kind of file (quizzes, scenarios, exercises and the exam files) into mixins
of `Reader`; they share its error list and the bytes read (for the content hash).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lms.content import markdown, yaml_lines
from lms.content.fields import F, check_fields, choices
from lms.content.schema import CALLOUTS, SLUG_PATTERN, Asset, ContentError
from lms.content.yaml_lines import describe, line_of

_SLUG = re.compile(SLUG_PATTERN)
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
IMAGE_MAX_BYTES = 2 * 1024 * 1024


class Reader:
    """Reads one course folder; collects errors and warnings as it goes."""

    def __init__(self, root: Path, folder: Path):
        self.root = root
        self.folder = folder
        self.errors: list[ContentError] = []
        self.warnings: list[ContentError] = []
        self.files: dict[str, bytes] = {}

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
        return yaml_lines.parse(text, file, self.error, line_offset)

    def read_yaml(self, path: Path) -> Any:
        text = self.read_text(path)
        if text is None:
            return None
        return self.parse_yaml(text, self.rel(path))

    def front_matter(self, path: Path) -> tuple[Any, str, int] | None:
        """A Markdown file's front matter (parsed), its body and the line the body starts on."""
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
        return front, "\n".join(lines[end + 1:]) + "\n", end + 2

    def markdown_document(self, path: Path, spec: dict[str, F]) -> tuple[Any, dict | None, str, int, Any] | None:
        """A Markdown file with front matter: (front matter, its fields checked or None, body, the body's first
        line, what `markdown.inspect` found in the body). Unknown callouts are reported here, for every kind."""
        file = self.rel(path)
        parsed = self.front_matter(path)
        if parsed is None:
            return None
        front, body, body_line = parsed
        meta = self.fields(front, spec, file, "front matter", 2) if front is not None else None
        report = markdown.inspect(body, line_offset=body_line - 1)
        for name, callout_line in report.unknown_callouts:
            self.error(file, callout_line, f'unknown callout "{name}" (use {", ".join(CALLOUTS)})')
        return front, meta, body, body_line, report

    # -- checking shapes --
    def fields(self, value: Any, spec: dict[str, F], file: str, where: str, line: int | None) -> dict | None:
        return check_fields(value, spec, file, where, line, self.error)

    def text_list(self, values: Any, file: str, where: str, key: str, line: int | None) -> list[str]:
        result = []
        for index, item in enumerate(values or []):
            if not isinstance(item, str) or not item.strip():
                self.error(file, line_of(values, index, line),
                           f'{where + ": " if where else ""}each item of "{key}" should be text, not {describe(item)}')
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

    def check_competencies(self, values: list[str], raw: Any, file: str, where: str, line: int | None,
                           known: set[str]) -> None:
        for index, competency in enumerate(values):
            if competency not in known:
                declared = ", ".join(sorted(known)) or "none"
                self.error(file, line_of(raw, index, line),
                           f'{where + ": " if where else ""}unknown competency "{competency}" '
                           f'(course.yaml declares: {declared})')

    def positive(self, value: Any, file: str, line: int | None, key: str, where: str = "") -> None:
        if isinstance(value, int) and value <= 0:
            self.error(file, line, f'{where + ": " if where else ""}"{key}" should be more than 0')

    def enum(self, enum_type, value: Any, file: str, line: int | None, key: str, where: str = ""):
        if not isinstance(value, str):
            return None
        try:
            return enum_type(value)
        except ValueError:
            prefix = f"{where}: " if where else ""
            self.error(file, line, f'{prefix}unknown {key} "{value}" (use {choices(enum_type)})')
            return None

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
