"""Live sessions: /live for the trainee (sessions, live hours, calendar), /live/cohorts for program staff."""

from datetime import UTC
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone, to_user_timezone, to_utc
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.auth.permissions import can_run_live_sessions, role_required
from lms.downloads import send_generated
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.live import ics, services
from lms.live import requirements as _live_requirement  # noqa: F401  registers the requirement provider
from lms.live.forms import STATUS_LABELS, CancelForm, MakeUpForm, SessionForm, attendance_form
from lms.models import Cohort, LiveSession, Role, utcnow

bp = Blueprint("live", __name__)

STAFF = (Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN)


def _cohort_for_staff(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_run_live_sessions(current_user, cohort):
        abort(403)
    return cohort


def _session_for_staff(session_id: int) -> LiveSession:
    session = db.get_or_404(LiveSession, session_id)
    if not can_run_live_sessions(current_user, session.cohort):
        abort(403)
    return session


@bp.get("")
@role_required(Role.TRAINEE)
def mine():
    sessions = services.sessions_for_trainee(current_user)
    now = utcnow()
    return render_template(
        "live/mine.html", upcoming=[s for s in sessions if s.session.ends_at > now],
        past=[s for s in sessions if s.session.ends_at <= now], progress=services.progress_for_trainee(current_user),
        status_labels=STATUS_LABELS)


@bp.get("/calendar.ics")
@role_required(Role.TRAINEE)
def calendar():
    domain = urlsplit(current_app.config.get("LMS_BASE_URL") or "").hostname or request.host.split(":")[0]
    events = [ics.CalendarEvent(
        uid=f"live-session-{s.session.id}@{domain}", starts_at=s.session.starts_at, ends_at=s.session.ends_at,
        summary=s.session.title, location=s.session.place, url=s.session.video_url,
        description=" · ".join(part for part in (s.session.course.title, s.session.topic) if part),
    ) for s in services.sessions_for_trainee(current_user)]
    body = ics.calendar(events, name=_("Live sessions · %(program)s", program=current_app.config["LMS_PROGRAM_NAME"]),
                        now=utcnow())
    return send_generated(body.encode("utf-8"), "text/calendar", "live-sessions.ics")


@bp.get("/cohorts")
@role_required(*STAFF)
def cohorts():
    return render_template("live/cohorts.html", cohorts=services.cohorts_for_staff(current_user))


def _make_up_form(cohort: Cohort, trainees, versions) -> MakeUpForm:
    form = MakeUpForm()
    form.trainee.choices = [SelectChoice(trainee.id, trainee.name) for trainee in trainees]
    form.course.choices = [SelectChoice(version.course_id, version.title) for version in versions]
    return form


def _cohort_page(cohort: Cohort, make_up_form: MakeUpForm | None = None, status: int = 200):
    trainees = services.cohort_trainees_of(cohort)
    versions = services.live_course_versions()
    return render_template(
        "live/cohort.html", cohort=cohort, sessions=services.sessions_of_cohort(cohort),
        gaps=services.attendance_gaps(cohort), trainees=trainees, now=utcnow(),
        make_up_form=make_up_form or _make_up_form(cohort, trainees, versions), status_labels=STATUS_LABELS,
        cancel_form=CancelForm(),
    ), status


@bp.get("/cohorts/<int:cohort_id>")
@role_required(*STAFF)
def cohort(cohort_id: int):
    return _cohort_page(_cohort_for_staff(cohort_id))


@bp.post("/cohorts/<int:cohort_id>/make-ups")
@role_required(*STAFF)
def make_up(cohort_id: int):
    cohort = _cohort_for_staff(cohort_id)
    form = _make_up_form(cohort, services.cohort_trainees_of(cohort), services.live_course_versions())
    if form.validate_on_submit():
        try:
            services.record_make_up(cohort, actor=current_user, trainee_id=form.trainee.data,
                                    course_id=form.course.data, minutes=form.minutes.data, reason=form.reason.data)
        except DomainError as error:
            show_refusal(form, error, "reason")
        else:
            db.session.commit()
            flash(_("The make-up was recorded and counts toward the trainee's live hours."), "success")
            return redirect(url_for("live.cohort", cohort_id=cohort.id))
    return _cohort_page(cohort, form, 400)


def _session_form(**defaults) -> SessionForm:
    versions = services.live_course_versions()
    form = SessionForm(**defaults)
    form.course.choices = [SelectChoice(version.course_id, version.title) for version in versions]
    form.module.choices = [SelectChoice(0, _("None: a topic of its own"))] + [
        SelectChoice(module.id, f"{module.position}. {module.title}", optgroup=version.title)
        for version in versions for module in version.modules if module.live_minutes > 0]
    return form


def _details(form: SessionForm) -> services.SessionDetails:
    return services.SessionDetails(
        course_id=form.course.data, module_id=form.module.data or None, title=form.title.data,
        topic=form.topic.data or "", starts_at=to_utc(form.starts_at.data).replace(tzinfo=UTC),
        duration_minutes=form.duration.data, place=form.place.data or "", video_url=form.video_url.data or "")


def _session_page(form: SessionForm, cohort: Cohort, session: LiveSession | None = None):
    return render_template("live/schedule.html", cohort=cohort, form=form, session=session,
                           timezone_name=str(get_timezone())), (400 if form.errors else 200)


@bp.route("/cohorts/<int:cohort_id>/schedule", methods=["GET", "POST"])
@role_required(*STAFF)
def schedule(cohort_id: int):
    cohort = _cohort_for_staff(cohort_id)
    form = _session_form()
    if form.validate_on_submit():
        try:
            services.schedule_session(cohort, _details(form), actor=current_user)
        except DomainError as error:
            show_refusal(form, error, "title")
        else:
            db.session.commit()
            flash(_("The session was scheduled; the cohort's trainees see it on their live sessions page."),
                  "success")
            return redirect(url_for("live.cohort", cohort_id=cohort.id))
    return _session_page(form, cohort)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(session_id: int):
    session = _session_for_staff(session_id)
    current = services.details_of(session)
    form = _session_form(title=current.title, course=current.course_id, module=current.module_id or 0,
                         topic=current.topic, starts_at=to_user_timezone(current.starts_at).replace(tzinfo=None),
                         duration=current.duration_minutes, place=current.place, video_url=current.video_url)
    form.submit.label.text = _("Save changes")
    if form.validate_on_submit():
        try:
            changed = services.change_session(session, _details(form), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error, "title")
        else:
            db.session.commit()
            flash(_("The session was changed; trainees see the new details on their live sessions page and "
                    "in their calendar.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("live.cohort", cohort_id=session.cohort_id))
    return _session_page(form, session.cohort, session)


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@role_required(*STAFF)
def attendance(session_id: int):
    session = _session_for_staff(session_id)
    trainees = services.cohort_trainees_of(session.cohort)
    form = attendance_form(trainees, duration=session.duration_minutes, existing=services.attendance_by_user(session))
    opened = session.starts_at <= utcnow()
    if form.validate_on_submit():
        try:
            changed = services.record_attendance(session, actor=current_user, entries=form.entries())
        except DomainError as error:
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("Attendance saved (%(count)d changed).", count=changed), "success")
            return redirect(url_for("live.cohort", cohort_id=session.cohort_id))
    return render_template("live/attendance.html", session=session, form=form, rows=form.rows(trainees),
                           opened=opened), (400 if form.errors else 200)


@bp.post("/sessions/<int:session_id>/cancel")
@role_required(*STAFF)
def cancel(session_id: int):
    session = _session_for_staff(session_id)
    cohort_id = session.cohort_id
    if CancelForm().validate_on_submit():
        try:
            services.cancel_session(session, actor=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The session was cancelled and removed from the trainees' calendars."), "success")
    return redirect(url_for("live.cohort", cohort_id=cohort_id))
