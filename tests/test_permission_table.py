"""Object-level permission rules, one table per rule: who may act on whose object.

Beside the route walk of `tests/test_permissions.py` (which checks the role a route demands), each row
here names an actor by where they stand relative to the object: the same cohort, another cohort of the
same organization, another organization, per role. A row that changes is a rule that changed.
"""

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from lms.auth import permissions
from lms.auth.permissions import object_rules
from lms.models import Role
from tests import factories

# Pages here must not load a relationship row by row (tests/conftest.py, LazyLoad).
pytestmark = pytest.mark.no_lazy_loads


@pytest.fixture
def world(db):
    """Organization A with cohorts 1 and 2, organization B with its own cohort; one person per place."""
    org_a, org_b = factories.make_org("Org A"), factories.make_org("Org B")
    people = {
        "trainee": factories.make_user(Role.TRAINEE, org=org_a),
        "cohort-mate": factories.make_user(Role.TRAINEE, org=org_a),
        "trainee, other cohort": factories.make_user(Role.TRAINEE, org=org_a),
        "trainee, other org": factories.make_user(Role.TRAINEE, org=org_b),
        "supervisor, same cohort": factories.make_user(Role.SUPERVISOR, org=org_a),
        "supervisor, other cohort": factories.make_user(Role.SUPERVISOR, org=org_a),
        "supervisor, other org": factories.make_user(Role.SUPERVISOR, org=org_b),
        "org admin, same org": factories.make_user(Role.ORG_ADMIN, org=org_a),
        "org admin, other org": factories.make_user(Role.ORG_ADMIN, org=org_b),
        "admin": factories.make_user(Role.ADMIN),
    }
    cohort = factories.make_cohort(org_a, supervisors=[people["supervisor, same cohort"]],
                                   trainees=[people["trainee"], people["cohort-mate"]])
    factories.make_cohort(org_a, supervisors=[people["supervisor, other cohort"]],
                          trainees=[people["trainee, other cohort"]])
    factories.make_cohort(org_b, supervisors=[people["supervisor, other org"]],
                          trainees=[people["trainee, other org"]])
    return SimpleNamespace(people=people, cohort=cohort, org_a=org_a, trainee=people["trainee"])


ACTORS = ["trainee", "cohort-mate", "trainee, other cohort", "trainee, other org", "supervisor, same cohort",
          "supervisor, other cohort", "supervisor, other org", "org admin, same org", "org admin, other org",
          "admin"]


def table(*allowed: str) -> dict[str, bool]:
    return {actor: actor in allowed for actor in ACTORS}


def _submission(world, *, calibration=False, kind="written"):
    return SimpleNamespace(trainee=world.trainee, trainee_id=world.trainee.id, is_calibration=calibration,
                           kind=kind)


