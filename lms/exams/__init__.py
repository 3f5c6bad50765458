"""The summative certification exam (issue 15): sittings, attempts, accommodations, results."""

from lms import jobs
from lms.exams.attempts import close_expired_attempts
from lms.exams.requirements import exam_requirement
from lms.requirements import register

register(exam_requirement)
# A page never writes on GET, so an attempt whose time ran out with its tab closed is submitted by the
# worker (and by `flask jobs recover`), or by the trainee's next POST, whichever comes first.
jobs.register_recovery("expired exam attempts", close_expired_attempts)
