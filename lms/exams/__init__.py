"""The summative certification exam (issue 15): sittings, attempts, accommodations, results."""

from lms.exams.requirements import exam_requirement
from lms.requirements import register

register(exam_requirement)
