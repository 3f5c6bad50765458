"""Certificates: the holder's pages, public verification, the signed credential, administration, API keys."""

import hashlib
import io
import json
from collections import OrderedDict
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms import jobs
from lms.api import services as key_services
from lms.api.limits import lookup_limit
from lms.auth.permissions import public, role_required, signed_in
from lms.certificates import services
from lms.certificates.credential import format_hours
from lms.certificates.forms import (
    ActionForm,
    ApiKeyForm,
    ConfirmNameForm,
    ContinuingEducationForm,
    CorrectNameForm,
    ReviewForm,
    RevokeForm,
    VerifyCsvForm,
    VerifyNumberForm,
    VerifyPdfForm,
)
from lms.certificates.pdf_verify import MAX_PDF_BYTES
from lms.errors import CertificateRevoked, DomainError
from lms.extensions import db, limiter
from lms.inputs import bounded_int
from lms.models import ApiKey, Certificate, ContinuingEducation, Organization, Role
from lms.signals import course_completed

bp = Blueprint("certificates", __name__)

CSV_MAX_BYTES = 1024 * 1024


@bp.record_once
def subscribe(state) -> None:
    # The one cross-feature signal: learning announces a completed course, certificates issue.
    course_completed.connect(services.on_course_completed)
    # Workers (and `flask jobs recover`) render the PDFs that a failed job left missing.
    jobs.register_recovery(jobs.MISSING_PDFS, services.enqueue_missing_pdfs)


@bp.app_template_filter("hours")
def hours_filter(value) -> str:
    """40.0 -> "40", Decimal("37.50") -> "37.5"."""
    return format_hours(value) if value is not None else ""


def _user():
    return current_user._get_current_object()


def _field_error(form, error: DomainError, default: str) -> None:
    field = getattr(form, error.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, error.message]


def _own_certificate(number: str) -> Certificate:
    certificate = services.get_certificate(number)
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    return certificate


def _certificate_or_404(number: str) -> Certificate:
    certificate = services.get_certificate(number)
    if certificate is None:
        abort(404)
    return certificate


def _reissue_with_corrected_name(certificate: Certificate, form: CorrectNameForm) -> Certificate | None:
    """The certificate re-issued under the name in the form, not yet committed; None leaves the reason
    (the form's own errors, or the service's refusal) on the name field for the page to show."""
    if not form.validate_on_submit():
        return None
    try:
        return services.correct_holder_name(certificate, form.name.data, actor=_user())
    except DomainError as error:
        _field_error(form, error, "name")
        return None


def _continuing_education_or_404(entry_id: int, *, holder: bool, reviewer: bool) -> ContinuingEducation:
    """Load, then authorize: an entry that its holder (`holder`) or a supervisor who may review it (`reviewer`)
    asks for. Anyone else is told it does not exist, as for an unknown id."""
    entry = db.session.get(ContinuingEducation, entry_id)
    if entry is None:
        abort(404)
    user = _user()
    if not ((holder and entry.user_id == user.id)
            or (reviewer and services.can_review_continuing_education(user, entry.user_id))):
        abort(404)
    return entry


def _send_stored(path, mimetype: str, download_name: str, *, as_attachment: bool = False,
                 cache_control: str) -> Response:
    """A stored file (a certificate PDF, at most a few MB of evidence), with ETag and Last-Modified.

    Read into memory rather than streamed, so no file handle outlives the request.
    """
    data = path.read_bytes()
    response = send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=True,
        etag=hashlib.sha256(data).hexdigest()[:32],
        last_modified=path.stat().st_mtime,
        max_age=0,
    )
    response.headers["Cache-Control"] = cache_control
    return response


def _public(response: Response, cache_control: str = "no-cache") -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers and wallets fetch these from anywhere
    response.headers["Cache-Control"] = cache_control
    return response


def _public_json(payload, mimetype: str = "application/json") -> Response:
    return _public(Response(json.dumps(payload, indent=2, ensure_ascii=False), mimetype=mimetype))


# -- the holder ---------------------------------------------------------------------------------


@bp.get("/my/certificates")
@role_required(Role.TRAINEE)
def mine():
    user = _user()
    by_course: OrderedDict[int, list[Certificate]] = OrderedDict()
    for certificate in services.certificates_for_user(user):
        by_course.setdefault(certificate.course_id, []).append(certificate)
    today = services.today()
    entries = []
    for generations in by_course.values():
        current = generations[0]
        entries.append({
            "certificate": current,
            "status": services.status_of(current, today),
            "renewal": services.renewal_progress(current, latest=current),
            "history": [(c, services.status_of(c, today)) for c in generations[1:]],
        })
    return render_template(
        "certificates/mine.html",
        entries=entries,
        pending=services.pending_certificates(user),
        renew_form=ActionForm(),
    )


