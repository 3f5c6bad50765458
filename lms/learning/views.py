"""The learning pages (/courses): the blueprint with every page registered on it.

Each job has its own module; importing them here registers their routes on `bp`.
"""

from lms.learning import course_views, exercise_views, lesson_views, quiz_views
from lms.learning.blueprint import bp

__all__ = ["bp", "course_views", "exercise_views", "lesson_views", "quiz_views"]
