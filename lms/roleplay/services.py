"""Role-play assessments: attempts, formative feedback, grading, second marking, calibration, retention.

Verb functions in the Indico style: they add and flush, never commit; the view or CLI command that
calls them owns the transaction. Refusals are `lms.errors` exceptions with a message for the person.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.auth.permissions import supervised_trainee_ids
from lms.errors import AlreadyGraded, Conflict, DomainError, NotAllowed, NotEligible
from lms.extensions import db
from lms.learning.services import course_progress, refresh_module_progress
from lms.models import (
    AuditEvent,
    Cohort,
    CourseVersion,
    Enrolment,
    Grade,
    GradeKind,
    Module,
    Role,
    Scenario,
    Submission,
    SubmissionKind,
    SubmissionState,
    User,
    cohort_supervisors,
    cohort_trainees,
    utcnow,
)
from lms.roleplay import agreement, rubric, uploads
from lms.roleplay.analyzer import LABELS, analyze_transcript, reported_accuracy

MAX_REPLY_CHARS = 4000
GRADED_STATES = (SubmissionState.PASSED, SubmissionState.RESUBMIT)
QUEUE_STATUSES = ("waiting", "second", "graded", "all")
KAPPA_FLAG_BELOW = 0.6
WAITING_NOTICE_EVERY = timedelta(hours=20)  # `notify-waiting` runs daily; a second run the same day is quiet


# ---------------------------------------------------------------------------------------------------------------
# Loading


def scenario_options() -> list[so.interfaces.LoaderOption]:
    return [
        so.joinedload(Scenario.module).joinedload(Module.course_version).joinedload(CourseVersion.course),
        so.joinedload(Scenario.rubric),
    ]


def submission_options() -> list[so.interfaces.LoaderOption]:
    return [
        so.joinedload(Submission.trainee),
        so.joinedload(Submission.scenario).options(*scenario_options()),
        so.selectinload(Submission.grades).joinedload(Grade.grader),
    ]


def get_scenario(scenario_id: int) -> Scenario | None:
    return db.session.scalar(sa.select(Scenario).where(Scenario.id == scenario_id).options(*scenario_options()))


def get_submission(submission_id: int) -> Submission | None:
    return db.session.scalar(
        sa.select(Submission).where(Submission.id == submission_id).options(*submission_options())
    )


def criteria_for(scenario: Scenario) -> list[rubric.Criterion]:
    return rubric.scored_criteria(scenario.rubric.criteria, scenario.criteria, scenario.minimums)


def gate_checks_for(scenario: Scenario) -> list[rubric.Criterion]:
    """The gates (confidentiality, safety) this scenario does not score: each rater marks breach / no breach."""
    return rubric.gate_checks(scenario.rubric.criteria, scenario.criteria)


def decision_for(scenario: Scenario, levels: Mapping[str, int], gates: Mapping[str, str] | None = None
                 ) -> rubric.Decision:
    """The pass rule applied to a scenario (ValueError when a level or a gate outcome is missing)."""
    return rubric.decide(criteria_for(scenario), levels, scenario.pass_mark, gates, gate_checks_for(scenario))


def enrolment_for(trainee: User, scenario: Scenario) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.user_id == trainee.id,
            Enrolment.course_version_id == scenario.module.course_version_id,
        )
    )


def attempts_for(trainee_id: int, scenario_id: int) -> list[Submission]:
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(Submission.trainee_id == trainee_id, Submission.scenario_id == scenario_id)
            .options(so.selectinload(Submission.grades).joinedload(Grade.grader))
            .order_by(Submission.attempt_no)
        )
    )


def primary_grade(submission: Submission) -> Grade | None:
    return next((g for g in submission.grades if g.kind == GradeKind.PRIMARY), None)


def effective_grade(submission: Submission) -> Grade | None:
    """The grade that counts: the latest correction, else the primary grade."""
    corrections = [g for g in submission.grades if g.kind == GradeKind.CORRECTION]
    if corrections:
        return max(corrections, key=lambda g: g.id)
    return primary_grade(submission)


def blind_grade_by(submission: Submission, grader: User, kind: GradeKind) -> Grade | None:
    return next((g for g in submission.grades if g.kind == kind and g.grader_id == grader.id), None)


def must_stay_blind(submission: Submission, user: User) -> bool:
    """A second marker sees no other grade until their own is saved."""
    return submission.second_marker_id == user.id and blind_grade_by(submission, user, GradeKind.SECOND) is None


def revealed_turns(submission: Submission) -> int:
    """How many of the persona's lines the trainee has seen: one more than the replies given so far."""
    turns = len(submission.scenario.turns)
    answered = 0
    for reply in submission.replies or []:
        if not str(reply).strip():
            break
        answered += 1
    return min(turns, answered + 1)


