"""The v2 test course (tests/data/courses/ready), synced and with the trainee of `people` enrolled."""

from pathlib import Path

import sqlalchemy as sa

from lms.content.loader import load_course
from lms.extensions import db
from lms.learning.sync import sync_course
from lms.models import Exercise, Scenario
from tests import factories

READY = Path(__file__).parent / "data" / "courses" / "ready"

ACTOR_NOTE = "At turn 4 she says she could use a drink"
RATER_NOTE = "Listen for reflections before questions"
BRANCH = "Dana relaxes; the rater marks confidentiality as a breach."
MODEL_ANSWER = "the nights have been hard"
REASON = "back without advice, so they can say more"


def sync_ready_course(*trainees):
    course, errors, _warnings = load_course(READY / "ready-course", READY)
    assert not errors, errors
    version = sync_course(course).course_version
    for trainee in trainees:
        factories.make_enrolment(trainee, version)
    db.session.commit()
    scenario = db.session.scalar(sa.select(Scenario).where(Scenario.slug == "rb-call"))
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "rb-ex-reflect"))
    return version, scenario, exercise
