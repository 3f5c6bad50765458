"""Public verification: by number (a form, and the page a QR code opens), by uploaded PDF, by CSV."""

from flask import Response, redirect, render_template, request, url_for

from lms.api.limits import lookup_limit
from lms.auth.permissions import public
from lms.certificates import records, verification
from lms.certificates.blueprint import bp
from lms.certificates.forms import ActionForm, VerifyCredentialForm, VerifyCsvForm, VerifyNumberForm, VerifyPdfForm
from lms.certificates.settings import today
from lms.downloads import send_generated
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.forms import show_refusal


def _verify_page(status: int = 200, **context):
    context.setdefault("number_form", VerifyNumberForm(formdata=None))
    context.setdefault("pdf_form", VerifyPdfForm(formdata=None))
    context.setdefault("csv_form", VerifyCsvForm(formdata=None))
    context.setdefault("credential_form", VerifyCredentialForm(formdata=None))
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
    try:
        number = verification.well_formed_number(text)
    except DomainError as error:
        suggestions = verification.issued_suggestions(text)
        verification.record_lookups([(text, False)], method="page", ip=request.remote_addr)
        db.session.commit()
        show_refusal(form, error, "number")
        return _verify_page(400, number_form=form, suggestions=suggestions)
    return redirect(url_for("certificates.verify_number", number=number))


@bp.post("/verify")
@public
@lookup_limit()
@limiter.limit("30 per minute")
def verify_pdf():
    form = VerifyPdfForm()
    if not form.validate_on_submit():
        return _verify_page(400, pdf_form=form)
    try:
        data = verification.read_pdf_upload(form.pdf.data.stream)
    except DomainError as error:
        show_refusal(form, error, "pdf")
        return _verify_page(error.status_code, pdf_form=form)
    result = verification.verify_pdf(data)
    verification.record_lookups([(result.number or "(pdf)", result.certificate is not None)],
                                method="pdf", ip=request.remote_addr)
    db.session.commit()
    return _verify_page(200, pdf_form=VerifyPdfForm(formdata=None), pdf_result=result)


@bp.post("/verify/credential")
@public
@lookup_limit()
@limiter.limit("30 per minute")
def verify_credential():
    """A credential file from a wallet: signed by us (with any of our keys, before or after a rotation)?"""
    form = VerifyCredentialForm()
    if not form.validate_on_submit():
        return _verify_page(400, credential_form=form)
    try:
        document = verification.read_credential_upload(form.credential.data.stream)
    except DomainError as error:
        show_refusal(form, error, "credential")
        return _verify_page(error.status_code, credential_form=form)
    result = verification.verify_credential_file(document)
    verification.record_lookups([(result.number or "(credential)", result.certificate is not None)],
                                method="credential", ip=request.remote_addr)
    db.session.commit()
    return _verify_page(200, credential_result=result)


def _numbers_to_check(form: VerifyCsvForm) -> list[str] | None:
    """The numbers of an uploaded CSV, or re-sent by the "download results" button; None when the form
    itself is incomplete (its fields say why). A refused file raises `DomainError`."""
    numbers_text = request.form.get("numbers")
    if numbers_text is not None:
        return verification.bulk_numbers(numbers_text)
    if not form.validate_on_submit():
        return None
    return verification.read_csv_upload(form.csv.data.stream)


def _results_csv(lookups) -> Response:
    return send_generated(verification.lookups_csv(lookups), "text/csv", f"verification-{today().isoformat()}.csv")


def _results_page(lookups) -> str:
    summary = dict.fromkeys(("valid", "expired", "revoked", "not_found", "malformed"), 0)
    for item in lookups:
        summary[str(item.status) if item.found else "malformed" if item.malformed else "not_found"] += 1
    return render_template("certificates/verify_csv.html", lookups=lookups, summary=summary,
                           numbers="\n".join(item.text for item in lookups), download_form=ActionForm())


@bp.post("/verify/csv")
@public
@lookup_limit()
@limiter.limit("10 per minute")
def verify_csv():
    form = VerifyCsvForm()
    try:
        numbers = _numbers_to_check(form)
    except DomainError as error:
        show_refusal(form, error, "csv")
        return _verify_page(400, csv_form=form)
    if numbers is None:
        return _verify_page(400, csv_form=form)
    lookups = verification.lookup_numbers(numbers)
    # Build the answer before the commit, which would expire the rows and reload them one by one.
    response = _results_csv(lookups) if request.form.get("format") == "csv" else _results_page(lookups)
    verification.record_lookups([(item.number or item.text, item.found) for item in lookups], method="csv",
                                ip=request.remote_addr)
    db.session.commit()
    return response


@bp.get("/verify/<number>")
@public
@lookup_limit()
def verify_number(number: str):
    canonical = records.canonical_number(number)
    if canonical is not None and canonical != number:
        return redirect(url_for("certificates.verify_number", number=canonical), 301)
    certificate = records.get_certificate(canonical) if canonical else None
    verification.record_lookups([(canonical or number, certificate is not None)], method="page",
                                ip=request.remote_addr)
    db.session.commit()
    if certificate is None:
        suggestions = verification.issued_suggestions(number) if canonical is None else []
        return render_template("certificates/verify_number.html", certificate=None, number=number,
                               malformed=canonical is None, suggestions=suggestions), 404
    return render_template("certificates/verify_number.html", certificate=certificate, number=canonical,
                           status=records.status_of(certificate), revoked_on=records.revoked_on(certificate))

