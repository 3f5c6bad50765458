"""Grading a submitted role-play on its rubric: the grade that counts (first supervisor to save wins),
audited corrections, and blind second marks for rater agreement.

Verb functions add and flush, never commit: the view that calls them owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.errors import AlreadyGraded, InvalidInput, NotAllowed, NotEligible
from lms.extensions import db
from lms.learning.services import refresh_module_progress
from lms.models import Grade, GradeKind, Scenario, Submission, SubmissionState, User, utcnow
from lms.roleplay import rubric
from lms.roleplay.submissions import criteria_for, decision_for, effective_grade, gate_checks_for
from lms.signals import roleplay_graded

GRADED_STATES = (SubmissionState.PASSED, SubmissionState.RESUBMIT)


@dataclass(frozen=True)
class Scores:
    levels: dict[str, int]
    comments: dict[str, str]
    feedback: str
    gates: dict[str, str] = field(default_factory=dict)  # {unscored gate: no_breach | breach}


def decide_for(scenario: Scenario, scores: Scores) -> rubric.Decision:
    """The pass rule on a rater's scores; refuses scores that leave a criterion or a gate out."""
    try:
        return decision_for(scenario, scores.levels, scores.gates)
    except ValueError:
        raise InvalidInput(_("Choose a level for every criterion and mark every safety gate.")) from None


def new_grade(submission: Submission, grader: User, kind: GradeKind, scores: Scores, **extra) -> Grade:
    """A grade of `kind` from the rater's scores, with the total and decision computed by the pass rule."""
    decision = decide_for(submission.scenario, scores)
    criteria_ids = [c.id for c in criteria_for(submission.scenario)]
    gate_ids = [c.id for c in gate_checks_for(submission.scenario)]
    return Grade(
        submission_id=submission.id,
        grader_id=grader.id,
        kind=kind,
        levels={cid: int(scores.levels[cid]) for cid in criteria_ids},
        gates={cid: scores.gates[cid] for cid in gate_ids},
        comments={cid: text.strip() for cid, text in scores.comments.items()
                  if cid in criteria_ids and text and text.strip()},
        feedback=(scores.feedback or "").strip(),
        total=decision.total,
        passed=decision.passed,
        **extra,
    )


def insert_grade(grade: Grade) -> bool:
    """Insert in a savepoint; False when a unique index refused it (someone was first)."""
    try:
        with db.session.begin_nested():
            db.session.add(grade)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def _apply(submission: Submission, grade: Grade, now: datetime) -> None:
    """The grade that counts decides the submission's state; the learning feature re-checks the module."""
    submission.state = SubmissionState.PASSED if grade.passed else SubmissionState.RESUBMIT
    submission.graded_at = now
    submission.updated_at = now
    db.session.flush()
    db.session.expire(submission, ["grades"])
    if submission.enrolment is not None:
        refresh_module_progress(submission.enrolment, submission.scenario.module)


def _require_submitted(submission: Submission) -> None:
    if submission.state == SubmissionState.DRAFT:
        raise NotEligible(_("This attempt has not been submitted yet."))


def grade_submission(submission: Submission, grader: User, scores: Scores) -> Grade:
    """The grade that counts. Released at once; the first supervisor to save wins (database index)."""
    _require_submitted(submission)
    if submission.second_marker_id == grader.id:
        raise NotAllowed(_("You are the blind second marker for this submission: another supervisor gives the "
                           "grade that counts."))
    now = utcnow()
    grade = new_grade(submission, grader, GradeKind.PRIMARY, scores, released_at=now, created_at=now)
    if not insert_grade(grade):
        first = db.session.scalar(
            sa.select(Grade).where(Grade.submission_id == submission.id, Grade.kind == GradeKind.PRIMARY)
        )
        who = first.grader.name if first is not None and first.grader is not None else _("Another supervisor")
        raise AlreadyGraded(_("%(name)s graded this submission first; your grade was not saved.", name=who))
    _apply(submission, grade, now)
    audit.record("roleplay.graded", actor=grader, subject=submission, target_user=submission.trainee,
                 grade_id=grade.id, total=grade.total, decision="pass" if grade.passed else "resubmit")
    roleplay_graded.send(grade)
    return grade


def correct_grade(submission: Submission, grader: User, scores: Scores, reason: str) -> Grade:
    """A released grade is final; a correction is a new, audited grade that becomes the effective one."""
    previous = effective_grade(submission)
    if previous is None:
        raise NotEligible(_("This submission has no grade to correct yet."))
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the grade is being corrected."), field="reason")
    now = utcnow()
    grade = new_grade(submission, grader, GradeKind.CORRECTION, scores, corrects_id=previous.id,
                      released_at=now, created_at=now)
    db.session.add(grade)
    db.session.flush()
    _apply(submission, grade, now)
    audit.record("roleplay.grade_corrected", actor=grader, subject=submission, target_user=submission.trainee,
                 grade_id=grade.id, corrects_id=previous.id, reason=reason.strip(),
                 before={"total": previous.total, "passed": previous.passed, "levels": previous.levels},
                 after={"total": grade.total, "passed": grade.passed, "levels": grade.levels})
    roleplay_graded.send(grade)
    return grade


def second_mark(submission: Submission, grader: User, scores: Scores) -> Grade:
    """A blind second grade, for agreement only: it never changes what the trainee gets."""
    _require_submitted(submission)
    if submission.second_marker_id != grader.id:
        raise NotAllowed(_("This submission was not assigned to you for second marking."))
    return record_blind_grade(submission, grader, GradeKind.SECOND, scores, action="roleplay.second_marked",
                              already=_("You have already second-marked this submission."))


def record_blind_grade(submission: Submission, grader: User, kind: GradeKind, scores: Scores, *, action: str,
                       already: str) -> Grade:
    """A grade the trainee never sees (a second mark, a calibration grade), audited as `action`; raises
    `AlreadyGraded` with the message `already` if this grader gave one before."""
    grade = new_grade(submission, grader, kind, scores, released_at=None)
    if not insert_grade(grade):
        raise AlreadyGraded(already)
    db.session.expire(submission, ["grades"])
    audit.record(action, actor=grader, subject=submission, grade_id=grade.id)
    return grade
