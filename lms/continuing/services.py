"""Continuing education: logging outside activities with evidence, review, course credit, approved totals.

Services add and flush; the caller commits.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.errors import InvalidInput, InvalidUpload, NotAllowed
from lms.extensions import db
from lms.files import delete_after_commit
from lms.models import ContinuingEducation, Enrolment, ReviewState, Role, User, utcnow

EVIDENCE_DIR = "evidence"
EVIDENCE_TYPES = {  # extension -> (accepted content types, leading bytes)
    "pdf": ({"application/pdf"}, (b"%PDF-",)),
    "png": ({"image/png"}, (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ({"image/jpeg", "image/jpg", "image/pjpeg"}, (b"\xff\xd8\xff",)),
}
MIMETYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}


def _data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


def _clean(value) -> str:
    """Text safe to store: no NUL characters (PostgreSQL refuses them), no lone surrogates (not UTF-8)."""
    text = "" if value is None else str(value)
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _one_line(value, limit: int) -> str:
    return " ".join(_clean(value).split())[:limit]


def _today() -> date:
    return utcnow().date()


def approved_ce_hours(user_id: int, start: date, end: date) -> Decimal:
    """The approved continuing-education hours of `user_id` completed between `start` and `end` (inclusive)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ContinuingEducation.hours), 0)).where(
            ContinuingEducation.user_id == user_id,
            ContinuingEducation.state == ReviewState.APPROVED,
            ContinuingEducation.completed_on >= start,
            ContinuingEducation.completed_on <= end,
        )
    )
    return Decimal(str(total or 0))


def _course_credit(user_id: int, course_version_id: int) -> ContinuingEducation | None:
    return db.session.scalar(
        sa.select(ContinuingEducation).where(
            ContinuingEducation.user_id == user_id, ContinuingEducation.course_version_id == course_version_id
        )
    )


