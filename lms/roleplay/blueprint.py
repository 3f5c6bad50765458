"""The role-play blueprint and what its pages share: labels for the templates, loading a submission and
checking who may see it, the audit of a view, the grade email. Routes are in the `*_views` modules."""

import random
from datetime import datetime

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms import audit
from lms.auth.permissions import can_grade_roleplay, can_view_roleplay_work
from lms.extensions import db
from lms.i18n import language_of
from lms.inputs import bounded_int
from lms.mail import send_mail
from lms.models import GradeKind, Role, Submission, SubmissionKind, SubmissionState, utcnow
from lms.roleplay.forms import rubric_form
from lms.roleplay.submissions import criteria_for, decision_for, gate_checks_for, get_scenario, get_submission

bp = Blueprint("roleplay", __name__)

STAFF = (Role.SUPERVISOR, Role.ADMIN)


@bp.context_processor
def roleplay_helpers():
    settings = {"one-to-one": _("one-to-one"), "group": _("group"), "phone": _("phone"), "online": _("online"),
                "video": _("video")}
    kinds = {SubmissionKind.WRITTEN: _("Written"), SubmissionKind.RECORDED: _("Recorded"),
             SubmissionKind.LIVE: _("Live, observed")}
    states = {SubmissionState.DRAFT: _("Draft"), SubmissionState.SUBMITTED: _("Waiting for a grade"),
              SubmissionState.PASSED: _("Passed"), SubmissionState.RESUBMIT: _("Resubmit")}
    grade_kinds = {GradeKind.PRIMARY: _("Grade"), GradeKind.CORRECTION: _("Correction"),
                   GradeKind.SECOND: _("Second marking (blind)"), GradeKind.CALIBRATION: _("Calibration")}

    def grade_decision(grade, scenario):
        try:
            return decision_for(scenario, grade.levels, grade.gates)
        except (ValueError, KeyError):
            return None

    return {
        "setting_label": lambda value: settings.get(value, value),
        "kind_label": lambda value: kinds.get(value, value),
        "state_label": lambda value: states.get(value, value),
        "grade_kind_label": lambda value: grade_kinds.get(value, value),
        "decision_for": grade_decision,
    }


def get_scenario_or_404(scenario_id: int):
    scenario = get_scenario(scenario_id)
    if scenario is None:
        abort(404)
    return scenario


def get_submission_or_404(submission_id: int, *, for_grading: bool = False) -> Submission:
    """The submission, if the current user may see its transcript or recording (403 otherwise)."""
    submission = get_submission(submission_id)
    if submission is None:
        abort(404)
    user = current_user._get_current_object()
    allowed = (can_grade_roleplay(user, submission.trainee) if for_grading
               else can_view_roleplay_work(user, submission.trainee))
    if not allowed:
        abort(403)
    return submission


def record_view(submission: Submission, page: str) -> None:
    audit.record("roleplay.viewed", actor=current_user._get_current_object(), subject=submission,
                 target_user=submission.trainee, page=page)
    db.session.commit()


def rng() -> random.Random | None:
    """Tests inject a seeded random source through `app.extensions["roleplay_random"]`."""
    return current_app.extensions.get("roleplay_random")


def notify_trainee(submission: Submission, grade) -> None:
    trainee = submission.trainee
    if not trainee.email or not trainee.is_active:
        return
    corrected = grade.kind == GradeKind.CORRECTION
    subject = (_l("Your role-play grade was corrected") if corrected
               else _l("Your role-play has been graded"))
    link = current_app.config["LMS_BASE_URL"].rstrip("/") + url_for("roleplay.submission",
                                                                     submission_id=submission.id)
    send_mail(trainee.email, subject, "roleplay_graded", language=language_of(trainee), trainee=trainee,
              submission=submission, grade=grade,
              corrected=corrected, link=link)


def waited(since: datetime | None) -> str:
    if since is None:
        return ""
    return format_timedelta(utcnow() - since, granularity="minute", threshold=1.0)


def int_arg(name: str) -> int | None:
    """A positive id from the query string, or None."""
    value = request.args.get(name, type=bounded_int)
    return value if value and value > 0 else None


def scenario_rubric_form(scenario, **kwargs):
    """The rubric form of a scenario: its scored criteria and a breach check per unscored gate."""
    return rubric_form(criteria_for(scenario), gate_checks=gate_checks_for(scenario), **kwargs)