@bp.get("/my/certificates/<number>/confirm")
@role_required(Role.TRAINEE)
def confirm(number: str):
    certificate = _own_certificate(number)
    if certificate.name_confirmed_at is not None:
        return redirect(url_for("certificates.pdf", number=certificate.number, download=1))
    correct_form = CorrectNameForm(name=certificate.holder_name)
    return render_template("certificates/confirm.html", certificate=certificate, confirm_form=ConfirmNameForm(),
                           correct_form=correct_form)


@bp.post("/my/certificates/<number>/confirm")
@role_required(Role.TRAINEE)
def confirm_name(number: str):
    certificate = _own_certificate(number)
    if ConfirmNameForm().validate_on_submit():
        services.confirm_holder_name(certificate, actor=_user())
        db.session.commit()
        return redirect(url_for("certificates.pdf", number=certificate.number, download=1))
    return redirect(url_for("certificates.confirm", number=certificate.number))


@bp.post("/my/certificates/<number>/correct-name")
@role_required(Role.TRAINEE)
def correct_name(number: str):
    certificate = _own_certificate(number)
    if not services.can_correct_own_name(certificate):
        flash(_("The name on this certificate has been confirmed. To correct it, ask your program's "
                "administrator: the certificate will be re-issued."), "error")
        return redirect(url_for("certificates.mine"))
    form = CorrectNameForm()
    replacement = _reissue_with_corrected_name(certificate, form)
    if replacement is not None:
        db.session.commit()
        flash(_("Your certificate has been re-issued with the name %(name)s, as number %(number)s.",
                name=replacement.holder_name, number=replacement.number), "success")
        return redirect(url_for("certificates.mine"))
    return render_template("certificates/confirm.html", certificate=certificate, confirm_form=ConfirmNameForm(),
                           correct_form=form), 400


@bp.post("/my/certificates/<number>/renew")
@role_required(Role.TRAINEE)
def renew(number: str):
    certificate = _own_certificate(number)
    if ActionForm().validate_on_submit():
        try:
            renewed = services.renew_certificate(certificate, actor=_user())
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Your certificate has been renewed: %(number)s, valid until %(date)s.",
                    number=renewed.number, date=renewed.expires_on.isoformat()), "success")
    return redirect(url_for("certificates.mine"))


# -- continuing education ------------------------------------------------------------------------


@bp.route("/my/continuing-education", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def continuing_education():
    user = _user()
    form = ContinuingEducationForm()
    if form.validate_on_submit():
        upload = form.evidence.data
        try:
            path = services.store_evidence(upload.stream, upload.filename)
            services.log_continuing_education(
                user,
                title=form.title.data,
                provider=form.provider.data or "",
                hours=form.hours.data,
                completed_on=form.completed_on.data,
                evidence_path=path,
            )
        except DomainError as error:
            _field_error(form, error, "evidence")
        else:
            db.session.commit()
            flash(_("Sent for approval. A supervisor of your cohort will review it."), "success")
            return redirect(url_for("certificates.continuing_education"))
    current = []
    seen = set()
    for certificate in services.certificates_for_user(user):
        if certificate.course_id not in seen:
            seen.add(certificate.course_id)
            progress = services.renewal_progress(certificate, latest=certificate)
            if progress.offered:
                current.append((certificate, progress))
    status = 400 if form.errors else 200
    return render_template("certificates/continuing_education.html", form=form, current=current,
                           entries=services.continuing_education_for(user), delete_form=ActionForm()), status


@bp.post("/my/continuing-education/<int:entry_id>/delete")
@role_required(Role.TRAINEE)
def delete_continuing_education(entry_id: int):
    entry = _continuing_education_or_404(entry_id, holder=True, reviewer=False)
    if ActionForm().validate_on_submit():
        try:
            services.delete_continuing_education(entry, actor=_user())
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The activity has been removed."), "info")
    return redirect(url_for("certificates.continuing_education"))


@bp.get("/continuing-education/<int:entry_id>/evidence")
@signed_in
def evidence(entry_id: int):
    entry = _continuing_education_or_404(entry_id, holder=True, reviewer=True)
    path = services.evidence_file(entry)
    if path is None:
        abort(404)
    mimetype = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}[path.suffix]
    return _send_stored(path, mimetype, f"evidence-{entry.id}{path.suffix}", cache_control="private, no-store")


