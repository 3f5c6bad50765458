"""The one cross-feature signal: a trainee completed every module of a course.

`learning` sends it; `certificates` subscribes (issuance). Receivers add to the session and
never commit: the caller that completed the course owns the transaction.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Enrolment that was completed
course_completed = _signals.signal("course-completed")
