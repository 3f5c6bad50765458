"""The rules of live attendance, on plain values (no Flask, no database)."""

from lms.models.live import AttendanceStatus

# Statuses whose minutes the supervisor enters: the trainee was there for part of the session.
PARTIAL = frozenset({AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY})
# Statuses that earn nothing, whatever is typed in the minutes box.
NOT_THERE = frozenset({AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED})


class MinutesProblem(ValueError):
    """The minutes entered do not fit the status (the service turns this into a message for the field)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind  # "missing" | "range"


def attended_minutes(status: str, duration: int, entered: int | None) -> int:
    """The minutes a status earns: present is the whole session, late or left early what was entered
    (at least 1, less than the whole session), absent and excused nothing."""
    status = AttendanceStatus(status)
    if status == AttendanceStatus.PRESENT:
        return duration
    if status in NOT_THERE:
        return 0
    if entered is None:
        raise MinutesProblem("missing")
    if not 1 <= entered < duration:
        raise MinutesProblem("range")
    return entered


def credited_minutes(attended: int, made_up: int, required: int) -> int:
    """What counts toward the course's live hours: attended plus approved make-up, never above the
    declared live minutes (extra sessions do not print extra hours)."""
    return max(0, min(attended + made_up, required))
