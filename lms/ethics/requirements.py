"""The signed code of ethics as a requirement of the certificate (lms.requirements)."""

from flask import has_request_context, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from lms import requirements
from lms.ethics.services import signature_of
from lms.models import Enrolment
from lms.requirements import Requirement


def ethics_requirement(enrolment: Enrolment) -> Requirement | None:
    """None when the course version has no code of ethics; met once its version of the code is signed."""
    code = enrolment.course_version.ethics_code
    if not code:
        return None
    signature = signature_of(enrolment.user_id, enrolment.course_id, code["version"])
    detail = (_("Version %(version)s signed on %(date)s", version=code["version"],
                date=format_date(signature.signed_at, "medium")) if signature else
              _("Version %(version)s not signed yet", version=code["version"]))
    return Requirement(
        key="ethics-code", title=_("Code of ethics, signed"), met=signature is not None, detail=detail,
        url=url_for("ethics.sign", course_slug=enrolment.course.slug) if has_request_context() else None,
    )


if ethics_requirement not in requirements.PROVIDERS:
    requirements.PROVIDERS.append(ethics_requirement)
