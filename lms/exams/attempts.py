"""Taking the exam: start an attempt with its own form, save each answer, submit (or let the deadline do it).

The server's clock decides: an attempt whose `deadline_at` has passed is submitted with the answers saved
before the deadline, whatever request touches it next (a save, the page, the overview, a new start).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms.errors import Conflict, InvalidInput, NotEligible, NotFound, TooSoon
from lms.exams import rules, sittings
from lms.extensions import db
from lms.guarded_update import guarded_update
from lms.models import Enrolment, ExamAccommodation, ExamAnswer, ExamAttempt, ExamItem, utcnow
from lms.signals import exam_submitted, requirement_met


class AlreadySubmitted(Conflict):
    """The attempt is closed (submitted by the trainee, or by its deadline)."""


def exam_of(enrolment: Enrolment) -> dict:
    exam = enrolment.course_version.exam
    if not exam:
        raise NotFound(_("This course has no exam."))
    return exam


def attempts_of(enrolment: Enrolment) -> list[ExamAttempt]:
    """Every attempt of the enrolment, first to last (voided ones included)."""
    return list(db.session.scalars(
        sa.select(ExamAttempt).where(ExamAttempt.enrolment_id == enrolment.id).order_by(ExamAttempt.number)
    ))


def open_attempt(enrolment: Enrolment) -> ExamAttempt | None:
    return db.session.scalar(
        sa.select(ExamAttempt).where(ExamAttempt.enrolment_id == enrolment.id, ExamAttempt.submitted_at.is_(None))
    )


def get_attempt(enrolment: Enrolment, attempt_id: int) -> ExamAttempt:
    """The enrolment's own attempt, with its answers and items; anyone else's is not found."""
    attempt = db.session.scalar(
        sa.select(ExamAttempt)
        .where(ExamAttempt.id == attempt_id, ExamAttempt.enrolment_id == enrolment.id)
        .options(so.selectinload(ExamAttempt.answers).joinedload(ExamAnswer.exam_item))
    )
    if attempt is None:
        raise NotFound(_("No such exam attempt."))
    return attempt


def time_multiplier(enrolment: Enrolment) -> Decimal:
    """The extra time most recently granted to the trainee (1 when none)."""
    latest = db.session.scalar(
        sa.select(ExamAccommodation.time_multiplier)
        .where(ExamAccommodation.enrolment_id == enrolment.id)
        .order_by(ExamAccommodation.granted_at.desc(), ExamAccommodation.id.desc())
        .limit(1)
    )
    return Decimal(latest) if latest is not None else Decimal("1")


def history(attempts: list[ExamAttempt]) -> list[rules.PastAttempt]:
    return [rules.PastAttempt(a.submitted_at, a.passed, a.voided) for a in attempts]


def start_rule(enrolment: Enrolment, attempts: list[ExamAttempt], now: datetime) -> rules.StartRule:
    exam = exam_of(enrolment)
    return rules.start_rule(history(attempts), attempts=exam["attempts"], wait_hours=exam["wait_hours"], now=now)


def refusal(rule: rules.StartRule, exam: dict):
    """The DomainError that says why another attempt cannot start (None when it can)."""
    if rule.allowed:
        return None
    if rule.reason == "passed":
        return NotEligible(_("You have passed this exam; there is no need to take it again."))
    if rule.reason == "no_attempts_left":
        return NotEligible(_("You have used all %(num)s attempts at this exam. Talk to your supervisor about "
                             "what comes next.", num=exam["attempts"]))
    return TooSoon(_("Your next attempt opens on %(when)s (%(hours)s hours after your last attempt). Use the "
                     "time to review the modules.", when=format_datetime(rule.opens_at, "full"),
                     hours=f"{exam['wait_hours']:g}"))


def start_attempt(enrolment: Enrolment, *, access_code: str = "", now: datetime | None = None,
                  rng: random.Random | None = None) -> ExamAttempt:
    """Open an attempt with its own form, or return the one already open (a double click, a second tab)."""
    now = now or utcnow()
    exam = exam_of(enrolment)
    current = open_attempt(enrolment)
    if current is not None and not close_if_expired(current, now):
        return current
    attempts = attempts_of(enrolment)
    error = refusal(start_rule(enrolment, attempts, now), exam)
    if error is not None:
        raise error
    sitting = sittings.open_sitting_for(enrolment, now)
    sittings.check_access_code(sitting, access_code)
    multiplier = time_multiplier(enrolment)
    attempt = ExamAttempt(
        enrolment_id=enrolment.id, course_version_id=enrolment.course_version_id, sitting_id=sitting.id,
        number=max((a.number for a in attempts), default=0) + 1, started_at=now,
        deadline_at=rules.deadline(now, exam["time_limit_minutes"], multiplier), time_multiplier=multiplier,
    )
    attempt.answers = [ExamAnswer(exam_item_id=drawn.key, position=drawn.position, option_order=drawn.option_order,
                                  selected=[]) for drawn in draw_form_for(enrolment, exam, rng)]
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        # One open attempt per enrolment (partial unique index), one number each: the racer gets the winner's.
        current = open_attempt(enrolment)
        if current is None:
            raise
        return current
    return attempt


def draw_form_for(enrolment: Enrolment, exam: dict, rng) -> list[rules.DrawnItem]:
    pool = [rules.PoolItem(item.id, item.competency, item.question) for item in db.session.scalars(
        sa.select(ExamItem).where(ExamItem.course_version_id == enrolment.course_version_id))]
    try:
        return rules.draw_form(pool, exam["blueprint"], rng)
    except rules.PoolTooSmall as error:
        raise NotEligible(_("This exam cannot be drawn from its item pool; tell the course authors.")) from error


def _lock(attempt: ExamAttempt) -> ExamAttempt:
    """Re-read the attempt with a row lock (PostgreSQL): a save and a submission never interleave."""
    return db.session.execute(
        sa.select(ExamAttempt).where(ExamAttempt.id == attempt.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def close_if_expired(attempt: ExamAttempt, now: datetime | None = None) -> bool:
    """Submit an open attempt whose deadline has passed; True when the attempt is (now) closed."""
    now = now or utcnow()
    if attempt.submitted_at is not None:
        return True
    if now < attempt.deadline_at:
        return False
    _finish(attempt, now, auto=True)
    return True


def close_expired_attempts(now: datetime | None = None, *, enrolment_ids: list[int] | None = None) -> int:
    """Submit every attempt whose time ran out with nobody there to hand it in (the worker's recovery, so that
    a passed exam counts toward the certificate even if the trainee never comes back; or a supervisor, for
    their cohort's `enrolment_ids`). Returns how many."""
    now = now or utcnow()
    query = sa.select(ExamAttempt).where(ExamAttempt.submitted_at.is_(None), ExamAttempt.deadline_at <= now)
    if enrolment_ids is not None:
        query = query.where(ExamAttempt.enrolment_id.in_(enrolment_ids))
    expired = list(db.session.scalars(query))
    return sum(1 for attempt in expired if _finish(_lock(attempt), now, auto=True))


def save_answers(attempt: ExamAttempt, chosen: dict[int, list[int]], *,
                 now: datetime | None = None) -> list[ExamAnswer]:
    """Store the trainee's choices, {position: [places of the options as shown]}, in one locked step.
    After the deadline nothing is stored: the attempt is submitted with what was saved before it."""
    now = now or utcnow()
    attempt = _lock(attempt)
    if attempt.submitted_at is not None:
        raise AlreadySubmitted(_("This attempt was already submitted; here is its result."))
    if close_if_expired(attempt, now):
        raise AlreadySubmitted(_("Time is up: the exam was submitted with the answers saved before the deadline."))
    by_position = {answer.position: answer for answer in attempt.answers}
    saved = []
    for position, places in sorted(chosen.items()):
        answer = by_position.get(position)
        if answer is None:
            raise InvalidInput(_("This question is not part of your exam."))
        try:
            selected = rules.selected_options(answer.exam_item.question, answer.option_order, places)
        except rules.AnswerRefused as error:
            raise InvalidInput(_("Only one answer can be chosen for this question.")
                               if error.code == "several_answers"
                               else _("That option is not part of this question.")) from error
        if selected != answer.selected or answer.saved_at is None:
            answer.selected = selected
            answer.saved_at = now
        saved.append(answer)
    db.session.flush()
    return saved


def submit_attempt(attempt: ExamAttempt, *, now: datetime | None = None) -> ExamAttempt:
    """The trainee hands in the exam (after the deadline it counts as submitted by the deadline)."""
    now = now or utcnow()
    attempt = _lock(attempt)
    if attempt.submitted_at is not None or not _finish(attempt, now, auto=now >= attempt.deadline_at):
        raise AlreadySubmitted(_("This attempt was already submitted; here is its result."))
    return attempt


def _finish(attempt: ExamAttempt, now: datetime, *, auto: bool) -> bool:
    """Score and close the attempt once: the guard on submitted_at makes a second tab or a race a no-op."""
    result = _score(attempt)
    submitted_at = attempt.deadline_at if auto else now
    updated = guarded_update(attempt, ExamAttempt.submitted_at.is_(None), submitted_at=submitted_at,
                             auto_submitted=auto, score=result.percent, passed=result.passed)
    if updated:
        for answer in attempt.answers:
            answer.is_correct = result.results[answer.id]
        db.session.flush()
    db.session.refresh(attempt)
    if updated:
        exam_submitted.send(attempt)
    if updated and result.passed:
        requirement_met.send(attempt.enrolment.user, course_id=attempt.course_version.course_id)
    return updated


def _score(attempt: ExamAttempt) -> rules.ExamScore:
    order = [c["id"] for c in attempt.course_version.competencies]
    return rules.score(((a.id, a.exam_item.competency, a.exam_item.question, a.selected) for a in attempt.answers),
                       attempt.course_version.exam["pass_mark"], order)


@dataclass(frozen=True)
class ShownOption:
    place: int  # 0-based place as shown: the only value the page posts back
    text: str


@dataclass(frozen=True)
class ShownItem:
    """What the exam page may show: never which option is correct, never the feedback, never an id."""

    position: int
    type: str
    prompt: str
    scenario: str
    options: tuple[ShownOption, ...]
    chosen: frozenset[int]

    @property
    def multiple(self) -> bool:
        return self.type == "multiple"


def shown_items(attempt: ExamAttempt) -> list[ShownItem]:
    items = []
    for answer in attempt.answers:
        question = answer.exam_item.question
        texts = {option["id"]: option["text"] for option in question["options"]}
        items.append(ShownItem(
            position=answer.position, type=question["type"], prompt=question["prompt"],
            scenario=question.get("scenario") or "",
            options=tuple(ShownOption(place, texts[oid]) for place, oid in enumerate(answer.option_order)),
            chosen=frozenset(answer.option_order.index(oid) for oid in answer.selected if oid in answer.option_order),
        ))
    return items


def result_of(attempt: ExamAttempt) -> rules.ExamScore:
    """The submitted attempt's score and per-competency breakdown, from its stored answers."""
    if attempt.submitted_at is None:
        raise Conflict(_("The result shows once the exam is submitted."))
    return _score(attempt)
