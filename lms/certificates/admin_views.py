"""Administrators' certificate pages: the list, one certificate's management page, revoking,
re-issuing with a corrected name, rendering the PDF again."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required
from lms.certificates import documents, lifecycle, records
from lms.certificates.blueprint import bp, certificate_or_404
from lms.certificates.forms import ActionForm, CorrectNameForm, RevokeForm
from lms.certificates.settings import today
from lms.errors import CertificateRevoked, DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.inputs import bounded_int
from lms.models import Certificate, CertificateStatus, Role

PER_PAGE = 25


@bp.get("/certificates")
@role_required(Role.ADMIN)
def index():
    query = request.args.get("q", "").strip()[:160]
    status = request.args.get("status", "")
    if status not in {s.value for s in CertificateStatus}:
        status = ""
    page = db.paginate(records.search_certificates(query, status), page=request.args.get("page", 1, type=bounded_int),
                       per_page=PER_PAGE, error_out=False)
    on = today()
    return render_template("certificates/index.html", page=page, query=query, status=status,
                           rows=[(c, records.status_of(c, on)) for c in page.items])


def _manage_page(certificate: Certificate, status: int = 200, **forms):
    forms.setdefault("revoke_form", RevokeForm(formdata=None))
    forms.setdefault("name_form", CorrectNameForm(formdata=None, name=certificate.holder_name))
    forms.setdefault("render_form", ActionForm(formdata=None))
    latest = records.latest_certificate(certificate.user_id, certificate.course_id) if certificate.user_id else None
    return render_template(
        "certificates/manage.html",
        certificate=certificate,
        status=records.status_of(certificate),
        history=[(c, records.status_of(c)) for c in records.history_of(certificate)],
        is_current=latest is None or latest.id == certificate.id,
        pdf_current=documents.pdf_is_current(certificate),
        **forms,
    ), status


@bp.get("/certificates/<number>/manage")
@role_required(Role.ADMIN)
def manage(number: str):
    return _manage_page(certificate_or_404(number))


@bp.post("/certificates/<number>/revoke")
@role_required(Role.ADMIN)
def revoke(number: str):
    certificate = certificate_or_404(number)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            lifecycle.revoke_certificate(certificate, form.reason.data, actor=current_user._get_current_object())
        except CertificateRevoked as error:  # revoked meanwhile: the page now says so
            show_refusal(None, error)
            return redirect(url_for("certificates.manage", number=certificate.number))
        except DomainError as error:
            show_refusal(form, error, "reason")
        else:
            db.session.commit()
            flash(_("Certificate %(number)s has been revoked. Its verification page now says so.",
                    number=certificate.number), "success")
            return redirect(url_for("certificates.manage", number=certificate.number))
    return _manage_page(certificate, 400, revoke_form=form)


@bp.post("/certificates/<number>/correct-name")
@role_required(Role.ADMIN)
def admin_correct_name(number: str):
    certificate = certificate_or_404(number)
    form = CorrectNameForm()
    if form.validate_on_submit():
        try:
            replacement = lifecycle.correct_holder_name(certificate, form.name.data,
                                                        actor=current_user._get_current_object())
        except DomainError as error:
            show_refusal(form, error, "name")
        else:
            db.session.commit()
            flash(_("Re-issued as %(number)s with the name %(name)s; the previous certificate is revoked.",
                    number=replacement.number, name=replacement.holder_name), "success")
            return redirect(url_for("certificates.manage", number=replacement.number))
    return _manage_page(certificate, 400, name_form=form)


@bp.post("/certificates/<number>/render")
@role_required(Role.ADMIN)
def rerender(number: str):
    certificate = certificate_or_404(number)
    if ActionForm().validate_on_submit():
        try:
            documents.render_pdf(certificate.id)
        except Exception:
            current_app.logger.exception("Rendering the PDF of %s failed", certificate.number)
            db.session.rollback()
            flash(_("The PDF could not be rendered. The error is in the application log."), "error")
        else:
            db.session.commit()
            flash(_("The PDF has been rendered again."), "success")
    return redirect(url_for("certificates.manage", number=certificate.number))
