"""Calibration: an administrator shares a graded submission as a sample; supervisors of the trainee's
organization grade it blind and see how far they are from the reference (the grade that counts)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import audit
from lms.errors import NotAllowed, NotEligible
from lms.extensions import db
from lms.models import Grade, GradeKind, Role, Submission, SubmissionKind, User
from lms.roleplay import rubric
from lms.roleplay.grading import Scores, record_blind_grade
from lms.roleplay.submissions import (
    blind_grade_by,
    criteria_for,
    effective_grade,
    primary_grade,
    submission_options,
)


@dataclass
class CalibrationSample:
    submission: Submission
    reference: Grade
    own_grade: Grade | None
    distances: dict[str, int] = field(default_factory=dict)


def _gave_the_reference(submission: Submission, reference: Grade, user: User) -> bool:
    return user.id in {reference.grader_id, (primary_grade(submission) or reference).grader_id}


def calibration_samples(user: User) -> list[CalibrationSample]:
    """Samples the user may grade blind: supervisors of the trainee's organization, and administrators."""
    query = (
        sa.select(Submission)
        .join(User, User.id == Submission.trainee_id)
        .where(Submission.is_calibration.is_(True))
        .options(*submission_options())
        .order_by(Submission.id)
    )
    if user.role != Role.ADMIN:
        if user.organization_id is None:
            return []
        query = query.where(User.organization_id == user.organization_id)
    samples = []
    for submission in db.session.scalars(query).unique():
        reference = effective_grade(submission)
        if reference is None:
            continue
        own = blind_grade_by(submission, user, GradeKind.CALIBRATION)
        if own is None and _gave_the_reference(submission, reference, user):
            continue
        sample = CalibrationSample(submission, reference, own)
        if own is not None:
            sample.distances = rubric.distance(reference.levels, own.levels)
        samples.append(sample)
    return samples


def calibration_summary(samples: list[CalibrationSample]) -> list[tuple[str, float, int]]:
    """Per criterion: (title, mean absolute distance from the reference, samples), over the samples graded."""
    sums: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for sample in samples:
        for criterion in criteria_for(sample.submission.scenario):
            titles.setdefault(criterion.id, criterion.title)
        for cid, d in sample.distances.items():
            sums.setdefault(cid, []).append(abs(d))
    return [(titles.get(cid, cid), round(sum(values) / len(values), 2), len(values)) for cid, values in sums.items()]


def calibrate(submission: Submission, grader: User, scores: Scores) -> Grade:
    """A supervisor's blind grade of a calibration sample, compared with the reference afterwards."""
    reference = effective_grade(submission)
    if not submission.is_calibration or reference is None:
        raise NotEligible(_("This submission is not a calibration sample."))
    if _gave_the_reference(submission, reference, grader):
        raise NotAllowed(_("You gave the reference grade for this sample."))
    return record_blind_grade(submission, grader, GradeKind.CALIBRATION, scores, action="roleplay.calibrated",
                              already=_("You have already graded this calibration sample."))


def set_calibration(submission: Submission, admin: User, value: bool) -> None:
    """Share (or stop sharing) a graded submission as a calibration sample."""
    if value:
        if effective_grade(submission) is None:
            raise NotEligible(_("Only a graded submission can be a calibration sample: its grade is the reference."))
        if submission.kind == SubmissionKind.LIVE:
            raise NotEligible(_("A live role-play has no transcript or recording to calibrate on."))
    if submission.is_calibration != value:
        submission.is_calibration = value
        audit.record("roleplay.calibration_marked" if value else "roleplay.calibration_unmarked",
                     actor=admin, subject=submission)
        db.session.flush()
