"""A trainee's attempts at a role-play: open a written draft, answer turn by turn, submit it, or submit a
recording instead. Whether the trainee may attempt at all (enrolled, module open, not passed, nothing
waiting) is decided here.

Verb functions add and flush, never commit: the view that calls them owns the transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.auth.permissions import supervisor_ids_of
from lms.errors import Conflict, InvalidInput, NotEligible
from lms.extensions import db
from lms.guarded_update import guarded_update
from lms.learning.services import course_progress
from lms.models import (
    Enrolment,
    Role,
    Scenario,
    Submission,
    SubmissionKind,
    SubmissionState,
    User,
    utcnow,
)
from lms.roleplay import uploads
from lms.roleplay.submissions import attempts_for, enrolment_for, is_complete, revealed_turns
from lms.signals import roleplay_submitted

MAX_REPLY_CHARS = 4000


def attempt_refusal(attempts: list[Submission]) -> str | None:
    """Why the trainee may not open another attempt (passed, or one waiting for a grade), or None."""
    if any(a.state == SubmissionState.PASSED for a in attempts):
        return _("You have passed this role-play; there is nothing more to submit.")
    waiting = next((a for a in attempts if a.state == SubmissionState.SUBMITTED), None)
    if waiting is not None:
        return _("Attempt %(n)d is waiting for your supervisor's grade. You can start a new attempt if they "
                 "ask you to resubmit.", n=waiting.attempt_no)
    return None


def locked_refusal(enrolment: Enrolment, scenario: Scenario) -> str | None:
    """Why the scenario's module is not open yet (modules open in order), or None."""
    progress = course_progress(enrolment)
    try:
        module_progress = progress.for_module(scenario.module)
    except LookupError:
        return None
    if not module_progress.locked:
        return None
    previous = progress.previous_module(scenario.module)
    return _("“%(module)s” opens when you have passed “%(previous)s”.", module=scenario.module.title,
             previous=previous.title if previous else "")


def _require_enrolment(trainee: User, scenario: Scenario) -> Enrolment:
    """The trainee's enrolment in this scenario's course version, with the module open to them."""
    enrolment = enrolment_for(trainee, scenario)
    if enrolment is None:
        raise NotEligible(_("Enrol in %(course)s to attempt this role-play.",
                            course=scenario.module.course_version.title))
    refusal = locked_refusal(enrolment, scenario)
    if refusal:
        raise NotEligible(refusal)
    return enrolment


def _require_may_attempt(attempts: list[Submission]) -> None:
    refusal = attempt_refusal(attempts)
    if refusal:
        raise NotEligible(refusal)


def _next_attempt_no(attempts: list[Submission]) -> int:
    return (attempts[-1].attempt_no + 1) if attempts else 1


def start_attempt(trainee: User, scenario: Scenario) -> Submission:
    """Open a written attempt, or return the draft already open (a double-click opens one)."""
    attempts = attempts_for(trainee.id, scenario.id)
    draft = next((a for a in attempts if a.state == SubmissionState.DRAFT), None)
    if draft is not None:
        return draft
    enrolment = _require_enrolment(trainee, scenario)
    _require_may_attempt(attempts)
    submission = Submission(
        scenario_id=scenario.id, trainee_id=trainee.id, enrolment_id=enrolment.id,
        attempt_no=_next_attempt_no(attempts), kind=SubmissionKind.WRITTEN, state=SubmissionState.DRAFT, replies=[],
    )
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(
            sa.select(Submission).where(
                Submission.trainee_id == trainee.id,
                Submission.scenario_id == scenario.id,
                Submission.state == SubmissionState.DRAFT,
            )
        )
        if existing is None:
            raise Conflict(_("Another attempt was opened at the same moment. Reload the page.")) from None
        return existing
    audit.record("roleplay.started", actor=trainee, subject=submission, scenario=scenario.slug,
                 attempt=submission.attempt_no)
    return submission


def _require_draft(submission: Submission) -> None:
    if submission.state != SubmissionState.DRAFT:
        raise Conflict(_("This attempt has already been submitted; it can no longer be changed."))


def save_draft(submission: Submission, replies: Iterable) -> None:
    """Keep the trainee's replies as typed (autosave). Trailing empty replies are dropped."""
    _require_draft(submission)
    turns = len(submission.scenario.turns)
    cleaned = []
    for reply in replies:
        if not isinstance(reply, str):
            raise InvalidInput(_("Replies must be text."), field="reply")
        if len(reply) > MAX_REPLY_CHARS:
            raise InvalidInput(_("A reply can be up to %(n)d characters.", n=MAX_REPLY_CHARS), field="reply")
        cleaned.append(reply)
    if len(cleaned) > turns:
        raise InvalidInput(_("This role-play has %(n)d turns.", n=turns))
    while cleaned and not cleaned[-1].strip():
        cleaned.pop()
    if cleaned != list(submission.replies or []):
        submission.replies = cleaned
        submission.updated_at = utcnow()


