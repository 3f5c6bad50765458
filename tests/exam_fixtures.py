"""Fixtures of the exam tests: the v2 test course (its exam draws 2 engagement and 2 crisis items from a pool
of 6, in 20 minutes, 3 attempts 24 h apart), the trainee enrolled, and a sitting open for their cohort.
Test modules load them with `pytest_plugins = ["tests.exam_fixtures"]`."""

import pytest

from tests.exam_helpers import open_sitting
from tests.v2_course import sync_ready_course


@pytest.fixture
def ready_exam(people):
    version, _scenario, _exercise = sync_ready_course(people["trainee"])
    return version


@pytest.fixture
def enrolment(ready_exam, people):
    from lms.learning.services import find_course, find_enrolment

    return find_enrolment(people["trainee"], find_course("ready-course"))


@pytest.fixture
def sitting(people, ready_exam):
    return open_sitting(people, ready_exam)
