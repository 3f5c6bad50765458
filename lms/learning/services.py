"""Learning's services as the other features call them (role-play, organizations, the home page).

Each job lives in its own module: catalog (courses on offer), enrolment, standing (where a trainee
stands), progress (the pure rule), completion (modules passed, course completed), quizzes.
Learning's own code imports those modules directly.
"""

from lms.learning.catalog import find_course, live_version, load_version
from lms.learning.completion import mark_lesson_read, refresh_module_progress
from lms.learning.enrolment import enrol, enrolments_of, find_enrolment
from lms.learning.progress import ModuleStatus
from lms.learning.standing import CourseProgress, ModuleProgress, NextStep, course_progress, trainee_dashboard

__all__ = [
    "CourseProgress", "ModuleProgress", "ModuleStatus", "NextStep", "course_progress", "enrol", "enrolments_of",
    "find_course", "find_enrolment", "live_version", "load_version", "mark_lesson_read", "refresh_module_progress",
    "trainee_dashboard",
]
