"""The cross-feature signals: a course's modules are all done, or another certificate requirement is met.

`learning` sends `course_completed`; the exam, live sessions and the code of ethics send
`requirement_met`, since a certificate may have waited only for them. `certificates` subscribes to both
(issuance decides, from `lms.requirements`). Receivers add to the session and never commit: the caller
that changed the trainee's standing owns the transaction.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Enrolment that was completed
course_completed = _signals.signal("course-completed")

# sender: the User one of whose requirements may now be met; keyword `course_id`, optional `actor`
requirement_met = _signals.signal("requirement-met")
