"""xAPI 1.0.3 statements, built from plain values (pure: no Flask, no database).

Each builder takes a statement id (made once by the caller and kept, so that a retry sends the same
statement and the LRS keeps one copy), an `Envelope` (who, in which course and enrolment, when) and the
activity, and returns the statement as a dict ready for JSON.

Verbs are ADL's where ADL has one (http://adlnet.gov/expapi/verbs/...): completed, attempted, passed,
failed, scored, attended, voided. ADL has none for handing in work or for certificates, so:
- a role-play handed in is ActivityStreams' "submit" (http://activitystrea.ms/schema/1.0/submit), as the
  xAPI registry lists it;
- a certificate issued is "earned" from the xAPI (Tin Can) registry (http://id.tincanapi.com/verb/earned,
  "the actor earned a reward, such as a badge or certificate");
- a certificate revoked is ActivityStreams' "lose" (http://activitystrea.ms/schema/1.0/lose), the learner
  no longer holding it; the earned statement stays true of the past, so it is not voided.
An exam attempt voided by staff voids (ADL "voided", a StatementRef) the statements sent about it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

XAPI_VERSION = "1.0.3"
LANGUAGE = "en-US"
PLATFORM = "PeerCert"

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "completed": ADL + "completed",
    "attempted": ADL + "attempted",
    "passed": ADL + "passed",
    "failed": ADL + "failed",
    "scored": ADL + "scored",
    "attended": ADL + "attended",
    "voided": ADL + "voided",
    "experienced": ADL + "experienced",  # the connection test
    "submitted": "http://activitystrea.ms/schema/1.0/submit",
    "earned": "http://id.tincanapi.com/verb/earned",
    "lost": "http://activitystrea.ms/schema/1.0/lose",
}

ACTIVITY = "http://adlnet.gov/expapi/activities/"
TYPES = {
    "course": ACTIVITY + "course",
    "module": ACTIVITY + "module",
    "lesson": ACTIVITY + "lesson",
    "assessment": ACTIVITY + "assessment",  # knowledge checks and exams
    "performance": ACTIVITY + "performance",  # role-plays
    "meeting": ACTIVITY + "meeting",  # live sessions
    "badge": "http://id.tincanapi.com/activitytype/badge",  # certificates (Open Badges credentials)
}

# Our own namespace for registration UUIDs (uuid5 of an enrolment's URL): stable, no column needed.
REGISTRATION_NAMESPACE = uuid.UUID("5b0f4c1e-8f57-4d1e-9a51-3f2c6f0e7a17")


@dataclass(frozen=True)
class Activity:
    id: str  # our URL for it
    type: str  # a key of TYPES
    name: str

    def as_object(self) -> dict:
        return {"objectType": "Activity", "id": self.id,
                "definition": {"type": TYPES[self.type], "name": {LANGUAGE: self.name}}}


@dataclass(frozen=True)
class Score:
    raw: float
    min: float
    max: float

    def as_result(self) -> dict:
        span = self.max - self.min
        scaled = (self.raw - self.min) / span if span > 0 else 0.0
        return {"scaled": round(max(-1.0, min(1.0, scaled)), 4), "raw": _number(self.raw),
                "min": _number(self.min), "max": _number(self.max)}


@dataclass(frozen=True)
class Envelope:
    """Who did it, where, in which enrolment, and when."""

    actor: dict
    course: Activity | None
    timestamp: datetime
    registration: str | None = None
    parent: Activity | None = None  # the module, when there is one between the activity and the course


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def account_actor(home_page: str, name: str) -> dict:
    """The default: an account on our site, named by an opaque id (no personal data)."""
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}


def email_actor(email: str, name: str | None = None) -> dict:
    """Only when the organization opted in to identifying people by e-mail."""
    actor = {"objectType": "Agent", "mbox": f"mailto:{email}"}
    if name:
        actor["name"] = name
    return actor


def registration_for(enrolment_url: str) -> str:
    """The registration UUID of one enrolment: the same for every statement about it."""
    return str(uuid.uuid5(REGISTRATION_NAMESPACE, enrolment_url))


def timestamp_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration_minutes(minutes: int) -> str:
    return f"PT{int(minutes)}M"


def _verb(name: str) -> dict:
    return {"id": VERBS[name], "display": {LANGUAGE: name}}


def _context(envelope: Envelope) -> dict:
    context: dict = {"platform": PLATFORM, "language": LANGUAGE}
    if envelope.registration:
        context["registration"] = envelope.registration
    activities: dict = {}
    if envelope.parent is not None:
        activities["parent"] = [envelope.parent.as_object()]
        if envelope.course is not None:
            activities["grouping"] = [envelope.course.as_object()]
    elif envelope.course is not None:
        activities["parent"] = [envelope.course.as_object()]
    if activities:
        context["contextActivities"] = activities
    return context


def statement(statement_id: str, envelope: Envelope, verb: str, activity: Activity, *,
              result: dict | None = None) -> dict:
    """One statement: actor, verb, object, context (course as parent or grouping), timestamp. The version
    travels in the X-Experience-API-Version header; the LRS stamps it on the statement."""
    built = {
        "id": statement_id,
        "actor": envelope.actor,
        "verb": _verb(verb),
        "object": activity.as_object(),
        "context": _context(envelope),
        "timestamp": timestamp_text(envelope.timestamp),
    }
    if result:
        built["result"] = result
    return built


def lesson_completed(statement_id: str, envelope: Envelope, lesson: Activity) -> dict:
    return statement(statement_id, envelope, "completed", lesson, result={"completion": True})


def assessment_attempted(statement_id: str, envelope: Envelope, assessment: Activity, score: Score) -> dict:
    """A knowledge check or an exam handed in and scored."""
    return statement(statement_id, envelope, "attempted", assessment,
                     result={"score": score.as_result(), "completion": True})


def assessment_outcome(statement_id: str, envelope: Envelope, assessment: Activity, score: Score,
                       passed: bool) -> dict:
    """"passed" or "failed", with the score and `success`."""
    return statement(statement_id, envelope, "passed" if passed else "failed", assessment,
                     result={"score": score.as_result(), "success": bool(passed), "completion": True})


def roleplay_submitted(statement_id: str, envelope: Envelope, scenario: Activity, *, attempt: int) -> dict:
    return statement(statement_id, envelope, "submitted", scenario,
                     result={"completion": True,
                             "extensions": {"https://peercert.org/xapi/extensions/attempt": attempt}})


def roleplay_graded(statement_id: str, envelope: Envelope, scenario: Activity, score: Score, passed: bool,
                    *, correction: bool = False) -> dict:
    """"scored" with the rubric's total; sent again, as a new statement, when a grade is corrected."""
    result = {"score": score.as_result(), "success": bool(passed), "completion": True}
    if correction:
        result["extensions"] = {"https://peercert.org/xapi/extensions/correction": True}
    return statement(statement_id, envelope, "scored", scenario, result=result)


