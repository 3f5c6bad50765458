"""Role-play pages: the blueprint, with its routes declared by job in the modules imported here
(attempts for trainees, grading, calibration, agreement). `lms.create_app` registers `bp`."""

from lms.roleplay import agreement_views, attempt_views, calibration_views, grading_views  # noqa: F401 (routes)
from lms.roleplay.blueprint import bp

__all__ = ["bp"]
