"""What a certificate requires, with the trainee's status on each (/courses/<slug>/requirements),
and the browser's reports of active time on self-paced activities (/active-time)."""

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from flask_login import current_user

# The providers register themselves on import: these two are this feature's.
import lms.learning.requirements  # noqa: F401  (modules)
import lms.practice.requirements  # noqa: F401  (supervised hours)
from lms.auth.permissions import can_view_progress, role_required, signed_in
from lms.errors import DomainError
from lms.extensions import db
from lms.inputs import read_json
from lms.learning import active_time
from lms.learning.services import find_course, find_enrolment
from lms.models import Enrolment, Role, User
from lms.requirements import Requirement, requirements_for

REPORT_MAX_BYTES = 1024  # {"kind": "exercise", "id": 123, "seconds": 30} is about 45 bytes

bp = Blueprint("requirements", __name__)


@bp.app_template_global()
def requirement_statuses(enrolment: Enrolment | None) -> list[Requirement]:
    """For the course page: every requirement of the trainee's enrolment, with their status."""
    return requirements_for(enrolment) if enrolment is not None else []


def _page(enrolment: Enrolment, trainee: User, *, own: bool):
    requirements = requirements_for(enrolment)
    return render_template(
        "requirements/page.html",
        enrolment=enrolment,
        version=enrolment.course_version,
        trainee=trainee,
        own=own,
        requirements=requirements,
        earned_hours=round(sum(r.earned_minutes for r in requirements) / 60, 2),
        unmet=[r for r in requirements if not r.met],
    )


@bp.get("/courses/<course_slug>/requirements")
@role_required(Role.TRAINEE)
def mine(course_slug: str):
    course = find_course(course_slug)
    if course is None:
        abort(404)
    enrolment = find_enrolment(current_user, course)
    if enrolment is None:  # the course page explains how to enrol
        return redirect(url_for("learning.course", course_slug=course.slug))
    return _page(enrolment, current_user, own=True)


@bp.get("/courses/<course_slug>/requirements/<int:user_id>")
@signed_in
def of_trainee(course_slug: str, user_id: int):
    """A trainee's requirements as their supervisors and organization administrators see them."""
    trainee = db.get_or_404(User, user_id)
    if not can_view_progress(current_user, trainee):
        abort(403)
    course = find_course(course_slug)
    enrolment = find_enrolment(trainee, course) if course is not None else None
    if enrolment is None:
        abort(404)
    return _page(enrolment, trainee, own=trainee.id == current_user.id)


@bp.post("/active-time")
@role_required(Role.TRAINEE)
def report_active_time():
    """One report from active_time.js on one of the trainee's own activities (JSON)."""
    try:
        payload = read_json(max_bytes=REPORT_MAX_BYTES)
        kind, activity_id, seconds = active_time.parse_report(payload)
        row = active_time.record_report(current_user, kind, activity_id, seconds,
                                        place=active_time.parse_place(payload))
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=type(error).__name__, message=error.message), error.status_code
    db.session.commit()
    return jsonify(seconds=row.seconds)
