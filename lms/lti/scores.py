"""Scores back to the platforms (LTI Assignment and Grade Services).

A knowledge check, an exam or a role-play grade that is final (the `quiz_submitted`, `exam_submitted` and
`roleplay_graded` signals) writes one `LtiScore` row per LTI launch of that person on a link to that
activity, pending, and enqueues `send_score`. The row is the record: sent, or failed with the error and the
number of tries. A re-grade overwrites the row and sends again; a voided exam attempt withdraws its score.
`RECOVERY` re-enqueues what is pending or failed (workers run it every few minutes; `flask jobs recover`
by hand)."""

from __future__ import annotations

import logging
from datetime import timedelta

import requests
import sqlalchemy as sa
import sqlalchemy.orm as so
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade as AgsGrade
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector

from lms import jobs
from lms.extensions import db
from lms.lti import targets
from lms.lti.tool import registration_for
from lms.models import LtiLaunch, LtiResourceLink, LtiScore, ScoreState, utcnow

log = logging.getLogger(__name__)

RECOVERY = "lti-scores"
MAX_TRIES = 12  # then the row stays failed, shown on the platform's page, until an administrator resends
RETRY_AFTER = timedelta(minutes=2)
TIMEOUT = 10  # seconds for each call to a platform
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


class _TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


# -- receivers ------------------------------------------------------------------------------------------


def on_quiz_submitted(attempt, **_kwargs) -> None:
    module = attempt.quiz.module
    course = module.course_version.course
    refs = [targets.ref_of("quiz", course.slug, module.slug), targets.ref_of("module", course.slug, module.slug)]
    queue_scores(attempt.enrolment.user_id, refs, attempt.score or 0, 100, f"quiz_attempt:{attempt.id}")


def on_exam_submitted(attempt, **_kwargs) -> None:
    course = attempt.course_version.course
    queue_scores(attempt.enrolment.user_id, [targets.ref_of("exam", course.slug)], attempt.score or 0, 100,
                 f"exam_attempt:{attempt.id}")


def on_roleplay_graded(grade, **_kwargs) -> None:
    submission = grade.submission
    scenario = submission.scenario
    module = scenario.module
    course = module.course_version.course
    maximum = 4 * len(grade.levels or {}) or 100
    ref = targets.ref_of("roleplay", course.slug, module.slug, scenario.slug)
    queue_scores(submission.trainee_id, [ref], grade.total, maximum, f"grade:{grade.id}",
                 comment=grade.feedback or "")


def on_exam_voided(attempt, **_kwargs) -> None:
    """A voided attempt no longer counts: where its score is the one the platform holds, withdraw it."""
    rows = db.session.scalars(sa.select(LtiScore).where(LtiScore.source == f"exam_attempt:{attempt.id}")).all()
    for score in rows:
        _make_pending(score, source=score.source, given=None, maximum=score.score_maximum,
                      comment="Attempt voided")
    db.session.flush()
    for score in rows:
        jobs.enqueue(send_score, score.id)


def _make_pending(score: LtiScore, *, source: str, given: float | None, maximum: float, comment: str) -> None:
    score.source, score.score_given, score.score_maximum = source, given, float(maximum)
    score.comment, score.scored_at, score.updated_at = comment[:2000], utcnow(), utcnow()
    score.state, score.tries, score.last_error, score.sent_at = ScoreState.PENDING, 0, None, None


def queue_scores(user_id: int, refs: list[str], given: float, maximum: float, source: str, *,
                 comment: str = "") -> list[LtiScore]:
    """The latest result of `user_id` for every LTI link to one of `refs` they launched, made pending."""
    launches = db.session.scalars(
        sa.select(LtiLaunch).join(LtiResourceLink, LtiResourceLink.id == LtiLaunch.resource_link_id)
        .where(LtiLaunch.user_id == user_id, LtiResourceLink.target.in_(refs))
    ).all()
    rows = []
    for launch in launches:
        score = db.session.scalar(sa.select(LtiScore).where(LtiScore.launch_id == launch.id))
        if score is None:
            score = LtiScore(launch_id=launch.id)
            db.session.add(score)
        _make_pending(score, source=source, given=float(given), maximum=maximum, comment=comment)
        rows.append(score)
    db.session.flush()
    for score in rows:
        jobs.enqueue(send_score, score.id)
    return rows


