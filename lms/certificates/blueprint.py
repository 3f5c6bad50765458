"""The certificates blueprint, and what it subscribes to when registered. Its routes live in the
`*_views` modules beside this one, by job; `views.py` gathers them."""

from flask import Blueprint, abort

from lms import jobs
from lms.certificates import documents, issuance
from lms.certificates.records import get_certificate
from lms.models import Certificate
from lms.signals import course_completed, requirement_met

bp = Blueprint("certificates", __name__)


@bp.record_once
def subscribe(state) -> None:
    # The one cross-feature signal: learning announces a completed course, certificates issue.
    course_completed.connect(issuance.on_course_completed)
    requirement_met.connect(issuance.on_requirement_met)
    # Workers (and `flask jobs recover`) render the PDFs that a failed job left missing.
    jobs.register_recovery(jobs.MISSING_PDFS, documents.enqueue_missing_pdfs)


def certificate_or_404(number: str) -> Certificate:
    """The certificate for a number as typed (any spelling), or a 404 page."""
    certificate = get_certificate(number)
    if certificate is None:
        abort(404)
    return certificate
