"""The holder's "Add to my wallet": the credential as a file, a one-time offer to the Learner Credential
Wallet (QR code and link), and the endpoint that wallet posts to (see `lms.certificates.wallet`)."""

import json

import segno
from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import public, role_required
from lms.certificates import wallet
from lms.certificates.blueprint import bp
from lms.certificates.forms import ActionForm
from lms.certificates.holder_views import _own_certificate, certificate_page
from lms.downloads import send_generated
from lms.errors import DomainError, InvalidInput
from lms.extensions import csrf, db, limiter
from lms.forms import show_refusal
from lms.models import Role


@bp.get("/my/certificates/<number>/credential.json")
@role_required(Role.TRAINEE)
def wallet_credential_file(number: str):
    certificate = _own_certificate(number)
    body = json.dumps(wallet.credential_document(certificate), indent=2, ensure_ascii=False)
    return send_generated(body, "application/ld+json", f"credential-{certificate.number}.json")


@bp.post("/my/certificates/<number>/wallet")
@role_required(Role.TRAINEE)
@limiter.limit("20 per hour")
def wallet_offer(number: str):
    certificate = _own_certificate(number)
    if not ActionForm().validate_on_submit():
        return certificate_page(certificate, status=400)
    try:
        offer, token = wallet.create_offer(certificate, actor=current_user._get_current_object())
    except DomainError as error:
        show_refusal(None, error)
        return certificate_page(certificate, status=error.status_code)
    links = wallet.wallet_links(offer, token)
    qr_svg = segno.make(links["web"], error="m").svg_inline(scale=3, title=None)
    db.session.commit()
    # The page answers the POST itself: the one-time link is never in a URL the browser keeps.
    response, status = certificate_page(certificate, wallet_offer={"links": links, "qr_svg": qr_svg,
                                                                   "expires_at": offer.expires_at})
    response = Response(response, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


MAX_BODY = 64 * 1024  # a signed DID authentication is a few kilobytes


def _json_body():
    """The posted JSON; an empty body is `{}` (a VC-API exchange starting)."""
    if (request.content_length or 0) > MAX_BODY:
        raise InvalidInput(_("The request body is too large for a DID authentication."))
    raw = request.stream.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise InvalidInput(_("The request body is too large for a DID authentication."))
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput(_("The request body is not JSON.")) from None


@bp.post("/wallet/exchange/<token>")
@public
@csrf.exempt  # the wallet app posts here with the one-time token as its authorization
@limiter.limit("30 per minute")
def wallet_exchange(token: str):
    try:
        answer = wallet.exchange(token, _json_body())
    except DomainError as error:
        db.session.rollback()
        response = Response(json.dumps({"error": type(error).__name__, "message": error.message}),
                            status=error.status_code, mimetype="application/json")
    else:
        db.session.commit()
        response = Response(json.dumps(answer, ensure_ascii=False), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
