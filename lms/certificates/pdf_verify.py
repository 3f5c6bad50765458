"""What the credential attached to a PDF says, read at a bounded cost.

A certificate PDF we render carries the signed credential as the attachment ``credential.jwt``.
:func:`inspect_pdf` reads that attachment (and ``credential.json``, which must agree) and checks
the signature against our own keys. It never reads the page: anyone can download a genuine
``credential.jwt`` and attach it to a page of their own, and a page's text layer (hidden white
text, say) proves nothing. Whether the *file* is one we issued is a different question, answered
by its SHA-256 (``lms.models.IssuedPdf``); whether the certificate has been revoked or has
expired is the database's.

Cost: no page, content stream, font or image is decoded. Only the document catalog, the
attachment name tree and at most two attachment streams are read, under pypdf limits far below
its defaults (decompressed bytes, decoding work, array and dictionary sizes), so any upload
within :data:`MAX_PDF_BYTES` is answered in a fraction of a second.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from lms.certificates.credential import JWT_CLAIMS, credential_number, verify_credential_jwt
from lms.certificates.signing import KeyStore, UnknownKeyError, VerificationError

__all__ = ["PdfCheck", "StatedFacts", "inspect_pdf", "stated_facts"]

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 1024 * 1024


# pypdf limits for an untrusted upload: nothing we read (cross-reference and object streams, the
# name tree, two small attachments) comes near them, and each caps the work one file can cause.
PYPDF_LIMITS = {
    "maximum_declared_stream_length": 4 * MAX_ATTACHMENT_BYTES,
    "array_based_stream_maximum_output_length": 4 * MAX_ATTACHMENT_BYTES,
    "zlib_maximum_output_length": 4 * MAX_ATTACHMENT_BYTES,
    "lzw_maximum_output_length": 4 * MAX_ATTACHMENT_BYTES,
    "run_length_maximum_output_length": 4 * MAX_ATTACHMENT_BYTES,
    "brotli_maximum_output_length": 4 * MAX_ATTACHMENT_BYTES,
    "jbig2_maximum_output_length": 4 * MAX_ATTACHMENT_BYTES,
    "stream_decoding_work_maximum_length": 16 * MAX_ATTACHMENT_BYTES,
    "array_maximum_element_count": 10_000,
    "dictionary_maximum_element_count": 10_000,
    "stream_filters_maximum_length": 4,
}


@dataclass(frozen=True)
class PdfCheck:
    signed: bool  # the attached credential carries a valid signature of ours (the page is not checked)
    number: str | None
    reason: str
    credential: dict | None  # the verified credential, when the signature is good


def holder_name(credential: dict) -> str | None:
    """The holder's name as the credential states it (unhashed), or None."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return None
    for identity in subject.get("identifier") or []:
        if (
            isinstance(identity, dict)
            and identity.get("identityType") == "name"
            and identity.get("hashed") is False
            and isinstance(identity.get("identityHash"), str)
        ):
            return identity["identityHash"]
    return None


@dataclass(frozen=True)
class StatedFacts:
    """What a signed credential says about its certificate, for a reader to compare with a page."""

    number: str | None
    holder_name: str | None
    course_title: str | None
    course_version: str | None
    issued_on: date | None
    expires_on: date | None


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _achievement(credential: dict) -> dict:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement if isinstance(achievement, dict) else {}


def stated_facts(credential: dict) -> StatedFacts:
    achievement = _achievement(credential)
    text = lambda value: value if isinstance(value, str) else None  # noqa: E731
    return StatedFacts(
        number=credential_number(credential),
        holder_name=holder_name(credential),
        course_title=text(achievement.get("name")),
        course_version=text(achievement.get("version")),
        issued_on=_day(credential.get("validFrom")),
        expires_on=_day(credential.get("validUntil")),
    )


def _single_attachment(attachments, name: str) -> bytes | None:
    entries = attachments.get(name) or []
    if len(entries) > 1:
        raise ValueError(f"the PDF has more than one {name} attachment")
    if entries and len(entries[0]) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"the {name} attachment is too large")
    return entries[0] if entries else None


def _read_attachments(data: bytes) -> tuple[bytes | None, bytes | None] | PdfCheck:
    import pypdf  # loaded when a PDF is checked, not by every web worker at start

    with pypdf.apply_configuration(**PYPDF_LIMITS):
        try:
            reader = pypdf.PdfReader(io.BytesIO(bytes(data)))
            if reader.is_encrypted:
                return PdfCheck(False, None, _l("The PDF is encrypted; our certificates never are."), None)
            attachments = reader.attachments
            return _single_attachment(attachments, "credential.jwt"), _single_attachment(attachments, "credential.json")
        except ValueError as exc:
            return PdfCheck(False, None, _l("The PDF cannot be checked: %(error)s.", error=str(exc)), None)
        except Exception as exc:  # pypdf raises many kinds of errors on damaged or hostile files
            reason = _l("The PDF is damaged and cannot be read (%(error)s).", error=type(exc).__name__)
            return PdfCheck(False, None, reason, None)


def _signed_credential(token_bytes: bytes, keystore: KeyStore) -> dict | PdfCheck:
    """The credential in an attached credential.jwt, if its signature is ours; else why not."""
    try:
        token = token_bytes.decode("ascii").strip()
        return verify_credential_jwt(token, keystore, check_times=False)
    except UnicodeDecodeError:
        return PdfCheck(False, None, _l("The attached credential.jwt is not a JWT."), None)
    except UnknownKeyError:
        return PdfCheck(False, None, _l("The attached credential was not signed by this issuer."), None)
    except VerificationError as exc:
        reason = _l("The attached credential's signature is not valid: %(error)s.", error=str(exc))
        return PdfCheck(False, None, reason, None)


def _unsigned_copy(json_bytes: bytes):
    """The attached credential.json without JWT claims (a copy of the JWT payload is fine too) and without its
    Data Integrity proof (the signed JWT beside it is what this check trusts), or None."""
    try:
        attached = json.loads(json_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if isinstance(attached, dict):
        attached = {k: v for k, v in attached.items() if k not in JWT_CLAIMS and k != "proof"}
    return attached


def inspect_pdf(data: bytes, keystore: KeyStore) -> PdfCheck:
    """Whether ``data`` is a PDF carrying a credential signed with one of ``keystore``'s keys, and what it says.

    A good signature says nothing about the page: see the module's docstring.
    """
    if not isinstance(data, (bytes, bytearray)) or b"%PDF-" not in bytes(data[:1024]):
        return PdfCheck(False, None, _l("This is not a PDF file."), None)
    if len(data) > MAX_PDF_BYTES:
        return PdfCheck(False, None, _l("The file is too large to be one of our certificates."), None)
    read = _read_attachments(data)
    if isinstance(read, PdfCheck):
        return read
    token_bytes, json_bytes = read
    if token_bytes is None:
        return PdfCheck(False, None, _l("The PDF has no signed credential (credential.jwt) attached."), None)

    credential = _signed_credential(token_bytes, keystore)
    if isinstance(credential, PdfCheck):
        return credential
    number = credential_number(credential)
    if json_bytes is not None and _unsigned_copy(json_bytes) != credential:
        reason = _l("The attached credential.json differs from the signed credential.")
        return PdfCheck(False, number, reason, credential)

    achievement = _achievement(credential)
    if not (number and holder_name(credential) and isinstance(achievement.get("name"), str)):
        return PdfCheck(False, number, _l("The signed credential is not one of our certificates."), credential)
    return PdfCheck(True, number, _l("The attached credential carries our valid signature."), credential)
