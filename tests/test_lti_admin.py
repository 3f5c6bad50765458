"""Registering LTI platforms from the pages alone, who may, and the rules that need no platform server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms import signals
from lms.lti import launches, scores
from lms.lti.failures import refusal_for
from lms.models import AuditEvent, LtiContext, LtiLaunch, LtiPlatform, LtiResourceLink, LtiScore, Role
from tests import factories

GOOD = {
    "name": "County Moodle", "issuer": "https://moodle.county.example", "client_id": "aBc123",
    "deployment_ids": "1\n2, 2", "auth_login_url": "https://moodle.county.example/mod/lti/auth.php",
    "auth_token_url": "https://moodle.county.example/mod/lti/token.php",
    "key_set_url": "https://moodle.county.example/mod/lti/certs.php",
}


def _platform(org, **fields) -> LtiPlatform:
    values = {"name": "Other Canvas", "issuer": "https://canvas.instructure.com", "client_id": f"1000{org.id}",
              "deployment_ids": ["d1"], "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
              "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
              "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks", **fields}
    return LtiPlatform(organization_id=org.id, **values)


def test_an_org_admin_registers_a_platform_from_the_pages_alone(db, client, auth, people):
    auth.login(people["org_admin"])
    page = client.get("/lti/platforms")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for shown in ("/lti/login", "/lti/launch", "/lti/jwks", "Initiate login URL", "OpenID Connect Initiation Url",
                  "Redirection URI(s)", "Public keyset"):
        assert shown in text
    response = client.post("/lti/platforms", data=GOOD)
    assert response.status_code == 302
    platform = db.session.scalar(sa.select(LtiPlatform))
    assert platform.organization_id == people["org"].id and platform.deployment_ids == ["1", "2"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "lti.platform_registered"))
    assert event.actor_id == people["org_admin"].id and event.details["client_id"] == "aBc123"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "County Moodle" in detail and "oidc_initiation_url" in detail
    assert "PRIVATE KEY" not in detail and '"d":' not in detail


def test_registration_errors_appear_next_to_their_fields(db, client, auth, people):
    auth.login(people["org_admin"])
    response = client.post("/lti/platforms", data={**GOOD, "issuer": "", "auth_login_url": "ftp://x",
                                                   "deployment_ids": " \n "})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'id="issuer-error"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)) == 0
    bad_url = client.post("/lti/platforms", data={**GOOD, "auth_login_url": "ftp://x"})
    assert bad_url.status_code == 400 and 'id="auth_login_url-error"' in bad_url.get_data(as_text=True)
    no_deployment = client.post("/lti/platforms", data={**GOOD, "deployment_ids": " \n "})
    assert 'id="deployment_ids-error"' in no_deployment.get_data(as_text=True)


def test_the_same_issuer_and_client_id_cannot_be_registered_twice(db, client, auth, people):
    auth.login(people["org_admin"])
    assert client.post("/lti/platforms", data=GOOD).status_code == 302
    again = client.post("/lti/platforms", data={**GOOD, "name": "Again"})
    assert again.status_code == 400 and 'id="client_id-error"' in again.get_data(as_text=True)


def test_several_platforms_at_once_and_an_admin_chooses_the_organization(db, client, auth, people):
    auth.login(people["admin"])
    other = people["other_org"]
    assert client.post("/lti/platforms", data={**GOOD, "organization": other.id}).status_code == 302
    assert client.post("/lti/platforms", data={**GOOD, "organization": other.id, "client_id": "second",
                                               "name": "Canvas"}).status_code == 302
    assert [p.organization_id for p in db.session.scalars(sa.select(LtiPlatform))] == [other.id, other.id]


@pytest.mark.parametrize("role", ["trainee", "supervisor"])
def test_wrong_roles_cannot_open_the_registration_pages(db, client, auth, people, role):
    platform = _platform(people["org"])
    db.session.add(platform)
    db.session.commit()
    auth.login(people[role])
    assert client.get("/lti/platforms").status_code == 403
    assert client.post("/lti/platforms", data=GOOD).status_code == 403
    assert client.get(f"/lti/platforms/{platform.id}").status_code == 403
    assert client.post(f"/lti/platforms/{platform.id}/active").status_code == 403


def test_another_organizations_admin_cannot_see_or_change_its_platform(db, client, auth, people):
    platform = _platform(people["other_org"])
    db.session.add(platform)
    db.session.commit()
    auth.login(people["org_admin"])
    assert "Other Canvas" not in client.get("/lti/platforms").get_data(as_text=True)
    assert client.get(f"/lti/platforms/{platform.id}").status_code == 404
    assert client.post(f"/lti/platforms/{platform.id}", data=GOOD).status_code == 404
    assert client.post(f"/lti/platforms/{platform.id}/active").status_code == 404
    assert db.session.get(LtiPlatform, platform.id).active is True


def test_an_org_admin_edits_and_turns_off_their_platform(db, client, auth, people):
    platform = _platform(people["org"])
    db.session.add(platform)
    db.session.commit()
    auth.login(people["org_admin"])
    form = client.get(f"/lti/platforms/{platform.id}").get_data(as_text=True)
    assert "d1" in form
    assert client.post(f"/lti/platforms/{platform.id}", data={**GOOD, "client_id": "new"}).status_code == 302
    assert db.session.get(LtiPlatform, platform.id).client_id == "new"
    assert client.post(f"/lti/platforms/{platform.id}/active").status_code == 302
    assert db.session.get(LtiPlatform, platform.id).active is False
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"lti.platform_updated", "lti.platform_disabled"} <= actions


def test_the_deep_linking_picker_needs_a_deep_linking_launch(db, client, auth, people):
    auth.login(people["supervisor"])
    assert client.get("/lti/deep-link").status_code == 404
    auth.switch_to(people["trainee"])
    assert client.get("/lti/deep-link").status_code == 403


def test_a_roster_of_another_organization_cannot_be_read(db, client, auth, people):
    platform = _platform(people["other_org"])
    db.session.add(platform)
    db.session.flush()
    context = LtiContext(platform_id=platform.id, context_id="c", memberships_url="https://x.example/m")
    db.session.add(context)
    db.session.commit()
    auth.login(people["supervisor"])
    assert "x.example" not in client.get("/lti/rosters").get_data(as_text=True)
    response = client.post(f"/lti/rosters/{context.id}", data={"cohort": people["cohort"].id})
    assert response.status_code == 404


def test_a_supervisor_cannot_read_a_roster_into_a_cohort_they_do_not_supervise(db, client, auth, people):
    platform = _platform(people["org"])
    db.session.add(platform)
    db.session.flush()
    context = LtiContext(platform_id=platform.id, context_id="c", memberships_url="https://x.example/m")
    db.session.add(context)
    db.session.commit()
    auth.login(people["other_supervisor"])
    response = client.post(f"/lti/rosters/{context.id}", data={"cohort": people["cohort"].id})
    assert response.status_code in (302, 403)  # the cohort is not theirs to choose
    assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "lti.roster_synced")).all()


# -- rules without a platform -----------------------------------------------------------------------------

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(("roles", "expected"), [
    ([LIS + "membership#Learner"], Role.TRAINEE),
    ([LIS + "membership#Instructor"], Role.SUPERVISOR),
    ([LIS + "membership#Learner", LIS + "membership/Instructor#TeachingAssistant"], Role.SUPERVISOR),
    ([LIS + "institution/person#Instructor", LIS + "membership#Learner"], Role.TRAINEE),
    ([LIS + "system/person#Administrator"], Role.TRAINEE),
    (["Instructor"], Role.SUPERVISOR),  # the short form some platforms send
    ([], Role.TRAINEE),
])
def test_platform_roles_map_to_ours(roles, expected):
    assert launches.map_role(roles) == expected


@pytest.mark.parametrize(("message", "reason", "status"), [
    ("Can't decode id_token: Signature verification failed", "bad_signature", 400),
    ("Can't decode id_token: Signature has expired", "expired", 400),
    ("Unable to find public key", "bad_signature", 400),
    ("State not found", "bad_state", 400),
    ("Invalid Nonce", "bad_nonce", 400),
    ("Registration not found.", "unknown_platform", 403),
    ("Unable to find deployment", "unknown_deployment", 403),
    ("Invalid id_token, JWT must contain 3 parts", "malformed", 400),
    ("Message validation failed", "missing_claims", 400),
])
def test_library_errors_become_clear_refusals(app, message, reason, status):
    refusal = refusal_for(Exception(message))
    assert (refusal.reason, refusal.status_code) == (reason, status)
    assert refusal.message and message not in refusal.message


def test_a_role_play_grade_and_its_correction_queue_one_score_and_an_unreachable_platform_is_recorded(db, people):
    trainee, supervisor = people["trainee"], people["supervisor"]
    submission = factories.make_submission(trainee, factories.make_enrolled_scenario(trainee))
    scenario = submission.scenario
    ref = f"roleplay/{scenario.module.course_version.course.slug}/{scenario.module.slug}/{scenario.slug}"
    platform = _platform(people["org"], auth_token_url="http://127.0.0.1:9/token")
    db.session.add(platform)
    db.session.flush()
    link = LtiResourceLink(platform_id=platform.id, resource_link_id="rl", target=ref,
                           lineitem_url="http://127.0.0.1:9/lineitems/1", ags_scopes=[scores.SCORE_SCOPE])
    db.session.add(link)
    db.session.flush()
    db.session.add(LtiLaunch(resource_link_id=link.id, user_id=trainee.id, sub="s-1"))
    db.session.flush()
    criteria = {criterion: 3 for criterion in scenario.criteria}
    grade = factories.make_grade(submission, supervisor, criteria)
    signals.roleplay_graded.send(grade)  # what grading sends for a grade that counts
    row = db.session.scalar(sa.select(LtiScore))
    assert row.state == "failed" and row.tries == 1 and "Connection refused" in row.last_error
    assert row.score_given == grade.total and row.score_maximum == 4 * len(criteria)
    grade.total = 1  # a correction: the same row, the new score, pending again
    signals.roleplay_graded.send(grade)
    rows = db.session.scalars(sa.select(LtiScore)).all()
    assert len(rows) == 1 and rows[0].score_given == 1 and rows[0].tries == 1


def test_an_exam_result_queues_a_score_for_the_exam_link_only(db, people):
    from types import SimpleNamespace

    trainee = people["trainee"]
    platform = _platform(people["org"], auth_token_url="http://127.0.0.1:9/token")
    db.session.add(platform)
    db.session.flush()
    links = [LtiResourceLink(platform_id=platform.id, resource_link_id=rlid, target=target,
                             lineitem_url="http://127.0.0.1:9/lineitems/1")
             for rlid, target in (("exam", "exam/core"), ("course", "course/core"))]
    db.session.add_all(links)
    db.session.flush()
    db.session.add_all([LtiLaunch(resource_link_id=link.id, user_id=trainee.id, sub="s") for link in links])
    db.session.flush()
    attempt = SimpleNamespace(id=7, score=82, course_version=SimpleNamespace(course=SimpleNamespace(slug="core")),
                              enrolment=SimpleNamespace(user_id=trainee.id, user=trainee))
    signals.exam_submitted.send(attempt)
    rows = db.session.scalars(sa.select(LtiScore)).all()
    assert [(row.launch.resource_link.target, row.source, row.score_given) for row in rows] == [
        ("exam/core", "exam_attempt:7", 82.0)]
    signals.exam_voided.send(attempt)  # the attempt no longer counts: its score is withdrawn
    row = db.session.scalar(sa.select(LtiScore))
    assert row.score_given is None and row.comment == "Attempt voided" and row.tries == 1
    other = SimpleNamespace(**{**vars(attempt), "id": 8})
    signals.exam_voided.send(other)  # another attempt: nothing of it was sent
    assert db.session.scalar(sa.select(LtiScore)).comment == "Attempt voided"


@pytest.mark.parametrize("fast_paths", [True, False])
def test_a_framed_session_cookie_is_samesite_none_and_secure_on_https_only(tmp_path, fast_paths):
    from flask import session

    from lms import create_app
    from lms.lti.framing import allow_framing
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path, FAST_PATHS=fast_paths))
    interface = app.session_interface
    with app.test_request_context("/", base_url="https://peercert.example"):
        assert (interface.get_cookie_samesite(app), interface.get_cookie_secure(app)) == ("Lax", False)
        allow_framing(["https://moodle.example"])
        assert (interface.get_cookie_samesite(app), interface.get_cookie_secure(app)) == ("None", True)
        assert session["_lti_frame"] == ["https://moodle.example"]
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        allow_framing(["http://127.0.0.1:8000"])
        assert interface.get_cookie_samesite(app) == "Lax"  # browsers refuse SameSite=None without Secure


@pytest.mark.parametrize("role", [None, "trainee", "supervisor", "outsider_supervisor", "org_admin", "admin"])
def test_lti_pages_answer_every_role_without_error_or_writes(db, client, auth, people, role):
    from tests.test_crawl import HOSTILE_QUERIES, database_writes

    platform = _platform(people["org"])
    db.session.add(platform)
    db.session.commit()
    if role:
        auth.login(people[role])
    urls = ["/lti/login", "/lti/jwks", "/.well-known/lti-jwks.json", "/lti/config.json", "/lti/deep-link",
            "/lti/platforms", f"/lti/platforms/{platform.id}", "/lti/rosters"]
    for url in urls:
        for query in [{}, *HOSTILE_QUERIES, {"iss": platform.issuer, "login_hint": "x", "client_id": "nope"}]:
            with database_writes() as writes:
                response = client.get(url, query_string=query)
            assert response.status_code < 500, (url, query)
            assert not writes, (url, query, writes)


def test_rotating_the_tool_key_keeps_the_old_public_key_published(app, runner):
    from lms.lti import keys

    before = {key["kid"] for key in keys.jwks()["keys"]}
    result = runner.invoke(args=["lti", "rotate-key"])
    assert result.exit_code == 0, result.output
    after = keys.jwks()["keys"]
    assert len(after) == len(before) + 1 and before < {key["kid"] for key in after}
    assert after[0]["kid"] == keys.keystore().current_kid(keys.ALG) and after[0]["kid"] in result.output
