"""Supervised practice hours: trainees log them, a supervisor of their cohort approves or returns them.

The blueprint lives in `views.py` (routes under /hours).
"""
