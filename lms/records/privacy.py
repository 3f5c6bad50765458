"""A person's data: everything we hold about them as a ZIP, and erasure on request.

Erasure removes personal data and the person's files, and keeps what must stay: certificate
records remain verifiable by number (the holder's name kept or withheld as configured), and
anonymous learning records keep cohort statistics true. Both actions are audited by the caller's
`audit.record` here; the caller commits.
"""

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
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
    Cohort,
    ContinuingEducation,
    Enrolment,
    ExerciseResponse,
    GradeKind,
    Invitation,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
    Role,
    Submission,
    SupervisedHours,
    User,
    cohort_supervisors,
    cohort_trainees,
    utcnow,
)

WITHHELD_NAME = "Name withheld"
ERASED_MARK = "[erased]"
PERSONAL_DETAIL_KEYS = {"email", "name", "holder_name", "new_name", "old_name"}
# Free text written by or about the person (a correction's or revocation's reason, an activity's title...):
# dropped from the events about them, whatever it says.
FREE_TEXT_DETAIL_KEYS = {"reason", "title", "provider", "note", "setting", "activity", "feedback", "comments",
                         "review_note", "comment", "message"}


def stored_file(data_dir: str | Path, relative: str | None) -> Path | None:
    """A stored file named by a path relative to DATA_DIR, only if it lies inside DATA_DIR."""
    if not relative:
        return None
    root = Path(data_dir).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _person_files(user: User) -> list[tuple[str, str]]:
    """(kind, path relative to DATA_DIR) of every stored file of the person."""
    files = []
    for path in db.session.scalars(
        sa.select(Submission.recording_path).where(Submission.trainee_id == user.id,
                                                   Submission.recording_path.is_not(None))
    ):
        files.append(("recordings", path))
    for path in db.session.scalars(
        sa.select(ContinuingEducation.evidence_path).where(ContinuingEducation.user_id == user.id,
                                                           ContinuingEducation.evidence_path.is_not(None))
    ):
        files.append(("evidence", path))
    for path in db.session.scalars(
        sa.select(Certificate.pdf_path).where(Certificate.user_id == user.id, Certificate.pdf_path.is_not(None))
    ):
        files.append(("certificates", path))
    return files


# Export ---------------------------------------------------------------------------------------

def personal_data(user: User) -> dict:
    """Everything held about `user`, as plain JSON-ready values."""
    account = _account_data(user)
    activity = account.pop("activity_log")
    return {**account, "enrolments": _learning_data(user), "roleplays": _roleplay_data(user),
            **_records_data(user), "activity_log": activity}


def _account_data(user: User) -> dict:
    cohorts = db.session.execute(
        sa.select(Cohort.name, sa.literal("trainee")).join(cohort_trainees, cohort_trainees.c.cohort_id == Cohort.id)
        .where(cohort_trainees.c.user_id == user.id)
        .union_all(
            sa.select(Cohort.name, sa.literal("supervisor"))
            .join(cohort_supervisors, cohort_supervisors.c.cohort_id == Cohort.id)
            .where(cohort_supervisors.c.user_id == user.id)
        )
    ).all()
    events = db.session.scalars(
        sa.select(AuditEvent).where(sa.or_(AuditEvent.actor_id == user.id, AuditEvent.target_user_id == user.id))
        .order_by(AuditEvent.id)
    ).all()
    invitations = db.session.scalars(sa.select(Invitation).where(Invitation.email == user.email)).all() \
        if user.email else []
    return {
        "account": {
            "id": user.id, "name": user.name, "email": user.email, "role": user.role,
            "organization": user.organization.name if user.organization else None,
            "active": user.active, "created_at": user.created_at, "last_login_at": user.last_login_at,
        },
        "cohorts": [{"name": name, "as": role} for name, role in cohorts],
        "invitations": [
            {"organization": i.organization.name, "role": i.role, "sent_at": i.created_at, "accepted_at": i.accepted_at}
            for i in invitations
        ],
        "activity_log": [
            {"at": e.created_at, "action": e.action, "subject": f"{e.subject_type} {e.subject_id}".strip(),
             "by_you": e.actor_id == user.id, "ip": e.ip if e.actor_id == user.id else None}
            for e in events
        ],
    }


def _learning_data(user: User) -> list[dict]:
    """Each enrolment with the lessons read, modules passed, knowledge checks and practice answers."""
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == user.id)
        .options(so.joinedload(Enrolment.course_version)).order_by(Enrolment.id)
    ).all()
    enrolment_ids = [e.id for e in enrolments]
    lessons = db.session.execute(
        sa.select(LessonProgress.enrolment_id, Lesson.title, LessonProgress.read_at)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.enrolment_id.in_(enrolment_ids)).order_by(LessonProgress.read_at)
    ).all()
    attempts = db.session.execute(
        sa.select(QuizAttempt, Module.title)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id).join(Module, Module.id == Quiz.module_id)
        .where(QuizAttempt.enrolment_id.in_(enrolment_ids)).order_by(QuizAttempt.id)
    ).all()
    responses = db.session.scalars(
        sa.select(ExerciseResponse).where(ExerciseResponse.enrolment_id.in_(enrolment_ids))
        .options(so.joinedload(ExerciseResponse.exercise)).order_by(ExerciseResponse.id)
    ).all()
    completions = db.session.execute(
        sa.select(ModuleCompletion.enrolment_id, Module.title, ModuleCompletion.passed_at)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .where(ModuleCompletion.enrolment_id.in_(enrolment_ids))
    ).all()
    return [
        {
            "course": e.course_version.title, "version": e.course_version.version, "enrolled_at": e.created_at,
            "completed_at": e.completed_at, "last_activity_at": e.last_activity_at,
            "lessons_read": [{"lesson": title, "read_at": at} for eid, title, at in lessons if eid == e.id],
            "modules_passed": [{"module": title, "passed_at": at} for eid, title, at in completions if eid == e.id],
            "knowledge_checks": [
                {"module": title, "started_at": a.started_at, "submitted_at": a.submitted_at, "score": a.score,
                 "passed": a.passed, "answers": a.answers}
                for a, title in attempts if a.enrolment_id == e.id
            ],
            "practice_exercises": [
                {"exercise": r.exercise.title, "answer": r.text, "updated_at": r.updated_at,
                 "submitted_at": r.submitted_at, "review_comment": r.review_comment, "reviewed_at": r.reviewed_at}
                for r in responses if r.enrolment_id == e.id
            ],
        }
        for e in enrolments
    ]


