"""Knowledge checks: attempts with their own shuffled layout, server-side scoring, retakes after a wait,
and the review of a submitted attempt.

Services add and flush; the caller commits. Refusals raise lms.errors exceptions.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from lms.errors import Conflict, InvalidInput, TooSoon
from lms.extensions import db
from lms.guarded_update import guarded_update
from lms.learning import scoring
from lms.learning.completion import refresh_module_progress
from lms.models import Enrolment, Quiz, QuizAttempt, utcnow
from lms.signals import quiz_submitted


class InvalidAnswers(InvalidInput):
    """A quiz form that does not fit its attempt (an answer to a question not in it, say)."""


class IncompleteAnswers(InvalidInput):
    """Questions left unanswered: the form is shown again with the answers given so far."""

    def __init__(self, message: str, question_ids: list[str], answers: dict[str, list[str]]):
        super().__init__(message)
        self.question_ids = question_ids
        self.answers = answers


class AlreadySubmitted(Conflict):
    pass


def submitted_attempts(enrolment: Enrolment, quiz: Quiz) -> list[QuizAttempt]:
    """Every submitted attempt, newest first (all are kept)."""
    return list(
        db.session.scalars(
            sa.select(QuizAttempt)
            .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id,
                   QuizAttempt.submitted_at.is_not(None))
            .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
        )
    )


def open_attempt(enrolment: Enrolment, quiz: Quiz) -> QuizAttempt | None:
    return db.session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id,
            QuizAttempt.submitted_at.is_(None),
        )
    )


def retake_available_at(enrolment: Enrolment, quiz: Quiz) -> datetime | None:
    """When a failed attempt's cooldown ends (None: no wait)."""
    if not quiz.cooldown_minutes:
        return None
    last = db.session.scalar(
        sa.select(QuizAttempt)
        .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id,
               QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at.desc())
        .limit(1)
    )
    if last is None or last.passed:
        return None
    return last.submitted_at + timedelta(minutes=quiz.cooldown_minutes)


def wait_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    if minutes >= 120:
        return ngettext("You can retake this knowledge check in %(num)s hour. Use the time to review the lessons.",
                        "You can retake this knowledge check in %(num)s hours. Use the time to review the lessons.",
                        math.ceil(minutes / 60))
    return ngettext("You can retake this knowledge check in %(num)s minute. Use the time to review the lessons.",
                    "You can retake this knowledge check in %(num)s minutes. Use the time to review the lessons.",
                    minutes)


def retake_wait(enrolment: Enrolment, quiz: Quiz, now: datetime | None = None) -> str | None:
    """Why the trainee must wait before another attempt, or None when they may start one now."""
    now = now or utcnow()
    until = retake_available_at(enrolment, quiz)
    return wait_message(until, now) if until is not None and until > now else None


