"""Verification: numbers looked up one or a thousand at a time, typo suggestions, uploaded PDFs checked
against the files we issued, the bulk CSV in and out, and the lookup log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.certificates import documents, linked_data, verification_log
from lms.certificates.credential import credential_number, format_hours, verify_credential_jwt
from lms.certificates.documents import pdf_sha256, record_issued_pdf
from lms.certificates.numbers import suggest_corrections
from lms.certificates.pdf_verify import MAX_PDF_BYTES, PdfCheck, StatedFacts, inspect_pdf, stated_facts
from lms.certificates.records import canonical_number, certificates_by_number, status_of, with_relations
from lms.certificates.settings import clean_text, data_dir, get_keystore, number_prefix, today, verification_url
from lms.certificates.signing import VerificationError
from lms.csv_export import to_csv
from lms.csv_import import read_csv
from lms.errors import InvalidInput, InvalidUpload, TooLarge
from lms.extensions import db
from lms.models import Certificate, CertificateStatus, IssuedPdf, utcnow

MAX_BULK_NUMBERS = 1000
MAX_CSV_BYTES = 1024 * 1024
MAX_CREDENTIAL_BYTES = 64 * 1024  # ours are about 3 KB
PROOF_FIELDS = {"type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue"}


@dataclass(frozen=True)
class Lookup:
    """One number, as given, and what it turned out to be."""

    text: str
    number: str | None  # canonical, when well formed
    certificate: sa.Row | None  # the certificate's VERIFICATION_COLUMNS, when found
    status: CertificateStatus | None

    @property
    def found(self) -> bool:
        return self.certificate is not None

    @property
    def malformed(self) -> bool:
        return self.number is None


def lookup_numbers(texts: Sequence[str], *, on: date | None = None) -> list[Lookup]:
    """One lookup per input, in order, with a single query for all of them."""
    canonical = [canonical_number(text) if isinstance(text, str) else None for text in texts]
    found = certificates_by_number(number for number in canonical if number)
    on = on or today()
    results = []
    for text, number in zip(texts, canonical, strict=True):
        certificate = found.get(number) if number else None
        results.append(Lookup(
            text if isinstance(text, str) else str(text),
            number,
            certificate,
            status_of(certificate, on) if certificate is not None else None,
        ))
    return results


def record_lookups(lookups: Iterable[tuple[str, bool]], *, method: str, ip: str | None = None,
                   api_key_id: int | None = None) -> None:
    """Log each lookup (for abuse detection): written in batches by `verification_log`, or, with
    VERIFICATION_LOG_BUFFER = 0, in one statement in the caller's transaction."""
    now = utcnow()
    ip = (ip or None) and ip[:64]
    rows = [
        {"number": clean_text(number)[:40], "found": found, "method": method, "api_key_id": api_key_id,
         "ip": ip, "created_at": now}
        for number, found in lookups
    ]
    verification_log.record(rows)


def well_formed_number(text: str) -> str:
    """The canonical spelling of a typed number; refused when no certificate of ours can have it."""
    number = canonical_number(text)
    if number is None:
        raise InvalidInput(_("This is not a valid certificate number: one character is probably mistyped. "
                             "Check it against the certificate."), field="number")
    return number


def issued_suggestions(text: str) -> list[str]:
    """Issued numbers one typing mistake away from `text` (the check character caught a typo)."""
    if not isinstance(text, str) or len(text) > 80:
        return []
    candidates = suggest_corrections(text, number_prefix())
    if not candidates:
        return []
    issued = set(db.session.scalars(sa.select(Certificate.number).where(Certificate.number.in_(candidates))))
    return [number for number in candidates if number in issued]


# -- an uploaded PDF ----------------------------------------------------------------------------


def _backfill_issued_pdf(certificate: Certificate) -> str | None:
    """For a PDF rendered before its hash was kept: hash the stored file now. Returns the hash."""
    has_hashes = db.session.scalar(sa.select(IssuedPdf.id).where(IssuedPdf.certificate_id == certificate.id)
                                   .limit(1))
    if has_hashes is not None or certificate.pdf_path is None:
        return None
    path = data_dir() / certificate.pdf_path
    if not path.is_file():
        return None
    data = path.read_bytes()
    record_issued_pdf(certificate, data)
    return pdf_sha256(data)


