"""xAPI end to end: learning events become statements that a real LRS (Ralph, tests/lrs_server.py) stores,
read back from it; an LRS down leaves them pending with its error until a later send; organizations without
xAPI send nothing; the settings and statements pages refuse the wrong role and the wrong organization."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import jobs
from lms.certificates import issuance, lifecycle
from lms.learning import completion, quizzes
from lms.models import Role, StatementState, XapiSettings, XapiStatement, utcnow
from lms.roleplay import grading
from lms.secret_box import decrypt
from lms.xapi import outbox, sending, services
from lms.xapi import statements as xs
from tests import factories
from tests.exam_helpers import correct_places

pytest_plugins = ["tests.exam_fixtures", "tests.lrs_server"]
pytestmark = pytest.mark.usefixtures("quick_pdfs")


def switch_on(db, lrs, organization, actor, *, by_email=False, secret=None):
    settings = services.save_settings(organization, enabled=True, endpoint=lrs.endpoint, key=lrs.key,
                                      secret=secret or lrs.secret, identify_by_email=by_email, actor=actor)
    db.session.commit()
    return settings


def rows(db, **where) -> list[XapiStatement]:
    query = sa.select(XapiStatement).order_by(XapiStatement.id)
    for name, value in where.items():
        query = query.where(getattr(XapiStatement, name) == value)
    return list(db.session.scalars(query))


def a_quiz(enrolment):
    return next(module.quiz for module in enrolment.course_version.modules if module.quiz is not None)


def test_a_lesson_completion_and_a_passed_check_reach_the_lrs(db, lrs, people, enrolment):
    settings = switch_on(db, lrs, people["org"], people["org_admin"])
    lesson = enrolment.course_version.modules[0].lessons[0]
    assert completion.mark_lesson_read(enrolment, lesson)
    attempt = quizzes.start_attempt(enrolment, a_quiz(enrolment))
    quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
    db.session.commit()

    assert {row.state for row in rows(db)} == {StatementState.SENT}
    actor = {"objectType": "Agent", "account": {"homePage": "http://localhost",
                                                "name": outbox.opaque_name(settings, people["trainee"].id)}}
    stored = {s["verb"]["id"].rsplit("/", 1)[-1]: s for s in lrs.about(actor)}
    assert set(stored) == {"completed", "attempted", "passed"}
    completed = stored["completed"]
    assert completed["object"]["id"].endswith(f"/lessons/{lesson.slug}")
    assert completed["context"]["contextActivities"]["grouping"][0]["id"] == "http://localhost/courses/ready-course"
    passed = stored["passed"]
    assert passed["result"]["score"] == {"scaled": 1.0, "raw": 100, "min": 0, "max": 100}
    assert passed["result"]["success"] is True
    assert passed["context"]["registration"] == completed["context"]["registration"]
    # The actor is an opaque account: nothing in the statements names the person or their address.
    text = repr(lrs.about(actor))
    assert people["trainee"].email not in text and people["trainee"].name not in text


def test_statements_leave_only_once_the_event_commits_and_never_for_a_rolled_back_one(db, lrs, people, enrolment):
    """Inline mode (no Redis): the send runs after the commit, in a transaction of its own (the other tests
    read the statements back after each commit)."""
    switch_on(db, lrs, people["org"], people["org_admin"])
    lesson = enrolment.course_version.modules[0].lessons[0]
    assert completion.mark_lesson_read(enrolment, lesson)
    [row] = rows(db)
    statement_id = row.statement_id
    assert row.attempts == 0  # nothing was sent from inside the event's transaction
    db.session.rollback()
    db.session.commit()  # a later commit (of something else) does not send the rolled-back event either
    assert rows(db) == [] and lrs.statement(statement_id) is None


def test_a_failed_check_is_failed_with_its_score(db, lrs, people, enrolment):
    settings = switch_on(db, lrs, people["org"], people["org_admin"])
    attempt = quizzes.start_attempt(enrolment, a_quiz(enrolment))
    quizzes.submit_attempt(attempt, factories.quiz_answers(attempt, correct=False))
    db.session.commit()
    [outcome] = rows(db, verb="failed")
    stored = lrs.statement(outcome.statement_id)
    assert stored["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert stored["result"]["success"] is False and stored["result"]["score"]["raw"] == attempt.score
    assert stored["actor"]["account"]["name"] == outbox.opaque_name(settings, people["trainee"].id)


def test_people_are_identified_by_email_only_when_the_organization_opts_in(db, lrs, people, enrolment):
    people["trainee"].email = "ana.trainee@example.com"
    switch_on(db, lrs, people["org"], people["org_admin"], by_email=True)
    lesson = enrolment.course_version.modules[0].lessons[0]
    completion.mark_lesson_read(enrolment, lesson)
    db.session.commit()
    [row] = rows(db)
    stored = lrs.statement(row.statement_id)
    assert stored["actor"]["mbox"] == "mailto:ana.trainee@example.com"
    assert "account" not in stored["actor"]


def test_an_lrs_down_keeps_the_statements_until_a_later_send_without_duplicates(db, lrs, people, enrolment):
    switch_on(db, lrs, people["org"], people["org_admin"])
    lesson = enrolment.course_version.modules[0].lessons[0]
    with lrs.down():
        assert completion.mark_lesson_read(enrolment, lesson)  # the trainee's page is not refused
        db.session.commit()
        [row] = rows(db)
        assert row.state == StatementState.PENDING and row.attempts == 1
        assert "Could not reach the LRS" in row.last_error
        assert row.next_attempt_at > utcnow()
        assert sending.send_pending(people["org"].id) == 0  # not due yet: nothing is tried
    assert lrs.statement(row.statement_id) is None

    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert jobs.run_recoveries([sending.RECOVERY]) == {sending.RECOVERY: 1}  # the recovery sends it
    db.session.refresh(row)
    assert row.state == StatementState.SENT and row.last_error is None and row.attempts == 2
    # Sent again (an answer lost on the way back): the LRS keeps one copy, and takes it without complaint.
    row.state, row.next_attempt_at = StatementState.PENDING, utcnow()
    db.session.commit()
    assert sending.send_pending(people["org"].id) == 1
    assert [s["id"] for s in lrs.statements()].count(row.statement_id) == 1


def test_retries_back_off_and_then_give_up(db, app, lrs, people, enrolment):
    app.config["XAPI_MAX_ATTEMPTS"] = 3
    switch_on(db, lrs, people["org"], people["org_admin"], secret="not-the-secret")
    completion.mark_lesson_read(enrolment, enrolment.course_version.modules[0].lessons[0])
    db.session.commit()
    [row] = rows(db)
    waits = []
    for _ in range(2):
        waits.append(row.next_attempt_at - row.last_attempt_at)
        sending.send_pending(people["org"].id, now=row.next_attempt_at)
    assert waits == [timedelta(seconds=60), timedelta(seconds=120)]
    assert row.state == StatementState.FAILED and row.attempts == 3
    assert row.last_error.startswith("HTTP 401")


def test_statements_go_in_batches_oldest_first(db, app, lrs, people, monkeypatch):
    app.config["XAPI_BATCH_SIZE"] = 2
    settings = switch_on(db, lrs, people["org"], people["org_admin"])
    envelope = outbox.envelope(settings, people["trainee"], None, utcnow())
    for number in range(5):
        activity = xs.Activity(f"http://localhost/batch-test/{number}", "lesson", f"Lesson {number}")
        outbox.queue(settings, people["trainee"], f"batch:{number}", "completed",
                     lambda sid, activity=activity: xs.lesson_completed(sid, envelope, activity))
    db.session.commit()
    batches = []
    post = sending.post_statements

    def counted(endpoint, key, secret, statements, **kwargs):
        batches.append([s["object"]["id"].rsplit("/", 1)[-1] for s in statements])
        return post(endpoint, key, secret, statements, **kwargs)

    monkeypatch.setattr(sending, "post_statements", counted)
    assert sending.send_pending(people["org"].id) == 5
    assert batches == [["0", "1"], ["2", "3"], ["4"]]
    assert all(lrs.statement(row.statement_id) for row in rows(db))


def test_one_statement_the_lrs_refuses_does_not_hold_back_the_others(db, lrs, people):
    settings = switch_on(db, lrs, people["org"], people["org_admin"])
    envelope = outbox.envelope(settings, people["trainee"], None, utcnow())
    for number in range(3):
        activity = xs.Activity(f"http://localhost/refusal-test/{number}", "lesson", f"Lesson {number}")
        outbox.queue(settings, people["trainee"], f"refusal:{number}", "completed",
                     lambda sid, activity=activity: xs.lesson_completed(sid, envelope, activity))
    good, bad, other = rows(db)
    bad.payload = {key: value for key, value in bad.payload.items() if key != "actor"}  # no actor: invalid
    db.session.commit()
    assert sending.send_pending(people["org"].id) == 2
    assert (good.state, bad.state, other.state) == ("sent", "pending", "sent")
    assert bad.last_error.startswith("HTTP 4") and bad.attempts == 1
    assert lrs.statement(bad.statement_id) is None and lrs.statement(other.statement_id) is not None


def test_an_organization_without_xapi_sends_nothing(db, lrs, people, enrolment):
    other = factories.make_org("Quiet Valley")
    switch_on(db, lrs, other, people["admin"])  # another organization's LRS is on; the trainee's is not
    before = len(lrs.statements())
    completion.mark_lesson_read(enrolment, enrolment.course_version.modules[0].lessons[0])
    attempt = quizzes.start_attempt(enrolment, a_quiz(enrolment))
    quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
    db.session.commit()
    assert rows(db) == []
    assert len(lrs.statements()) == before


def test_switched_off_means_nothing_is_queued(db, lrs, people, enrolment):
    switch_on(db, lrs, people["org"], people["org_admin"])
    services.save_settings(people["org"], enabled=False, endpoint=lrs.endpoint, key=lrs.key, secret=None,
                           identify_by_email=False, actor=people["org_admin"])
    completion.mark_lesson_read(enrolment, enrolment.course_version.modules[0].lessons[0])
    db.session.commit()
    assert rows(db) == []


def test_every_other_event_is_a_statement_the_lrs_accepts(db, lrs, people, enrolment, sitting):
    """Exams (and their voiding), role-plays submitted and graded, attendance, certificates issued and
    revoked: Ralph validates each statement, so "sent" means well-formed."""
    from lms.exams import attempts, staff
    from lms.live import services as live
    from lms.roleplay import attempts as roleplay_attempts

    switch_on(db, lrs, people["org"], people["org_admin"])
    exam = attempts.start_attempt(enrolment)
    attempts.save_answers(exam, correct_places(exam))
    attempts.submit_attempt(exam)
    staff.void_attempt(exam, "The fire alarm went off.", by=people["supervisor"])

    scenario = factories.make_scenario()
    submission = factories.make_submission(people["trainee"], scenario, state="draft",
                                           replies=["I hear how much that matters."] * len(scenario.turns))
    roleplay_attempts.submit_attempt(submission, people["trainee"], share=0)
    scores = grading.Scores(levels={c: 3 for c in scenario.criteria}, comments={}, feedback="Warm and clear.")
    grading.grade_submission(submission, people["supervisor"], scores)

    version = factories.make_live_course()
    cohort = factories.make_cohort(people["org"], supervisors=[people["supervisor"]], trainees=[people["trainee"]])
    factories.make_enrolment(people["trainee"], version)
    session = factories.make_live_session(cohort, version, starts_at=utcnow() - timedelta(hours=2))
    live.record_attendance(session, actor=people["supervisor"], entries={people["trainee"].id: ("present", None)})

    certificate = issuance.issue_certificate(people["trainee"], factories.make_certifying_course())
    lifecycle.revoke_certificate(certificate, "Issued in error.", actor=people["admin"])
    db.session.commit()

    sent = rows(db)
    assert [row.verb for row in sent] == ["attempted", "passed", "voided", "voided", "submitted", "scored",
                                          "attended", "earned", "lost"]
    assert {row.state for row in sent} == {StatementState.SENT}, [row.last_error for row in sent]
    stored = {row.verb + str(i): lrs.statement(row.statement_id) for i, row in enumerate(sent)}
    assert stored["voided2"]["object"] == {"objectType": "StatementRef", "id": sent[0].statement_id}
    scored = stored["scored5"]["result"]
    assert scored["score"] == {"raw": 12, "min": 4, "max": 16, "scaled": 0.6667} and scored["success"] is True
    assert stored["attended6"]["result"]["duration"] == f"PT{session.duration_minutes}M"
    assert stored["earned7"]["object"]["id"] == f"http://localhost/verify/{certificate.number}"


def test_erasing_a_person_deletes_our_copies_of_their_statements(db, app, lrs, people, enrolment):
    from lms.records.erasure import erase_user

    people["trainee"].email = "erased.person@example.com"
    switch_on(db, lrs, people["org"], people["org_admin"], by_email=True)
    completion.mark_lesson_read(enrolment, enrolment.course_version.modules[0].lessons[0])
    db.session.commit()
    assert len(rows(db)) == 1
    erase_user(people["trainee"], actor=people["admin"], data_dir=app.config["DATA_DIR"], keep_certificate_name=False)
    db.session.commit()
    assert rows(db) == []


# -- the pages --------------------------------------------------------------------------------------------


def test_an_org_admin_saves_the_settings_and_the_secret_is_never_shown_again(db, client, auth, people, lrs):
    auth.login(people["org_admin"])
    response = client.post("/org/xapi", data={"endpoint": lrs.endpoint, "key": lrs.key, "secret": lrs.secret,
                                              "enabled": "y"})
    assert response.status_code == 302
    settings = db.session.scalar(sa.select(XapiSettings))
    assert settings.enabled and not settings.identify_by_email
    assert lrs.secret not in settings.secret_sealed and decrypt(settings.secret_sealed) == lrs.secret
    page = client.get("/org/xapi").get_data(as_text=True)
    assert lrs.secret not in page and settings.secret_sealed not in page
    assert "A secret is saved" in page
    # Saving again without a secret keeps the stored one.
    client.post("/org/xapi", data={"endpoint": lrs.endpoint, "key": lrs.key, "enabled": "y"})
    db.session.refresh(settings)
    assert decrypt(settings.secret_sealed) == lrs.secret
    from lms.models import AuditEvent
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("xapi.settings_saved") == 2


@pytest.mark.parametrize(("data", "message"), [
    ({"endpoint": "ftp://lrs.example.org/xAPI/", "key": "k", "secret": "s", "enabled": "y"}, "starting with https"),
    ({"endpoint": "https://user:pw@lrs.example.org/", "key": "k", "secret": "s"}, "without a user name"),
    ({"endpoint": "https://lrs.example.org/xAPI/", "secret": "s", "enabled": "y"}, "Enter the key"),
    ({"endpoint": "https://lrs.example.org/xAPI/", "key": "k", "enabled": "y"}, "Enter the secret"),
    ({"key": "k", "secret": "s", "enabled": "y"}, "address to switch sending on"),
    ({"endpoint": "https://lrs.example.org/" + "x" * 600, "key": "k"}, "longer than 500"),
])
def test_bad_settings_are_refused_next_to_the_field(db, client, auth, people, data, message):
    auth.login(people["org_admin"])
    response = client.post("/org/xapi", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(XapiSettings)) == 0


def test_the_test_button_sends_a_statement_and_reports_a_refusal(db, client, auth, people, lrs):
    switch_on(db, lrs, people["org"], people["org_admin"])
    auth.login(people["org_admin"])
    page = client.post("/org/xapi/test", follow_redirects=True).get_data(as_text=True)
    assert "accepted the test statement" in page
    statement_id = page.split("accepted the test statement ")[1][:36]
    assert lrs.statement(statement_id)["verb"]["id"] == "http://adlnet.gov/expapi/verbs/experienced"

    switch_on(db, lrs, people["org"], people["org_admin"], secret="wrong")
    page = client.post("/org/xapi/test", follow_redirects=True).get_data(as_text=True)
    assert "did not accept the test statement" in page and "401" in page


@pytest.mark.parametrize("role", ["trainee", "supervisor"])
def test_other_roles_cannot_open_the_xapi_pages(client, auth, people, role):
    auth.login(people[role])
    for url in ("/org/xapi", "/org/xapi/statements"):
        assert client.get(url).status_code == 403
    assert client.post("/org/xapi", data={"key": "k"}).status_code == 403
    assert client.post("/org/xapi/test").status_code == 403


def test_an_org_admin_cannot_reach_another_organizations_settings_or_statements(db, client, auth, people, lrs):
    other_admin = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    switch_on(db, lrs, people["org"], people["org_admin"], secret="wrong")
    row = XapiStatement(organization_id=people["org"].id, statement_id="7d3e1c52-0a55-4b5e-8f43-55f0c2d1e001",
                        event_key="test:1", verb="completed", payload={}, state=StatementState.FAILED,
                        last_error="HTTP 401")
    db.session.add(row)
    db.session.commit()
    auth.login(other_admin)
    org = people["org"].id
    assert client.get(f"/org/xapi?org={org}").status_code == 403
    assert client.get(f"/org/xapi/statements?org={org}").status_code == 403
    assert client.post(f"/org/xapi?org={org}", data={"key": "stolen"}).status_code == 403
    assert client.post(f"/org/xapi/test?org={org}").status_code == 403
    assert client.post(f"/org/xapi/statements/{row.id}/retry").status_code == 404
    page = client.get("/org/xapi/statements").get_data(as_text=True)
    assert "HTTP 401" not in page
    db.session.refresh(row)
    assert row.state == StatementState.FAILED
    assert db.session.scalar(sa.select(XapiSettings.key)) == lrs.key


def test_an_administrator_chooses_the_organization(db, client, auth, people, lrs):
    auth.login(people["admin"])
    chooser = client.get("/org/xapi").get_data(as_text=True)
    assert f"/org/xapi?org={people['org'].id}" in chooser
    assert client.get(f"/org/xapi?org={people['org'].id}").status_code == 200
    assert client.get("/org/xapi?org=999999").status_code == 404


def test_the_statements_page_lists_what_was_sent_and_what_failed_and_retries(db, app, client, auth, people, lrs,
                                                                            enrolment):
    app.config["XAPI_MAX_ATTEMPTS"] = 1
    switch_on(db, lrs, people["org"], people["org_admin"])
    lesson = enrolment.course_version.modules[0].lessons[0]
    completion.mark_lesson_read(enrolment, lesson)
    db.session.commit()
    switch_on(db, lrs, people["org"], people["org_admin"], secret="wrong")
    attempt = quizzes.start_attempt(enrolment, a_quiz(enrolment))
    quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
    db.session.commit()
    sent, attempted, passed = rows(db)
    assert (sent.state, attempted.state, passed.state) == ("sent", "failed", "failed")

    auth.login(people["org_admin"])
    page = client.get("/org/xapi/statements").get_data(as_text=True)
    assert "Sent: 1" in page and "Failed: 2" in page
    assert "HTTP 401 Unauthorized" in page and "Invalid authentication credentials" in page
    only_failed = client.get("/org/xapi/statements?state=failed").get_data(as_text=True)
    assert only_failed.count("HTTP 401") == 2 and '<th scope="row">completed</th>' not in only_failed
    assert '<th scope="row">completed</th>' in page

    switch_on(db, lrs, people["org"], people["org_admin"])  # the administrator fixes the secret
    assert client.post(f"/org/xapi/statements/{attempted.id}/retry").status_code == 302
    db.session.refresh(attempted)
    db.session.refresh(passed)
    assert (attempted.state, passed.state) == ("sent", "failed")
    assert lrs.statement(attempted.statement_id)["verb"]["id"].endswith("/attempted")
    assert client.post("/org/xapi/statements/retry").status_code == 302
    db.session.refresh(passed)
    assert passed.state == "sent" and lrs.statement(passed.statement_id)["result"]["success"] is True
    page = client.get("/org/xapi/statements").get_data(as_text=True)
    assert "Sent: 3" in page and "Failed: 0" in page
