"""Calibration against the authors' reference transcripts (`<scenario>.references.yaml`).

A supervisor rates a reference transcript blind, on the scenario's rubric and gates; the rating is then
compared with the authors' scores, gate outcomes and rationale. The decision is computed by the one pass
rule (`rubric.decide`), never typed. Services add and flush; the caller commits.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.errors import AlreadyGraded
from lms.extensions import db
from lms.models import CourseVersion, Module, ReferenceRating, Scenario, ScenarioReference, User
from lms.roleplay import rubric
from lms.roleplay.grading import Scores, decide_for


def live_references() -> list[ScenarioReference]:
    """Every reference transcript of the live course versions, in course and scenario order."""
    return list(db.session.scalars(
        sa.select(ScenarioReference)
        .join(Scenario, ScenarioReference.scenario_id == Scenario.id)
        .join(Module, Scenario.module_id == Module.id)
        .join(CourseVersion, Module.course_version_id == CourseVersion.id)
        .where(CourseVersion.is_live.is_(True))
        .order_by(CourseVersion.id, Module.position, Scenario.position, ScenarioReference.position)
        .options(so.selectinload(ScenarioReference.scenario).selectinload(Scenario.rubric),
                 so.selectinload(ScenarioReference.scenario).selectinload(Scenario.module)
                 .selectinload(Module.course_version))
    ))


def get_reference(reference_id: int) -> ScenarioReference | None:
    return db.session.get(ScenarioReference, reference_id)


def ratings_by(grader: User) -> dict[int, ReferenceRating]:
    rows = db.session.scalars(sa.select(ReferenceRating).where(ReferenceRating.grader_id == grader.id))
    return {row.reference_id: row for row in rows}


def rating_by(reference: ScenarioReference, grader: User) -> ReferenceRating | None:
    return db.session.scalar(sa.select(ReferenceRating).where(
        ReferenceRating.reference_id == reference.id, ReferenceRating.grader_id == grader.id))


def rate_reference(reference: ScenarioReference, grader: User, scores: Scores) -> ReferenceRating:
    """A supervisor's blind rating of a reference transcript: one per supervisor and reference."""
    decision = decide_for(reference.scenario, scores)
    rating = ReferenceRating(reference_id=reference.id, grader_id=grader.id, levels=dict(scores.levels),
                             gates=dict(scores.gates), decision=decision.decision)
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except IntegrityError:
        raise AlreadyGraded(_("You have already rated this reference transcript.")) from None
    audit.record("roleplay.reference_rated", actor=grader, subject=reference.scenario,
                 reference=reference.slug, decision=rating.decision, agrees=rating.decision == reference.decision)
    return rating


def differences(reference: ScenarioReference, rating: ReferenceRating) -> dict[str, int]:
    """Per criterion, how far the supervisor is from the authors (positive: more generous)."""
    return rubric.distance(reference.scores, rating.levels)
