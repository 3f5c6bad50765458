"""Is this PDF a certificate we issued, unaltered?

A genuine certificate PDF carries the signed credential as the attachment
``credential.jwt``. :func:`inspect_pdf` checks that signature against our own
keys and then checks that what the page *shows* (holder, course, number) is
what the credential *says*. It does not look at the database: whether the
certificate has been revoked or has expired is the caller's question.

The page check reads the text layer of the PDF. Someone who edits the text
layer and the drawing separately, or hides extra text, can still fool a text
comparison; the signed credential, shown by the verification page, remains
the authority.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from dataclasses import dataclass

from lms.certificates.credential import JWT_CLAIMS, credential_number, verify_credential_jwt
from lms.certificates.signing import KeyStore, UnknownKeyError, VerificationError

__all__ = ["PdfCheck", "inspect_pdf"]

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class PdfCheck:
    genuine: bool
    number: str | None
    reason: str
    credential: dict | None  # the verified credential, when the signature is good


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _phrase(*parts: str) -> re.Pattern:
    """A pattern for ``parts`` separated by optional whitespace, bounded at both ends."""
    body = r"\s*".join(re.escape(_normalize(p)) for p in parts if p)
    return re.compile(rf"(?<![\w-]){body}(?![\w-])")


def _holder_name(credential: dict) -> str | None:
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


def _single_attachment(attachments, name: str) -> bytes | None:
    entries = attachments.get(name) or []
    if len(entries) > 1:
        raise ValueError(f"the PDF has more than one {name} attachment")
    if entries and len(entries[0]) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"the {name} attachment is too large")
    return entries[0] if entries else None


def inspect_pdf(data: bytes, keystore: KeyStore) -> PdfCheck:
    """Whether ``data`` is a certificate PDF signed with one of ``keystore``'s keys, showing what it signed."""
    if not isinstance(data, (bytes, bytearray)) or b"%PDF-" not in bytes(data[:1024]):
        return PdfCheck(False, None, "This is not a PDF file.", None)
    if len(data) > MAX_PDF_BYTES:
        return PdfCheck(False, None, "The file is too large to be one of our certificates.", None)
    import pypdf  # loaded when a PDF is checked, not by every web worker at start

    try:
        reader = pypdf.PdfReader(io.BytesIO(bytes(data)))
        if reader.is_encrypted:
            return PdfCheck(False, None, "The PDF is encrypted; our certificates never are.", None)
        attachments = reader.attachments
        token_bytes = _single_attachment(attachments, "credential.jwt")
        json_bytes = _single_attachment(attachments, "credential.json")
    except ValueError as exc:
        return PdfCheck(False, None, f"The PDF cannot be checked: {exc}.", None)
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        return PdfCheck(False, None, f"The PDF is damaged and cannot be read ({type(exc).__name__}).", None)
    if token_bytes is None:
        return PdfCheck(False, None, "The PDF has no signed credential (credential.jwt) attached.", None)

    try:
        token = token_bytes.decode("ascii").strip()
        credential = verify_credential_jwt(token, keystore, check_times=False)
    except UnicodeDecodeError:
        return PdfCheck(False, None, "The attached credential.jwt is not a JWT.", None)
    except UnknownKeyError:
        return PdfCheck(False, None, "The attached credential was not signed by this issuer.", None)
    except VerificationError as exc:
        return PdfCheck(False, None, f"The attached credential's signature is not valid: {exc}.", None)

    number = credential_number(credential)
    if json_bytes is not None:
        try:
            attached = json.loads(json_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            attached = None
        if isinstance(attached, dict):  # a copy of the JWT payload, claims included, is fine too
            attached = {k: v for k, v in attached.items() if k not in JWT_CLAIMS}
        if attached != credential:
            return PdfCheck(
                False, number, "The attached credential.json differs from the signed credential.", credential
            )

    name = _holder_name(credential)
    achievement = (credential.get("credentialSubject") or {}).get("achievement") or {}
    title = achievement.get("name")
    version = achievement.get("version")
    if not (number and name and isinstance(title, str)):
        return PdfCheck(False, number, "The signed credential is not one of our certificates.", credential)

    try:
        text = _normalize("\n".join(page.extract_text() or "" for page in reader.pages))
    except Exception as exc:
        return PdfCheck(False, number, f"The text of the PDF cannot be read ({type(exc).__name__}).", credential)

    checks = [
        (_phrase("This certifies that", name, "has completed"), "the holder's name"),
        (_phrase("has completed", title), "the course title"),
        (_phrase("Certificate no.", number), "the certificate number"),
    ]
    if isinstance(version, str) and version:
        checks.append((_phrase("Version", version), "the course version"))
    mismatched = [what for pattern, what in checks if not pattern.search(text)]
    if mismatched:
        return PdfCheck(
            False,
            number,
            "The text on the page does not match the signed credential ("
            + ", ".join(mismatched)
            + "): the PDF has been altered.",
            credential,
        )
    return PdfCheck(True, number, "The signature is valid and the page matches the signed credential.", credential)
