"""/admin: people and roles, organizations, course versions, the audit and verification logs."""

from datetime import date, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.admin import services
from lms.admin.forms import ActionForm, EraseForm, OrganizationForm, RoleForm
from lms.auth.permissions import role_required
from lms.errors import DomainError
from lms.extensions import db
from lms.inputs import bounded_int
from lms.mail import mail_folder
from lms.models import Organization, Role, User, utcnow
from lms.orgs import services as org_services
from lms.records import erasure

bp = Blueprint("admin", __name__)

PER_PAGE = 50


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _organizations() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in db.session.scalars(db.select(Organization).order_by(Organization.name))]


def _organization_choices() -> list[SelectChoice]:
    return [SelectChoice(0, _("No organization"))] + [SelectChoice(id_, name) for id_, name in _organizations()]


@bp.get("")
@role_required(Role.ADMIN)
def home():
    return render_template("admin/home.html", overview=services.overview(utcnow()))


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    filters = {
        "q": request.args.get("q", ""),
        "role": request.args.get("role", ""),
        "org": request.args.get("org", 0, type=bounded_int),
        "status": request.args.get("status", ""),
    }
    query = services.users_query(search=filters["q"], role=filters["role"], organization_id=filters["org"] or None,
                                 status=filters["status"])
    page = db.paginate(query, page=request.args.get("page", 1, type=bounded_int), per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, filters=filters, organizations=_organizations(),
                           roles=list(Role))


def _user_page(user: User, role_form: RoleForm | None = None, status: int = 200):
    role_form = role_form or RoleForm(role=user.role, organization=user.organization_id or 0)
    role_form.organization.choices = _organization_choices()
    cohorts = org_services.cohort_names_by_user([user.id]).get(user.id, [])
    return render_template("admin/user.html", user=user, role_form=role_form, action_form=ActionForm(),
                           cohorts=cohorts), status


@bp.get("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user(user_id: int):
    return _user_page(db.get_or_404(User, user_id))


@bp.post("/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def change_role(user_id: int):
    person = db.get_or_404(User, user_id)
    form = RoleForm()
    form.organization.choices = _organization_choices()
    if form.validate_on_submit():
        organization = db.session.get(Organization, form.organization.data) if form.organization.data else None
        try:
            services.change_role(person, role=form.role.data, organization=organization, actor=current_user,
                                 confirm_move=form.confirm_move.data == "yes")
        except services.MoveNeedsConfirmation as needed:
            return render_template("admin/confirm_move.html", user=person, form=form, organization=organization,
                                   cohorts=needed.cohorts)
        except DomainError as error:
            if error.field:
                getattr(form, error.field).errors.append(error.message)
            else:
                flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s is now: %(role)s.", name=person.name, role=person.role_label), "success")
            return redirect(url_for("admin.user", user_id=person.id))
    return _user_page(person, form, status=400)


def _set_active(user_id: int, change):
    person = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        try:
            change(person, actor=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s can sign in again.", name=person.name) if person.active
                  else _("%(name)s can no longer sign in. Their records are kept.", name=person.name), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id: int):
    return _set_active(user_id, org_services.deactivate_user)


@bp.post("/users/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate(user_id: int):
    return _set_active(user_id, org_services.reactivate_user)


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def erase(user_id: int):
    """Erase a person's data on request: a confirmation page, then the erasure (audited)."""
    person = db.get_or_404(User, user_id)
    if person.erased_at is not None:
        flash(_("This person's data was already erased."), "info")
        return redirect(url_for("admin.user", user_id=person.id))
    form = EraseForm()
    keep_name = bool(current_app.config["ERASURE_KEEP_CERTIFICATE_NAME"])
    if form.validate_on_submit():
        if (form.confirm_email.data or "").strip().lower() != (person.email or "").lower():
            form.confirm_email.errors.append(_("This is not the person's email address."))
        else:
            try:
                report = erasure.erase_user(person, actor=current_user, data_dir=current_app.config["DATA_DIR"],
                                            keep_certificate_name=keep_name,
                                            mail_dir=mail_folder(current_app.config))
            except DomainError as error:
                form.confirm_email.errors.append(error.message)
            else:
                db.session.commit()
                flash(_("The personal data of account #%(id)d was erased (%(files)d files deleted). "
                        "%(certs)d certificates stay verifiable.", id=report.user_id, files=report.files_deleted,
                        certs=report.certificates_kept), "success")
                return redirect(url_for("admin.user", user_id=person.id))
    return render_template("admin/erase.html", person=person, form=form, keep_name=keep_name), (
        400 if form.errors else 200)


@bp.route("/organizations", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organizations():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = org_services.create_organization(form.name.data, invite_code=form.invite_code.data,
                                                            actor=current_user)
        except DomainError as error:
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Organization “%(name)s” created.", name=organization.name), "success")
            return redirect(url_for("admin.organizations"))
    return render_template("admin/organizations.html", form=form,
                           organizations=org_services.organizations_with_counts()), (400 if form.errors else 200)


@bp.route("/organizations/<int:organization_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organization(organization_id: int):
    org = db.get_or_404(Organization, organization_id)
    form = OrganizationForm(obj=org)
    if form.validate_on_submit():
        try:
            org_services.update_organization(org, name=form.name.data, invite_code=form.invite_code.data,
                                             actor=current_user)
        except DomainError as error:
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Organization saved."), "success")
            return redirect(url_for("admin.organizations"))
    return render_template("admin/organization.html", form=form, organization=org), (400 if form.errors else 200)


@bp.get("/courses")
@role_required(Role.ADMIN)
def courses():
    return render_template("admin/courses.html", courses=services.course_versions())


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log():
    filters = {"user": request.args.get("user", ""), "action": request.args.get("action", ""),
               "since": _date_arg("since"), "until": _date_arg("until")}
    page = db.paginate(services.audit_query(**filters), page=request.args.get("page", 1, type=bounded_int),
                       per_page=PER_PAGE, error_out=False)
    return render_template("admin/audit.html", page=page, filters=filters, actions=services.audit_actions())


@bp.get("/verifications")
@role_required(Role.ADMIN)
def verifications():
    filters = {"number": request.args.get("number", ""), "found": request.args.get("found", ""),
               "method": request.args.get("method", "")}
    page = db.paginate(services.verification_query(**filters), page=request.args.get("page", 1, type=bounded_int),
                       per_page=PER_PAGE, error_out=False)
    keys = services.api_key_labels({log.api_key_id for log in page.items if log.api_key_id})
    return render_template("admin/verifications.html", page=page, filters=filters, keys=keys,
                           methods=services.verification_methods(),
                           busiest=services.busiest_addresses(utcnow() - timedelta(days=1)))
