"""The LTI 1.3 exchange end to end: our app and an independent platform (lti1p3platform) each served on
127.0.0.1, a requests session as the person (tests/lti_platform.py)."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.extensions import db
from lms.models import AuditEvent, Enrolment, LtiIdentity, LtiPlatform, LtiScore, Organization, Quiz, Role, User
from tests import factories
from tests.conftest import is_postgres, make_config, own_database_url
from tests.lti_platform import INSTRUCTOR, LEARNER, Browser, Platform, Server, platform_app

QUESTIONS = [{"id": "q1", "type": "single", "prompt": "Which reply reflects?", "options": [
    {"id": "a", "text": "You feel stuck.", "correct": True, "feedback": ""},
    {"id": "b", "text": "Just try harder.", "correct": False, "feedback": ""}]},
    {"id": "q2", "type": "single", "prompt": "Whose goals lead?", "options": [
        {"id": "a", "text": "The person's.", "correct": True, "feedback": ""},
        {"id": "b", "text": "Mine.", "correct": False, "feedback": ""}]}]


@dataclass
class World:
    app: object
    tool: Server
    platform: Platform
    platform_id: int
    org_id: int
    course_slug: str
    module_slug: str

    @property
    def quiz_ref(self) -> str:
        return f"quiz/{self.course_slug}/{self.module_slug}"

    @property
    def course_ref(self) -> str:
        return f"course/{self.course_slug}"

    def audit(self, action: str) -> list[AuditEvent]:
        with self.app.app_context():
            return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                           .order_by(AuditEvent.id)))

    def user_for(self, hint: str) -> User | None:
        with self.app.app_context():
            identity = db.session.scalar(sa.select(LtiIdentity).where(
                LtiIdentity.sub == self.platform.users[hint]["sub"]))
            if identity is None:
                return None
            user = identity.user
            db.session.expunge(user)
            return user


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lti")
    config = make_config(folder, SQLALCHEMY_DATABASE_URI=own_database_url(folder, "lti"),
                         SQLALCHEMY_ENGINE_OPTIONS={}, SESSION_COOKIE_NAME="peercert_session")
    app = create_app(config)
    tool = Server(app)
    app.config["LMS_BASE_URL"] = tool.url
    platform = Platform(tool_url=tool.url)
    platform_server = Server(platform_app(platform))
    platform.url = platform_server.url
    with app.app_context():
        if is_postgres():
            db.drop_all()
        db.create_all()
        org = factories.make_org("County peer program")
        version = factories.make_course_version(title="Peer Support Basics")
        module = factories.make_module(version, title="Listening")
        db.session.add(Quiz(module_id=module.id, pass_mark=50, questions=QUESTIONS))
        registered = LtiPlatform(organization_id=org.id, name="County Moodle", issuer=platform.issuer,
                                 client_id=platform.client_id, deployment_ids=["dep-1"],
                                 auth_login_url=platform.url + "/auth", auth_token_url=platform.url + "/token",
                                 key_set_url=platform.url + "/jwks")
        db.session.add(registered)
        db.session.commit()
        found = World(app, tool, platform, registered.id, org.id, version.course.slug, module.slug)
        db.session.remove()
    yield found
    tool.stop()
    platform_server.stop()
    with app.app_context():
        db.session.remove()
        if not is_postgres():
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def person():
    with Browser() as session:
        yield session


@pytest.fixture
def another():
    """More browsers (another person, or a copy of someone's cookies), each closed after the test."""
    opened = []

    def new() -> Browser:
        opened.append(Browser())
        return opened[-1]

    yield new
    for session in opened:
        session.close()


def take_quiz(world: World, person: Browser, *, right: int) -> None:
    """Start the knowledge check and answer `right` of its two questions correctly, as the person would."""
    quiz_url = f"{world.tool.url}/courses/{world.course_slug}/modules/{world.module_slug}/quiz"
    started = person.post(quiz_url)
    assert started.status_code == 200, started.text[:300]
    answers = {"answer-q1": "a" if right >= 1 else "b", "answer-q2": "a" if right >= 2 else "b"}
    done = person.post(started.url, data=answers)
    assert done.status_code == 200, done.text[:300]


# -- launches -----------------------------------------------------------------------------------------


def test_login_initiation_sends_the_browser_to_the_platform_with_state_and_nonce(world, person):
    hint = world.platform.add_user()
    rlid = world.platform.add_link(world.course_ref)
    response = person.get(world.platform.login_url(hint, rlid), allow_redirects=False)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(world.platform.url + "/auth?")
    for part in ("state=state-", "nonce=", "response_mode=form_post", "prompt=none",
                 f"client_id={world.platform.client_id}"):
        assert part in location
    assert any(name.startswith("lti1p3-state-") for name in person.cookies.keys())


def test_a_learner_launch_lands_in_the_linked_knowledge_check_as_an_enrolled_trainee(world, person, another):
    hint = world.platform.add_user(LEARNER, name="Rosa Learner")
    rlid = world.platform.add_link(world.quiz_ref)
    landed = person.launch(world.platform, hint, rlid)
    assert landed.status_code == 200
    assert landed.url == f"{world.tool.url}/courses/{world.course_slug}/modules/{world.module_slug}/quiz"
    user = world.user_for(hint)
    assert user.role == Role.TRAINEE and user.organization_id == world.org_id and user.name == "Rosa Learner"
    with world.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)
                                 .where(Enrolment.user_id == user.id)) == 1
    # Framed by the platform only, on this session's pages; the session cookie is its own.
    policy = landed.headers["Content-Security-Policy"]
    assert f"frame-ancestors {world.platform.url}" in policy
    assert "X-Frame-Options" not in landed.headers
    assert "peercert_session" in person.cookies.keys()
    # Another launch finds the same person by the platform's sub, not a new account.
    again = another().launch(world.platform, hint, rlid)
    assert again.status_code == 200
    assert world.user_for(hint).id == user.id