def save_reply(submission: Submission, turn: int, text: str) -> None:
    """Answer (or change the answer to) one turn the trainee has already seen."""
    _require_draft(submission)
    if turn < 0 or turn >= revealed_turns(submission):
        raise InvalidInput(_("Answer the turns in order."))
    if not text.strip():
        raise InvalidInput(_("Write a reply before continuing."), field="reply")
    replies = list(submission.replies or [])
    replies.extend([""] * (turn + 1 - len(replies)))
    replies[turn] = text
    save_draft(submission, replies)


def discard_draft(submission: Submission, trainee: User) -> None:
    _require_draft(submission)
    audit.record("roleplay.draft_discarded", actor=trainee, subject=submission)
    db.session.delete(submission)
    db.session.flush()


def assign_second_marker(submission: Submission, *, share: float, rng: random.Random | None = None) -> User | None:
    """With probability `share`, pick another supervisor of the trainee's cohorts to mark blind."""
    rng = rng or random.Random()  # noqa: S311 - sampling for quality assurance, not security
    if share <= 0 or rng.random() >= share:
        return None
    candidates = list(db.session.scalars(
        sa.select(User)
        .where(User.id.in_(supervisor_ids_of(submission.trainee)), User.role == Role.SUPERVISOR,
               User.active.is_(True), User.erased_at.is_(None))
        .order_by(User.id)
    ))
    if len(candidates) < 2:  # somebody else must remain to give the grade that counts
        return None
    marker = rng.choice(candidates)
    submission.second_marker_id = marker.id
    return marker


def submit_attempt(submission: Submission, trainee: User, *, share: float, rng: random.Random | None = None) -> bool:
    """Submit a complete written attempt. Idempotent: False when it was submitted already."""
    if submission.state != SubmissionState.DRAFT:
        return False
    if not is_complete(submission):
        raise NotEligible(_("Answer all %(n)d turns before submitting.", n=len(submission.scenario.turns)))
    now = utcnow()
    # A conditional update: of two clicks racing, only one moves the draft on.
    moved_on = guarded_update(submission, Submission.state == SubmissionState.DRAFT,
                              state=SubmissionState.SUBMITTED, submitted_at=now, updated_at=now)
    db.session.refresh(submission)
    if not moved_on:
        return False
    assign_second_marker(submission, share=share, rng=rng)
    audit.record("roleplay.submitted", actor=trainee, subject=submission, attempt=submission.attempt_no)
    db.session.flush()
    roleplay_submitted.send(submission)
    return True


def _recording_race() -> Conflict:
    return Conflict(_("Another attempt was submitted at the same moment, so this upload was not kept. Reload the "
                      "page to see it."))


def _require_no_written_work(draft: Submission | None) -> None:
    if draft is not None and any(str(r).strip() for r in draft.replies or []):
        raise NotEligible(_("You have a written attempt in progress. Submit it, or delete it, before uploading "
                            "a recording."))


def _save_recording(draft: Submission | None, attempts: list[Submission], enrolment: Enrolment,
                    scenario: Scenario, trainee: User, stored: uploads.StoredRecording) -> Submission:
    """The submitted recording: an empty written draft becomes it, else a new attempt."""
    now = utcnow()
    # The empty draft is taken once: a second upload racing this one finds it taken (on PostgreSQL it
    # waits for the first and then matches no row).
    if draft is not None and not db.session.execute(
            sa.update(Submission).where(Submission.id == draft.id, Submission.state == SubmissionState.DRAFT)
            .values(state=SubmissionState.SUBMITTED, submitted_at=now)).rowcount:
        raise _recording_race()
    submission = draft or Submission(scenario_id=scenario.id, trainee_id=trainee.id,
                                     attempt_no=_next_attempt_no(attempts))
    submission.enrolment_id = enrolment.id
    submission.kind = SubmissionKind.RECORDED
    submission.state = SubmissionState.SUBMITTED
    submission.replies = []
    submission.recording_path = stored.path
    submission.recording_mimetype = stored.mimetype
    submission.recording_size = stored.size
    submission.submitted_at = submission.updated_at = now
    with db.session.begin_nested():  # the unique attempt number decides when two uploads arrive at once
        db.session.add(submission)
        db.session.flush()
    return submission


def submit_recording(
    trainee: User,
    scenario: Scenario,
    store: Callable[[], uploads.StoredRecording],
    *,
    data_dir: str | Path,
    share: float,
    rng: random.Random | None = None,
) -> Submission:
    """Check the trainee may submit, then store the file (`store` refuses bad files) and submit it."""
    attempts = attempts_for(trainee.id, scenario.id)
    enrolment = _require_enrolment(trainee, scenario)
    _require_may_attempt(attempts)
    draft = next((a for a in attempts if a.state == SubmissionState.DRAFT), None)
    _require_no_written_work(draft)
    stored = store()
    try:
        submission = _save_recording(draft, attempts, enrolment, scenario, trainee, stored)
    except IntegrityError:
        uploads.delete_recording(data_dir, stored.path)
        raise _recording_race() from None
    except Exception:  # the Conflict above included: the file of a refused upload is not kept
        uploads.delete_recording(data_dir, stored.path)
        raise
    assign_second_marker(submission, share=share, rng=rng)
    audit.record("roleplay.submitted", actor=trainee, subject=submission, attempt=submission.attempt_no,
                 kind=SubmissionKind.RECORDED.value, size=stored.size)
    roleplay_submitted.send(submission)
    return submission
