"""Demo role-plays through the services: graded attempts behind every passed module, blind second marks and
calibration grades for the agreement page, and attempts waiting in the demo supervisors' queues.

`lms.demo` calls `pass_scenarios` for each module a demo trainee passes, and `wait_for_grade` and
`seed_calibration` once the histories exist. Times are set back to the demo's moments after each service
call, so that the grading-turnaround chart shows hours, not zeros.
"""

import random
from datetime import datetime, timedelta

from lms.extensions import db
from lms.models import Grade, Scenario, Submission, SubmissionKind, SubmissionState, User
from lms.roleplay import calibration, grading, rubric, submissions

WEAK_REPLIES = [
    "At least it wasn't worse, right? Everyone gets embarrassed sometimes.",
    "You shouldn't let it get to you.",
    "Honestly, I'd just do what worked for me.",
    "Sure, see you next week.",
]

GOOD_REPLIES = [
    "It sounds like that has been weighing on you. What has it been like this week?",
    "You're saying it matters a lot that people see more than the diagnosis. Did I get that right?",
    "I can't advise on that myself, but I could help you get ready to raise it with your prescriber.",
    "That took courage to say. What would you want to happen next?",
    "I hear how tired you are of explaining yourself. What would make this useful for you?",
    "So far you've told me about work, your sister and the meds. Did I miss anything?",
]

GOOD_FEEDBACK = "You followed the person's lead and reflected feelings before offering anything. Well done."
WEAK_FEEDBACK = ("Validation slipped into minimizing and advice; try reflecting the feeling before anything else, "
                 "then resubmit.")


def _replies(scenario: Scenario, lines: list[str]) -> list[str]:
    return [lines[i % len(lines)] for i in range(len(scenario.turns))]


def _scores(scenario: Scenario, levels: dict[str, int], feedback: str) -> grading.Scores:
    gates = {check.id: rubric.NO_BREACH for check in submissions.gate_checks_for(scenario)}
    return grading.Scores(levels=levels, comments={}, feedback=feedback, gates=gates)


def passing_levels(scenario: Scenario, rng: random.Random) -> dict[str, int]:
    """Levels of 3 or 4 that pass this scenario (all 4 if a mix would not)."""
    ids = [criterion.id for criterion in submissions.criteria_for(scenario)]
    levels = {cid: rng.choice([3, 3, 4]) for cid in ids}
    if not submissions.decision_for(scenario, levels, _scores(scenario, levels, "").gates).passed:
        levels = dict.fromkeys(ids, 4)
    return levels


# The criterion the demo's raters disagree on, so that the agreement page flags one worth discussing.
DISPUTED_CRITERION = "boundaries"


def second_opinion(levels: dict[str, int], rng: random.Random) -> dict[str, int]:
    """A blind rater's levels: close to the grade that counts on most criteria, often a level apart on
    the disputed one."""
    marked = {}
    for cid, level in levels.items():
        spread = 0.7 if cid == DISPUTED_CRITERION else 0.12
        shift = rng.choice([-1, 1]) if rng.random() < spread else 0
        marked[cid] = min(4, max(1, level + shift))
    return marked


def submit(trainee: User, scenario: Scenario, lines: list[str], *, at: datetime) -> Submission:
    """A written attempt submitted at `at`. The row is written directly, as `tests/factories.py` does: the
    attempt services re-read the whole course to check the module is open, which the demo's order
    guarantees, and doing that for every attempt would make `flask setup` slow."""
    enrolment = submissions.enrolment_for(trainee, scenario)
    attempts = submissions.attempts_for(trainee.id, scenario.id)
    submission = Submission(
        scenario_id=scenario.id, trainee_id=trainee.id, enrolment_id=enrolment.id,
        attempt_no=(attempts[-1].attempt_no + 1) if attempts else 1, kind=SubmissionKind.WRITTEN,
        state=SubmissionState.SUBMITTED, replies=_replies(scenario, lines),
        created_at=at - timedelta(hours=1), submitted_at=at, updated_at=at,
    )
    db.session.add(submission)
    db.session.flush()
    return submission


def grade(submission: Submission, grader: User, levels: dict[str, int], *, at: datetime, feedback: str,
          second: User | None = None, rng: random.Random | None = None) -> Grade:
    """The grade that counts at `at`; with `second`, a blind second mark given a few hours later."""
    if second is not None:
        submission.second_marker_id = second.id
    counted = grading.grade_submission(submission, grader, _scores(submission.scenario, levels, feedback))
    counted.created_at = counted.released_at = at
    submission.graded_at = submission.updated_at = at
    if second is not None:
        blind = grading.second_mark(submission, second, _scores(
            submission.scenario, second_opinion(levels, rng or random.Random(submission.id)), ""))  # noqa: S311 - demo data
        blind.created_at = at + timedelta(hours=5)
    return counted


def pass_scenarios(enrolment, module, *, at: datetime, graders: list[User], rng: random.Random,
                   struggle: bool = False) -> None:
    """Each role-play of the module passed: optionally a first attempt sent back for resubmission; every
    third grade second-marked blind by the other supervisor (when there are two)."""
    trainee = enrolment.user
    for scenario in module.scenarios:
        primary = graders[rng.randrange(len(graders))]
        other = next((g for g in graders if g.id != primary.id), None)
        if struggle:
            first = submit(trainee, scenario, WEAK_REPLIES, at=at - timedelta(days=4))
            weak = dict.fromkeys((c.id for c in submissions.criteria_for(scenario)), 1)
            grade(first, primary, weak, at=at - timedelta(days=3, hours=2), feedback=WEAK_FEEDBACK)
        attempt = submit(trainee, scenario, GOOD_REPLIES, at=at - timedelta(hours=rng.randint(6, 60)))
        second = other if other is not None and rng.random() < 0.45 else None
        grade(attempt, primary, passing_levels(scenario, rng), at=at, feedback=GOOD_FEEDBACK, second=second,
              rng=rng)


def wait_for_grade(trainee: User, scenario: Scenario, *, at: datetime, second_marker: User | None = None) -> None:
    """An attempt submitted at `at`, waiting in the grading queue (and, with `second_marker`, for a blind
    second mark too)."""
    if any(a.state != SubmissionState.DRAFT for a in submissions.attempts_for(trainee.id, scenario.id)):
        return
    submission = submit(trainee, scenario, GOOD_REPLIES, at=at)
    if second_marker is not None:
        submission.second_marker_id = second_marker.id
    db.session.flush()


def seed_calibration(admin: User, supervisors: list[User], samples: list[Submission], *, at: datetime) -> None:
    """The administrator shares graded submissions as calibration samples; the supervisors who did not
    grade them grade them blind, so the calibration page and the agreement page both have content."""
    rng = random.Random(7)  # noqa: S311 - a reproducible demo story, not a secret
    for index, submission in enumerate(samples):
        calibration.set_calibration(submission, admin, True)
        reference = submissions.effective_grade(submission)
        for supervisor in supervisors:
            if supervisor.id == reference.grader_id:
                continue
            blind = calibration.calibrate(submission, supervisor, _scores(
                submission.scenario, second_opinion(dict(reference.levels), rng), ""))
            blind.created_at = at + timedelta(days=index)
    db.session.flush()
