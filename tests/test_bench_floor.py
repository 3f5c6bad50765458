"""The benchmark's floor: a page's own template, rendered from the context its view built once."""

import sqlalchemy as sa

from bench.floor_app import install_floor
from lms.learning import enrolment as enrolments
from tests import factories


def test_the_floor_renders_the_same_lesson_without_a_statement(app, db, people, courses):
    core = courses["peer-specialist-core"]
    trainee = people["trainee"]
    enrolments.enrol(trainee, core)
    db.session.commit()
    module = core.modules[0]
    path = f"/courses/{core.course.slug}/modules/{module.slug}/lessons/{module.lessons[0].slug}"
    app.config["WTF_CSRF_ENABLED"] = False
    install_floor(app, {"lesson": path}, {"lesson": [trainee.email, factories.PASSWORD]})
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    client = app.test_client()
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/floor/lesson")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="lesson-title">{module.lessons[0].title}<' in page
    assert "Mark as read and continue" in page  # rendered for the signed-in trainee
    assert statements == []
    assert client.get("/floor/unknown").status_code == 404