def test_an_instructor_launch_lands_as_a_supervisor_without_enrolment(world, person):
    hint = world.platform.add_user(INSTRUCTOR, name="Ines Instructor")
    rlid = world.platform.add_link(world.quiz_ref)
    landed = person.launch(world.platform, hint, rlid)
    assert landed.status_code == 200
    assert landed.url == f"{world.tool.url}/courses/{world.course_slug}/modules/{world.module_slug}"
    user = world.user_for(hint)
    assert user.role == Role.SUPERVISOR
    with world.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)
                                 .where(Enrolment.user_id == user.id)) == 0


def test_an_email_already_used_here_never_links_the_launch_to_that_account(world, person):
    with world.app.app_context():
        existing = factories.make_user(Role.TRAINEE, email="taken@lms.example.com")
        db.session.commit()
        existing_id = existing.id
    hint = world.platform.add_user(LEARNER, email="taken@lms.example.com")
    assert person.launch(world.platform, hint, world.platform.add_link(world.course_ref)).status_code == 200
    user = world.user_for(hint)
    assert user.id != existing_id and user.email is None


def test_pages_of_other_sessions_still_refuse_every_frame(world, person):
    page = person.get(world.tool.url + "/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


# -- refusals --------------------------------------------------------------------------------------------


def _flip_sub(fields: dict) -> dict:
    header, body, signature = fields["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return {**fields, "id_token": f"{header}.{forged}.{signature}"}


def test_a_tampered_id_token_is_refused_and_audited(world, person):
    hint = world.platform.add_user()
    rlid = world.platform.add_link(world.course_ref)
    before = len(world.audit("lti.refused"))
    at_platform = person.get(world.platform.login_url(hint, rlid))
    refused = person.auto_post(at_platform, change=_flip_sub)
    assert refused.status_code == 400
    assert "signature" in refused.text
    events = world.audit("lti.refused")
    assert len(events) == before + 1 and events[-1].details["reason"] == "bad_signature"
    assert world.user_for(hint) is None


def test_a_replayed_launch_is_refused_and_audited(world, person, another):
    hint = world.platform.add_user()
    rlid = world.platform.add_link(world.course_ref)
    at_platform = person.get(world.platform.login_url(hint, rlid))
    cookies_before_launch = person.cookies.copy()
    assert person.auto_post(at_platform).status_code == 200
    # The same browser again: its session no longer holds the nonce.
    again = person.auto_post(at_platform)
    assert again.status_code == 400
    assert world.audit("lti.refused")[-1].details["reason"] == "bad_nonce"
    # With a copy of the cookies from before the launch (nonce and state still in them): the nonce is spent.
    thief = another()
    thief.cookies.update(cookies_before_launch)
    replayed = thief.auto_post(at_platform)
    assert replayed.status_code == 409
    assert world.audit("lti.refused")[-1].details["reason"] == "replayed"
    # From a browser without the state cookie, the form is refused too.
    assert another().auto_post(at_platform).status_code == 400
    assert world.audit("lti.refused")[-1].details["reason"] == "bad_state"


def test_an_unknown_deployment_is_refused(world, person):
    hint = world.platform.add_user()
    rlid = world.platform.add_link(world.course_ref)
    world.platform.deployment_id = "dep-unregistered"
    try:
        refused = person.launch(world.platform, hint, rlid)
    finally:
        world.platform.deployment_id = "dep-1"
    assert refused.status_code == 403
    assert world.audit("lti.refused")[-1].details["reason"] == "unknown_deployment"


def test_an_unknown_issuer_is_refused_at_login_initiation(world, person):
    refused = person.get(world.tool.url + "/lti/login",
                          params={"iss": "https://lms.invalid", "login_hint": "x", "client_id": "y"})
    assert refused.status_code == 403
    event = world.audit("lti.refused")[-1]
    assert event.details["reason"] == "unknown_platform" and event.details["issuer"] == "https://lms.invalid"


def test_a_login_initiation_without_parameters_is_a_clear_400(world, person):
    assert person.get(world.tool.url + "/lti/login").status_code == 400
    assert person.post(world.tool.url + "/lti/launch").status_code == 400


def test_an_expired_id_token_is_refused(world, person):
    hint = world.platform.add_user()
    rlid = world.platform.add_link(world.course_ref)
    world.platform.token_lifetime = -120
    try:
        refused = person.launch(world.platform, hint, rlid)
    finally:
        world.platform.token_lifetime = 300
    assert refused.status_code == 400
    assert world.audit("lti.refused")[-1].details["reason"] == "expired"


def test_a_launch_without_sub_is_refused_with_missing_claims(world, person):
    hint = world.platform.add_user()
    rlid = world.platform.add_link(world.course_ref)
    world.platform.tamper = lambda message: {k: v for k, v in message.items() if k != "sub"}
    try:
        refused = person.launch(world.platform, hint, rlid)
    finally:
        world.platform.tamper = None
    assert refused.status_code == 400
    assert world.audit("lti.refused")[-1].details["reason"] == "missing_claims"


# -- scores (AGS) --------------------------------------------------------------------------------------


def test_a_knowledge_check_score_is_posted_and_a_retake_updates_it(world, person):
    hint = world.platform.add_user()
    rlid = world.platform.add_link(world.quiz_ref)
    person.launch(world.platform, hint, rlid)
    take_quiz(world, person, right=1)
    score = world.platform.score_of(rlid, hint)
    assert score["scoreGiven"] == 50 and score["scoreMaximum"] == 100
    assert score["gradingProgress"] == "FullyGraded" and score["activityProgress"] == "Completed"
    take_quiz(world, person, right=2)
    assert world.platform.score_of(rlid, hint)["scoreGiven"] == 100
    with world.app.app_context():
        row = db.session.scalar(sa.select(LtiScore).order_by(LtiScore.id.desc()))
        assert row.state == "sent" and row.score_given == 100 and row.last_error is None


def test_no_score_goes_to_a_link_that_was_never_launched(world, person):
    hint = world.platform.add_user()
    launched = world.platform.add_link(world.course_ref)
    other = world.platform.add_link(world.quiz_ref)
    person.launch(world.platform, hint, launched)
    take_quiz(world, person, right=2)
    assert world.platform.score_of(other, hint) is None


def test_a_score_the_platform_refuses_is_kept_as_failed_and_sent_by_the_recovery(world, person):
    from lms.lti import scores

    hint = world.platform.add_user()
    rlid = world.platform.add_link(world.quiz_ref)
    person.launch(world.platform, hint, rlid)
    lineitem = world.platform.links[rlid]["lineitem"]
    kept = world.platform.scores.pop(lineitem)  # the platform answers 404 for this column for now
    take_quiz(world, person, right=2)
    with world.app.app_context():
        row = db.session.scalar(sa.select(LtiScore).order_by(LtiScore.id.desc()))
        assert row.state == "failed" and "404" in row.last_error and row.tries == 1
        world.platform.scores[lineitem] = kept
        row.updated_at = row.updated_at.replace(year=2000)
        db.session.commit()
        assert scores.enqueue_unsent_scores() >= 1
        db.session.commit()
        row = db.session.get(LtiScore, row.id)
        assert row.state == "sent" and row.tries == 2
    assert world.platform.score_of(rlid, hint)["scoreGiven"] == 100


# -- deep linking ---------------------------------------------------------------------------------------


def test_deep_linking_round_trip_places_a_graded_knowledge_check(world, person, another):
    hint = world.platform.add_user(INSTRUCTOR)
    picker = person.launch(world.platform, hint, "dl:1")
    assert picker.status_code == 200 and picker.url == world.tool.url + "/lti/deep-link"
    assert world.quiz_ref in picker.text
    answer = person.post(picker.url, data={"target": world.quiz_ref})
    assert answer.status_code == 200
    assert re.search(r"form-action " + re.escape(world.platform.url), answer.headers["Content-Security-Policy"])
    placed = person.auto_post(answer)
    assert placed.status_code == 200, placed.text
    item = world.platform.deep_link_items[-1]
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"peercert_target": world.quiz_ref}
    assert item["lineItem"]["scoreMaximum"] == 100
    # A learner launched from the placed link lands in the knowledge check, and their score goes back.
    learner = world.platform.add_user()
    learner_browser = another()
    landed = learner_browser.launch(world.platform, learner, item["resource_link_id"])
    assert landed.url.endswith(f"/modules/{world.module_slug}/quiz")
    take_quiz(world, learner_browser, right=2)
    assert world.platform.score_of(item["resource_link_id"], learner)["scoreGiven"] == 100


def test_a_learner_cannot_open_the_deep_linking_picker(world, person):
    hint = world.platform.add_user(LEARNER)
    refused = person.launch(world.platform, hint, "dl:1")
    assert refused.status_code == 403


# -- keys and configuration -------------------------------------------------------------------------------


def test_the_tool_key_set_is_published_apart_from_the_certificate_keys(world, person):
    keys = person.get(world.tool.url + "/lti/jwks").json()["keys"]
    assert keys and all(key["alg"] == "RS256" and "d" not in key for key in keys)
    assert person.get(world.tool.url + "/.well-known/lti-jwks.json").json()["keys"] == keys
    certificate_keys = person.get(world.tool.url + "/.well-known/jwks.json").json()["keys"]
    assert {key["kid"] for key in keys}.isdisjoint({key["kid"] for key in certificate_keys})
    config = person.get(world.tool.url + "/lti/config.json").json()
    assert config["oidc_initiation_url"] == world.tool.url + "/lti/login"
    assert config["public_jwk_url"] == world.tool.url + "/lti/jwks"


# -- rosters (NRPS) -----------------------------------------------------------------------------------


def test_a_supervisor_reads_the_platform_roster_into_their_cohort(world, person, another):
    from lms.models import Cohort, LtiContext

    learner = world.platform.add_user(LEARNER, name="Lena Learner")
    person.launch(world.platform, learner, world.platform.add_link(world.course_ref))  # known already
    newcomer = world.platform.add_user(LEARNER, name="Nico Newcomer")  # never launched: created by the sync
    instructor = world.platform.add_user(INSTRUCTOR, name="Ira Instructor")
    staff = another()
    assert staff.launch(world.platform, instructor, world.platform.add_link(world.course_ref)).status_code == 200
    with world.app.app_context():
        supervisor = db.session.get(User, world.user_for(instructor).id)
        cohort = factories.make_cohort(db.session.get(Organization, world.org_id),
                                       supervisors=[supervisor], name="Spring cohort (LMS)")
        context = db.session.scalar(sa.select(LtiContext).where(LtiContext.platform_id == world.platform_id))
        assert context.memberships_url.endswith("/memberships")
        db.session.commit()
        cohort_id, context_id = cohort.id, context.id
    page = staff.get(world.tool.url + "/lti/rosters")
    assert page.status_code == 200 and "Peer support 101" in page.text
    synced = staff.post(f"{world.tool.url}/lti/rosters/{context_id}", data={"cohort": cohort_id})
    assert synced.status_code == 200 and "trainees added" in synced.text
    with world.app.app_context():
        names = {user.name for user in db.session.get(Cohort, cohort_id).trainees}
        assert {"Lena Learner", "Nico Newcomer"} <= names
        assert "Ira Instructor" not in names
    assert world.user_for(learner).id  # the learner who launched was found again, not duplicated
    assert world.user_for(newcomer).organization_id == world.org_id
    assert world.audit("lti.roster_synced")[-1].details["added"] >= 2


def test_a_learner_cannot_read_a_roster(world, person):
    hint = world.platform.add_user(LEARNER)
    person.launch(world.platform, hint, world.platform.add_link(world.course_ref))
    assert person.get(world.tool.url + "/lti/rosters").status_code == 403
    assert person.post(world.tool.url + "/lti/rosters/1", data={"cohort": 1}).status_code == 403


def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("token", [
    "not-a-jwt", "a.b.c", f"{_b64({'alg': 'RS256'})}.{_b64([1, 2])}.sig", f"{_b64([])}.{_b64({'nonce': 'n'})}.sig",
    f"{_b64({'alg': 'RS256', 'kid': 'k'})}.{_b64({'nonce': 1, 'iss': ['x'], 'aud': {}})}.sig",
])
def test_a_malformed_id_token_with_a_good_state_is_a_clear_400(world, person, token):
    hint = world.platform.add_user()
    at_platform = person.get(world.platform.login_url(hint, world.platform.add_link(world.course_ref)))
    refused = person.auto_post(at_platform, change=lambda fields: {**fields, "id_token": token})
    assert refused.status_code in (400, 403), refused.text[:300]


# -- as a new user would ----------------------------------------------------------------------------------


def test_an_admin_registers_a_second_platform_from_the_pages_and_its_learner_scores_on_it(world, person, another):
    """Two platforms at once: a second LMS, registered from the pages alone, launches and receives scores."""
    second = Platform(client_id="second-lms", tool_url=world.tool.url)
    server = Server(platform_app(second))
    second.url = server.url
    try:
        with world.app.app_context():
            admin = factories.make_user(Role.ORG_ADMIN, org=db.session.get(Organization, world.org_id))
            db.session.commit()
            email = admin.email
        assert person.post(world.tool.url + "/auth/login",
                           data={"email": email, "password": factories.PASSWORD}).status_code == 200
        setup = person.get(world.tool.url + "/lti/platforms")
        assert world.tool.url + "/lti/login" in setup.text and world.tool.url + "/lti/jwks" in setup.text
        saved = person.post(world.tool.url + "/lti/platforms", data={
            "name": "Second LMS", "issuer": second.issuer, "client_id": second.client_id, "deployment_ids": "dep-1",
            "auth_login_url": second.url + "/auth", "auth_token_url": second.url + "/token",
            "key_set_url": second.url + "/jwks"})
        assert saved.status_code == 200 and "Second LMS is registered" in saved.text
        learner = second.add_user(LEARNER, name="Sam Second")
        rlid = second.add_link(world.quiz_ref)
        somebody = another()
        landed = somebody.launch(second, learner, rlid)
        assert landed.url.endswith(f"/courses/{world.course_slug}/modules/{world.module_slug}/quiz")
        take_quiz(world, somebody, right=2)
        assert second.score_of(rlid, learner)["scoreGiven"] == 100
        assert "Sam Second" in person.get(saved.url).text  # the score is listed on the platform's page
    finally:
        server.stop()


def test_a_platform_turned_off_cannot_launch_and_a_foreign_target_link_is_refused(world, person):
    hint = world.platform.add_user()
    rlid = world.platform.add_link(world.course_ref)
    with world.app.app_context():
        db.session.get(LtiPlatform, world.platform_id).active = False
        db.session.commit()
    try:
        refused = person.get(world.platform.login_url(hint, rlid))
    finally:
        with world.app.app_context():
            db.session.get(LtiPlatform, world.platform_id).active = True
            db.session.commit()
    assert refused.status_code == 403
    elsewhere = person.get(world.tool.url + "/lti/login", params={
        "iss": world.platform.issuer, "login_hint": hint, "client_id": world.platform.client_id,
        "target_link_uri": "https://evil.example/lti/launch"})
    assert elsewhere.status_code == 400
    assert world.audit("lti.refused")[-1].details["reason"] == "bad_target"


# -- the platform's key set ------------------------------------------------------------------------------


def test_a_kept_key_set_is_fetched_again_when_it_is_old_or_lacks_the_tokens_key():
    from lms.lti import platform_keys

    platform_keys.forget()
    fetched, clock = [], [0.0]

    def fetch():
        fetched.append(1)
        return {"keys": [{"kid": "k1"}]}

    def key_set(kid):
        return platform_keys.key_set("https://lms.example/jwks", kid, fetch, now=lambda: clock[0])

    key_set("k1"), key_set("k1")
    assert len(fetched) == 1
    key_set("k2")  # a key the kept set does not have: the platform rotated its keys
    assert len(fetched) == 2
    clock[0] += platform_keys.KEEP_SECONDS + 1
    key_set("k1")
    assert len(fetched) == 3
    platform_keys.forget()


def test_launches_fetch_the_platforms_key_set_once(world, person, another, monkeypatch):
    from pylti1p3.message_launch import MessageLaunch

    from lms.lti import platform_keys

    platform_keys.forget()
    fetched = []
    original = MessageLaunch.fetch_public_key

    def counting(self, url):
        fetched.append(url)
        return original(self, url)

    monkeypatch.setattr(MessageLaunch, "fetch_public_key", counting)
    hint = world.platform.add_user(LEARNER, name="Kit Keys")
    rlid = world.platform.add_link(world.quiz_ref)
    assert person.launch(world.platform, hint, rlid).status_code == 200
    assert another().launch(world.platform, hint, rlid).status_code == 200
    assert fetched == [world.platform.url + "/jwks"]
    platform_keys.forget()
