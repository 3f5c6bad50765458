"""The holder's pages: my certificates, confirming or correcting the printed name, renewing."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required
from lms.certificates import issuance, lifecycle, records, registry, wallet
from lms.certificates.blueprint import bp
from lms.certificates.forms import ActionForm, ConfirmNameForm, CorrectNameForm
from lms.certificates.settings import today, verification_url
from lms.errors import DomainError
from lms.ethics.services import needs_signature_for_renewal
from lms.extensions import db
from lms.forms import show_refusal
from lms.models import Certificate, Role


def _user():
    return current_user._get_current_object()


def _own_certificate(number: str) -> Certificate:
    certificate = records.get_certificate(number)
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    return certificate


def _entries(user) -> list[dict]:
    """One entry per course: the current certificate, its status and renewal, and earlier generations."""
    by_course: dict[int, list[Certificate]] = {}
    for certificate in records.certificates_for_user(user):
        by_course.setdefault(certificate.course_id, []).append(certificate)
    on = today()
    return [
        {
            "certificate": generations[0],
            "status": records.status_of(generations[0], on),
            "renewal": lifecycle.renewal_progress(generations[0], latest=generations[0]),
            "needs_signature": needs_signature_for_renewal(generations[0]),
            "history": [(c, records.status_of(c, on)) for c in generations[1:]],
        }
        for generations in by_course.values()
    ]


@bp.get("/my/certificates")
@role_required(Role.TRAINEE)
def mine():
    user = _user()
    return render_template("certificates/mine.html", entries=_entries(user),
                           pending=issuance.pending_certificates(user), renew_form=ActionForm())


def certificate_page(certificate: Certificate, *, wallet_offer=None, status: int = 200):
    """The holder's page of one certificate: wallet, LinkedIn, the registry listing."""
    listing = registry.listing_of(certificate)
    requiring = registry.requiring_organization(certificate)
    return render_template(
        "certificates/holder.html", certificate=certificate, status=records.status_of(certificate, today()),
        listing=listing, requiring=requiring, locked=bool(listing and listing.required and requiring),
        linkedin_url=wallet.linkedin_url(certificate, verification_url(certificate.number)),
        wallet_offer=wallet_offer, offer_minutes=wallet.offer_minutes(), action_form=ActionForm(),
    ), status


@bp.get("/my/certificates/<number>")
@role_required(Role.TRAINEE)
def holder_certificate(number: str):
    return certificate_page(_own_certificate(number))


def _confirm_page(certificate: Certificate, correct_form: CorrectNameForm, status: int = 200):
    return render_template("certificates/confirm.html", certificate=certificate, confirm_form=ConfirmNameForm(),
                           correct_form=correct_form), status


@bp.get("/my/certificates/<number>/confirm")
@role_required(Role.TRAINEE)
def confirm(number: str):
    certificate = _own_certificate(number)
    if certificate.name_confirmed_at is not None:
        return redirect(url_for("certificates.pdf", number=certificate.number, download=1))
    return _confirm_page(certificate, CorrectNameForm(name=certificate.holder_name))


@bp.post("/my/certificates/<number>/confirm")
@role_required(Role.TRAINEE)
def confirm_name(number: str):
    certificate = _own_certificate(number)
    if ConfirmNameForm().validate_on_submit():
        lifecycle.confirm_holder_name(certificate, actor=_user())
        db.session.commit()
        return redirect(url_for("certificates.pdf", number=certificate.number, download=1))
    return redirect(url_for("certificates.confirm", number=certificate.number))


@bp.post("/my/certificates/<number>/correct-name")
@role_required(Role.TRAINEE)
def correct_name(number: str):
    certificate = _own_certificate(number)
    if not lifecycle.can_correct_own_name(certificate):
        flash(_("The name on this certificate has been confirmed. To correct it, ask your program's "
                "administrator: the certificate will be re-issued."), "error")
        return redirect(url_for("certificates.mine"))
    form = CorrectNameForm()
    if form.validate_on_submit():
        try:
            replacement = lifecycle.correct_holder_name(certificate, form.name.data, actor=_user())
        except DomainError as error:
            show_refusal(form, error, "name")
        else:
            db.session.commit()
            flash(_("Your certificate has been re-issued with the name %(name)s, as number %(number)s.",
                    name=replacement.holder_name, number=replacement.number), "success")
            return redirect(url_for("certificates.mine"))
    return _confirm_page(certificate, form, 400)


@bp.post("/my/certificates/<number>/renew")
@role_required(Role.TRAINEE)
def renew(number: str):
    certificate = _own_certificate(number)
    if ActionForm().validate_on_submit():
        try:
            renewed = lifecycle.renew_certificate(certificate, actor=_user())
        except DomainError as error:
            show_refusal(None, error)
        else:
            db.session.commit()
            flash(_("Your certificate has been renewed: %(number)s, valid until %(date)s.",
                    number=renewed.number, date=format_date(renewed.expires_on, "long")), "success")
    return redirect(url_for("certificates.mine"))
