"""Supervisors read a platform course's class list into one of their cohorts (Names and Role Provisioning)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import jobs
from lms.auth.permissions import can_sync_lti_roster, role_required
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.lti import roster
from lms.lti.blueprint import bp
from lms.lti.forms import RosterForm
from lms.models import Cohort, LtiContext, Role
from lms.orgs import services as orgs

STAFF = (Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN)



def _cohort_choices(user) -> list[Cohort]:
    return orgs.visible_cohorts(user)


@bp.get("/lti/rosters")
@role_required(*STAFF)
def rosters():
    user = current_user._get_current_object()
    form = RosterForm(formdata=None)
    form.cohort.choices = [(cohort.id, cohort.name) for cohort in _cohort_choices(user)]
    return render_template("lti/rosters.html", contexts=roster.contexts_for(user), form=form)


@bp.post("/lti/rosters/<int:context_id>")
@role_required(*STAFF)
def sync_roster(context_id: int):
    user = current_user._get_current_object()
    context = db.session.get(LtiContext, context_id)
    if context is None or context.memberships_url is None or (
            user.role != Role.ADMIN and context.platform.organization_id != user.organization_id):
        abort(404)
    form = RosterForm()
    form.cohort.choices = [(cohort.id, cohort.name) for cohort in _cohort_choices(user)]
    if not form.validate_on_submit():
        flash(_("Choose a cohort."), "error")
        return redirect(url_for("lti.rosters"))
    cohort = db.session.get(Cohort, form.cohort.data)
    if cohort is None or not can_sync_lti_roster(user, cohort, context.platform.organization_id):
        abort(403)
    try:
        result = jobs.enqueue(roster.sync_roster, context.id, cohort.id, user.id)
    except DomainError as error:
        db.session.rollback()
        show_refusal(None, error)
        return redirect(url_for("lti.rosters"))
    db.session.commit()
    if result is None:
        flash(_("The roster is being read; the cohort fills in a moment."), "info")
    else:
        flash(_("Roster read: %(members)d members, %(added)d trainees added to %(cohort)s.",
                members=result.members, added=result.added, cohort=cohort.name), "success")
    return redirect(url_for("lti.rosters"))
