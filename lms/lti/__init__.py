"""LTI 1.3 Advantage tool: platforms (Moodle, Canvas, ...) launch our courses inside their pages, place them
with deep linking, receive scores (AGS) and share their rosters (NRPS). Built on pylti1p3."""
