"""A person's data export: everything we hold about them, as a ZIP of data.json, a README and their files.

The export is audited by `audit.record` here; the caller commits.
"""

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms import audit
from lms.extensions import db
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
    Submission,
    SupervisedHours,
    User,
    cohort_supervisors,
    cohort_trainees,
    utcnow,
)
from lms.records.privacy import person_files, stored_file


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


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
        for _kind, relative in person_files(user):
            path = stored_file(data_dir, relative)
            if path is not None:
                archive.write(path, f"files/{relative}")
    audit.record("privacy.exported", actor=user, subject=user, target_user=user)
    return buffer.getvalue()
