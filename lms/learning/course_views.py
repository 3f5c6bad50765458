"""The catalog, a course's page, self-enrolment, and the images lessons show."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required, signed_in
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.learning import catalog, links, outline, standing
from lms.learning import enrolment as enrolments
from lms.learning.blueprint import bp
from lms.learning.forms import EnrolForm
from lms.learning.place import course_or_404, entry_or_404, is_trainee
from lms.models import Organization, Role


@bp.get("", endpoint="catalog")
@signed_in
def catalog_page():
    versions = catalog.live_versions()
    progress_by_course = {}
    if is_trainee():
        for enrolment in enrolments.enrolments_of(current_user):
            progress_by_course[enrolment.course_id] = standing.course_progress(enrolment)
    return render_template("learning/catalog.html", versions=versions, enrolments=progress_by_course)


@bp.get("/<course_slug>")
@signed_in
def course(course_slug: str):
    entry = entry_or_404(course_slug)
    if entry.version is None:
        abort(404)
    version = outline.outline(entry.version)
    enrolment = entry.enrolment
    progress = standing.course_progress(enrolment, version) if enrolment is not None else None
    return render_template(
        "learning/course.html",
        course=entry.course,
        version=version,
        live=entry.live,
        enrolment=enrolment,
        progress=progress,
        requirements=catalog.certificate_requirements(version),
        hours=catalog.hour_breakdown(version),
        form=EnrolForm(),
        # Told before enrolling: an organization whose rules require listing in the public registry.
        enrol_organization=(db.session.get(Organization, current_user.organization_id)
                            if enrolment is None and is_trainee() and current_user.organization_id else None),
        continue_url=links.continue_url(progress) if progress else None,
        next_url=links.step_url(entry.course.slug, progress.next_step) if progress else None,
        next_label=links.next_step_label(progress.next_step) if progress else None,
    )


@bp.post("/<course_slug>/enrol")
@role_required(Role.TRAINEE)
def enrol(course_slug: str):
    course = course_or_404(course_slug)
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    already = enrolments.find_enrolment(current_user, course) is not None
    try:
        enrolments.self_enrol(current_user._get_current_object(), course)
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return redirect(url_for("learning.course", course_slug=course.slug))
    db.session.commit()
    if already:
        flash(_("You are already enrolled in this course."), "info")
    else:
        flash(_("You are enrolled in %(title)s. Start with the first module below.", title=course.title), "success")
    return redirect(url_for("learning.course", course_slug=course.slug))


@bp.get("/<course_slug>/assets/<version>/<path:path>")
@signed_in
def asset(course_slug: str, version: str, path: str):
    """An image of a lesson, stored at sync: never read from `courses/` during a request."""
    course = course_or_404(course_slug)
    found = catalog.find_asset(course, version, path)
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
