"""A certificate's documents: the PDF (built, rendered, scheduled, kept current), the Open Badges
credential, the status list and the issuer profile. The pure builders are in `credential` and `pdf`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from lms import jobs
from lms.certificates import issuers, linked_data
from lms.certificates.credential import (
    CertificateFacts,
    build_credential,
    build_status_list_credential,
    credential_jwt,
    format_hours,
    status_list_jwt,
)
from lms.certificates.settings import CERTIFICATES_DIR, base_url, data_dir, get_keystore, pdf_file, verification_url
from lms.extensions import db
from lms.i18n.content import source_text
from lms.i18n.selection import DEFAULT_LANGUAGE, locale_for, supported
from lms.models import Certificate, IssuedPdf, utcnow

log = logging.getLogger(__name__)


# -- facts and credential ----------------------------------------------------------------------


def criteria_narrative(certificate: Certificate, course_title: str) -> str:
    """What the holder did, for the credential's criteria, in the certificate's language (under force_locale)."""
    rules = certificate.course_version.certificate_rules or {}
    text = _("Passed every module of %(course)s: each module's knowledge check and its assessed role-play, scored "
             "by a supervisor on a behavioural rubric.", course=course_title)
    required = rules.get("supervised_hours_required") or 0
    if required:
        text += " " + _("Completed %(hours)s hours of supervised practice, approved by a supervisor.",
                        hours=format_hours(required))
    return text


def certificate_facts(certificate: Certificate) -> CertificateFacts:
    """What the certificate says, in the language it was issued in: the same facts whoever asks, in any language."""
    issuer = issuers.issuer_for(certificate)
    language = supported(certificate.language) or DEFAULT_LANGUAGE
    version = certificate.course_version
    translated = (version.translations or {}).get(language, {}) if language != DEFAULT_LANGUAGE else {}
    course_title = translated.get("title") or certificate.course_title
    description = translated.get("description") or source_text(version, "description") or certificate.course_title
    titles = {c.get("id"): c.get("title") for c in translated.get("competencies") or []}
    competencies = tuple((c.get("id", ""), titles.get(c.get("id")) or c.get("title", ""))
                         for c in certificate.competencies or [])
    with force_locale(locale_for(language)):
        narrative = criteria_narrative(certificate, course_title)
        name = _("%(course)s certificate", course=course_title)
        summary = _("%(holder)s completed %(course)s (version %(version)s), %(hours)s hours of training. "
                    "Certificate %(number)s.", holder=certificate.holder_name, course=course_title,
                    version=certificate.course_version_label, hours=format_hours(certificate.hours),
                    number=certificate.number)
    return CertificateFacts(
        number=certificate.number,
        holder_name=certificate.holder_name,
        course_slug=certificate.course.slug,
        course_title=course_title,
        course_version=certificate.course_version_label,
        course_description=" ".join(description.split()),
        hours=certificate.hours,
        competencies=competencies,
        issuer_name=issuer.name,
        issuer_id=issuer.id,
        status_list_url=issuer.status_list_url,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        status_list_index=certificate.status_list_index,
        base_url=base_url(),
        criteria_narrative=narrative,
        language=language,
        credential_name=name,
        credential_description=summary,
    )


def credential_for(certificate: Certificate) -> dict:
    """The certificate's Open Badges 3.0 credential (unsigned JSON-LD)."""
    return build_credential(certificate_facts(certificate))


def signed_credential(certificate: Certificate) -> str:
    """The credential as a VC-JWT signed with the current RS256 key."""
    return credential_jwt(credential_for(certificate), get_keystore())


def with_proof(document: dict, issuer: issuers.Issuer) -> dict:
    """`document` with an embedded `eddsa-rdfc-2022` Data Integrity proof by the issuer's current Ed25519 key."""
    store = get_keystore()
    store.refresh()  # sign with the key made current by `flask keys rotate`, in any process
    key = store.current_key("EdDSA")
    return linked_data.add_proof(document, key.private_key, issuers.verification_method(issuer, key.kid))


def credential_with_proof(certificate: Certificate) -> dict:
    """The credential with its Data Integrity proof (what wallets hold and verifiers such as the DCC's check)."""
    return with_proof(credential_for(certificate), issuers.issuer_for(certificate))


def verify_credential_proof(document: dict) -> dict:
    """The proof of a credential signed by one of our issuers with any of our keys, current or earlier.
    Raises `linked_data.ProofError`."""
    return linked_data.verify_proof(document, issuers.our_key)


def status_list_credential(issuer: issuers.Issuer | None = None) -> dict:
    """The issuer's Bitstring status list credential (unsigned): one bit per certificate, set when revoked."""
    issuer = issuer or issuers.program_issuer()
    return build_status_list_credential(issuers.revoked_indices(issuer), base_url(), issuer_id=issuer.id,
                                        url=issuer.status_list_url)


def status_list_with_proof(issuer: issuers.Issuer | None = None) -> dict:
    issuer = issuer or issuers.program_issuer()
    return with_proof(status_list_credential(issuer), issuer)


def signed_status_list(issuer: issuers.Issuer | None = None) -> str:
    return status_list_jwt(status_list_credential(issuer), get_keystore())


def issuer_profile(issuer: issuers.Issuer | None = None) -> dict:
    """The Open Badges 3.0 issuer Profile (the program's by default)."""
    return issuers.profile(issuer or issuers.program_issuer())


