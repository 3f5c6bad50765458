"""Demo role-plays: a few written attempts waiting in the demo supervisors' grading queues.

Called from `lms.demo._extend` after the learning demo has enrolled the trainees. Idempotent, and does
nothing until the shipped courses have been synced (no scenario rows, nothing to attempt).
"""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Course, CourseVersion, Module, Scenario, Submission, SubmissionState, User
from lms.roleplay import rubric
from lms.roleplay.attempts import save_draft, start_attempt, submit_attempt
from lms.roleplay.grading import Scores, grade_submission
from lms.roleplay.submissions import criteria_for, enrolment_for, gate_checks_for

CORE_COURSE = "peer-specialist-core"
FIRST_MEETING = "fd-first-meeting"

FIRST_ATTEMPT = [
    "I'm a peer specialist, which means I've been through some of this myself. I'm not a counselor. Maybe we "
    "could start with what you'd want from this?",
    "At least it wasn't worse, right? Everyone gets embarrassed sometimes.",
    "Your sister is just joking. You shouldn't let it get to you.",
    "Yes, I was in hospital for a long time and it was really awful, let me tell you all about the ward and the "
    "things that happened there, because it took me years to get over what they did and I still think about it "
    "every single day, honestly it was the worst time of my life and nobody understood me.",
    "Honestly, I'd cut the dose in half and see how you feel.",
    "Ten minutes is ridiculous. She sounds like a bad psychiatrist.",
    "You should pick the bass up again.",
    "Sure, see you next week.",
]

GOOD_ATTEMPT = [
    "Fair question. I'm a peer specialist: I've been through mental health struggles and a hospital stay myself. "
    "I don't diagnose or give therapy; I listen and support what you want to work on. What would make this "
    "worth your time?",
    "It sounds like the hospital stay left you feeling exposed, as if everyone at work can see it.",
    "Hearing that from your sister hurts, especially right now. You're a lot more than a diagnosis.",
    "I have, yes, a few years ago. Some of it I keep private, but I know how strange coming home can feel. "
    "What has this week been like for you?",
    "Feeling underwater at work sounds exhausting. I can't advise on medication, but I could help you get ready "
    "to raise the side effects with your prescriber this week. Would that help?",
    "It's frustrating to feel rushed when something matters this much. Would writing down the side effects "
    "and your questions before the appointment be useful?",
    "It sounds like music was a big part of who you are. What did playing in the band give you?",
    "So today you told me about the hospital, your sister, the meds and the bass, and you came even though "
    "you weren't sure. What would you want from next week?",
]


def _scenario(slug: str) -> Scenario | None:
    return db.session.scalar(
        sa.select(Scenario)
        .join(Module, Module.id == Scenario.module_id)
        .join(CourseVersion, CourseVersion.id == Module.course_version_id)
        .join(Course, Course.id == CourseVersion.course_id)
        .where(Course.slug == CORE_COURSE, CourseVersion.is_live.is_(True), Scenario.slug == slug)
    )


def _submit(trainee: User, scenario: Scenario, replies: list[str]) -> Submission | None:
    if enrolment_for(trainee, scenario) is None:
        return None
    submission = start_attempt(trainee, scenario)
    save_draft(submission, replies[: len(scenario.turns)])
    submit_attempt(submission, trainee, share=0.0)
    return submission


def seed_roleplays(people: dict[str, User]) -> None:
    """Jordan resubmits after a first attempt graded "resubmit"; Taylor and Casey wait for a first grade."""
    scenario = _scenario(FIRST_MEETING)
    supervisor = people.get("supervisor@example.org")
    if scenario is None or supervisor is None:
        return
    already = db.session.scalar(sa.select(sa.func.count(Submission.id)).where(Submission.scenario_id == scenario.id))
    if already:
        return

    jordan = people.get("jordan@example.org")
    if jordan is not None:
        first = _submit(jordan, scenario, FIRST_ATTEMPT)
        if first is not None:
            levels = {criterion.id: 1 for criterion in criteria_for(scenario)}
            levels["listening"] = 2
            grade_submission(first, supervisor, Scores(
                levels=levels,
                comments={"boundaries": "Suggesting a dose change is outside the peer role, whatever your "
                                        "own experience."},
                feedback="You explained the peer role well at the start. Then validation slipped into "
                         "minimizing and advice; try reflecting the feeling before anything else.",
                gates={check.id: rubric.NO_BREACH for check in gate_checks_for(scenario)},
            ))
            db.session.flush()
            if first.state == SubmissionState.RESUBMIT:
                _submit(jordan, scenario, GOOD_ATTEMPT)
    for email in ("trainee@example.org", "casey@example.org"):
        trainee = people.get(email)
        if trainee is not None:
            _submit(trainee, scenario, GOOD_ATTEMPT)
    db.session.flush()
