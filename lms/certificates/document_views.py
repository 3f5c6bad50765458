"""A certificate's public documents: the PDF, the signed credential (JSON-LD and VC-JWT), the status
list, the signing keys and the issuer profile. Verifiers and wallets fetch these from anywhere."""

import json
from urllib.parse import urlencode

from flask import Response, abort, current_app, jsonify, redirect, request, url_for

from lms.api.limits import lookup_limit
from lms.auth.permissions import public
from lms.certificates import documents, issuers
from lms.certificates.blueprint import bp, certificate_or_404
from lms.certificates.settings import get_keystore
from lms.downloads import send_stored
from lms.extensions import db

JWT_TYPES = {"application/vc+jwt", "application/jwt"}


def _public(response: Response, cache_control: str = "no-cache") -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers and wallets fetch these from anywhere
    response.headers["Cache-Control"] = cache_control
    return response


def _public_json(payload, mimetype: str = "application/json") -> Response:
    return _public(Response(json.dumps(payload, indent=2, ensure_ascii=False), mimetype=mimetype))


def _organization_issuer_or_404(organization_id: int) -> issuers.Issuer:
    organization = issuers.issuing_organization(organization_id)
    if organization is None:
        abort(404)
    return issuers.organization_issuer(organization)


def _render_on_request(certificate) -> None:
    """Render a missing or stale PDF now; 503 if that fails (the error is in the log)."""
    try:
        documents.render_pdf(certificate.id)
    except Exception:
        current_app.logger.exception("Rendering the PDF of %s on request failed", certificate.number)
        db.session.rollback()
        abort(503)
    db.session.commit()


@bp.get("/certificates/<number>.pdf")
@public
@lookup_limit()
def pdf(number: str):
    certificate = certificate_or_404(number)
    if certificate.number != number:
        # The query string is passed on as it came: fed to url_for, "_method" or "_external" would steer it.
        query = urlencode(list(request.args.items(multi=True)))
        return redirect(url_for("certificates.pdf", number=certificate.number) + (f"?{query}" if query else ""), 301)
    if not documents.pdf_is_current(certificate):
        _render_on_request(certificate)
    return send_stored(documents.stored_pdf(certificate), "application/pdf",
                       f"certificate-{certificate.number}.pdf", as_attachment=bool(request.args.get("download")),
                       cache_control="no-cache")  # revocation replaces the file: always revalidate


@bp.get("/certificates/<number>/credential.json")
@public
@lookup_limit()
def credential_json(number: str):
    certificate = certificate_or_404(number)
    return _public_json(documents.credential_with_proof(certificate), "application/ld+json")


@bp.get("/certificates/<number>/credential.jwt")
@public
@lookup_limit()
def credential_jwt(number: str):
    certificate = certificate_or_404(number)
    return _public(Response(documents.signed_credential(certificate), mimetype="application/vc+jwt"))


def _status_list(issuer: issuers.Issuer) -> Response:
    """The status list as a credential with a Data Integrity proof, or as a VC-JWT when asked for one."""
    preferred = request.accept_mimetypes.best_match(["application/json", "application/ld+json", *sorted(JWT_TYPES)])
    if preferred in JWT_TYPES:
        return _public(Response(documents.signed_status_list(issuer), mimetype="application/vc+jwt"))
    return _public_json(documents.status_list_with_proof(issuer), "application/ld+json")


@bp.get("/certificates/status/1")
@public
def status_list():
    return _status_list(issuers.program_issuer())


@bp.get("/certificates/status/1.jwt")
@public
def status_list_jwt():
    return _public(Response(documents.signed_status_list(), mimetype="application/vc+jwt"))


@bp.get("/orgs/<int:organization_id>/status/1")
@public
def organization_status_list(organization_id: int):
    return _status_list(_organization_issuer_or_404(organization_id))


@bp.get("/.well-known/jwks.json")
@public
def jwks():
    return _public(jsonify(get_keystore().jwks()), cache_control="public, max-age=300")


@bp.get("/issuer")
@public
def issuer():
    """The program's issuer profile (certificates that no organization issued)."""
    return _public_json(documents.issuer_profile(), "application/ld+json")


@bp.get("/orgs/<int:organization_id>/issuer")
@public
def organization_issuer(organization_id: int):
    return _public_json(documents.issuer_profile(_organization_issuer_or_404(organization_id)), "application/ld+json")


def _did_document(issuer: issuers.Issuer) -> Response:
    """Compact (the DCC's resolver reads at most 8 KB), cached briefly like the JWKS."""
    response = Response(issuers.did_document_json(issuer), mimetype="application/did+ld+json")
    return _public(response, cache_control="public, max-age=300")


@bp.get("/.well-known/did.json")
@bp.get("/did.json")  # where did:web looks when the base URL has a path (did:web:host:path)
@public
def did_document():
    return _did_document(issuers.program_issuer())


@bp.get("/orgs/<int:organization_id>/did.json")
@public
def organization_did_document(organization_id: int):
    return _did_document(_organization_issuer_or_404(organization_id))
