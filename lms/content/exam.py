"""Reading the course-level files of the summative exam (issue 15): `exam.yaml` and `ethics-code.md`."""

from __future__ import annotations

import re

from lms.content.fields import ETHICS_FIELDS, EXAM_FIELDS, type_ok
from lms.content.reader import Reader
from lms.content.schema import EthicsCodeSpec, ExamSpec
from lms.content.yaml_lines import line_of

_PROVISION = r"^\s*\d+[.)]\s+\S"


class ExamReader(Reader):
    def exam(self, competency_ids: set[str]) -> ExamSpec | None:
        path = self.folder / "exam.yaml"
        if not path.is_file():
            return None
        file = self.rel(path)
        raw = self.read_yaml(path)
        if raw is None:
            return None
        data = self.fields(raw, EXAM_FIELDS, file, "", 1)
        if data is None:
            return None
        line = raw.line_of
        if not 1 <= data["pass_mark"] <= 100:
            self.error(file, line("pass_mark"), '"pass_mark" should be a percentage from 1 to 100')
        for key in ("time_limit_minutes", "attempts", "minutes"):
            self.positive(data[key], file, line(key), key)
        if data["wait_hours"] < 0:
            self.error(file, line("wait_hours"), '"wait_hours" cannot be negative')
        blueprint = {}
        for key, value in data["blueprint"].items():
            key_line = line_of(data["blueprint"], key, line("blueprint"))
            if key not in competency_ids:
                declared = ", ".join(sorted(competency_ids)) or "none"
                self.error(file, key_line, f'blueprint: unknown competency "{key}" (course.yaml declares: {declared})')
            elif not type_ok("int", value) or value <= 0:
                self.error(file, key_line, f'blueprint: the number of items for "{key}" should be more than 0')
            else:
                blueprint[key] = value
        if not data["blueprint"]:
            self.error(file, line("blueprint"), "blueprint: say how many items to draw for each competency")
        return ExamSpec(data["title"], data["pass_mark"], data["time_limit_minutes"], data["attempts"],
                        float(data["wait_hours"]), data["minutes"], blueprint, file,
                        {key: line(key) for key in EXAM_FIELDS})

    def ethics_code(self) -> EthicsCodeSpec | None:
        path = self.folder / "ethics-code.md"
        if not path.is_file():
            return None
        file = self.rel(path)
        document = self.markdown_document(path, ETHICS_FIELDS)
        if document is None:
            return None
        _front, meta, body, body_line, _report = document
        if not re.search(_PROVISION, body, re.MULTILINE):
            self.error(file, body_line, "the code of ethics needs numbered provisions (1. ..., 2. ...)")
        if meta is None:
            return None
        return EthicsCodeSpec(meta["title"], meta["version"], meta["source"], body, file)