def is_complete(submission: Submission) -> bool:
    turns = len(submission.scenario.turns)
    replies = list(submission.replies or [])
    return len(replies) >= turns and all(str(r).strip() for r in replies[:turns])


# ---------------------------------------------------------------------------------------------------------------
# Trainee attempts


def attempt_refusal(attempts: list[Submission]) -> str | None:
    if any(a.state == SubmissionState.PASSED for a in attempts):
        return _("You have passed this role-play; there is nothing more to submit.")
    waiting = next((a for a in attempts if a.state == SubmissionState.SUBMITTED), None)
    if waiting is not None:
        return _("Attempt %(n)d is waiting for your supervisor's grade. You can start a new attempt if they "
                 "ask you to resubmit.", n=waiting.attempt_no)
    return None


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


def start_attempt(trainee: User, scenario: Scenario) -> Submission:
    """Open a written attempt, or return the draft already open (a double-click opens one)."""
    attempts = attempts_for(trainee.id, scenario.id)
    draft = next((a for a in attempts if a.state == SubmissionState.DRAFT), None)
    if draft is not None:
        return draft
    enrolment = _require_enrolment(trainee, scenario)
    refusal = attempt_refusal(attempts)
    if refusal:
        raise NotEligible(refusal)
    submission = Submission(
        scenario_id=scenario.id,
        trainee_id=trainee.id,
        enrolment_id=enrolment.id,
        attempt_no=(attempts[-1].attempt_no + 1) if attempts else 1,
        kind=SubmissionKind.WRITTEN,
        state=SubmissionState.DRAFT,
        replies=[],
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
            raise DomainError(_("Replies must be text."))
        if len(reply) > MAX_REPLY_CHARS:
            raise DomainError(_("A reply can be up to %(n)d characters.", n=MAX_REPLY_CHARS))
        cleaned.append(reply)
    if len(cleaned) > turns:
        raise DomainError(_("This role-play has %(n)d turns.", n=turns))
    while cleaned and not cleaned[-1].strip():
        cleaned.pop()
    if cleaned != list(submission.replies or []):
        submission.replies = cleaned
        submission.updated_at = utcnow()


def save_reply(submission: Submission, turn: int, text: str) -> None:
    """Answer (or change the answer to) one turn the trainee has already seen."""
    _require_draft(submission)
    if turn < 0 or turn >= revealed_turns(submission):
        raise DomainError(_("Answer the turns in order."))
    if not text.strip():
        raise DomainError(_("Write a reply before continuing."), field="reply")
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
    candidates = list(
        db.session.scalars(
            sa.select(User)
            .join(cohort_supervisors, cohort_supervisors.c.user_id == User.id)
            .join(cohort_trainees, cohort_trainees.c.cohort_id == cohort_supervisors.c.cohort_id)
            .join(Cohort, Cohort.id == cohort_supervisors.c.cohort_id)
            .where(cohort_trainees.c.user_id == submission.trainee_id, User.role == Role.SUPERVISOR,
                   User.organization_id == Cohort.organization_id,
                   Cohort.organization_id == submission.trainee.organization_id,
                   User.active.is_(True), User.erased_at.is_(None))
            .distinct()
            .order_by(User.id)
        )
    )
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
    result = db.session.execute(
        sa.update(Submission)
        .where(Submission.id == submission.id, Submission.state == SubmissionState.DRAFT)
        .values(state=SubmissionState.SUBMITTED, submitted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(submission)
    if result.rowcount == 0:
        return False
    assign_second_marker(submission, share=share, rng=rng)
    audit.record("roleplay.submitted", actor=trainee, subject=submission, attempt=submission.attempt_no)
    db.session.flush()
    return True


def _recording_race() -> str:
    return _("Another attempt was submitted at the same moment, so this upload was not kept. Reload the page to "
             "see it.")


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
    refusal = attempt_refusal(attempts)
    if refusal:
        raise NotEligible(refusal)
    draft = next((a for a in attempts if a.state == SubmissionState.DRAFT), None)
    if draft is not None and any(str(r).strip() for r in draft.replies or []):
        raise NotEligible(_("You have a written attempt in progress. Submit it, or delete it, before uploading "
                            "a recording."))
    stored = store()
    now = utcnow()
    try:
        # An empty written draft becomes this recording, once: a second upload racing this one finds it
        # taken (on PostgreSQL it waits for the first and then matches no row).
        if draft is not None and not db.session.execute(
                sa.update(Submission).where(Submission.id == draft.id, Submission.state == SubmissionState.DRAFT)
                .values(state=SubmissionState.SUBMITTED, submitted_at=now)).rowcount:
            raise Conflict(_recording_race())
        submission = draft or Submission(
            scenario_id=scenario.id,
            trainee_id=trainee.id,
            attempt_no=(attempts[-1].attempt_no + 1) if attempts else 1,
        )
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
    except IntegrityError:
        uploads.delete_recording(data_dir, stored.path)
        raise Conflict(_recording_race()) from None
    except Exception:  # the Conflict above included: the file of a refused upload is not kept
        uploads.delete_recording(data_dir, stored.path)
        raise
    assign_second_marker(submission, share=share, rng=rng)
    audit.record("roleplay.submitted", actor=trainee, subject=submission, attempt=submission.attempt_no,
                 kind=SubmissionKind.RECORDED.value, size=stored.size)
    return submission


# ---------------------------------------------------------------------------------------------------------------
# Formative feedback (guidance only: the supervisor's rubric decides)


def label_names() -> dict[str, str]:
    return {
        "open_question": _("Open question"),
        "closed_question": _("Closed question"),
        "reflection": _("Reflection"),
        "affirmation": _("Affirmation"),
        "advice": _("Advice"),
        "information": _("Information"),
        "minimizing": _("Minimizing"),
        "judgment": _("Judgment or label"),
        "secrecy_promise": _("Secrecy promise"),
        "self_disclosure": _("Long self-disclosure"),
    }


def _target_text(name: str) -> str:
    names = label_names()
    if name == "reflections_per_question":
        return _("Reflections per question")
    if name == "complex_reflection_share":
        return _("Share of reflections that are complex")
    if name.startswith("max_"):
        return _("%(label)s (at most)", label=names.get(name[4:], name[4:]))
    if name.startswith("min_"):
        return _("%(label)s (at least)", label=names.get(name[4:], name[4:]))
    return name


def persona_lines(turns: list | None) -> list[str | None]:
    """The scripted persona line each reply answers (the analyzer reads a reply against it)."""
    return [str(t.get("persona") or "") or None if isinstance(t, Mapping) else None for t in (turns or [])]


def formative_feedback(replies: list[str], targets: Mapping[str, float] | None, turns: list | None = None) -> dict:
    """The analysis of a draft, as plain data for the page and the autosave endpoint; ``turns`` are the scenario's
    scripted turns, whose persona lines give each reply its context."""
    answered = [(i, r) for i, r in enumerate(replies) if str(r).strip()]
    lines = persona_lines(turns)
    contexts = [lines[i] if i < len(lines) else None for i, _ in answered]
    result = analyze_transcript([r for _, r in answered], dict(targets or {}), contexts=contexts)
    names = label_names()
    per_reply: list[dict | None] = [None] * len(replies)
    for (index, _reply), analysis in zip(answered, result.analyses, strict=True):
        ordered = [label for label in LABELS if label in analysis.labels]
        per_reply[index] = {
            "labels": [{"id": label, "name": names[label], "flag": label in analysis.red_flags}
                       for label in ordered],
            "notes": list(analysis.notes),
            "complex_reflection": analysis.complex_reflection,
            "red_flag": bool(analysis.red_flags),
        }
    checks = []
    for check in result.target_checks:
        is_ratio = check.name in ("reflections_per_question", "complex_reflection_share")
        checks.append({
            "name": check.name,
            "label": _target_text(check.name),
            "value": None if check.value is None else (round(check.value, 2) if is_ratio else int(check.value)),
            "target": round(check.target, 2) if is_ratio else int(check.target),
            "met": check.met,
            "at_most": check.name.startswith("max_"),
        })
    return {
        "replies": per_reply,
        "accuracy": reported_accuracy(),
        "totals": {
            "questions": result.questions,
            "reflections": result.reflections,
            "complex_reflections": result.complex_reflections,
            "reflections_per_question": None if result.reflections_per_question is None
            else round(result.reflections_per_question, 2),
            "complex_reflection_share": None if result.complex_reflection_share is None
            else round(result.complex_reflection_share, 2),
            "advice": result.counts["advice"],
        },
        "targets": checks,
        "red_flags": [
            {"turn": answered[flag.reply_index][0] + 1, "label": names[flag.label], "note": flag.note}
            for flag in result.red_flags
        ],
    }


# ---------------------------------------------------------------------------------------------------------------
# Grading


@dataclass(frozen=True)
class Scores:
    levels: dict[str, int]
    comments: dict[str, str]
    feedback: str
    gates: dict[str, str] = field(default_factory=dict)  # {unscored gate: no_breach | breach}


def _decide(submission: Submission, scores: Scores) -> rubric.Decision:
    return _decide_for(submission.scenario, scores)


def _new_grade(submission: Submission, grader: User, kind: GradeKind, scores: Scores, **extra) -> Grade:
    decision = _decide(submission, scores)
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


def _insert(grade: Grade) -> bool:
    """Insert in a savepoint; False when a unique index refused it (someone was first)."""
    try:
        with db.session.begin_nested():
            db.session.add(grade)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def _refresh_module_progress(submission: Submission) -> None:
    """Let the learning feature re-check the module (lessons, quiz and every scenario passed)."""
    if submission.enrolment is not None:
        refresh_module_progress(submission.enrolment, submission.scenario.module)


def _apply(submission: Submission, grade: Grade, now: datetime) -> None:
    submission.state = SubmissionState.PASSED if grade.passed else SubmissionState.RESUBMIT
    submission.graded_at = now
    submission.updated_at = now
    db.session.flush()
    db.session.expire(submission, ["grades"])
    _refresh_module_progress(submission)


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
    grade = _new_grade(submission, grader, GradeKind.PRIMARY, scores, released_at=now, created_at=now)
    if not _insert(grade):
        first = db.session.scalar(
            sa.select(Grade).where(Grade.submission_id == submission.id, Grade.kind == GradeKind.PRIMARY)
        )
        who = first.grader.name if first is not None and first.grader is not None else _("Another supervisor")
        raise AlreadyGraded(_("%(name)s graded this submission first; your grade was not saved.", name=who))
    _apply(submission, grade, now)
    audit.record("roleplay.graded", actor=grader, subject=submission, target_user=submission.trainee,
                 grade_id=grade.id, total=grade.total, decision="pass" if grade.passed else "resubmit")
    return grade


def correct_grade(submission: Submission, grader: User, scores: Scores, reason: str) -> Grade:
    """A released grade is final; a correction is a new, audited grade that becomes the effective one."""
    previous = effective_grade(submission)
    if previous is None:
        raise NotEligible(_("This submission has no grade to correct yet."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the grade is being corrected."), field="reason")
    now = utcnow()
    grade = _new_grade(submission, grader, GradeKind.CORRECTION, scores, corrects_id=previous.id,
                       released_at=now, created_at=now)
    db.session.add(grade)
    db.session.flush()
    _apply(submission, grade, now)
    audit.record("roleplay.grade_corrected", actor=grader, subject=submission, target_user=submission.trainee,
                 grade_id=grade.id, corrects_id=previous.id, reason=reason.strip(),
                 before={"total": previous.total, "passed": previous.passed, "levels": previous.levels},
                 after={"total": grade.total, "passed": grade.passed, "levels": grade.levels})
    return grade


def second_mark(submission: Submission, grader: User, scores: Scores) -> Grade:
    """A blind second grade, for agreement only: it never changes what the trainee gets."""
    _require_submitted(submission)
    if submission.second_marker_id != grader.id:
        raise NotAllowed(_("This submission was not assigned to you for second marking."))
    grade = _new_grade(submission, grader, GradeKind.SECOND, scores, released_at=None)
    if not _insert(grade):
        raise AlreadyGraded(_("You have already second-marked this submission."))
    db.session.expire(submission, ["grades"])
    audit.record("roleplay.second_marked", actor=grader, subject=submission, grade_id=grade.id)
    return grade


def calibrate(submission: Submission, grader: User, scores: Scores) -> Grade:
    """A supervisor's blind grade of a calibration sample, compared with the reference afterwards."""
    reference = effective_grade(submission)
    if not submission.is_calibration or reference is None:
        raise NotEligible(_("This submission is not a calibration sample."))
    if reference.grader_id == grader.id or (primary_grade(submission) or reference).grader_id == grader.id:
        raise NotAllowed(_("You gave the reference grade for this sample."))
    grade = _new_grade(submission, grader, GradeKind.CALIBRATION, scores, released_at=None)
    if not _insert(grade):
        raise AlreadyGraded(_("You have already graded this calibration sample."))
    db.session.expire(submission, ["grades"])
    audit.record("roleplay.calibrated", actor=grader, subject=submission, grade_id=grade.id)
    return grade


def set_calibration(submission: Submission, admin: User, value: bool) -> None:
    if value:
        if effective_grade(submission) is None:
            raise NotEligible(_("Only a graded submission can be a calibration sample: its grade is the reference."))
        if submission.kind == SubmissionKind.LIVE:
            raise NotEligible(_("A live role-play has no transcript or recording to calibrate on."))
    if submission.is_calibration != value:
        submission.is_calibration = value
        audit.record("roleplay.calibration_marked" if value else "roleplay.calibration_unmarked",
                     actor=admin, subject=submission)
        db.session.flush()


def record_live_roleplay(supervisor: User, trainee: User, scenario: Scenario, scores: Scores) -> Submission:
    """An observed role-play scored in real time: a submission of kind `live` with its grade."""
    enrolment = enrolment_for(trainee, scenario)
    if enrolment is None:
        raise NotEligible(_("%(name)s is not enrolled in %(course)s.", name=trainee.name,
                            course=scenario.module.course_version.title))
    if any(a.state == SubmissionState.PASSED for a in attempts_for(trainee.id, scenario.id)):
        raise NotEligible(_("%(name)s has already passed this role-play.", name=trainee.name))
    last = db.session.scalar(
        sa.select(sa.func.max(Submission.attempt_no)).where(
            Submission.trainee_id == trainee.id, Submission.scenario_id == scenario.id
        )
    )
    now = utcnow()
    submission = Submission(
        scenario_id=scenario.id, trainee_id=trainee.id, enrolment_id=enrolment.id, attempt_no=(last or 0) + 1,
        kind=SubmissionKind.LIVE, state=SubmissionState.SUBMITTED, replies=[], submitted_at=now, updated_at=now,
    )
    _decide_for(scenario, scores)  # refuse incomplete scores before anything is written
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Another attempt was recorded at the same moment. Reload the page and try again.")) from None
    audit.record("roleplay.live_recorded", actor=supervisor, subject=submission, target_user=trainee)
    grade_submission(submission, supervisor, scores)
    return submission


def _decide_for(scenario: Scenario, scores: Scores) -> rubric.Decision:
    try:
        return decision_for(scenario, scores.levels, scores.gates)
    except ValueError:
        raise DomainError(_("Choose a level for every criterion and mark every safety gate.")) from None


# ---------------------------------------------------------------------------------------------------------------
# The grading queue


def _in_scope(query: sa.Select, user: User) -> sa.Select:
    if user.role == Role.ADMIN:
        return query
    return query.where(Submission.trainee_id.in_(supervised_trainee_ids(user)))


def _has_grade(kind: GradeKind, grader_id=None):
    condition = sa.and_(Grade.submission_id == Submission.id, Grade.kind == kind)
    if grader_id is not None:
        condition = sa.and_(condition, Grade.grader_id == grader_id)
    return sa.exists().where(condition)


def _status_condition(status: str, user: User):
    if status == "waiting":
        condition = sa.and_(Submission.state == SubmissionState.SUBMITTED, ~_has_grade(GradeKind.PRIMARY))
        if user.role != Role.ADMIN:
            condition = sa.and_(condition, sa.or_(Submission.second_marker_id.is_(None),
                                                  Submission.second_marker_id != user.id))
        return condition
    if status == "second":
        if user.role == Role.ADMIN:
            return sa.and_(Submission.second_marker_id.is_not(None), ~_has_grade(GradeKind.SECOND))
        return sa.and_(Submission.second_marker_id == user.id, ~_has_grade(GradeKind.SECOND, user.id))
    if status == "graded":
        condition = Submission.state.in_(GRADED_STATES)
        if user.role != Role.ADMIN:  # a blind second marker finds it under "second", not among the graded
            condition = sa.and_(condition, sa.or_(Submission.second_marker_id.is_(None),
                                                  Submission.second_marker_id != user.id,
                                                  _has_grade(GradeKind.SECOND, user.id)))
        return condition
    return Submission.state != SubmissionState.DRAFT


@dataclass
class QueueFilters:
    status: str = "waiting"
    course_id: int | None = None
    scenario_id: int | None = None


def queue_query(user: User, filters: QueueFilters) -> sa.Select:
    query = _in_scope(sa.select(Submission), user).where(_status_condition(filters.status, user))
    if filters.course_id:
        query = query.where(
            Submission.scenario_id.in_(
                sa.select(Scenario.id)
                .join(Module, Module.id == Scenario.module_id)
                .join(CourseVersion, CourseVersion.id == Module.course_version_id)
                .where(CourseVersion.course_id == filters.course_id)
            )
        )
    if filters.scenario_id:
        query = query.where(Submission.scenario_id == filters.scenario_id)
    order = (Submission.graded_at.desc(), Submission.id.desc()) if filters.status == "graded" else (
        Submission.submitted_at.asc(), Submission.id.asc())
    return query.options(*submission_options()).order_by(*order)


def queue_counts(user: User) -> dict[str, int]:
    counts = {}
    for status in ("waiting", "second"):
        query = _in_scope(sa.select(sa.func.count(Submission.id)), user).where(_status_condition(status, user))
        counts[status] = db.session.scalar(query) or 0
    counts["calibration"] = sum(1 for sample in calibration_samples(user) if sample.own_grade is None)
    return counts


def queue_scenarios(user: User) -> list[Scenario]:
    """Scenarios that have submissions in the user's scope, for the filter."""
    ids = _in_scope(sa.select(Submission.scenario_id), user).where(Submission.state != SubmissionState.DRAFT)
    return list(db.session.scalars(
        sa.select(Scenario).where(Scenario.id.in_(ids.distinct())).options(*scenario_options()).order_by(Scenario.title)
    ).unique())


# ---------------------------------------------------------------------------------------------------------------
# Calibration


@dataclass
class CalibrationSample:
    submission: Submission
    reference: Grade
    own_grade: Grade | None
    distances: dict[str, int] = field(default_factory=dict)


def calibration_samples(user: User) -> list[CalibrationSample]:
    """Samples the user may grade blind: supervisors of the trainee's organization, and administrators."""
    query = (
        sa.select(Submission)
        .join(User, User.id == Submission.trainee_id)
        .where(Submission.is_calibration.is_(True))
        .options(*submission_options())
        .order_by(Submission.id)
    )
    if user.role != Role.ADMIN:
        if user.organization_id is None:
            return []
        query = query.where(User.organization_id == user.organization_id)
    samples = []
    for submission in db.session.scalars(query).unique():
        reference = effective_grade(submission)
        if reference is None:
            continue
        own = blind_grade_by(submission, user, GradeKind.CALIBRATION)
        is_reference_author = user.id in {reference.grader_id, (primary_grade(submission) or reference).grader_id}
        if is_reference_author and own is None:
            continue
        sample = CalibrationSample(submission, reference, own)
        if own is not None:
            sample.distances = rubric.distance(reference.levels, own.levels)
        samples.append(sample)
    return samples


def calibration_summary(samples: list[CalibrationSample]) -> list[tuple[str, float, int]]:
    """Per criterion: (title, mean absolute distance from the reference, samples), over the samples graded."""
    sums: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for sample in samples:
        for criterion in criteria_for(sample.submission.scenario):
            titles.setdefault(criterion.id, criterion.title)
        for cid, d in sample.distances.items():
            sums.setdefault(cid, []).append(abs(d))
    return [(titles.get(cid, cid), round(sum(values) / len(values), 2), len(values)) for cid, values in sums.items()]


# ---------------------------------------------------------------------------------------------------------------
# Rater agreement


@dataclass(frozen=True)
class RatingPair:
    submission_id: int
    criterion_id: str
    rater_a: User
    rater_b: User
    level_a: int
    level_b: int
    source: str  # second | calibration


@dataclass
class AgreementRow:
    key: str
    label: str
    n: int
    kappa: float | None
    percent: float | None
    interpretation: str
    flagged: bool


@dataclass
class AgreementReport:
    by_criterion: list[AgreementRow]
    by_pair: list[AgreementRow]
    submissions: int
    pairs: int


def rating_pairs(user: User, course_id: int | None = None) -> tuple[list[RatingPair], dict[str, str]]:
    """Criterion-level pairs of blind grades: second marks and calibration grades against the grade that counts."""
    query = _in_scope(sa.select(Submission), user).where(
        Submission.id.in_(sa.select(Grade.submission_id).where(
            Grade.kind.in_([GradeKind.SECOND, GradeKind.CALIBRATION])))
    )
    if course_id:
        query = query.where(Submission.scenario_id.in_(
            sa.select(Scenario.id).join(Module, Module.id == Scenario.module_id)
            .join(CourseVersion, CourseVersion.id == Module.course_version_id)
            .where(CourseVersion.course_id == course_id)))
    pairs: list[RatingPair] = []
    titles: dict[str, str] = {}
    for submission in db.session.scalars(query.options(*submission_options()).order_by(Submission.id)).unique():
        for criterion in criteria_for(submission.scenario):
            titles.setdefault(criterion.id, criterion.title)
        first = primary_grade(submission)
        reference = effective_grade(submission)
        for grade in submission.grades:
            if grade.kind == GradeKind.SECOND:
                base = first
            elif grade.kind == GradeKind.CALIBRATION:
                base = reference
            else:
                continue
            if base is None or base.grader is None or grade.grader is None or base.grader_id == grade.grader_id:
                continue
            for cid, level in grade.levels.items():
                if cid in base.levels:
                    pairs.append(RatingPair(submission.id, cid, base.grader, grade.grader, int(base.levels[cid]),
                                            int(level), str(grade.kind)))
    return pairs, titles


def kappa_reading(kappa: float | None) -> str:
    """Landis and Koch's reading of a kappa, in the interface's language."""
    readings = {"poor": _("poor"), "slight": _("slight"), "fair": _("fair"), "moderate": _("moderate"),
                "substantial": _("substantial"), "almost perfect": _("almost perfect")}
    if kappa is None:
        return _("not enough data")
    label = agreement.interpret_kappa(kappa)
    return readings.get(label, label)


def _row(key: str, label: str, pairs: list[RatingPair]) -> AgreementRow:
    values = [(p.level_a, p.level_b) for p in pairs]
    kappa = agreement.weighted_kappa(values, rubric.LEVELS, "linear") if values else None
    percent = agreement.percent_agreement(values) if values else None
    return AgreementRow(
        key=key,
        label=label,
        n=len(values),
        kappa=None if kappa is None else round(kappa, 3),
        percent=None if percent is None else round(percent, 1),
        interpretation=kappa_reading(kappa),
        flagged=kappa is not None and round(kappa, 3) < KAPPA_FLAG_BELOW,
    )


def agreement_report(user: User, course_id: int | None = None) -> AgreementReport:
    pairs, titles = rating_pairs(user, course_id)
    by_criterion: dict[str, list[RatingPair]] = {}
    by_raters: dict[tuple[int, int], list[RatingPair]] = {}
    names: dict[tuple[int, int], str] = {}
    for pair in pairs:
        by_criterion.setdefault(pair.criterion_id, []).append(pair)
        a, b = sorted([pair.rater_a, pair.rater_b], key=lambda u: u.id)
        by_raters.setdefault((a.id, b.id), []).append(pair)
        names[(a.id, b.id)] = f"{a.name} / {b.name}"
    order = list(titles)
    criterion_rows = [_row(cid, titles.get(cid, cid), by_criterion[cid])
                      for cid in sorted(by_criterion, key=lambda c: order.index(c) if c in order else len(order))]
    pair_rows = [_row(f"{a}-{b}", names[(a, b)], rows) for (a, b), rows in sorted(by_raters.items())]
    return AgreementReport(criterion_rows, pair_rows, len({p.submission_id for p in pairs}), len(pairs))


# ---------------------------------------------------------------------------------------------------------------
# Notifications and retention


def waiting_for(supervisor: User) -> dict[str, object]:
    counts = queue_counts(supervisor)
    oldest = db.session.scalar(
        _in_scope(sa.select(sa.func.min(Submission.submitted_at)), supervisor)
        .where(sa.or_(_status_condition("waiting", supervisor), _status_condition("second", supervisor)))
    )
    return {**counts, "oldest": oldest}


def supervisors_with_waiting_items(now: datetime, *, force: bool = False) -> list[tuple[User, dict]]:
    """Each active supervisor with items waiting, unless told already within the last day."""
    result = []
    supervisors = db.session.scalars(
        sa.select(User).where(User.role == Role.SUPERVISOR, User.active.is_(True), User.erased_at.is_(None),
                              User.email.is_not(None)).order_by(User.id)
    )
    for supervisor in supervisors:
        waiting = waiting_for(supervisor)
        if not (waiting["waiting"] or waiting["second"] or waiting["calibration"]):
            continue
        if not force:
            recent = db.session.scalar(
                sa.select(AuditEvent.id).where(
                    AuditEvent.action == "roleplay.waiting_notified",
                    AuditEvent.target_user_id == supervisor.id,
                    AuditEvent.created_at > now - WAITING_NOTICE_EVERY,
                ).limit(1)
            )
            if recent is not None:
                continue
        result.append((supervisor, waiting))
    return result


def mark_waiting_notified(supervisor: User, waiting: dict) -> None:
    audit.record("roleplay.waiting_notified", subject=supervisor, target_user=supervisor,
                 waiting=waiting["waiting"], second=waiting["second"], calibration=waiting["calibration"])


def purge_recordings(now: datetime, *, retention_days: int, data_dir: str | Path) -> list[Submission]:
    """Delete recording files `retention_days` after the final grade; the scores stay."""
    cutoff = now - timedelta(days=retention_days)
    due = list(db.session.scalars(
        sa.select(Submission).where(
            Submission.recording_path.is_not(None),
            Submission.recording_deleted_at.is_(None),
            Submission.state.in_(GRADED_STATES),
            Submission.graded_at <= cutoff,
        ).order_by(Submission.id)
    ))
    for submission in due:
        uploads.delete_recording_after_commit(db.session(), data_dir, submission.recording_path)
        audit.record("roleplay.recording_purged", subject=submission, target_user=submission.trainee,
                     graded_at=submission.graded_at.isoformat(), retention_days=retention_days)
        submission.recording_path = None
        submission.recording_deleted_at = now
    db.session.flush()
    return due


def trainees_for_live(user: User) -> list[User]:
    query = sa.select(User).where(User.role == Role.TRAINEE, User.active.is_(True), User.erased_at.is_(None))
    if user.role != Role.ADMIN:
        query = query.where(User.id.in_(supervised_trainee_ids(user)))
    return list(db.session.scalars(query.order_by(User.name)))


def live_scenarios() -> list[Scenario]:
    """Scenarios of the live course versions, for scoring an observed role-play."""
    return list(db.session.scalars(
        sa.select(Scenario)
        .join(Module, Module.id == Scenario.module_id)
        .join(CourseVersion, CourseVersion.id == Module.course_version_id)
        .where(CourseVersion.is_live.is_(True))
        .options(*scenario_options())
        .order_by(CourseVersion.title, Module.position, Scenario.position)
    ).unique())
