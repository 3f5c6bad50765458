"""Open Badges 3.0 credentials (VC Data Model 2.0) for certificates, and their status list.

Pure functions: the caller gathers the facts from the database and keeps the
signed results. URLs are built from ``base_url`` (the public address of the
site, e.g. ``https://training.example.org``):

* credential:       ``{base}/certificates/{number}/credential.json``
* issuer:           ``facts.issuer_id`` (the app passes a did:web, see ``lms.certificates.issuers``);
                    by default ``{base}/issuer``
* achievement:      ``{base}/courses/{slug}/v/{version}``
* competency:       ``{base}/courses/{slug}#competency-{id}``
* status list:      ``facts.status_list_url``, by default ``{base}/certificates/status/1``

Besides the VC-JWT below, the app embeds a Data Integrity proof in the JSON
credential (``lms.certificates.linked_data``).

A credential is secured as a VC-JWT (Open Badges 3.0, section 8.2): the JWT
payload is the credential itself plus the registered claims ``iss``
(issuer.id), ``sub`` (credentialSubject.id), ``jti`` (id), ``nbf`` (validFrom)
and ``exp`` (validUntil); the header has ``alg`` RS256, ``kid``, ``typ: JWT``
and the public key as ``jwk``.
"""

from __future__ import annotations

import base64
import gzip
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from lms.certificates.signing import KeyStore, VerificationError

__all__ = [
    "OB3_CONTEXT",
    "STATUS_LIST_SIZE",
    "VC2_CONTEXT",
    "CertificateFacts",
    "build_credential",
    "build_status_list_credential",
    "credential_jwt",
    "credential_number",
    "decode_status_list",
    "encode_status_list",
    "format_hours",
    "is_revoked_in_status_list",
    "status_list_jwt",
    "status_list_url",
    "verify_credential_jwt",
]

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
STATUS_LIST_SIZE = 131072  # 16 KiB of bits: the minimum the Bitstring Status List spec allows
MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024  # refuse to inflate anything larger (gzip bombs)
JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat")


@dataclass(frozen=True)
class CertificateFacts:
    """Everything a certificate says, gathered by the caller."""

    number: str
    holder_name: str
    course_slug: str
    course_title: str
    course_version: str
    course_description: str
    hours: float | int | Decimal
    competencies: tuple[tuple[str, str], ...]  # (id, title)
    issuer_name: str
    issued_on: date
    expires_on: date
    status_list_index: int
    base_url: str
    criteria_narrative: str
    # credentialSubject.id (and the JWT's ``sub``). None: an opaque
    # ``urn:uuid:`` derived from the certificate's URL, which identifies the
    # holder of this certificate without revealing anything else.
    subject_id: str | None = None
    # The issuer's identifier (a did:web) and status list; None: ``{base}/issuer`` and the program's list.
    issuer_id: str | None = None
    status_list_url: str | None = None
    # The language the certificate is written in, and its name and description in it (None: the English ones
    # built here). A language other than English is named on the achievement (OB 3.0 `inLanguage`).
    language: str = "en"
    credential_name: str | None = None
    credential_description: str | None = None


def _base(url: str) -> str:
    return url.rstrip("/")


def _datetime_z(value: date, end_of_day: bool = False) -> str:
    return f"{value.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}Z"


def _timestamp(value: str) -> int:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def format_hours(hours: float | int | Decimal) -> str:
    """``40`` -> ``"40"``, ``37.5`` -> ``"37.5"``."""
    text = f"{Decimal(str(hours)).normalize():f}"
    return text


def status_list_url(base_url: str, list_id: int = 1) -> str:
    return f"{_base(base_url)}/certificates/status/{list_id}"


def credential_url(base_url: str, number: str) -> str:
    return f"{_base(base_url)}/certificates/{number}/credential.json"


def credential_number(credential: dict) -> str | None:
    """The certificate number, read back from the credential's ``id``."""
    cid = credential.get("id")
    if not isinstance(cid, str) or not cid.endswith("/credential.json"):
        return None
    parts = cid.split("/")
    if len(parts) < 3 or parts[-3] != "certificates":
        return None
    return parts[-2] or None


def _achievement_of(facts: CertificateFacts, base: str, issuer: dict) -> dict:
    """The credential's `Achievement`: the course, its version and criteria, aligned to its competencies."""
    course_url = f"{base}/courses/{facts.course_slug}"
    framework = f"{facts.course_title} competencies"
    achievement = {
        "id": f"{course_url}/v/{facts.course_version}",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": facts.course_title,
        "description": facts.course_description,
        "criteria": {"id": course_url, "narrative": facts.criteria_narrative},
        "version": facts.course_version,
        "creator": issuer,
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": title,
                "targetUrl": f"{course_url}#competency-{cid}",
                "targetCode": cid,
                "targetFramework": framework,
                "targetType": "ceasn:Competency",
            }
            for cid, title in facts.competencies
        ],
    }
    if not achievement["alignment"]:
        del achievement["alignment"]
    if facts.language != "en":
        achievement["inLanguage"] = facts.language
    return achievement


