"""Continuing education: activities trainees log with evidence, a supervisor's review, and the hours a
completed continuing-education course credits by itself. Certificates renew on the approved hours.

The blueprint lives in `views.py` (routes under /my/continuing-education and /continuing-education).
"""
