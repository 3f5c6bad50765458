"""The `lti` blueprint, and what it subscribes to when registered. Its routes live in the `*_views` modules
beside this one, by job; `views.py` gathers them."""

from flask import Blueprint

from lms import jobs, signals
from lms.lti import scores

bp = Blueprint("lti", __name__)


@bp.record_once
def subscribe(state) -> None:
    # Final results of what platforms may have placed: scores go back to the platforms they came from.
    signals.quiz_submitted.connect(scores.on_quiz_submitted)
    signals.exam_submitted.connect(scores.on_exam_submitted)
    signals.exam_voided.connect(scores.on_exam_voided)
    signals.roleplay_graded.connect(scores.on_roleplay_graded)
    jobs.register_recovery(scores.RECOVERY, scores.enqueue_unsent_scores)
