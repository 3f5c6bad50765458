"""Live role-plays: a supervisor observes a trainee and scores the role-play on its rubric in real time.
The result is a submission of kind `live` carrying the grade that counts."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.auth.permissions import supervised_trainee_ids
from lms.errors import Conflict, NotEligible
from lms.extensions import db
from lms.models import (
    CourseVersion,
    Module,
    Role,
    Scenario,
    Submission,
    SubmissionKind,
    SubmissionState,
    User,
    utcnow,
)
from lms.roleplay.grading import Scores, decide_for, grade_submission
from lms.roleplay.submissions import attempts_for, enrolment_for, scenario_options


def trainees_for_live(user: User) -> list[User]:
    """The active trainees `user` may score live: those they supervise (an administrator: everyone)."""
    query = sa.select(User).where(User.role == Role.TRAINEE, User.active.is_(True), User.erased_at.is_(None))
    if user.role != Role.ADMIN:
        query = query.where(User.id.in_(supervised_trainee_ids(user)))
    return list(db.session.scalars(query.order_by(User.name)))


def live_scenarios() -> list[Scenario]:
    """Scenarios of the live course versions, for scoring an observed role-play."""
    return list(db.session.scalars(
        sa.select(Scenario)
        .join(Module, Module.id == Scenario.module_id)
        .join(CourseVersion, CourseVersion.id == Module.course_version_id)
        .where(CourseVersion.is_live.is_(True))
        .options(*scenario_options())
        .order_by(CourseVersion.title, Module.position, Scenario.position)
    ).unique())


def record_live_roleplay(supervisor: User, trainee: User, scenario: Scenario, scores: Scores) -> Submission:
    """An observed role-play scored in real time: a submission of kind `live` with its grade."""
    enrolment = enrolment_for(trainee, scenario)
    if enrolment is None:
        raise NotEligible(_("%(name)s is not enrolled in %(course)s.", name=trainee.name,
                            course=scenario.module.course_version.title))
    if any(a.state == SubmissionState.PASSED for a in attempts_for(trainee.id, scenario.id)):
        raise NotEligible(_("%(name)s has already passed this role-play.", name=trainee.name))
    last = db.session.scalar(
        sa.select(sa.func.max(Submission.attempt_no)).where(
            Submission.trainee_id == trainee.id, Submission.scenario_id == scenario.id
        )
    )
    now = utcnow()
    submission = Submission(
        scenario_id=scenario.id, trainee_id=trainee.id, enrolment_id=enrolment.id, attempt_no=(last or 0) + 1,
        kind=SubmissionKind.LIVE, state=SubmissionState.SUBMITTED, replies=[], submitted_at=now, updated_at=now,
    )
    decide_for(scenario, scores)  # refuse incomplete scores before anything is written
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Another attempt was recorded at the same moment. Reload the page and try again.")) from None
    audit.record("roleplay.live_recorded", actor=supervisor, subject=submission, target_user=trainee)
    grade_submission(submission, supervisor, scores)
    return submission
