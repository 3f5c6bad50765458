"""The exam as a certificate requirement: met by a passed attempt that was not voided."""

from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context, url_for
from flask_babel import gettext as _

from lms.extensions import db
from lms.models import Enrolment, ExamAttempt
from lms.requirements import Requirement


def exam_requirement(enrolment: Enrolment) -> Requirement | None:
    exam = enrolment.course_version.exam
    if not exam:
        return None
    counted = db.session.execute(
        sa.select(ExamAttempt.score, ExamAttempt.passed)
        .where(ExamAttempt.enrolment_id == enrolment.id, ExamAttempt.voided_at.is_(None),
               ExamAttempt.submitted_at.is_not(None))
        .order_by(ExamAttempt.number)
    ).all()
    best_pass = max((score for score, passed in counted if passed), default=None)
    if best_pass is not None:
        detail = _("Passed with %(score)s%%.", score=best_pass)
    elif counted:
        detail = _("Not passed yet: %(used)s of %(allowed)s attempts used (pass mark %(mark)s%%).",
                   used=len(counted), allowed=exam["attempts"], mark=exam["pass_mark"])
    else:
        detail = _("Not taken yet (pass mark %(mark)s%%, %(minutes)s minutes).", mark=exam["pass_mark"],
                   minutes=exam["time_limit_minutes"])
    url = url_for("exams.overview", course_slug=enrolment.course.slug) if has_request_context() else None
    return Requirement(key="exam", title=exam.get("title") or _("Certification exam"), met=best_pass is not None,
                       detail=detail, earned_minutes=int(exam["minutes"]) if best_pass is not None else 0, url=url)