@dataclass(frozen=True)
class PdfVerification:
    """The answer to "is this PDF one of our certificates?".

    `identical`: the file is, byte for byte, a PDF we rendered for `certificate`; its page is ours.
    Otherwise `check` says whether it carries a credential we signed; if so, `facts` is what that
    credential says, and the page (which anyone can redraw around a genuine attachment) is unconfirmed.
    """

    identical: bool
    check: PdfCheck | None
    certificate: Certificate | None
    status: CertificateStatus | None
    facts: StatedFacts | None = None

    @property
    def number(self) -> str | None:
        if self.certificate is not None:
            return self.certificate.number
        return self.check.number if self.check is not None else None

    @property
    def signed(self) -> bool:
        """The file carries a credential we signed for a certificate that exists (identical or not)."""
        return self.certificate is not None and (self.identical or (self.check is not None and self.check.signed))

    @property
    def outcome(self) -> str:
        """"valid", "expired" or "revoked" for a file we issued; "unconfirmed" for another file that
        carries a credential of ours (the page is not ours to vouch for); otherwise "not-genuine"."""
        if self.identical and self.certificate is not None:
            return str(self.status)
        if self.signed:
            return "unconfirmed"
        return "not-genuine"

    @property
    def reason(self) -> str:
        if self.check is not None and self.check.signed and self.certificate is None:
            return _("The signature is ours, but no certificate with this number exists.")
        return self.check.reason if self.check is not None else ""


def _certificate_where(condition) -> Certificate | None:
    return db.session.scalar(with_relations(sa.select(Certificate)).where(condition))


def verify_pdf(data: bytes) -> PdfVerification:
    """Whether an uploaded PDF is a file we issued, or else what the credential attached to it says.

    The hash comes first: an exact match is the only way a page is confirmed, and it costs one
    indexed lookup. Otherwise the attached credential's signature is checked (a bounded read, see
    `pdf_verify`) and the certificate it names is looked up for its status today.
    """
    digest = pdf_sha256(bytes(data))
    issued = db.session.scalar(sa.select(IssuedPdf).where(IssuedPdf.sha256 == digest))
    if issued is not None:
        certificate = _certificate_where(Certificate.id == issued.certificate_id)
        return PdfVerification(True, None, certificate, status_of(certificate))
    check = inspect_pdf(data, get_keystore())
    certificate = None
    if check.signed and check.number:
        certificate = _certificate_where(Certificate.number == check.number)
    if certificate is None:
        return PdfVerification(False, check, None, None, stated_facts(check.credential) if check.signed else None)
    if _backfill_issued_pdf(certificate) == digest:
        return PdfVerification(True, check, certificate, status_of(certificate))
    return PdfVerification(False, check, certificate, status_of(certificate), stated_facts(check.credential))


# -- an uploaded credential (from a wallet) ------------------------------------------------------


@dataclass(frozen=True)
class CredentialVerification:
    """The answer to "is this credential file one we signed, and what is its certificate's status today?"."""

    signed: bool
    reason: str
    certificate: Certificate | None = None
    status: CertificateStatus | None = None
    facts: StatedFacts | None = None

    @property
    def number(self) -> str | None:
        return self.certificate.number if self.certificate is not None else None

    @property
    def outcome(self) -> str:
        """"valid", "expired" or "revoked" for a credential we signed; otherwise "not-genuine"."""
        return str(self.status) if self.signed and self.certificate is not None else "not-genuine"


def read_credential_upload(stream) -> dict | str:
    """An uploaded credential: its JSON (with a Data Integrity proof) or a VC-JWT; refused when larger than
    any credential we issue, or neither."""
    data = stream.read(MAX_CREDENTIAL_BYTES + 1)
    if len(data) > MAX_CREDENTIAL_BYTES:
        raise TooLarge(_("The file is larger than any credential we issue."), field="credential")
    try:
        text = data.decode("utf-8").strip()
        if text.startswith("ey") and text.count(".") == 2 and " " not in text:
            return text
        document = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        raise InvalidUpload(_("This is not a credential file: choose the credential's JSON file (or its .jwt)."),
                            field="credential")
    return document


def _not_genuine(reason: str) -> CredentialVerification:
    return CredentialVerification(False, reason)


