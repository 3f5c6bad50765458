"""Erasure on request: a person's personal data and files go, and what must stay is kept.

Certificate records remain verifiable by number (the holder's name kept or withheld as configured), and
anonymous learning records keep cohort statistics true. The erasure is audited by `audit.record` here;
the caller commits.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms import audit
from lms.auth.sessions import end_all_sessions
from lms.errors import ErasureRefused
from lms.extensions import db
from lms.files import delete_after_commit
from lms.mail import copies_mentioning
from lms.models import (
    AuditEvent,
    Certificate,
    ContinuingEducation,
    Enrolment,
    ExerciseResponse,
    ExternalIdentity,
    Invitation,
    RegistryListing,
    Role,
    Submission,
    SupervisedHours,
    User,
    WalletOffer,
    utcnow,
)
from lms.records.privacy import person_files, stored_file
from lms.xapi.services import forget_statements_about

WITHHELD_NAME = "Name withheld"
ERASED_MARK = "[erased]"
PERSONAL_DETAIL_KEYS = {"email", "name", "holder_name", "new_name", "old_name"}
# Free text written by or about the person (a correction's or revocation's reason, an activity's title...):
# dropped from the events about them, whatever it says.
FREE_TEXT_DETAIL_KEYS = {"reason", "title", "provider", "note", "setting", "activity", "feedback", "comments",
                         "review_note", "comment", "message"}


@dataclass
class ErasureReport:
    user_id: int
    files_deleted: int
    submissions_cleared: int
    certificates_kept: int
    holder_name_kept: bool
    audit_events_scrubbed: int


def _scrub(value, needles: list[str]):
    """`value` with every needle (case-insensitive) replaced, recursively through dicts and lists."""
    if isinstance(value, str):
        lowered = value.lower()
        for needle in needles:
            start = lowered.find(needle)
            while start != -1:
                value = value[:start] + ERASED_MARK + value[start + len(needle):]
                lowered = value.lower()
                start = lowered.find(needle, start + len(ERASED_MARK))
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, needles) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, needles) for item in value]
    return value


def _scrub_audit_events(user: User, needles: list[str]) -> int:
    details_text = sa.cast(AuditEvent.details, sa.Text)
    mentions = [sa.func.lower(details_text).contains(needle, autoescape=True) for needle in needles]
    # JSON escapes non-ASCII characters, so also look for the escaped spelling of each needle.
    mentions += [sa.func.lower(details_text).contains(json.dumps(needle)[1:-1].lower(), autoescape=True)
                 for needle in needles if json.dumps(needle)[1:-1] != needle]
    events = db.session.scalars(
        sa.select(AuditEvent).where(sa.or_(
            AuditEvent.actor_id == user.id,
            AuditEvent.target_user_id == user.id,
            sa.and_(AuditEvent.subject_type == "User", AuditEvent.subject_id == str(user.id)),
            *mentions,
        ))
    ).all()
    changed = 0
    for event in events:
        about_them = event.target_user_id == user.id or (
            event.subject_type == "User" and event.subject_id == str(user.id))
        details = dict(event.details or {})
        if about_them:
            details = {key: value for key, value in details.items()
                       if key not in PERSONAL_DETAIL_KEYS | FREE_TEXT_DETAIL_KEYS}
        details = _scrub(details, needles)
        if details != event.details:
            event.details = details
            changed += 1
        if event.actor_id == user.id and event.ip is not None:
            event.ip = None  # their address when they acted; verifiers' addresses are not theirs
            changed += 1
    return changed


def _refuse_erasure(user: User, actor: User | None) -> None:
    if user.erased_at is not None:
        raise ErasureRefused(_("This person's data was already erased."))
    if actor is not None and actor.id == user.id:
        raise ErasureRefused(_("You cannot erase your own account here. Ask another administrator."))
    if user.role == Role.ADMIN:
        others = db.session.scalar(sa.select(sa.func.count(User.id)).where(
            User.role == Role.ADMIN, User.id != user.id, User.active.is_(True), User.erased_at.is_(None)))
        if not others:
            raise ErasureRefused(_("This is the last administrator: create another one first."))


def _erase_work(user: User, now: datetime) -> int:
    """Replies, recordings, notes and answers go; dates, levels and states stay for progress and statistics.
    Returns how many role-play submissions were cleared."""
    submissions = db.session.scalars(
        sa.select(Submission).where(Submission.trainee_id == user.id).options(so.selectinload(Submission.grades))
    ).all()
    for submission in submissions:
        submission.replies = []
        if submission.recording_path:
            submission.recording_path = None
            submission.recording_mimetype = None
            submission.recording_size = None
            submission.recording_deleted_at = now
        for grade in submission.grades:  # notes about the person; the rubric levels stay for statistics
            grade.comments = {}
            grade.feedback = ""
    enrolment_ids = sa.select(Enrolment.id).where(Enrolment.user_id == user.id)
    for response in db.session.scalars(sa.select(ExerciseResponse).where(ExerciseResponse.enrolment_id.in_(
            enrolment_ids))):
        response.text = ""  # the answer and the comment about it; the submission date stays for progress
        response.review_comment = ""
    return len(submissions)


def _erase_logged_activities(user: User) -> None:
    for entry in db.session.scalars(sa.select(SupervisedHours).where(SupervisedHours.user_id == user.id)):
        entry.setting = ""
        entry.activity = ""
        entry.review_note = ""
    for entry in db.session.scalars(sa.select(ContinuingEducation).where(ContinuingEducation.user_id == user.id)):
        entry.evidence_path = None
        entry.review_note = ""
        if entry.source != "course":  # a course of ours keeps its title; what they typed goes
            entry.title = ERASED_MARK
            entry.provider = ""


def _detach_certificates(user: User, needles: list[str], *, keep_certificate_name: bool) -> int:
    """Certificates stay verifiable, without the account (and without the name unless configured)."""
    certificates = db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user.id)).all()
    # Out of the public registry (its search name is the person's name) and no wallet offer left open.
    ids = [certificate.id for certificate in certificates]
    db.session.execute(sa.delete(RegistryListing).where(RegistryListing.certificate_id.in_(ids)))
    db.session.execute(sa.delete(WalletOffer).where(WalletOffer.certificate_id.in_(ids)))
    for certificate in certificates:
        certificate.user_id = None
        certificate.pdf_path = None  # re-rendered from the record, with the name as configured
        certificate.pdf_rendered_at = None
        if not keep_certificate_name:
            certificate.holder_name = WITHHELD_NAME
        if certificate.revoked_reason:  # verifiers still see that and why it was revoked, without the person
            certificate.revoked_reason = _scrub(certificate.revoked_reason, needles)
    return len(certificates)


def _anonymise_account(user: User, now: datetime) -> None:
    user.name = f"Erased user #{user.id}"
    user.email = None
    user.password_hash = None
    user.active = False
    user.erased_at = now
    end_all_sessions(user)
    user.last_login_at = None
    user.last_activity_at = None
    user.failed_logins = 0
    user.locked_until = None


def erase_user(user: User, *, actor: User | None, data_dir: str | Path, keep_certificate_name: bool,
               mail_dir: Path | None = None) -> ErasureReport:
    """Remove the person's personal data and files; keep certificate records verifiable.

    The files (theirs under `data_dir`, and the development copies of mail to or about them in
    `mail_dir`) are deleted once the caller's commit succeeds."""
    _refuse_erasure(user, actor)
    needles = [n.lower() for n in {user.email or "", user.name or ""} if n and len(n.strip()) >= 3]
    now = utcnow()

    files = [stored_file(data_dir, relative) for _kind, relative in person_files(user)]
    files = [path for path in files if path is not None]
    # After the commit: if the erasure fails to commit, the files stay with the rows that name them.
    delete_after_commit(db.session(), *files, *copies_mentioning(mail_dir, needles))

    submissions = _erase_work(user, now)
    _erase_logged_activities(user)
    certificates = _detach_certificates(user, needles, keep_certificate_name=keep_certificate_name)
    if user.email:
        db.session.execute(sa.delete(Invitation).where(Invitation.email == user.email))
    # Their accounts at identity providers: a later sign-in there finds no account here.
    db.session.execute(sa.delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    scrubbed = _scrub_audit_events(user, needles)
    forget_statements_about(user)  # our copies of their xAPI statements (an LRS keeps what it received)
    _anonymise_account(user, now)
    db.session.flush()
    report = ErasureReport(user.id, len(files), submissions, certificates, keep_certificate_name, scrubbed)
    audit.record("user.erased", actor=actor, subject=user, target_user=user, files_deleted=len(files),
                 certificates_kept=certificates, holder_name_kept=keep_certificate_name)
    return report
