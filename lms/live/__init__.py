"""Live sessions per cohort: scheduling, attendance, make-ups, a trainee's calendar and live hours."""
