"""Signing a course's code of ethics, and what is still to sign (for the certificate, or for renewal).

The caller owns the transaction: these functions add and flush, the view commits.
"""

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.errors import InvalidInput, NotEligible
from lms.ethics import rules
from lms.extensions import db
from lms.models import Certificate, Course, CourseVersion, Enrolment, EthicsSignature, User
from lms.signals import requirement_met


@dataclass
class CodeToSign:
    """A code of ethics a person is asked to sign, and their signature of it if they have signed."""

    course: Course
    version: CourseVersion  # the course version whose code this is
    signature: EthicsSignature | None
    for_renewal: bool = False  # a newer code than the one the holder's certificate was issued under

    @property
    def code(self) -> dict:
        return self.version.ethics_code

    @property
    def signed(self) -> bool:
        return self.signature is not None


def statement(code: dict) -> str:
    return _("I have read the %(title)s, version %(version)s, and I agree to follow it in my work as a peer "
             "support specialist.", title=code["title"], version=code["version"])


def signature_of(user_id: int | None, course_id: int, code_version: str) -> EthicsSignature | None:
    if user_id is None:
        return None
    return db.session.scalar(sa.select(EthicsSignature).where(
        EthicsSignature.user_id == user_id, EthicsSignature.course_id == course_id,
        EthicsSignature.code_version == code_version))


def _live_versions_with_code(course_ids) -> dict[int, CourseVersion]:
    versions = db.session.scalars(
        sa.select(CourseVersion).where(CourseVersion.course_id.in_(course_ids), CourseVersion.is_live.is_(True),
                                       CourseVersion.ethics_code.is_not(None))
        .order_by(CourseVersion.id))
    return {version.course_id: version for version in versions if version.ethics_code}


def codes_for(user: User) -> list[CodeToSign]:
    """The codes `user` is asked to sign: each enrolment's course version's code, then, for courses in
    which they hold a certificate, the live version's code when it is a version they have not signed."""
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == user.id)
        .options(so.joinedload(Enrolment.course_version), so.joinedload(Enrolment.course))
        .order_by(Enrolment.created_at)).all()
    signatures = {(s.course_id, s.code_version): s for s in db.session.scalars(
        sa.select(EthicsSignature).where(EthicsSignature.user_id == user.id))}
    found = []
    for enrolment in enrolments:
        code = enrolment.course_version.ethics_code
        if code:
            found.append(CodeToSign(enrolment.course, enrolment.course_version,
                                    signatures.get((enrolment.course_id, code["version"]))))
    held = set(db.session.scalars(sa.select(Certificate.course_id).where(Certificate.user_id == user.id)))
    for course_id, version in _live_versions_with_code(held).items():
        if (course_id, version.ethics_code["version"]) in signatures:
            continue
        if any(item.course.id == course_id and item.code["version"] == version.ethics_code["version"]
               for item in found):
            continue
        found.append(CodeToSign(version.course, version, None, for_renewal=True))
    return found


def code_for_course(user: User, course: Course) -> CodeToSign | None:
    """The code to show on the course's signing page: the first one still to sign, else the last signed."""
    items = [item for item in codes_for(user) if item.course.id == course.id]
    unsigned = [item for item in items if not item.signed]
    return (unsigned or items[-1:] or [None])[0]


def sign_code(user: User, item: CodeToSign, *, typed_name: str, agreed: bool) -> EthicsSignature:
    """Sign `item`'s code with the typed full name. Signing again (a double submit) returns the first
    signature: the database's unique constraint decides, whatever the race."""
    if item.signed:
        return item.signature
    if not agreed:
        raise InvalidInput(_("Tick the box to confirm that you have read the code."), field="agree")
    if not rules.names_match(typed_name, user.name):
        raise InvalidInput(_("Type your full name as it is on your account: %(name)s.", name=user.name),
                           field="typed_name")
    code = item.code
    signature = EthicsSignature(
        user_id=user.id, course_id=item.course.id, course_version_id=item.version.id, code_title=code["title"],
        code_version=code["version"], text_sha256=rules.text_sha256(code), typed_name=" ".join(typed_name.split()),
        statement=statement(code))
    try:
        with db.session.begin_nested():
            db.session.add(signature)
            db.session.flush()
    except IntegrityError:
        return signature_of(user.id, item.course.id, code["version"])
    audit.record("ethics.signed", actor=user, subject=signature, target_user=user, course=item.course.slug,
                 version=code["version"], sha256=signature.text_sha256)
    requirement_met.send(user, course_id=item.course.id)
    return signature


def signatures_for(user_id: int) -> list[tuple[EthicsSignature, str]]:
    """Every signature of `user_id`, with its course's title (the trainee's record and transcript)."""
    return [(signature, title) for signature, title in db.session.execute(
        sa.select(EthicsSignature, Course.title).join(Course, Course.id == EthicsSignature.course_id)
        .where(EthicsSignature.user_id == user_id).order_by(EthicsSignature.signed_at))]


def needs_signature_for_renewal(certificate: Certificate) -> bool:
    """Whether renewing `certificate` waits for the holder to sign the course's current code of ethics:
    the live version has a code, and the holder has not signed that version of it."""
    if certificate.user_id is None:
        return False
    version = _live_versions_with_code([certificate.course_id]).get(certificate.course_id)
    if version is None:
        return False
    return signature_of(certificate.user_id, certificate.course_id, version.ethics_code["version"]) is None


def require_signature_for_renewal(certificate: Certificate) -> None:
    """The one-line hook for renewal: refuse while the holder has not signed the current code."""
    if needs_signature_for_renewal(certificate):
        raise NotEligible(_("Sign the new version of the code of ethics before renewing."))