def credit_course_ce(enrolment: Enrolment) -> ContinuingEducation:
    """A completed continuing-education course counts automatically (approved, once)."""
    version = enrolment.course_version
    found = _course_credit(enrolment.user_id, version.id)
    if found is not None:
        return found
    entry = ContinuingEducation(
        user_id=enrolment.user_id,
        title=version.title,
        provider=current_app.config["LMS_PROGRAM_NAME"],
        hours=Decimal(str(version.ce_hours)),
        completed_on=enrolment.completed_at.date(),
        source="course",
        course_version_id=version.id,
        state=ReviewState.APPROVED,
        reviewed_at=utcnow(),
        review_note="Course completed on this platform.",
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:  # a concurrent completion credited it first
        return _course_credit(enrolment.user_id, version.id)
    audit.record("continuing_education.credited", subject=entry, target_user=enrolment.user,
                 course=version.course.slug if version.course else None, hours=str(entry.hours))
    return entry


def store_evidence(stream, filename: str) -> str:
    """Keep an uploaded evidence file (PDF, PNG or JPEG) under DATA_DIR/evidence; returns its relative path."""
    extension = Path(filename or "").suffix.lower().lstrip(".")
    extension = {"jpeg": "jpg"}.get(extension, extension)
    if extension not in EVIDENCE_TYPES:
        raise InvalidUpload(_("Upload the evidence as a PDF, PNG or JPEG file."), field="evidence")
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
    data = stream.read(limit + 1)
    if not data:
        raise InvalidUpload(_("The evidence file is empty."), field="evidence")
    if len(data) > limit:
        raise InvalidUpload(_("The evidence file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)),
                            field="evidence")
    if not data.startswith(EVIDENCE_TYPES[extension][1]):
        raise InvalidUpload(_("The file's contents do not match its type (PDF, PNG or JPEG)."), field="evidence")
    relative = f"{EVIDENCE_DIR}/{secrets.token_hex(16)}.{extension}"
    target = _data_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative


def evidence_file(entry: ContinuingEducation) -> Path | None:
    """The stored evidence of `entry`, or None when it has none (or the file is gone)."""
    if not entry.evidence_path:
        return None
    root = (_data_dir() / EVIDENCE_DIR).resolve()
    path = (_data_dir() / entry.evidence_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Enter the hours as a number, for example 1.5."), field="hours") from None
    if hours <= 0 or hours > 200:
        raise InvalidInput(_("Enter between 0.25 and 200 hours."), field="hours")
    return hours


def log_continuing_education(user: User, *, title: str, provider: str, hours, completed_on: date,
                             evidence_path: str) -> ContinuingEducation:
    """An outside activity, waiting for a supervisor's approval."""
    title = _one_line(title, 200)
    if not title:
        raise InvalidInput(_("Name the activity."), field="title")
    if completed_on > _today():
        raise InvalidInput(_("The date cannot be in the future."), field="completed_on")
    entry = ContinuingEducation(
        user_id=user.id,
        title=title,
        provider=_one_line(provider, 200),
        hours=parse_hours(hours),
        completed_on=completed_on,
        source="outside",
        evidence_path=evidence_path,
        state=ReviewState.PENDING,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record("continuing_education.logged", actor=user, subject=entry, target_user=user, hours=str(entry.hours))
    return entry


def continuing_education_for(user: User) -> list[ContinuingEducation]:
    return list(
        db.session.scalars(
            sa.select(ContinuingEducation)
            .where(ContinuingEducation.user_id == user.id)
            .order_by(ContinuingEducation.completed_on.desc(), ContinuingEducation.id.desc())
        )
    )


def delete_continuing_education(entry: ContinuingEducation, *, actor: User) -> None:
    if entry.user_id != actor.id:
        raise NotAllowed(_("You can only remove your own activities."))
    if entry.source != "outside" or entry.state == ReviewState.APPROVED:
        raise InvalidInput(_("Approved activities stay on your record."))
    path = evidence_file(entry)
    audit.record("continuing_education.deleted", actor=actor, subject=entry, target_user=actor, title=entry.title)
    db.session.delete(entry)
    db.session.flush()
    delete_after_commit(db.session(), path)


def can_review_continuing_education(user: User, trainee_id: int) -> bool:
    from lms.auth.permissions import supervises

    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and supervises(user, trainee_id)


def continuing_education_to_review(reviewer: User) -> list[ContinuingEducation]:
    """Pending outside activities of the trainees in the reviewer's cohorts (every one, for administrators)."""
    from lms.auth.permissions import supervised_trainee_ids

    statement = (
        sa.select(ContinuingEducation)
        .options(so.selectinload(ContinuingEducation.user))
        .where(ContinuingEducation.state == ReviewState.PENDING)
        .order_by(ContinuingEducation.created_at, ContinuingEducation.id)
    )
    if reviewer.role != Role.ADMIN:
        statement = statement.where(ContinuingEducation.user_id.in_(supervised_trainee_ids(reviewer)))
    return list(db.session.scalars(statement))


def review_continuing_education(entry: ContinuingEducation, reviewer: User, *, approve: bool,
                                note: str = "") -> ContinuingEducation:
    if not can_review_continuing_education(reviewer, entry.user_id):
        raise NotAllowed(_("Only a supervisor of this person's cohort can review their activities."))
    if entry.state != ReviewState.PENDING:
        raise InvalidInput(_("This activity has already been reviewed."))
    note = _clean(note).strip()
    if not approve and not note:
        raise InvalidInput(_("Say what is missing so that the trainee can fix it."), field="note")
    entry.state = ReviewState.APPROVED if approve else ReviewState.RETURNED
    entry.reviewed_by_id = reviewer.id
    entry.reviewed_at = utcnow()
    entry.review_note = note[:2000]
    db.session.flush()
    audit.record("continuing_education.approved" if approve else "continuing_education.returned",
                 actor=reviewer, subject=entry, target_user=entry.user, hours=str(entry.hours))
    return entry