def session_attended(statement_id: str, envelope: Envelope, session: Activity, *, minutes: int) -> dict:
    result = {"completion": True}
    if minutes:
        result["duration"] = duration_minutes(minutes)
    return statement(statement_id, envelope, "attended", session, result=result)


def certificate_issued(statement_id: str, envelope: Envelope, certificate: Activity) -> dict:
    return statement(statement_id, envelope, "earned", certificate)


def certificate_revoked(statement_id: str, envelope: Envelope, certificate: Activity, *,
                        reason: str | None = None) -> dict:
    result = {"response": reason} if reason else None
    return statement(statement_id, envelope, "lost", certificate, result=result)


def voiding(statement_id: str, actor: dict, voided_id: str, timestamp: datetime) -> dict:
    """ADL's voiding statement: the statement `voided_id` no longer counts (an exam attempt voided)."""
    return {
        "id": statement_id,
        "actor": actor,
        "verb": _verb("voided"),
        "object": {"objectType": "StatementRef", "id": voided_id},
        "timestamp": timestamp_text(timestamp),
    }


def connection_test(statement_id: str, envelope: Envelope, activity: Activity) -> dict:
    """The "Send a test statement" button's statement: ADL "experienced" our settings page."""
    return statement(statement_id, envelope, "experienced", activity)
