"""The summative certification exam (issue 15): sittings, attempts, accommodations, results."""

from lms import requirements as _requirements
from lms.exams.requirements import exam_requirement

if exam_requirement not in _requirements.PROVIDERS:
    _requirements.PROVIDERS.append(exam_requirement)
