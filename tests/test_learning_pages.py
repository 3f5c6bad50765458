"""Lean learning pages: the course page and a lesson cost a small constant number of statements,
and a page view writes nothing (the trainee's place comes with the page's active-time reports, a POST)."""


import pytest
import sqlalchemy as sa

from lms.learning import completion
from lms.learning import enrolment as enrolments
from lms.models import Enrolment, User

MAX_STATEMENTS = 6


class StatementCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


@pytest.fixture
def core(courses):
    return courses["peer-specialist-core"]


@pytest.fixture
def enrolled(db, people, core):
    enrolment = enrolments.enrol(people["trainee"], core)
    db.session.commit()
    return enrolment


def lesson_path(version, module_index=0, lesson_index=0) -> str:
    module = version.modules[module_index]
    return f"/courses/{version.course.slug}/modules/{module.slug}/lessons/{module.lessons[lesson_index].slug}"


def course_path(version) -> str:
    return f"/courses/{version.course.slug}"


def measure(client, db, path):
    with StatementCounter(db.engine) as counter:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return counter


@pytest.mark.parametrize("page", ["course", "lesson"])
def test_a_trainees_page_runs_at_most_six_statements_and_writes_nothing(client, auth, db, people, core, enrolled,
                                                                          page):
    first = core.modules[0]
    for lesson in first.lessons[:2]:
        completion.mark_lesson_read(enrolled, lesson)
    enrolments.record_activity(enrolled, lesson_path(core))
    db.session.commit()
    auth.login(people["trainee"])
    path = course_path(core) if page == "course" else lesson_path(core, lesson_index=1)
    client.get(path)  # the first request compiles the templates

    counter = measure(client, db, path)

    assert len(counter.statements) <= MAX_STATEMENTS, "\n\n".join(counter.statements)
    assert counter.writes == []


def test_the_lesson_page_still_shows_the_lesson_its_progress_and_neighbours(client, auth, db, people, core,
                                                                            enrolled):
    first = core.modules[0]
    completion.mark_lesson_read(enrolled, first.lessons[0])
    db.session.commit()
    auth.login(people["trainee"])
    page = client.get(lesson_path(core, lesson_index=1)).get_data(as_text=True)
    lesson = first.lessons[1]
    assert f'id="lesson-title">{lesson.title}<' in page
    assert lesson.html[:60] in page
    assert "(read)" in page  # the first lesson is marked in the table of contents
    assert "Previous lesson" in page


def test_the_course_page_counts_steps_and_questions_as_before(client, auth, db, people, core, enrolled):
    completion.mark_lesson_read(enrolled, core.modules[0].lessons[0])
    db.session.commit()
    auth.login(people["trainee"])
    page = client.get(course_path(core)).get_data(as_text=True)
    quiz = core.modules[0].quiz
    assert f"knowledge check of {len(quiz.questions)} questions" in page
    total = sum(len(m.lessons) + len(m.exercises) + (1 if m.quiz else 0) + len(m.scenarios) for m in core.modules)
    assert f"1 of {total} steps done" in page


def test_a_staff_preview_is_lean_too(client, auth, db, people, core):
    auth.login(people["supervisor"])
    path = lesson_path(core)
    client.get(path)
    counter = measure(client, db, path)
    assert len(counter.statements) <= MAX_STATEMENTS, "\n\n".join(counter.statements)
    assert counter.writes == []


def test_a_page_view_writes_nothing_and_its_active_time_report_records_the_place(client, auth, db, people, core,
                                                                                  enrolled):
    auth.login(people["trainee"])
    first = lesson_path(core, lesson_index=0)
    viewed = measure(client, db, first)
    assert viewed.writes == []  # a GET stays a read
    lesson = core.modules[0].lessons[0]
    response = client.post("/active-time", json={"kind": "lesson", "id": lesson.id, "seconds": 5, "place": first})
    assert response.status_code == 200
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolled.id)
    assert enrolment.last_url == first
    assert db.session.get(User, people["trainee"].id).last_activity_at == enrolment.last_activity_at


@pytest.mark.parametrize("place", ["//evil.example/x", "https://evil.example/", "/courses/\u202eabc", "/" + "a" * 400,
                                   7])
def test_a_report_from_somewhere_else_keeps_the_place_it_had(client, auth, db, people, core, enrolled, place):
    enrolments.record_activity(enrolled, course_path(core))
    db.session.commit()
    auth.login(people["trainee"])
    lesson = core.modules[0].lessons[0]
    response = client.post("/active-time", json={"kind": "lesson", "id": lesson.id, "seconds": 5, "place": place})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolled.id).last_url == course_path(core)


def test_marking_a_lesson_read_records_where_the_trainee_goes_next(client, auth, db, people, core, enrolled):
    enrolments.record_activity(enrolled, course_path(core))
    db.session.commit()
    auth.login(people["trainee"])
    response = client.post(lesson_path(core) + "/read")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolled.id).last_url == lesson_path(core, lesson_index=1)


def test_starting_and_submitting_a_knowledge_check_record_the_place(client, auth, db, people, core, enrolled):
    module = next(m for m in core.modules if m.quiz is not None)
    assert module.position == 1  # the first module is open: its knowledge check can be started
    enrolments.record_activity(enrolled, course_path(core))
    db.session.commit()
    auth.login(people["trainee"])
    response = client.post(f"/courses/{core.course.slug}/modules/{module.slug}/quiz")
    assert response.status_code == 302
    attempt_url = response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolled.id).last_url == attempt_url