def start_attempt(enrolment: Enrolment, quiz: Quiz, *, now: datetime | None = None,
                  rng: random.Random | None = None) -> QuizAttempt:
    """Open an attempt with its own shuffled layout, or return the one already open."""
    now = now or utcnow()
    current = open_attempt(enrolment, quiz)
    if current is not None:
        return current
    wait = retake_wait(enrolment, quiz, now)
    if wait is not None:
        raise TooSoon(wait)
    attempt = QuizAttempt(
        enrolment_id=enrolment.id,
        quiz_id=quiz.id,
        started_at=now,
        layout=scoring.make_layout(quiz.questions, rng),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        # The partial unique index allows one open attempt: a double click gets the same one.
        current = open_attempt(enrolment, quiz)
        if current is None:
            raise
        return current
    return attempt


def _answer_error_message(error: scoring.AnswerError) -> str:
    messages = {
        "unknown_question": _("An answer was sent for a question that is not part of this attempt."),
        "unknown_option": _("An answer was sent with an option that is not part of its question."),
        "several_answers": _("Only one answer can be chosen for this question."),
    }
    return messages.get(error.code, str(error))


def submit_attempt(attempt: QuizAttempt, submitted: dict[str, list[str]], *,
                   now: datetime | None = None) -> QuizAttempt:
    """Score an open attempt on the server and close it; a second submission is refused.

    Raises InvalidAnswers (400) for answers that do not fit the attempt, IncompleteAnswers for
    unanswered questions, AlreadySubmitted when the attempt was closed meanwhile.
    """
    now = now or utcnow()
    if attempt.submitted_at is not None:
        raise AlreadySubmitted(_("This attempt was already submitted; here are its results."))
    quiz = attempt.quiz
    try:
        answers, unanswered = scoring.check_answers(attempt.layout, quiz.questions, submitted)
    except scoring.AnswerError as error:
        raise InvalidAnswers(_answer_error_message(error)) from error
    if unanswered:
        raise IncompleteAnswers(
            ngettext("Answer every question before submitting: %(num)s is still unanswered.",
                     "Answer every question before submitting: %(num)s are still unanswered.", len(unanswered)),
            unanswered,
            answers,
        )
    result = scoring.score(attempt.layout, quiz.questions, answers, quiz.pass_mark)
    # The guard makes scoring happen once, whatever a double click or a second tab sends.
    if not guarded_update(attempt, QuizAttempt.submitted_at.is_(None), submitted_at=now, answers=answers,
                          score=result.percent, passed=result.passed):
        db.session.refresh(attempt)
        raise AlreadySubmitted(_("This attempt was already submitted; here are its results."))
    db.session.refresh(attempt)
    quiz_submitted.send(attempt)
    if result.passed:
        refresh_module_progress(attempt.enrolment, quiz.module, now=now)
    return attempt


@dataclass(frozen=True)
class OptionReview:
    id: str
    text: str
    correct: bool
    chosen: bool
    feedback: str


@dataclass(frozen=True)
class QuestionReview:
    number: int
    id: str
    type: str
    prompt: str
    scenario: str
    correct: bool
    options: tuple[OptionReview, ...]


def review(attempt: QuizAttempt) -> list[QuestionReview]:
    """A submitted attempt, question by question in the order shown, with every option's feedback."""
    if attempt.submitted_at is None:
        raise Conflict(_("Submit the knowledge check to see its feedback."))
    by_id = {question["id"]: question for question in attempt.quiz.questions}
    reviews = []
    for number, entry in enumerate(attempt.layout, start=1):
        question = by_id.get(entry["question"])
        if question is None:
            continue
        options = {option["id"]: option for option in question["options"]}
        chosen = set(attempt.answers.get(question["id"], []))
        reviews.append(
            QuestionReview(
                number=number,
                id=question["id"],
                type=question["type"],
                prompt=question["prompt"],
                scenario=question.get("scenario") or "",
                correct=scoring.is_correct(question, chosen),
                options=tuple(
                    OptionReview(oid, options[oid]["text"], options[oid]["correct"], oid in chosen,
                                 options[oid]["feedback"])
                    for oid in entry["options"]
                    if oid in options
                ),
            )
        )
    return reviews


@dataclass(frozen=True)
class ShownOption:
    id: str
    text: str


@dataclass(frozen=True)
class ShownQuestion:
    """What the quiz form may show: never which option is correct, never the feedback."""

    number: int
    id: str
    type: str
    prompt: str
    scenario: str
    options: tuple[ShownOption, ...]

    @property
    def multiple(self) -> bool:
        return self.type == "multiple"


def questions_for_form(attempt: QuizAttempt) -> list[ShownQuestion]:
    by_id = {question["id"]: question for question in attempt.quiz.questions}
    shown = []
    for number, entry in enumerate(attempt.layout, start=1):
        question = by_id[entry["question"]]
        options = {option["id"]: option for option in question["options"]}
        shown.append(
            ShownQuestion(
                number=number,
                id=question["id"],
                type=question["type"],
                prompt=question["prompt"],
                scenario=question.get("scenario") or "",
                options=tuple(ShownOption(oid, options[oid]["text"]) for oid in entry["options"]),
            )
        )
    return shown


def get_attempt(attempt_id: int, enrolment: Enrolment, quiz: Quiz) -> QuizAttempt | None:
    """An attempt that belongs to this enrolment and quiz (anyone else's is not found)."""
    return db.session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.id == attempt_id, QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id
        )
    )