def verify_credential_file(document: dict | str) -> CredentialVerification:
    """Whether an uploaded credential is one we signed (with any of our keys, before or after a rotation),
    and its certificate's status today.

    A JSON credential must be, apart from its proof, the credential we issue for the certificate its `id`
    names; the proof is then checked over our own copy. So an untrusted document is never canonicalized
    (crafted JSON-LD can make RDF canonicalization take exponential time), and a changed one is refused.
    """
    if isinstance(document, str):
        try:
            credential = verify_credential_jwt(document, get_keystore(), check_times=False)
        except VerificationError as error:
            return _not_genuine(_("The credential's signature is not valid: %(error)s.", error=str(error)))
        number = credential_number(credential)
        certificate = _certificate_where(Certificate.number == number) if number else None
        if certificate is None:
            return _not_genuine(_("The signature is ours, but no certificate with this number exists."))
        return CredentialVerification(True, "", certificate, status_of(certificate), stated_facts(credential))
    proofs = document.get("proof")
    proof = proofs[0] if isinstance(proofs, list) and len(proofs) == 1 else proofs
    if not (isinstance(proof, dict) and set(proof) <= PROOF_FIELDS
            and all(isinstance(value, str) and len(value) <= 1000 for value in proof.values())):
        return _not_genuine(_("The file carries no Data Integrity proof of ours."))
    number = credential_number(document)
    certificate = _certificate_where(Certificate.number == number) if number else None
    if certificate is None:
        return _not_genuine(_("No certificate with the number this credential names exists."))
    ours = documents.credential_for(certificate)
    if {key: value for key, value in document.items() if key != "proof"} != ours:
        return _not_genuine(_("This credential has been changed: it is not the credential we issued for "
                              "certificate %(number)s.", number=certificate.number))
    try:
        documents.verify_credential_proof({**ours, "proof": [proof]})
    except linked_data.ProofError as error:
        return _not_genuine(_("The credential's signature is not valid: %(error)s.", error=str(error)))
    return CredentialVerification(True, "", certificate, status_of(certificate), stated_facts(ours))


# -- the bulk CSV -------------------------------------------------------------------------------


def read_pdf_upload(stream) -> bytes:
    """An uploaded PDF's bytes, refused when larger than any certificate we issue (read no further)."""
    data = stream.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        raise TooLarge(_("The file is larger than any certificate we issue (%(mb)s MB).",
                         mb=MAX_PDF_BYTES // (1024 * 1024)), field="pdf")
    return data


def read_csv_upload(stream) -> list[str]:
    """The numbers of an uploaded CSV file, refused when larger than 1 MB (read no further)."""
    data = stream.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise InvalidUpload(_("The file is larger than 1 MB."), field="csv")
    return read_numbers_csv(data)


def read_numbers_csv(data: bytes) -> list[str]:
    """The numbers in an uploaded CSV (each row's first non-empty cell; a header row is skipped)."""
    rows = read_csv(data, field="csv", max_rows=MAX_BULK_NUMBERS + 1)
    numbers = [next(cell for cell in row.cells if cell) for row in rows]
    if numbers and canonical_number(numbers[0]) is None and not any(ch.isdigit() for ch in numbers[0]):
        numbers = numbers[1:]  # a header such as "Certificate number"
    if not numbers:
        raise InvalidUpload(_("The file holds no certificate numbers."), field="csv")
    if len(numbers) > MAX_BULK_NUMBERS:
        raise InvalidUpload(_("Check at most %(limit)s numbers at a time; this file has more.",
                              limit=f"{MAX_BULK_NUMBERS:,}"), field="csv")
    return numbers


def bulk_numbers(text: str) -> list[str]:
    """The numbers the "download results" button re-sends, one a line; refused when none or too many."""
    numbers = [line.strip() for line in text.splitlines() if line.strip()]
    if not numbers or len(numbers) > MAX_BULK_NUMBERS:
        raise InvalidUpload(_("Send between 1 and %(limit)s numbers, one a line.", limit=f"{MAX_BULK_NUMBERS:,}"),
                            field="csv")
    return numbers


CSV_COLUMNS = ["input", "number", "found", "status", "holder_name", "course", "hours", "issued_on", "expires_on",
               "revoked_on", "issuer", "verification_url"]


def lookups_csv(lookups: Sequence[Lookup]) -> str:
    rows = []
    for item in lookups:
        c = item.certificate
        if c is None:
            status = "malformed" if item.malformed else "not_found"
            rows.append([item.text, item.number or "", "no", status] + [""] * 8)
            continue
        rows.append([
            item.text, c.number, "yes", str(item.status), c.holder_name, c.course_title, format_hours(c.hours),
            c.issued_on, c.expires_on, c.revoked_at, c.issuer_name, verification_url(c.number),
        ])
    return to_csv(CSV_COLUMNS, rows)