# -- the PDF ------------------------------------------------------------------------------------


def render_certificate_pdf(*args, **kwargs) -> bytes:
    """`lms.certificates.pdf.render_certificate_pdf`, imported on first use: WeasyPrint takes about a
    second to load, and most processes (web workers answering verifications) never render one."""
    from lms.certificates.pdf import render_certificate_pdf as render

    return render(*args, **kwargs)


def build_pdf(certificate: Certificate) -> bytes:
    app = current_app
    facts = certificate_facts(certificate)
    credential = build_credential(facts)
    return render_certificate_pdf(
        facts,
        # With its Data Integrity proof, so that a wallet can take it from the PDF as it is. Compact: json's C
        # encoder is used only without indent (the pretty copy is one download away).
        credential_json=json.dumps(with_proof(credential, issuers.issuer_for(certificate)), ensure_ascii=False),
        credential_jwt=credential_jwt(credential, get_keystore()),
        verification_url=verification_url(certificate.number),
        revoked=certificate.revoked_at is not None,
        program_name=app.config["LMS_PROGRAM_NAME"],
        templates_dir=Path(app.root_path) / (app.template_folder or "templates"),
        static_dir=Path(app.static_folder or Path(app.root_path) / "static"),
        director_name=app.config.get("CERTIFICATE_DIRECTOR_NAME", ""),
        director_title=app.config.get("CERTIFICATE_DIRECTOR_TITLE") or "",
        lang=facts.language,
        locale=locale_for(facts.language),
    )


def pdf_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_issued_pdf(certificate: Certificate, data: bytes) -> None:
    """Remember the hash of a PDF file we rendered for `certificate` (once per distinct file)."""
    digest = pdf_sha256(data)
    if db.session.scalar(sa.select(IssuedPdf.id).where(IssuedPdf.sha256 == digest)) is None:
        db.session.add(IssuedPdf(certificate_id=certificate.id, sha256=digest))
        db.session.flush()


def render_pdf(certificate_id: int) -> str | None:
    """Render and store a certificate's PDF; returns its number (None if the row is gone).

    A job (see lms.jobs): it may run in a worker, which commits, or inline, where the caller
    commits. Idempotent. The file is written under DATA_DIR/certificates/ and replaced atomically,
    so a download in progress never sees half a file.
    """
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        return None
    data = build_pdf(certificate)
    target = pdf_file(certificate.number)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    record_issued_pdf(certificate, data)
    certificate.pdf_path = f"{CERTIFICATES_DIR}/{certificate.number}.pdf"
    certificate.pdf_rendered_at = utcnow()
    db.session.flush()
    return certificate.number


def schedule_pdf(certificate: Certificate) -> None:
    """Render the PDF through the job queue. A failure leaves the certificate issued and verifiable;
    `flask certificates render-missing` (and the jobs recovery) renders it later."""
    # No savepoint here: releasing one would push queued jobs to Redis before the caller commits.
    # An inline render that fails changes nothing (render_pdf touches the row only once the file is written).
    try:
        jobs.enqueue(render_pdf, certificate.id)
    except Exception:
        log.exception("Rendering the PDF of certificate %s failed; it will be rendered later", certificate.number)


def pdf_is_current(certificate: Certificate) -> bool:
    """Whether the stored PDF exists and shows the current state (a revoked one is watermarked)."""
    if certificate.pdf_path is None or certificate.pdf_rendered_at is None:
        return False
    if certificate.revoked_at is not None and certificate.pdf_rendered_at < certificate.revoked_at:
        return False
    return (data_dir() / certificate.pdf_path).is_file()


def stored_pdf(certificate: Certificate) -> Path:
    return data_dir() / certificate.pdf_path


def _stale_pdf_condition():
    return sa.or_(
        Certificate.pdf_path.is_(None),
        Certificate.pdf_rendered_at.is_(None),
        sa.and_(Certificate.revoked_at.is_not(None), Certificate.pdf_rendered_at < Certificate.revoked_at),
    )


def certificates_needing_pdf(*, check_files: bool = True) -> list[Certificate]:
    """Certificates whose PDF was never rendered or is stale (revoked since); with `check_files`,
    also those whose file has disappeared."""
    if not check_files:
        return list(db.session.scalars(sa.select(Certificate).where(_stale_pdf_condition()).order_by(Certificate.id)))
    return [c for c in db.session.scalars(sa.select(Certificate).order_by(Certificate.id)) if not pdf_is_current(c)]


def render_missing_pdfs() -> list[Certificate]:
    """Render every PDF that is missing, stale or whose file disappeared; returns those rendered.

    A certificate that fails again is logged and skipped, so one bad row does not block the rest.
    """
    rendered = []
    for certificate in certificates_needing_pdf():
        try:
            with db.session.begin_nested():
                render_pdf(certificate.id)
        except Exception:
            log.exception("Rendering the PDF of certificate %s failed again", certificate.number)
            continue
        rendered.append(certificate)
    return rendered


def enqueue_missing_pdfs() -> int:
    """The jobs recovery: enqueue a render for every certificate the database says lacks a current PDF.

    Cheap when there is nothing to do (one indexed query, no file system walk).
    """
    pending = certificates_needing_pdf(check_files=False)
    for certificate in pending:
        schedule_pdf(certificate)
    return len(pending)
