"""Reading knowledge checks (`quiz.yaml`) and the exam pool (`exam-items.yaml`): the same question format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lms.content.fields import EXAM_ITEMS_FIELDS, OPTION_FIELDS, QUESTION_FIELDS, QUIZ_FIELDS
from lms.content.reader import Reader
from lms.content.schema import ExamItemsSpec, Option, Question, QuestionType, QuizSpec
from lms.content.yaml_lines import line_of


class QuizReader(Reader):
    def quiz(self, path: Path, competency_ids: set[str]) -> QuizSpec | None:
        file = self.rel(path)
        raw = self.read_yaml(path)
        if raw is None:
            return None
        data = self.fields(raw, QUIZ_FIELDS, file, "", 1)
        if data is None:
            return None
        if not 1 <= data["pass_mark"] <= 100:
            self.error(file, line_of(raw, "pass_mark", 1), '"pass_mark" should be a percentage from 1 to 100')
        if data["cooldown_minutes"] < 0:
            self.error(file, line_of(raw, "cooldown_minutes", 1), '"cooldown_minutes" cannot be negative')
        if data["minutes"] < 0:
            self.error(file, line_of(raw, "minutes", 1), '"minutes" cannot be negative')
        values = data["questions"]
        if not values:
            self.error(file, line_of(raw, "questions", 1), "a knowledge check needs at least one question")
        questions = self.questions(values, file, competency_ids)
        lines = {key: line_of(raw, key, 1) for key in QUIZ_FIELDS}
        return QuizSpec(data["pass_mark"], data["cooldown_minutes"], tuple(questions), file, data["minutes"], lines)

    def exam_items(self, path: Path, competency_ids: set[str]) -> ExamItemsSpec | None:
        file = self.rel(path)
        raw = self.read_yaml(path)
        if raw is None:
            return None
        data = self.fields(raw, EXAM_ITEMS_FIELDS, file, "", 1)
        if data is None:
            return None
        items = self.questions(data["items"], file, competency_ids)
        for question in items:
            if not question.competency:
                self.error(file, question.line, f'item {question.id}: missing key "competency" '
                                                "(every exam item names the competency it assesses)")
        return ExamItemsSpec(tuple(items), file)

    def questions(self, values: list, file: str, competency_ids: set[str]) -> list[Question]:
        questions = []
        for index, item in enumerate(values):
            question = self.question(item, file, line_of(values, index, None), index, competency_ids)
            if question is not None:
                questions.append(question)
        return questions

    def _options(self, values: list, file: str, line: int | None, label: str):
        """A question's options as read, and (id, line) of each for the uniqueness check."""
        options: list[Option] = []
        option_lines: list[tuple[str, int | None]] = []
        for option_index, option_item in enumerate(values):
            option_line = line_of(values, option_index, line)
            raw_id = option_item.get("id") if isinstance(option_item, dict) else None
            if isinstance(raw_id, bool):
                value = str(raw_id).lower()
                self.error(file, line_of(option_item, "id", option_line),
                           f'{label}: option id {value} should be text: quote it, like id: "{value}"')
                continue
            option_label = f"{label}, option {raw_id if isinstance(raw_id, str) else option_index + 1}"
            option = self.fields(option_item, OPTION_FIELDS, file, option_label, option_line)
            if option is None:
                continue
            options.append(Option(option["id"], option["text"], option["correct"], option["feedback"]))
            option_lines.append((option["id"], line_of(option_item, "id", option_line)))
        return options, option_lines

    def question(self, item: Any, file: str, line: int | None, index: int,
                 competency_ids: set[str]) -> Question | None:
        given = item.get("id") if isinstance(item, dict) else None
        label = f"question {given if isinstance(given, str) else index + 1}"
        data = self.fields(item, QUESTION_FIELDS, file, label, line)
        if data is None:
            return None
        qtype = self.enum(QuestionType, data["type"], file, line_of(item, "type", line), "type", label)
        if qtype is QuestionType.BEST_RESPONSE and not data["scenario"]:
            self.error(file, line_of(item, "type", line),
                       f'{label}: best_response questions need a "scenario" (the situation the response answers)')
        if qtype is not None and qtype is not QuestionType.BEST_RESPONSE and data["scenario"]:
            self.error(file, line_of(item, "scenario", line),
                       f'{label}: "scenario" is only used by best_response questions')
        if data["competency"]:
            self.check_competencies([data["competency"]], None, file, label, line_of(item, "competency", line),
                                    competency_ids)
        values = data["options"]
        options, option_lines = self._options(values, file, line, label)
        self.check_unique(option_lines, file, "option id", label)
        if len(values) < 2:
            self.error(file, line_of(item, "options", line), f"{label}: a question needs at least two options")
        if qtype is None or len(options) != len(values):
            return None
        correct = sum(1 for option in options if option.correct)
        options_line = line_of(item, "options", line)
        if correct == 0:
            self.error(file, options_line, f"{label}: no option is marked \"correct: true\"")
        elif qtype.single_answer and correct > 1:
            self.error(file, options_line,
                       f"{label}: {correct} options are marked correct, but a {qtype} question has exactly one")
        if qtype is QuestionType.TRUE_FALSE and {o.id for o in options} != {"true", "false"}:
            self.error(file, options_line, f'{label}: true_false options must have the ids "true" and "false"')
        return Question(data["id"], qtype, data["prompt"], tuple(options), data["scenario"],
                        line=line_of(item, "id", line), competency=data["competency"])
