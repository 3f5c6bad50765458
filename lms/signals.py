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

# Learning events, for the integrations that report them elsewhere (LTI grade passback, xAPI). Each is sent by
# the service that made the change, after its flush and inside its transaction.

# sender: the Enrolment; keywords `lesson` (the Lesson), `actor` (the User)
lesson_completed = _signals.signal("lesson-completed")

# sender: the QuizAttempt, submitted and scored (`score` is a percent, `passed`)
quiz_submitted = _signals.signal("quiz-submitted")

# sender: the ExamAttempt, submitted or auto-submitted at its deadline, scored
exam_submitted = _signals.signal("exam-submitted")

# sender: the ExamAttempt just voided (its score no longer counts)
exam_voided = _signals.signal("exam-voided")

# sender: the Submission (a written or recorded role-play) just submitted
roleplay_submitted = _signals.signal("roleplay-submitted")

# sender: the Grade that counts (a first grade or a correction; sent again on every correction)
roleplay_graded = _signals.signal("roleplay-graded")

# sender: the LiveSession; keyword `attendances` (the Attendance rows written)
attendance_recorded = _signals.signal("attendance-recorded")

# sender: the Certificate just issued
certificate_issued = _signals.signal("certificate-issued")

# sender: the Certificate just revoked
certificate_revoked = _signals.signal("certificate-revoked")
