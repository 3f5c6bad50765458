"""Cohort pages (/org/cohorts): the list with each cohort's progress, creating a cohort, and managing one
(details, supervisors, trainees, enrolment in a course)."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.auth.permissions import role_required
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.models import Cohort, CourseVersion, Role, User
from lms.orgs import dashboard_queries, services
from lms.orgs.blueprint import MANAGERS, STAFF, bp, cohort_for_managing, organization_or_none, people_choices
from lms.orgs.forms import ActionForm, CohortForm, EnrolForm, SupervisorsForm, TraineesForm


@bp.get("/org/cohorts")
@role_required(*STAFF)
def cohorts():
    visible = services.visible_cohorts(current_user)
    summaries = dashboard_queries.cohort_summaries(visible)
    organization = organization_or_none() if current_user.role in MANAGERS else None
    return render_template("orgs/cohorts.html", summaries=summaries, organization=organization,
                           can_create=current_user.role in MANAGERS)


@bp.route("/org/cohorts/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_cohort():
    organization = organization_or_none()
    if organization is None:
        return render_template("orgs/choose_organization.html", organizations=services.organizations_with_counts(),
                               target="orgs.new_cohort")
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(organization, name=form.name.data, starts_on=form.starts_on.data,
                                            ends_on=form.ends_on.data, actor=current_user)
        except DomainError as error:
            show_refusal(form, error, "name")
        else:
            db.session.commit()
            flash(_("Cohort “%(name)s” created. Now assign its supervisors and trainees.", name=cohort.name),
                  "success")
            return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
    return render_template("orgs/cohort_form.html", form=form, organization=organization)


def _version_choices() -> list[SelectChoice]:
    return [
        SelectChoice(version.id, _("%(course)s (version %(version)s)", course=version.course.title,
                                   version=version.version))
        for version in services.live_course_versions()
    ]


def _manage_page(cohort: Cohort, *, details=None, supervisors_form=None, trainees_form=None, enrol_form=None,
                 status: int = 200):
    details = details or CohortForm(prefix="details", obj=cohort)
    supervisors_form = supervisors_form or SupervisorsForm(prefix="supervisors")
    trainees_form = trainees_form or TraineesForm(prefix="trainees")
    enrol_form = enrol_form or EnrolForm(prefix="enrol")
    supervisors_form.supervisors.choices = people_choices(
        services.organization_people(cohort.organization_id, Role.SUPERVISOR))
    if supervisors_form.supervisors.data is None or not supervisors_form.is_submitted():
        supervisors_form.supervisors.data = [user.id for user in cohort.supervisors]
    members = services.cohort_trainees_list(cohort)
    member_ids = {user.id for user in members}
    trainees_form.trainees.choices = people_choices([
        user for user in services.organization_people(cohort.organization_id, Role.TRAINEE) if user.id not in member_ids
    ])
    enrol_form.course_version.choices = _version_choices()
    return render_template(
        "orgs/manage.html", cohort=cohort, details=details, supervisors_form=supervisors_form,
        trainees_form=trainees_form, enrol_form=enrol_form, members=members, action_form=ActionForm(),
    ), status


@bp.route("/org/cohorts/<int:cohort_id>/manage", methods=["GET", "POST"])
@role_required(*MANAGERS)
def manage_cohort(cohort_id: int):
    cohort = cohort_for_managing(cohort_id)
    form = CohortForm(prefix="details", obj=cohort)
    if request.method != "POST":
        return _manage_page(cohort)
    if form.validate_on_submit():
        try:
            services.update_cohort(cohort, name=form.name.data, starts_on=form.starts_on.data,
                                   ends_on=form.ends_on.data, actor=current_user)
        except DomainError as error:
            show_refusal(form, error, "name")
        else:
            db.session.commit()
            flash(_("Cohort details saved."), "success")
            return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
    return _manage_page(cohort, details=form, status=400)


@bp.post("/org/cohorts/<int:cohort_id>/supervisors")
@role_required(*MANAGERS)
def set_supervisors(cohort_id: int):
    cohort = cohort_for_managing(cohort_id)
    form = SupervisorsForm(prefix="supervisors")
    form.supervisors.choices = people_choices(services.organization_people(cohort.organization_id, Role.SUPERVISOR))
    if form.validate_on_submit():
        chosen = list(db.session.scalars(sa.select(User).where(User.id.in_(form.supervisors.data or []))))
        try:
            services.set_supervisors(cohort, chosen, actor=current_user)
        except DomainError as error:
            show_refusal(form, error, "supervisors")
        else:
            db.session.commit()
            flash(_("Supervisors saved."), "success")
            return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
    return _manage_page(cohort, supervisors_form=form, status=400)


@bp.post("/org/cohorts/<int:cohort_id>/trainees")
@role_required(*MANAGERS)
def add_trainees(cohort_id: int):
    cohort = cohort_for_managing(cohort_id)
    form = TraineesForm(prefix="trainees")
    form.trainees.choices = people_choices(services.organization_people(cohort.organization_id, Role.TRAINEE))
    if form.validate_on_submit() and form.trainees.data:
        chosen = list(db.session.scalars(sa.select(User).where(User.id.in_(form.trainees.data))))
        try:
            added = services.add_trainees(cohort, chosen, actor=current_user)
        except Conflict as error:  # someone else added them meanwhile: show the cohort as it is now
            show_refusal(None, error)
            return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
        except DomainError as error:
            show_refusal(form, error, "trainees")
        else:
            db.session.commit()
            flash(ngettext("%(num)d trainee added.", "%(num)d trainees added.", added), "success")
            return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
    elif not form.errors:
        form.trainees.errors.append(_("Choose at least one trainee."))
    return _manage_page(cohort, trainees_form=form, status=400)


@bp.post("/org/cohorts/<int:cohort_id>/trainees/<int:user_id>/remove")
@role_required(*MANAGERS)
def remove_trainee(cohort_id: int, user_id: int):
    cohort = cohort_for_managing(cohort_id)
    trainee = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        services.remove_trainee(cohort, trainee, actor=current_user)
        db.session.commit()
        flash(_("%(name)s was removed from the cohort. Their progress is kept.", name=trainee.name), "success")
    return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))


@bp.post("/org/cohorts/<int:cohort_id>/enrol")
@role_required(*MANAGERS)
def enrol(cohort_id: int):
    cohort = cohort_for_managing(cohort_id)
    form = EnrolForm(prefix="enrol")
    form.course_version.choices = [SelectChoice(v.id, v.course.title) for v in services.live_course_versions()]
    if form.validate_on_submit():
        version = db.get_or_404(CourseVersion, form.course_version.data)
        try:
            enrolled, already = services.enrol_cohort(cohort, version, actor=current_user)
        except DomainError as error:
            show_refusal(form, error, "course_version")
        else:
            db.session.commit()
            message = ngettext("%(num)d trainee enrolled in %(course)s.", "%(num)d trainees enrolled in %(course)s.",
                               enrolled, course=version.course.title)
            if already:
                message += " " + ngettext("%(num)d was already enrolled.", "%(num)d were already enrolled.", already)
            flash(message, "success")
            return redirect(url_for("orgs.dashboard", cohort_id=cohort.id, course=version.course_id))
    return _manage_page(cohort, enrol_form=form, status=400)
