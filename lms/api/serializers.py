"""Plain dicts for the API's responses (the shapes are described in openapi.py)."""

from lms.certificates import records
from lms.certificates.credential import format_hours
from lms.certificates.settings import verification_url
from lms.certificates.verification import Lookup
from lms.models import Certificate, CertificateStatus


def certificate(certificate: Certificate, status: CertificateStatus) -> dict:
    revoked_on = records.revoked_on(certificate)
    return {
        "number": certificate.number,
        "status": str(status),
        "holder_name": certificate.holder_name,
        "course": certificate.course_title,
        "course_version": certificate.course_version_label,
        "hours": float(format_hours(certificate.hours)),
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "revoked_on": revoked_on.isoformat() if revoked_on else None,
        "issuer": certificate.issuer_name,
        "verification_url": verification_url(certificate.number),
    }


def verification(lookup: Lookup) -> dict:
    if lookup.certificate is not None:
        error = None
    else:
        error = "malformed_number" if lookup.malformed else "not_found"
    return {
        "input": lookup.text,
        "number": lookup.number,
        "found": lookup.found,
        "certificate": certificate(lookup.certificate, lookup.status) if lookup.certificate is not None else None,
        "error": error,
    }


def verifications(lookups: list[Lookup]) -> dict:
    results = [verification(lookup) for lookup in lookups]
    return {
        "count": len(results),
        "found": sum(1 for lookup in lookups if lookup.found),
        "results": results,
    }
