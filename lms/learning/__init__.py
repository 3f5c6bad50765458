"""Course delivery: catalog, enrolment, lessons, knowledge checks and progress."""
