"""The grouped queries behind item analysis: the same few statements whatever the number of attempts.

Which attempts count: each enrolment's FIRST submitted attempt (for the exam, its first submitted
attempt that was not voided). Later attempts come after feedback and a second look at the material, so
they measure memory of the first try as much as the competency; first attempts are the psychometric
standard. Answers are JSON, which SQLite and PostgreSQL read differently: one query fetches each counted
attempt's answers and the scoring happens in Python (`statistics`), so the statement count stays fixed.

`scope` is `permissions.item_analysis_trainee_ids(user)`: a select of the trainee ids whose attempts
count, or None for everyone's.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from types import ModuleType

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.item_analysis.statistics import AttemptResponses, ItemKey, ItemResponse
from lms.learning import scoring
from lms.models import CourseVersion, Enrolment, ExamItem, Module, Quiz, QuizAttempt


def exam_models() -> ModuleType | None:
    """The summative exam's tables (`lms.models.exams`), or None where they do not exist yet.
    The one place that asks: the exam pages, the index and the tests all go through it."""
    if importlib.util.find_spec("lms.models.exams") is None:
        return None
    return importlib.import_module("lms.models.exams")


@dataclass(frozen=True)
class AssessedItem:
    """An item as the page names it: its key, its words, and where it is written in courses/."""

    key: ItemKey
    prompt: str
    option_texts: dict[str, str]
    module_title: str
    source_file: str | None
    source_line: int | None


@dataclass
class CourseAssessments:
    """One course version on the index: its knowledge checks and its exam, with counted attempts."""

    id: int
    title: str
    version: str
    is_live: bool
    quizzes: list[dict] = field(default_factory=list)  # {id, module_title, attempts}
    exam_items: int = 0
    exam_attempts: int | None = None  # None: the exam tables are not there


def assessed_item(question: dict, module_title: str, competency: str = "") -> AssessedItem:
    source = question.get("source") or {}  # content synced before sources were stored has none
    options = question.get("options", [])
    key = ItemKey(question["id"], tuple(o["id"] for o in options),
                  frozenset(o["id"] for o in options if o.get("correct")),
                  competency or question.get("competency", ""))
    return AssessedItem(key, question.get("prompt", ""), {o["id"]: o.get("text", "") for o in options},
                        module_title, source.get("file"), source.get("line"))


def _in_scope(query: sa.Select, enrolment_id, scope: sa.Select | None) -> sa.Select:
    if scope is None:
        return query
    return query.join(Enrolment, Enrolment.id == enrolment_id).where(Enrolment.user_id.in_(scope))


def get_quiz(quiz_id: int) -> Quiz | None:
    return db.session.scalar(
        sa.select(Quiz).where(Quiz.id == quiz_id)
        .options(so.joinedload(Quiz.module).joinedload(Module.course_version))
    )


def knowledge_check(quiz: Quiz, scope: sa.Select | None) -> tuple[list[AssessedItem], list[AttemptResponses]]:
    """The quiz's questions and each counted attempt's responses: one query for the attempts."""
    items = [assessed_item(question, quiz.module.title) for question in quiz.questions]
    first = (sa.select(sa.func.min(QuizAttempt.id))
             .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.submitted_at.is_not(None))
             .group_by(QuizAttempt.enrolment_id))
    query = _in_scope(sa.select(QuizAttempt.id, QuizAttempt.answers).where(QuizAttempt.id.in_(first)),
                      QuizAttempt.enrolment_id, scope).order_by(QuizAttempt.id)
    attempts = []
    for attempt_id, answers in db.session.execute(query):
        answers = answers or {}
        attempts.append(AttemptResponses(attempt_id, {
            question["id"]: ItemResponse(scoring.is_correct(question, answers.get(question["id"], [])),
                                         frozenset(answers.get(question["id"], [])))
            for question in quiz.questions  # every attempt presents every question of its check
        }))
    return items, attempts


def exam(course_version_id: int, scope: sa.Select | None,
         models: ModuleType) -> tuple[list[AssessedItem], list[AttemptResponses]]:
    """The exam pool's items and each counted attempt's answers: one query for the items, one for the answers.
    An attempt presents only the items drawn for it, so each item has its own number of attempts."""
    attempt, answer = models.ExamAttempt, models.ExamAnswer
    rows = db.session.execute(
        sa.select(ExamItem, Module.title).join(Module, Module.id == ExamItem.module_id)
        .where(ExamItem.course_version_id == course_version_id).order_by(Module.position, ExamItem.id)
    ).all()
    items = [assessed_item(item.question, module_title, item.competency) for item, module_title in rows]
    by_id = {item.id: (assessed.key.id, item.question) for (item, _), assessed in zip(rows, items, strict=True)}
    first = (sa.select(sa.func.min(attempt.id))
             .where(attempt.course_version_id == course_version_id, attempt.submitted_at.is_not(None),
                    attempt.voided_at.is_(None))
             .group_by(attempt.enrolment_id))
    query = (sa.select(answer.attempt_id, answer.exam_item_id, answer.selected, answer.is_correct)
             .join(attempt, attempt.id == answer.attempt_id).where(answer.attempt_id.in_(first)))
    query = _in_scope(query, attempt.enrolment_id, scope).order_by(answer.attempt_id)
    responses: dict[int, dict[str, ItemResponse]] = {}
    for attempt_id, exam_item_id, selected, is_correct in db.session.execute(query):
        if exam_item_id not in by_id:
            continue
        item_id, question = by_id[exam_item_id]
        chosen = list(selected or [])
        correct = is_correct if is_correct is not None else scoring.is_correct(question, chosen)
        responses.setdefault(attempt_id, {})[item_id] = ItemResponse(bool(correct), frozenset(chosen))
    return items, [AttemptResponses(attempt_id, found) for attempt_id, found in responses.items()]


def assessments(scope: sa.Select | None) -> list[CourseAssessments]:
    """Every course version with a knowledge check or an exam pool, and the attempts counted in `scope`."""
    quiz_rows = db.session.execute(
        sa.select(Quiz.id, Module.title, Module.course_version_id).join(Module, Module.id == Quiz.module_id)
        .order_by(Module.position)
    ).all()
    pool = dict(db.session.execute(
        sa.select(ExamItem.course_version_id, sa.func.count()).group_by(ExamItem.course_version_id)
    ).all())
    version_ids = {row.course_version_id for row in quiz_rows} | set(pool)
    versions = db.session.scalars(
        sa.select(CourseVersion).where(CourseVersion.id.in_(version_ids))
        .order_by(CourseVersion.title, CourseVersion.id.desc())
    ).all()
    quiz_counts = dict(db.session.execute(_in_scope(
        sa.select(QuizAttempt.quiz_id, sa.func.count(sa.distinct(QuizAttempt.enrolment_id)))
        .where(QuizAttempt.submitted_at.is_not(None)), QuizAttempt.enrolment_id, scope
    ).group_by(QuizAttempt.quiz_id)).all())
    exam_counts = _exam_counts(scope)
    listed = {v.id: CourseAssessments(v.id, v.title, v.version, v.is_live, exam_items=pool.get(v.id, 0))
              for v in versions}
    for row in quiz_rows:
        listed[row.course_version_id].quizzes.append(
            {"id": row.id, "module_title": row.title, "attempts": quiz_counts.get(row.id, 0)})
    for entry in listed.values():
        if exam_counts is not None and entry.exam_items:
            entry.exam_attempts = exam_counts.get(entry.id, 0)
    return list(listed.values())


def _exam_counts(scope: sa.Select | None) -> dict[int, int] | None:
    models = exam_models()
    if models is None:
        return None
    attempt = models.ExamAttempt
    query = _in_scope(
        sa.select(attempt.course_version_id, sa.func.count(sa.distinct(attempt.enrolment_id)))
        .where(attempt.submitted_at.is_not(None), attempt.voided_at.is_(None)), attempt.enrolment_id, scope
    ).group_by(attempt.course_version_id)
    return dict(db.session.execute(query).all())