def build_credential(facts: CertificateFacts) -> dict:
    """The ``OpenBadgeCredential`` for a certificate (unsigned)."""
    base = _base(facts.base_url)
    if not 0 <= facts.status_list_index < STATUS_LIST_SIZE:
        raise ValueError(f"status_list_index must be in 0..{STATUS_LIST_SIZE - 1}")
    if facts.expires_on < facts.issued_on:
        raise ValueError("a certificate cannot expire before it is issued")
    credential_id = credential_url(base, facts.number)
    subject_id = facts.subject_id or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, credential_id + '#subject')}"
    issuer = {
        "id": facts.issuer_id or f"{base}/issuer",
        "type": ["Profile"],
        "name": facts.issuer_name,
        "url": f"{base}/",
    }
    hours = format_hours(facts.hours)
    achievement = _achievement_of(facts, base, issuer)
    status_url = facts.status_list_url or status_list_url(base)
    return {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": facts.credential_name or f"{facts.course_title} certificate",
        "description": facts.credential_description or (
            f"{facts.holder_name} completed {facts.course_title} (version {facts.course_version}), "
            f"{hours} hours of training. Certificate {facts.number}."
        ),
        "issuer": issuer,
        "validFrom": _datetime_z(facts.issued_on),
        "validUntil": _datetime_z(facts.expires_on, end_of_day=True),
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": facts.holder_name,
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": f"{status_url}#{facts.status_list_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(facts.status_list_index),
            "statusListCredential": status_url,
        },
    }


# -- VC-JWT ---------------------------------------------------------------------


def _jwt_payload(vc: dict) -> dict:
    payload = dict(vc)
    issuer = vc["issuer"]
    payload["iss"] = issuer["id"] if isinstance(issuer, dict) else issuer
    payload["jti"] = vc["id"]
    subject = vc.get("credentialSubject")
    if isinstance(subject, dict) and subject.get("id"):
        payload["sub"] = subject["id"]
    payload["nbf"] = _timestamp(vc["validFrom"])
    if vc.get("validUntil"):
        payload["exp"] = _timestamp(vc["validUntil"])
    return payload


def credential_jwt(credential: dict, keystore: KeyStore, alg: str = "RS256") -> str:
    """The credential as a VC-JWT signed with the store's current ``alg`` key."""
    return keystore.sign_jwt(_jwt_payload(credential), alg, embed_jwk=True)


def verify_credential_jwt(token: str, keystore: KeyStore, *, check_times: bool = True) -> dict:
    """The credential inside a VC-JWT this issuer signed (JWT claims removed).

    Checks the signature with ``keystore`` (see :meth:`KeyStore.verify_jwt`),
    that it is an OpenBadgeCredential, and that ``iss``/``jti``/``sub`` agree
    with the credential. Raises :class:`~lms.certificates.signing.VerificationError`.
    """
    payload = keystore.verify_jwt(token, check_times=check_times)
    types = payload.get("type")
    if not isinstance(types, list) or "OpenBadgeCredential" not in types:
        raise VerificationError("the token does not hold an OpenBadgeCredential")
    credential = {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    try:
        expected = _jwt_payload(credential)
    except (KeyError, TypeError, ValueError) as exc:
        raise VerificationError(f"malformed credential: {exc}") from exc
    for claim in ("iss", "jti", "sub"):
        if payload.get(claim) != expected.get(claim):
            raise VerificationError(f"the JWT claim {claim!r} does not match the credential")
    return credential


# -- Bitstring Status List ------------------------------------------------------


def encode_status_list(indices: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    """Multibase (``u``) base64url of the GZIP-compressed bitstring with ``indices`` set.

    Bit 0 is the most significant bit of the first byte, as the Bitstring
    Status List specification says.
    """
    if size <= 0 or size % 8:
        raise ValueError("the status list size must be a positive multiple of 8")
    bits = bytearray(size // 8)
    for index in indices:
        if not 0 <= index < size:
            raise ValueError(f"status list index {index} is outside 0..{size - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_status_list(encoded_list: str) -> bytes:
    """The raw bitstring of an ``encodedList`` (with or without the ``u`` multibase prefix)."""
    text = encoded_list[1:] if encoded_list.startswith("u") else encoded_list
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj(wbits=31)  # gzip
        raw = inflater.decompress(compressed, MAX_STATUS_LIST_BYTES)
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"not a valid encodedList: {exc}") from exc
    if inflater.unconsumed_tail:
        raise ValueError("the status list is larger than this verifier accepts")
    return raw


def is_revoked_in_status_list(encoded_list: str, index: int) -> bool:
    """Whether bit ``index`` is set in ``encoded_list``."""
    bits = decode_status_list(encoded_list)
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status list index {index} is outside the list (size {len(bits) * 8})")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def build_status_list_credential(
    revoked_indices: Iterable[int],
    base_url: str,
    keystore: KeyStore | None = None,
    size: int = STATUS_LIST_SIZE,
    *,
    valid_from: datetime | None = None,
    list_id: int = 1,
    issuer_id: str | None = None,
    url: str | None = None,
) -> dict:
    """The ``BitstringStatusListCredential`` (revocation) at ``url`` (default ``{base}/certificates/status/1``),
    issued by ``issuer_id`` (default ``{base}/issuer``).

    ``keystore`` is accepted for symmetry with :func:`status_list_jwt` but not
    needed: this returns the unsigned JSON; sign it with :func:`status_list_jwt`
    or embed a Data Integrity proof (:mod:`lms.certificates.linked_data`).
    """
    del keystore
    if size < STATUS_LIST_SIZE:
        raise ValueError(f"a status list must have at least {STATUS_LIST_SIZE} entries (herd privacy)")
    base = _base(base_url)
    url = url or status_list_url(base, list_id)
    issued = (valid_from or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "@context": [VC2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id or f"{base}/issuer",
        "validFrom": issued.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked_indices, size),
        },
    }


def status_list_jwt(status_credential: dict, keystore: KeyStore, alg: str = "RS256") -> str:
    """The status list credential as a VC-JWT (same header and claims as :func:`credential_jwt`)."""
    return keystore.sign_jwt(_jwt_payload(status_credential), alg, embed_jwk=True)
