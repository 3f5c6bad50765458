"""The analyzer as a second opinion for supervisors: its counts beside a transcript being graded, and how its
reflection and question counts relate to the supervisors' listening scores. Never the grade."""

from __future__ import annotations

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Grade, Submission, SubmissionKind, SubmissionState, User
from lms.roleplay.analyzer import LABELS, analyze_transcript, reported_accuracy
from lms.roleplay.feedback import label_names, persona_lines
from lms.roleplay.language import reads_as_spanish
from lms.roleplay.submissions import effective_grade, in_course, in_scope, submission_options

LISTENING = "listening"


def _analysis(submission: Submission):
    """The analyzer over the submission's transcript, each reply read against the persona line it answers.

    Only a written role-play has a transcript today: a live role-play is scored in the room and a recording is a
    media file (``replies`` is empty for both), so they get no analysis rather than one without context."""
    replies = list(submission.replies or [])
    # English replies only: the analyzer would count nonsense in a Spanish one (lms.roleplay.language).
    answered = [i for i, r in enumerate(replies) if str(r).strip() and not reads_as_spanish(str(r))]
    if not answered:
        return None, 0
    turns = persona_lines(submission.scenario.turns)
    contexts = [turns[i] if i < len(turns) else None for i in answered]
    return analyze_transcript([str(replies[i]) for i in answered], {}, contexts=contexts), len(answered)


def analyzer_second_opinion(submission: Submission) -> dict | None:
    """The analyzer's counts for a role-play with a transcript, shown to the grader beside it (never the grade)."""
    result, n_replies = _analysis(submission)
    if result is None:
        return None
    names = label_names()
    return {
        "replies": n_replies,
        "questions": result.questions,
        "reflections": result.reflections,
        "complex_reflections": result.complex_reflections,
        "counts": [(names[label], result.counts[label]) for label in LABELS if result.counts[label]],
        "red_flags": len(result.red_flags),
        "accuracy": reported_accuracy(),
    }


def listening_rows(items: list[tuple[int, int, int, int]]) -> list[dict]:
    """Per listening level: submissions, mean reflections, mean questions and reflections per question.

    ``items`` are (listening level, replies, questions, reflections), one per graded written submission."""
    rows = []
    for level in sorted({item[0] for item in items}):
        group = [item for item in items if item[0] == level]
        questions = sum(g[2] for g in group)
        reflections = sum(g[3] for g in group)
        rows.append({
            "level": level,
            "submissions": len(group),
            "reflections": round(reflections / len(group), 1),
            "questions": round(questions / len(group), 1),
            "reflections_per_question": round(reflections / questions, 2) if questions else None,
        })
    return rows


def listening_vs_analyzer(user: User, course_id: int | None = None) -> list[dict]:
    """The analyzer's counts on graded role-plays with a transcript in the user's scope, grouped by the listening
    score of the grade that counts (a live role-play has no transcript)."""
    query = in_course(in_scope(sa.select(Submission), user).where(
        Submission.kind != SubmissionKind.LIVE, Submission.state != SubmissionState.DRAFT,
        Submission.id.in_(sa.select(Grade.submission_id))), course_id)
    items = []
    for submission in db.session.scalars(query.options(*submission_options()).order_by(Submission.id)).unique():
        grade = effective_grade(submission)
        level = (grade.levels or {}).get(LISTENING) if grade else None
        if level is None:
            continue
        result, n_replies = _analysis(submission)
        if result is not None:
            items.append((int(level), n_replies, result.questions, result.reflections))
    return listening_rows(items)