# -- the job ----------------------------------------------------------------------------------------------


def send_score(score_id: int) -> str | None:
    """Post one score to its platform's line item; the row records the outcome (never raises: a failure
    is kept, and the recovery sends again)."""
    score = db.session.get(LtiScore, score_id)
    if score is None or score.state == ScoreState.SENT:
        return None
    score.tries += 1
    score.updated_at = utcnow()
    try:
        post_score(score)
    except Exception as error:  # the platform, the network or its answer: keep it and try again later
        score.state, score.last_error = ScoreState.FAILED, f"{type(error).__name__}: {_describe(error)}"[:2000]
        log.warning("LTI score %s not sent (try %s): %s", score.id, score.tries, score.last_error)
        return score.state
    score.state, score.last_error, score.sent_at = ScoreState.SENT, None, utcnow()
    return score.state


def _describe(error: Exception) -> str:
    response = error.args[0] if error.args else None
    if isinstance(response, requests.Response):
        return f"HTTP {response.status_code} from {response.url}: {response.text[:300]}"
    return str(error)


def post_score(score: LtiScore) -> None:
    launch = score.launch
    link = launch.resource_link
    platform = link.platform
    if not platform.active:
        raise RuntimeError("the platform's registration is disabled")
    service = AssignmentsGradesService(
        ServiceConnector(registration_for(platform), _TimeoutSession()),
        {"scope": list(link.ags_scopes or []) or [SCORE_SCOPE], "lineitem": link.lineitem_url,
         "lineitems": link.lineitems_url},
    )
    grade = AgsGrade().set_timestamp(score.scored_at.isoformat()).set_user_id(launch.sub)
    if score.score_given is None:  # withdrawn: the platform's grade book shows no result
        grade.set_activity_progress("Initialized").set_grading_progress("NotReady")
    else:
        grade.set_score_given(score.score_given).set_score_maximum(score.score_maximum)
        grade.set_activity_progress("Completed").set_grading_progress("FullyGraded")
    if score.comment:
        grade.set_comment(score.comment)
    if link.lineitem_url:
        service.put_grade(grade)
        return
    if not link.lineitems_url:
        raise RuntimeError("the platform gave this link no grade book column (no AGS line item)")
    wanted = (LineItem().set_tag(link.target).set_resource_link_id(link.resource_link_id)
              .set_label(link.title or link.target).set_score_maximum(score.score_maximum))
    lineitem = service.find_or_create_lineitem(wanted)
    link.lineitem_url = lineitem.get_id()
    service.put_grade(grade, lineitem)


# -- recovery -------------------------------------------------------------------------------------------


def enqueue_unsent_scores() -> int:
    """Pending scores whose job was lost and failed ones due another try."""
    cutoff = utcnow() - RETRY_AFTER
    ids = db.session.scalars(
        sa.select(LtiScore.id).where(LtiScore.state.in_([ScoreState.PENDING, ScoreState.FAILED]),
                                     LtiScore.tries < MAX_TRIES, LtiScore.updated_at < cutoff)
        .order_by(LtiScore.id).limit(500)
    ).all()
    for score_id in ids:
        jobs.enqueue(send_score, score_id)
    return len(ids)


def scores_of(platform_id: int, *, limit: int = 100) -> list[LtiScore]:
    """The latest scores for a platform, failures first (its page shows what was sent and what failed)."""
    return list(db.session.scalars(
        sa.select(LtiScore).join(LtiLaunch).join(LtiResourceLink)
        .where(LtiResourceLink.platform_id == platform_id)
        .options(so.selectinload(LtiScore.launch).selectinload(LtiLaunch.user),
                 so.selectinload(LtiScore.launch).selectinload(LtiLaunch.resource_link))
        .order_by(sa.case((LtiScore.state == ScoreState.FAILED, 0), else_=1), LtiScore.updated_at.desc())
        .limit(limit)
    ))


def resend(score: LtiScore) -> None:
    score.state, score.tries, score.updated_at = ScoreState.PENDING, 0, utcnow()
    db.session.flush()
    jobs.enqueue(send_score, score.id)