# rule name -> (how to build the object from the world, who may)
RULES = {
    "view a role-play submission": (lambda w: (permissions.can_view_roleplay_work, w.trainee),
                                    table("trainee", "supervisor, same cohort", "admin")),
    "grade a role-play": (lambda w: (permissions.can_grade_roleplay, w.trainee),
                          table("supervisor, same cohort", "admin")),
    "view a trainee's progress": (lambda w: (permissions.can_view_progress, w.trainee),
                                  table("trainee", "supervisor, same cohort", "org admin, same org", "admin")),
    "view a trainee's transcript": (lambda w: (permissions.can_view_transcript, w.trainee),
                                    table("trainee", "supervisor, same cohort", "org admin, same org", "admin")),
    "review supervised hours": (lambda w: (permissions.can_review_hours, w.trainee),
                                table("supervisor, same cohort", "admin")),
    "view a cohort's dashboard": (lambda w: (permissions.can_view_cohort, w.cohort),
                                  table("supervisor, same cohort", "org admin, same org", "admin")),
    "manage an organization": (lambda w: (permissions.can_manage_organization, w.org_a.id),
                               table("org admin, same org", "admin")),
    "manage an organization's single sign-on": (lambda w: (permissions.can_manage_sso, w.org_a.id),
                                                table("org admin, same org", "admin")),
    "manage an organization's learning record store (xAPI)": (
        lambda w: (permissions.can_manage_xapi, w.org_a.id), table("org admin, same org", "admin")),
    "calibrate on a shared sample": (lambda w: (permissions.can_calibrate, _submission(w, calibration=True)),
                                     table("supervisor, same cohort", "supervisor, other cohort", "admin")),
    "calibrate on an unshared submission": (lambda w: (permissions.can_calibrate, _submission(w)), table()),
    "share a written submission for calibration": (
        lambda w: (permissions.can_mark_calibration, _submission(w)), table("admin")),
    "share a live role-play for calibration": (
        lambda w: (permissions.can_mark_calibration, _submission(w, kind="live")), table()),
    "open a certificate's private page": (
        lambda w: (permissions.can_view_certificate_private, SimpleNamespace(user_id=w.trainee.id)),
        table("trainee")),
    "review a continuing-education entry": (
        lambda w: (permissions.can_review_continuing_education, w.trainee.id),
        table("supervisor, same cohort", "admin")),
    "grant exam time or void an exam attempt": (lambda w: (permissions.can_manage_exam_of, w.trainee),
                                                 table("supervisor, same cohort", "org admin, same org", "admin")),
    "run a cohort's live sessions and attendance": (lambda w: (permissions.can_run_live_sessions, w.cohort),
                                                    table("supervisor, same cohort", "org admin, same org", "admin")),
    "register an organization's LTI platforms": (lambda w: (permissions.can_manage_lti, w.org_a.id),
                                                 table("org admin, same org", "admin")),
    "place content from an LMS's deep-linking request": (
        lambda w: (permissions.can_place_lti_content, SimpleNamespace(organization_id=w.org_a.id, active=True)),
        table("supervisor, same cohort", "supervisor, other cohort", "org admin, same org")),
    "read an LMS roster into a cohort": (lambda w: (permissions.can_sync_lti_roster, w.cohort),
                                          table("supervisor, same cohort", "org admin, same org", "admin")),
    "view a continuing-education entry": (
        lambda w: (permissions.can_view_continuing_education, SimpleNamespace(user_id=w.trainee.id)),
        table("trainee", "supervisor, same cohort", "admin")),
    "set an organization's public registry rule": (lambda w: (permissions.can_set_registry_rule, w.org_a),
                                                   table("org admin, same org", "admin")),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_object_rule_table(world, rule):
    build, expected = RULES[rule]
    check, target = build(world)
    actual = {actor: check(world.people[actor], target) for actor in ACTORS}
    assert actual == expected


def test_a_trainee_moved_to_another_organization_leaves_their_old_supervisors(world):
    """A cohort membership left over from a move never counts: the record belongs to the new organization."""
    other = factories.make_org("Org C")
    world.trainee.organization = other
    supervisor = world.people["supervisor, same cohort"]
    assert not permissions.can_grade_roleplay(supervisor, world.trainee)
    assert not permissions.can_view_progress(world.people["org admin, same org"], world.trainee)


def test_staff_have_no_transcript(world):
    assert not permissions.can_view_transcript(world.people["admin"], world.people["supervisor, same cohort"])


ROLE_RULES = {
    "can_see_every_organization": {"admin"},
    "can_manage_own_organization": {"org admin, same org", "org admin, other org", "admin"},
    "can_practise": {"trainee", "cohort-mate", "trainee, other cohort", "trainee, other org"},
    "can_share_calibration_samples": {"admin"},
}


@pytest.mark.parametrize("name", sorted(ROLE_RULES))
def test_rules_without_an_object(world, name):
    rule = object_rules()[name]
    assert {actor for actor in ACTORS if rule(world.people[actor])} == ROLE_RULES[name]


def test_every_object_rule_is_in_a_table():
    """A new `can_*` rule needs a row here: it is either an object rule or a rule without an object."""
    tested = {name for name in object_rules() if name in ROLE_RULES}
    for build, _ in RULES.values():
        fake = SimpleNamespace(trainee=SimpleNamespace(id=0), cohort=None, org_a=SimpleNamespace(id=0))
        tested.add(build(fake)[0].__name__)
    assert set(object_rules()) == tested


def _anything():
    """An object every rule can read: a user-like trainee, a submission, a cohort, an entry."""
    return SimpleNamespace(id=1, user_id=1, trainee_id=1, organization_id=1, is_authenticated=True,
                           role=str(Role.TRAINEE), is_calibration=True, kind="written",
                           trainee=SimpleNamespace(id=1, organization_id=1))


@pytest.mark.parametrize("name", sorted(object_rules()))
def test_an_anonymous_user_may_do_nothing(app, name):
    rule = object_rules()[name]
    arguments = rule.__code__.co_argcount - 1
    with app.test_request_context():
        assert rule(AnonymousUserMixin(), *[_anything()] * arguments) is False


def test_templates_receive_the_rules_bound_to_the_visitor(app):
    from lms.templating import rules_for

    with app.test_request_context():
        bound = rules_for(AnonymousUserMixin())
        assert set(bound) == set(object_rules())
        assert bound["can_practise"]() is False
