"""Taking a certificate elsewhere: into the holder's wallet, onto their LinkedIn profile.

The wallet: the Digital Credentials Consortium's Learner Credential Wallet (LCW) asks for a credential
through a link (or the QR code of that link) of the form

    https://lcw.app/request.html?issuer=<host>&auth_type=bearer&challenge=<challenge>&vc_request_url=<url>

(or the app's own scheme, `dccrequest://request?` with the same parameters). The wallet POSTs a DID
authentication (a Verifiable Presentation naming the holder's DID, signed, with `challenge` in its
proof) to `vc_request_url` and takes the Verifiable Credential (or a presentation holding it) that
comes back. Newer versions speak the VC-API exchange: an empty `{}` first, answered with a
`verifiablePresentationRequest` (DIDAuthentication, our challenge, the same URL), then
`{"verifiablePresentation": ...}`, answered with `{"verifiablePresentation": {... "verifiableCredential"}}`.
Both are answered.

`auth_type=bearer` is the flow where the link itself is the authorization: the DCC's integration notes
say the issuer may use the challenge "as a kind of bearer token that confirms that the end user had
authenticated in some prior step". Ours is a one-time offer made for the signed-in holder: a random
token in the URL (only its SHA-256 is stored), expiring after `OFFER_MINUTES`, spent by the first
delivery. We check that the presentation carries our challenge, but we do not verify its signature
or the holder's DID, and we do not write that DID into the credential (it is signed at issuance, for
the person named on it): the credential delivered is the same one the certificate's public
`credential.json` serves.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from lms import audit
from lms.certificates import documents
from lms.certificates.credential import VC2_CONTEXT
from lms.certificates.settings import base_url
from lms.errors import CertificateRevoked, DomainError, InvalidInput, NotFound
from lms.extensions import db
from lms.models import Certificate, User, WalletOffer, utcnow

OFFER_MINUTES = 15
LCW_REQUEST_PAGE = "https://lcw.app/request.html"
LCW_APP_SCHEME = "dccrequest://request"
LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


class OfferGone(DomainError):
    """The offer was used, has expired, or never existed."""

    status_code = 410


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def offer_minutes() -> int:
    return int(current_app.config.get("WALLET_OFFER_MINUTES", OFFER_MINUTES))


def create_offer(certificate: Certificate, *, actor: User) -> tuple[WalletOffer, str]:
    """A one-time offer of the certificate's credential to a wallet; returns it and its token (shown once)."""
    if certificate.revoked_at is not None:
        raise CertificateRevoked(_("This certificate has been revoked: it cannot be added to a wallet."))
    token = secrets.token_urlsafe(32)
    offer = WalletOffer(certificate_id=certificate.id, token_sha256=_digest(token),
                        challenge=secrets.token_urlsafe(24), expires_at=utcnow() + timedelta(minutes=offer_minutes()))
    db.session.add(offer)
    db.session.flush()
    audit.record("certificate.wallet_offered", actor=actor, subject=certificate, target_user=certificate.user)
    return offer, token


def request_url(token: str) -> str:
    return f"{base_url()}/wallet/exchange/{token}"


def wallet_links(offer: WalletOffer, token: str) -> dict[str, str]:
    """The two forms of the wallet's credential-request link: the web page (a universal link that opens
    the app, or offers to install it) for the QR code, and the app's own scheme."""
    params = urlencode({
        "issuer": urlsplit(base_url()).netloc,
        "auth_type": "bearer",
        "challenge": offer.challenge,
        "vc_request_url": request_url(token),
    })
    return {"web": f"{LCW_REQUEST_PAGE}?{params}", "app": f"{LCW_APP_SCHEME}?{params}"}


def find_offer(token: str) -> WalletOffer | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return db.session.scalar(sa.select(WalletOffer).where(WalletOffer.token_sha256 == _digest(token)))


def _usable(offer: WalletOffer | None) -> WalletOffer:
    if offer is None or offer.used_at is not None or offer.expires_at <= utcnow():
        raise OfferGone(_("This wallet link has been used or has expired. Ask for a new one on your "
                          "certificate's page."))
    return offer


def _presentation_request(offer: WalletOffer, token: str) -> dict:
    return {
        "verifiablePresentationRequest": {
            "query": [{"type": "DIDAuthentication"}],
            "challenge": offer.challenge,
            "domain": urlsplit(base_url()).netloc,
            "interact": {"service": [{"type": "VerifiableCredentialApiExchangeService",
                                      "serviceEndpoint": request_url(token)}]},
        }
    }


def _challenge_of(presentation: dict) -> str | None:
    proofs = presentation.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if isinstance(proof, dict) and isinstance(proof.get("challenge"), str):
            return proof["challenge"]
    return None


def _is_presentation(value) -> bool:
    if not isinstance(value, dict):
        return False
    kinds = value.get("type")
    return "VerifiablePresentation" in (kinds if isinstance(kinds, list) else [kinds])


def credential_document(certificate: Certificate) -> dict:
    """The credential a wallet receives (and the holder downloads): the JSON credential with its Data Integrity
    proof, which wallets and their verifiers check."""
    return documents.credential_with_proof(certificate)


def exchange(token: str, payload) -> dict:
    """Answer the wallet's POST to `vc_request_url`.

    `{}` (a VC-API exchange starting) gets the presentation request; a DID authentication presentation,
    bare (the LCW's credential request) or as `{"verifiablePresentation": ...}` (VC-API), carrying our
    challenge, gets the credential, bare or in a presentation likewise, and spends the offer.
    """
    offer = _usable(find_offer(token))
    if not isinstance(payload, dict):
        raise InvalidInput(_("Send a JSON object: a DID authentication presentation."))
    wrapped = "verifiablePresentation" in payload
    presentation = payload.get("verifiablePresentation") if wrapped else payload
    if not wrapped and not presentation:
        return _presentation_request(offer, token)
    if not _is_presentation(presentation):
        raise InvalidInput(_("Expected a Verifiable Presentation (DID authentication)."))
    if _challenge_of(presentation) != offer.challenge:
        raise InvalidInput(_("The presentation does not carry this offer's challenge."))
    # Claim the offer with a guarded UPDATE: of two wallets posting at once, only one gets the credential.
    claimed = db.session.execute(
        sa.update(WalletOffer).where(WalletOffer.id == offer.id, WalletOffer.used_at.is_(None)).values(used_at=utcnow())
    ).rowcount
    if claimed != 1:
        raise OfferGone(_("This wallet link has been used or has expired. Ask for a new one on your "
                          "certificate's page."))
    certificate = db.session.get(Certificate, offer.certificate_id)
    if certificate is None:
        raise NotFound(_("This certificate no longer exists."))
    holder = presentation.get("holder")
    audit.record("certificate.wallet_delivered", subject=certificate, target_user=certificate.user,
                 holder_did=holder if isinstance(holder, str) else None)
    credential = credential_document(certificate)
    if not wrapped:
        return credential
    return {"verifiablePresentation": {"@context": [VC2_CONTEXT], "type": ["VerifiablePresentation"],
                                       "verifiableCredential": [credential]}}


def linkedin_url(certificate: Certificate, verification_url: str) -> str:
    """LinkedIn's "Add to profile" link for a certification, filled in: the credential's name, the issuing
    organization, the issue and expiry month, the certificate number and the verification page."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course_title,
        "organizationName": certificate.issuer_name,
        "issueYear": certificate.issued_on.year,
        "issueMonth": certificate.issued_on.month,
        "expirationYear": certificate.expires_on.year,
        "expirationMonth": certificate.expires_on.month,
        "certUrl": verification_url,
        "certId": certificate.number,
    }
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"
