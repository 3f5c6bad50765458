"""Role-play assessments: scenarios, written and recorded attempts, formative feedback, rubric grading,
second marking, calibration and rater agreement.

The blueprint lives in `views.py` (routes under /roleplays for trainees and /grading for supervisors), so
the pure modules (`rubric`, `analyzer`, `agreement`) import without Flask views.
"""
