"""Reading practice exercises (`modules/<m>/exercises/<id>.yaml`)."""

from __future__ import annotations

from pathlib import Path

from lms.content.fields import EXERCISE_FIELDS
from lms.content.reader import Reader
from lms.content.schema import ExerciseSpec, ReviewMode
from lms.content.yaml_lines import line_of


class ExerciseReader(Reader):
    def exercise(self, path: Path, competency_ids: set[str]) -> ExerciseSpec | None:
        file = self.rel(path)
        raw = self.read_yaml(path)
        if raw is None:
            return None
        data = self.fields(raw, EXERCISE_FIELDS, file, "", 1)
        if data is None:
            return None
        line = raw.line_of
        label = f"exercise {data['id']}"
        if data["id"] != path.stem:
            self.error(file, line("id"), f'exercise id "{data["id"]}" does not match the file name "{path.name}"')
        self.check_slug(data["id"], file, line("id"), "exercise id")
        self.positive(data["minutes"], file, line("minutes"), "minutes", label)
        competencies = self.text_list(data["competencies"], file, label, "competencies", line("competencies"))
        self.check_competencies(competencies, data["competencies"], file, label, line("competencies"), competency_ids)
        review = self.enum(ReviewMode, data["review"], file, line("review"), "review", label)
        reasons = self.text_list(data["reasons"], file, label, "reasons", line("reasons"))
        if not data["reasons"]:
            self.error(file, line("reasons"), f"{label}: give at least one reason why the model answer works")
        if review is None or len(reasons) != len(data["reasons"]):
            return None
        return ExerciseSpec(
            id=data["id"], title=data["title"], minutes=data["minutes"], competencies=tuple(competencies),
            review=review, prompt=data["prompt"], material=data["material"], model_answer=data["model_answer"],
            reasons=tuple(reasons), source=file, line=line_of(raw, "id", 1),
        )
