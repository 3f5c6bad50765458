"""Who issues a certificate, and how a verifier finds that issuer's keys.

Each issuer has a `did:web` identifier at our base URL, its own Open Badges Profile, status list and
DID document (which lists every Ed25519 key, current and earlier, as a Multikey, so rotation keeps the
credentials signed before it verifiable):

==================  ===============================  ======================================================
issuer              identifier                       documents
==================  ===============================  ======================================================
the program         ``did:web:<host>``               ``/.well-known/did.json``, ``/issuer``,
                                                     ``/certificates/status/1``
an organization     ``did:web:<host>:orgs:<id>``     ``/orgs/<id>/did.json``, ``/orgs/<id>/issuer``,
                                                     ``/orgs/<id>/status/1``
==================  ===============================  ======================================================

``<host>`` is the base URL's host with its port percent-encoded (``127.0.0.1%3A5443``); a base URL with a
path (``https://example.org/lms``) adds its segments (``did:web:example.org:lms``, DID document at
``/lms/did.json``), as the did:web specification maps them. Organizations are named by their database id,
which never changes (names do). The keys are the program's: it signs on each organization's behalf.

A DID document must stay under 8 KB for the DCC's verifier (its did:web resolver's limit): each key adds
about 300 bytes, so some 25 rotations fit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import current_app

from lms.certificates.credential import OB3_CONTEXT, VC2_CONTEXT, status_list_url
from lms.certificates.linked_data import multikey_of
from lms.certificates.settings import base_url, get_keystore
from lms.extensions import db
from lms.inputs import MAX_INT
from lms.models import Certificate, Organization

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
DID_DOCUMENT_WARN_BYTES = 7 * 1024  # the DCC's did:web resolver refuses documents over 8 KB


@dataclass(frozen=True)
class Issuer:
    id: str  # the did:web identifier, issuer.id in its credentials
    name: str
    url: str  # its home page
    profile_url: str  # its Open Badges Profile
    did_document_url: str
    status_list_url: str
    organization_id: int | None = None  # None: the program


def did_web(url: str, *segments: str) -> str:
    """The did:web identifier of `url` (host, port percent-encoded, path segments) plus `segments`."""
    parts = urlsplit(url)
    path = [segment for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", quote(parts.netloc, safe=""), *(quote(s, safe="") for s in (*path, *segments))])


def program_issuer() -> Issuer:
    base = base_url()
    did_document = f"{base}/did.json" if urlsplit(base).path.strip("/") else f"{base}/.well-known/did.json"
    return Issuer(did_web(base), current_app.config["LMS_PROGRAM_NAME"], f"{base}/", f"{base}/issuer",
                  did_document, status_list_url(base))


def organization_issuer(organization: Organization, name: str | None = None) -> Issuer:
    base = base_url()
    root = f"{base}/orgs/{organization.id}"
    return Issuer(did_web(base, "orgs", str(organization.id)), name or organization.name, f"{base}/",
                  f"{root}/issuer", f"{root}/did.json", f"{root}/status/1", organization.id)


def issuer_for(certificate: Certificate) -> Issuer:
    """The issuer a certificate's credential, profile and PDF name (by the name it was issued under)."""
    if certificate.issuer_organization is not None:
        return organization_issuer(certificate.issuer_organization, certificate.issuer_name)
    issuer = program_issuer()
    if certificate.issuer_name and certificate.issuer_name != issuer.name:
        # Issued (before organizations had their own issuers) under a name that matches no organization.
        return Issuer(issuer.id, certificate.issuer_name, issuer.url, issuer.profile_url, issuer.did_document_url,
                      issuer.status_list_url)
    return issuer


def issuing_organization(organization_id: int) -> Organization | None:
    """An organization that has issued at least one certificate (the others have no issuer documents)."""
    issued = sa.select(Certificate.id).where(Certificate.issuer_organization_id == organization_id).exists()
    return db.session.scalar(sa.select(Organization).where(Organization.id == organization_id, issued))


def revoked_indices(issuer: Issuer) -> list[int]:
    """The status list indices of the issuer's revoked certificates (indices are unique across issuers)."""
    owner = (Certificate.issuer_organization_id.is_(None) if issuer.organization_id is None
             else Certificate.issuer_organization_id == issuer.organization_id)
    return list(db.session.scalars(sa.select(Certificate.status_list_index)
                                   .where(owner, Certificate.revoked_at.is_not(None))))


# -- keys -----------------------------------------------------------------------------------------


def verification_method(issuer: Issuer, kid: str) -> str:
    return f"{issuer.id}#{kid}"


def did_document(issuer: Issuer) -> dict:
    """The issuer's DID document: every Ed25519 key (current first) as a Multikey assertion method."""
    get_keystore().refresh()  # a rotation by the CLI is published at once, by every process
    methods = [
        {"id": verification_method(issuer, key.kid), "type": "Multikey", "controller": issuer.id,
         "publicKeyMultibase": multikey_of(key.public_key)}
        for key in get_keystore().keys() if key.alg == "EdDSA"
    ]
    return {
        "@context": DID_CONTEXTS,
        "id": issuer.id,
        "alsoKnownAs": [issuer.profile_url],
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def did_document_json(issuer: Issuer) -> str:
    """The DID document as served: compact JSON."""
    return json.dumps(did_document(issuer), ensure_ascii=False, separators=(",", ":"))


def did_document_size(issuer: Issuer) -> int:
    return len(did_document_json(issuer).encode("utf-8"))


def profile(issuer: Issuer) -> dict:
    """The issuer's Open Badges 3.0 Profile."""
    if issuer.organization_id is None:
        description = ("Issues certificates to mental-health peer support specialists who complete its training, "
                       "when no partner organization issues them.")
    else:
        description = (f"Issues certificates to mental-health peer support specialists it trains with "
                       f"{current_app.config['LMS_PROGRAM_NAME']}.")
    return {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": issuer.id,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "description": description,
    }


def our_key(method: str) -> ed25519.Ed25519PublicKey | None:
    """The public key a verification method of one of our issuers names (any key, current or earlier)."""
    did, _, kid = method.partition("#")
    base = base_url()
    program = did_web(base)
    if did != program:
        prefix = f"{program}:orgs:"
        number = did[len(prefix):] if did.startswith(prefix) else ""
        if not (number.isascii() and number.isdigit() and int(number) <= MAX_INT):
            return None
        if issuing_organization(int(number)) is None:
            return None
    store = get_keystore()
    key = next((k for k in store.keys() if k.kid == kid and k.alg == "EdDSA"), None)
    if key is None:
        store.reload()  # rotated by another process?
        key = next((k for k in store.keys() if k.kid == kid and k.alg == "EdDSA"), None)
    return key.public_key if key is not None else None
