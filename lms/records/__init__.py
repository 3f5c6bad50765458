"""A trainee's record: the transcript (page and PDF) and their data (export and erasure).

The blueprint lives in `views.py` (routes under /records).
"""