@bp.get("/continuing-education/review")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def review_queue():
    return render_template("certificates/review.html",
                           entries=services.continuing_education_to_review(_user()), form=ReviewForm())


@bp.post("/continuing-education/<int:entry_id>/review")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def review(entry_id: int):
    entry = _continuing_education_or_404(entry_id, holder=False, reviewer=True)
    user = _user()
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.review_continuing_education(entry, user, approve=bool(form.approve.data), note=form.note.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            if form.approve.data:
                flash(_("Approved %(title)s for %(name)s.", title=entry.title, name=entry.user.name), "success")
            else:
                flash(_("Sent %(title)s back to %(name)s.", title=entry.title, name=entry.user.name), "info")
    return redirect(url_for("certificates.review_queue"))


# -- public verification -------------------------------------------------------------------------


def _verify_page(status: int = 200, **context):
    context.setdefault("number_form", VerifyNumberForm(formdata=None))
    context.setdefault("pdf_form", VerifyPdfForm(formdata=None))
    context.setdefault("csv_form", VerifyCsvForm(formdata=None))
    return render_template("certificates/verify.html", **context), status


@bp.get("/verify")
@public
@lookup_limit()
def verify():
    if "number" not in request.args:
        return _verify_page()
    form = VerifyNumberForm(request.args)
    if not form.validate():
        return _verify_page(400, number_form=form)
    text = form.number.data
    number = services.canonical_number(text)
    if number is not None:
        return redirect(url_for("certificates.verify_number", number=number))
    suggestions = services.issued_suggestions(text)
    services.record_lookups([(text, False)], method="page", ip=request.remote_addr)
    db.session.commit()
    form.number.errors = [*form.number.errors, _(
        "This is not a valid certificate number: one character is probably mistyped. Check it against the "
        "certificate."
    )]
    return _verify_page(400, number_form=form, suggestions=suggestions)


@bp.post("/verify")
@public
@lookup_limit()
@limiter.limit("30 per minute")
def verify_pdf():
    form = VerifyPdfForm()
    if not form.validate_on_submit():
        return _verify_page(400, pdf_form=form)
    data = form.pdf.data.stream.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        form.pdf.errors = [_("The file is larger than any certificate we issue (%(mb)s MB).",
                             mb=MAX_PDF_BYTES // (1024 * 1024))]
        return _verify_page(413, pdf_form=form)
    result = services.verify_pdf(data)
    services.record_lookups([(result.number or "(pdf)", result.certificate is not None)],
                            method="pdf", ip=request.remote_addr)
    db.session.commit()
    return _verify_page(200, pdf_form=VerifyPdfForm(formdata=None), pdf_result=result)


@bp.post("/verify/csv")
@public
@lookup_limit()
@limiter.limit("10 per minute")
def verify_csv():
    form = VerifyCsvForm()
    numbers_text = request.form.get("numbers")
    try:
        if numbers_text is not None:  # the "download results" button re-sends the checked numbers
            numbers = [line.strip() for line in numbers_text.splitlines() if line.strip()]
            if not numbers or len(numbers) > services.MAX_BULK_NUMBERS:
                abort(400)
        elif form.validate_on_submit():
            data = form.csv.data.stream.read(CSV_MAX_BYTES + 1)
            if len(data) > CSV_MAX_BYTES:
                raise DomainError(_("The file is larger than 1 MB."), field="csv")
            numbers = services.read_numbers_csv(data)
        else:
            return _verify_page(400, csv_form=form)
    except DomainError as error:
        form.csv.errors = [error.message]
        return _verify_page(400, csv_form=form)
    lookups = services.lookup_numbers(numbers)
    # Build the answer before the commit, which would expire the rows and reload them one by one.
    if request.form.get("format") == "csv":
        stamp = services.today().isoformat()
        response = Response(
            services.lookups_csv(lookups),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="verification-{stamp}.csv"',
                     "Cache-Control": "no-store"},
        )
    else:
        summary = dict.fromkeys(("valid", "expired", "revoked", "not_found", "malformed"), 0)
        for item in lookups:
            summary[str(item.status) if item.found else "malformed" if item.malformed else "not_found"] += 1
        response = render_template("certificates/verify_csv.html", lookups=lookups, summary=summary,
                                   numbers="\n".join(item.text for item in lookups), download_form=ActionForm())
    services.record_lookups([(item.number or item.text, item.found) for item in lookups], method="csv",
                            ip=request.remote_addr)
    db.session.commit()
    return response


@bp.get("/verify/<number>")
@public
@lookup_limit()
def verify_number(number: str):
    canonical = services.canonical_number(number)
    if canonical is not None and canonical != number:
        return redirect(url_for("certificates.verify_number", number=canonical), 301)
    certificate = services.get_certificate(canonical) if canonical else None
    services.record_lookups([(canonical or number, certificate is not None)], method="page", ip=request.remote_addr)
    db.session.commit()
    if certificate is None:
        suggestions = services.issued_suggestions(number) if canonical is None else []
        return render_template("certificates/verify_number.html", certificate=None, number=number,
                               malformed=canonical is None, suggestions=suggestions), 404
    return render_template("certificates/verify_number.html", certificate=certificate, number=canonical,
                           status=services.status_of(certificate), revoked_on=services.revoked_on(certificate))


# -- the certificate's files ------------------------------------------------------------------------


@bp.get("/certificates/<number>.pdf")
@public
@lookup_limit()
def pdf(number: str):
    certificate = _certificate_or_404(number)
    if certificate.number != number:
        # The query string is passed on as it came: fed to url_for, "_method" or "_external" would steer it.
        query = urlencode(list(request.args.items(multi=True)))
        return redirect(url_for("certificates.pdf", number=certificate.number) + (f"?{query}" if query else ""), 301)
    if not services.pdf_is_current(certificate):
        try:
            services.render_pdf(certificate.id)
        except Exception:
            current_app.logger.exception("Rendering the PDF of %s on request failed", certificate.number)
            db.session.rollback()
            abort(503)
        db.session.commit()
    return _send_stored(services.data_dir() / certificate.pdf_path, "application/pdf",
                        f"certificate-{certificate.number}.pdf", as_attachment=bool(request.args.get("download")),
                        cache_control="no-cache")  # revocation replaces the file: always revalidate


@bp.get("/certificates/<number>/credential.json")
@public
@lookup_limit()
def credential_json(number: str):
    certificate = _certificate_or_404(number)
    return _public_json(services.credential_for(certificate), "application/ld+json")


@bp.get("/certificates/<number>/credential.jwt")
@public
@lookup_limit()
def credential_jwt(number: str):
    certificate = _certificate_or_404(number)
    return _public(Response(services.signed_credential(certificate), mimetype="application/vc+jwt"))


@bp.get("/certificates/status/1")
@public
def status_list():
    wants_jwt = request.accept_mimetypes.best_match(["application/json", "application/ld+json", "application/vc+jwt",
                                                     "application/jwt"]) in {"application/vc+jwt", "application/jwt"}
    if wants_jwt:
        return status_list_jwt()
    return _public_json(services.status_list_credential(), "application/ld+json")


@bp.get("/certificates/status/1.jwt")
@public
def status_list_jwt():
    return _public(Response(services.signed_status_list(), mimetype="application/vc+jwt"))


@bp.get("/.well-known/jwks.json")
@public
def jwks():
    return _public(jsonify(services.get_keystore().jwks()), cache_control="public, max-age=300")


@bp.get("/issuer")
@public
def issuer():
    return _public_json(services.issuer_profile(), "application/ld+json")


# -- administration -----------------------------------------------------------------------------


@bp.get("/certificates")
@role_required(Role.ADMIN)
def index():
    query = request.args.get("q", "").strip()[:160]
    status = request.args.get("status", "")
    if status not in {"", "valid", "expired", "revoked"}:
        status = ""
    page = db.paginate(services.search_certificates(query, status), page=request.args.get("page", 1, type=bounded_int),
                       per_page=25, error_out=False)
    today = services.today()
    return render_template("certificates/index.html", page=page, query=query, status=status,
                           rows=[(c, services.status_of(c, today)) for c in page.items])


def _manage_page(certificate: Certificate, status: int = 200, **forms):
    forms.setdefault("revoke_form", RevokeForm(formdata=None))
    forms.setdefault("name_form", CorrectNameForm(formdata=None, name=certificate.holder_name))
    forms.setdefault("render_form", ActionForm(formdata=None))
    latest = services.latest_certificate(certificate.user_id, certificate.course_id) if certificate.user_id else None
    return render_template(
        "certificates/manage.html",
        certificate=certificate,
        status=services.status_of(certificate),
        history=[(c, services.status_of(c)) for c in services.history_of(certificate)],
        is_current=latest is None or latest.id == certificate.id,
        pdf_current=services.pdf_is_current(certificate),
        **forms,
    ), status


@bp.get("/certificates/<number>/manage")
@role_required(Role.ADMIN)
def manage(number: str):
    return _manage_page(_certificate_or_404(number))


@bp.post("/certificates/<number>/revoke")
@role_required(Role.ADMIN)
def revoke(number: str):
    certificate = _certificate_or_404(number)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(certificate, form.reason.data, actor=_user())
        except CertificateRevoked as error:
            flash(error.message, "error")
            return redirect(url_for("certificates.manage", number=certificate.number))
        except DomainError as error:
            _field_error(form, error, "reason")
        else:
            db.session.commit()
            flash(_("Certificate %(number)s has been revoked. Its verification page now says so.",
                    number=certificate.number), "success")
            return redirect(url_for("certificates.manage", number=certificate.number))
    return _manage_page(certificate, 400, revoke_form=form)


@bp.post("/certificates/<number>/correct-name")
@role_required(Role.ADMIN)
def admin_correct_name(number: str):
    certificate = _certificate_or_404(number)
    form = CorrectNameForm()
    replacement = _reissue_with_corrected_name(certificate, form)
    if replacement is not None:
        db.session.commit()
        flash(_("Re-issued as %(number)s with the name %(name)s; the previous certificate is revoked.",
                number=replacement.number, name=replacement.holder_name), "success")
        return redirect(url_for("certificates.manage", number=replacement.number))
    return _manage_page(certificate, 400, name_form=form)


@bp.post("/certificates/<number>/render")
@role_required(Role.ADMIN)
def rerender(number: str):
    certificate = _certificate_or_404(number)
    if ActionForm().validate_on_submit():
        try:
            services.render_pdf(certificate.id)
        except Exception:
            current_app.logger.exception("Rendering the PDF of %s failed", certificate.number)
            db.session.rollback()
            flash(_("The PDF could not be rendered. The error is in the application log."), "error")
        else:
            db.session.commit()
            flash(_("The PDF has been rendered again."), "success")
    return redirect(url_for("certificates.manage", number=certificate.number))


# -- organizations' API keys ------------------------------------------------------------------------


def _api_key_form(user) -> ApiKeyForm:
    form = ApiKeyForm()
    if user.role == Role.ADMIN:
        organizations = db.session.scalars(sa.select(Organization).order_by(Organization.name))
        form.organization.choices = [(org.id, org.name) for org in organizations]
    else:
        del form.organization
    return form


@bp.route("/org/api-keys", methods=["GET", "POST"])
@role_required(Role.ORG_ADMIN, Role.ADMIN)
def api_keys():
    user = _user()
    form = _api_key_form(user)
    new_key = None
    status = 200
    if request.method == "POST":
        if user.role == Role.ADMIN and not form.organization.choices:
            form.organization.errors = [_("Create an organization first.")]
            status = 400
        elif form.validate_on_submit():
            if user.role == Role.ADMIN:
                organization = db.session.get(Organization, form.organization.data)
            else:
                organization = user.organization
            if organization is None:
                flash(_("Your account is not part of an organization, so it cannot hold API keys."), "error")
                status = 400
            else:
                try:
                    key, plaintext = key_services.create_api_key(organization, form.name.data, actor=user)
                except DomainError as error:
                    _field_error(form, error, "name")
                    status = 400
                else:
                    db.session.commit()
                    new_key = (key, plaintext)
                    form = _api_key_form(user)
                    form.name.data = ""
        else:
            status = 400
    response = render_template("certificates/api_keys.html", form=form, keys=key_services.keys_for(user),
                               new_key=new_key, revoke_form=ActionForm(formdata=None),
                               docs_url=url_for("api.openapi"))
    response = current_app.make_response((response, status))
    if new_key is not None:
        response.headers["Cache-Control"] = "no-store"  # the key is shown once and must not be cached
    return response


@bp.post("/org/api-keys/<int:key_id>/revoke")
@role_required(Role.ORG_ADMIN, Role.ADMIN)
def revoke_api_key(key_id: int):
    user = _user()
    key = db.session.get(ApiKey, key_id)
    if key is None or not key_services.can_manage_keys(user, key.organization_id):
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            key_services.revoke_api_key(key, actor=user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The key %(name)s (%(prefix)s…) has been revoked.", name=key.name, prefix=key.prefix), "success")
    return redirect(url_for("certificates.api_keys"))
