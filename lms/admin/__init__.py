"""Administrators' screens: people and roles, organizations, course versions, the audit and
verification logs, and erasure on request. They call the other features' services.

The blueprint lives in `views.py` (routes under /admin).
"""