def _roleplay_data(user: User) -> list[dict]:
    submissions = db.session.scalars(
        sa.select(Submission).where(Submission.trainee_id == user.id)
        .options(so.joinedload(Submission.scenario), so.selectinload(Submission.grades)).order_by(Submission.id)
    ).unique().all()
    return [
        {
            "scenario": s.scenario.title, "attempt": s.attempt_no, "kind": s.kind, "state": s.state,
            "replies": s.replies, "created_at": s.created_at, "submitted_at": s.submitted_at,
            "graded_at": s.graded_at,
            "recording_file": f"files/{s.recording_path}" if s.recording_path else None,
            "grades": [
                {"levels": g.levels, "comments": g.comments, "feedback": g.feedback, "total": g.total,
                 "passed": g.passed, "released_at": g.released_at}
                for g in s.grades
                if g.kind in {GradeKind.PRIMARY, GradeKind.CORRECTION} and g.released_at is not None
            ],
        }
        for s in submissions
    ]


def _records_data(user: User) -> dict:
    """Supervised hours, continuing education and certificates."""
    return {
        "supervised_hours": [
            {"date": h.worked_on, "setting": h.setting, "activity": h.activity, "hours": h.hours, "state": h.state,
             "review_note": h.review_note, "reviewed_at": h.reviewed_at}
            for h in db.session.scalars(sa.select(SupervisedHours).where(SupervisedHours.user_id == user.id))
        ],
        "continuing_education": [
            {"title": c.title, "provider": c.provider, "hours": c.hours, "completed_on": c.completed_on,
             "source": c.source, "state": c.state, "review_note": c.review_note,
             "evidence_file": f"files/{c.evidence_path}" if c.evidence_path else None}
            for c in db.session.scalars(sa.select(ContinuingEducation).where(ContinuingEducation.user_id == user.id))
        ],
        "certificates": [
            {"number": c.number, "holder_name": c.holder_name, "course": c.course_title,
             "version": c.course_version_label, "hours": c.hours, "issued_on": c.issued_on,
             "expires_on": c.expires_on, "revoked_at": c.revoked_at, "revoked_reason": c.revoked_reason,
             "pdf_file": f"files/{c.pdf_path}" if c.pdf_path else None}
            for c in db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user.id))
        ],
    }


README = """Your data from {program}
Exported {when} for account #{id}.

data.json   everything we hold about you: your account, cohorts, enrolments, lessons read,
            knowledge-check attempts, role-plays (your replies and released grades), supervised
            hours, continuing education, certificates, and the log of actions by or about you.
files/      the files you uploaded or were issued: recordings, evidence, certificate PDFs.
"""


def export_user_data(user: User, *, data_dir: str | Path, program_name: str = "PeerCert") -> bytes:
    """A ZIP of data.json, a README and the person's files; the export is audited."""
    data = personal_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(program=program_name, when=utcnow().isoformat(timespec="seconds"),
                                                     id=user.id))
        archive.writestr("data.json", json.dumps(data, default=_json_default, indent=2, ensure_ascii=False))
        for _kind, relative in _person_files(user):
            path = stored_file(data_dir, relative)
            if path is not None:
                archive.write(path, f"files/{relative}")
    audit.record("privacy.exported", actor=user, subject=user, target_user=user)
    return buffer.getvalue()


# Erasure --------------------------------------------------------------------------------------

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

    files = [stored_file(data_dir, relative) for _kind, relative in _person_files(user)]
    files = [path for path in files if path is not None]
    # After the commit: if the erasure fails to commit, the files stay with the rows that name them.
    delete_after_commit(db.session(), *files, *copies_mentioning(mail_dir, needles))

    submissions = _erase_work(user, now)
    _erase_logged_activities(user)
    certificates = _detach_certificates(user, needles, keep_certificate_name=keep_certificate_name)
    if user.email:
        db.session.execute(sa.delete(Invitation).where(Invitation.email == user.email))
    scrubbed = _scrub_audit_events(user, needles)
    _anonymise_account(user, now)
    db.session.flush()
    report = ErasureReport(user.id, len(files), submissions, certificates, keep_certificate_name, scrubbed)
    audit.record("user.erased", actor=actor, subject=user, target_user=user, files_deleted=len(files),
                 certificates_kept=certificates, holder_name_kept=keep_certificate_name)
    return report
