"""The xAPI blueprint, and what it subscribes to when registered: every learning event of `lms.signals`
becomes outbox rows for organizations that send statements; the recovery sends what is left unsent."""

from flask import Blueprint
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms import jobs, signals
from lms.xapi import outbox, sending

bp = Blueprint("xapi", __name__)

RECEIVERS = {
    signals.lesson_completed: outbox.on_lesson_completed,
    signals.quiz_submitted: outbox.on_quiz_submitted,
    signals.exam_submitted: outbox.on_exam_submitted,
    signals.exam_voided: outbox.on_exam_voided,
    signals.roleplay_submitted: outbox.on_roleplay_submitted,
    signals.roleplay_graded: outbox.on_roleplay_graded,
    signals.attendance_recorded: outbox.on_attendance_recorded,
    signals.certificate_issued: outbox.on_certificate_issued,
    signals.certificate_revoked: outbox.on_certificate_revoked,
}


@bp.record_once
def subscribe(state) -> None:
    for signal, receiver in RECEIVERS.items():
        signal.connect(receiver)
    jobs.register_recovery(sending.RECOVERY, sending.enqueue_unsent)
    # Inline mode (no Redis): statements are sent once the event's transaction commits (outbox.schedule_send).
    if not event.contains(Session, "after_commit", outbox.send_after_commit):
        event.listen(Session, "after_commit", outbox.send_after_commit)
        event.listen(Session, "after_rollback", outbox.forget_after_rollback)
    for name, value in sending.DEFAULTS.items():
        state.app.config.setdefault(name, value)
