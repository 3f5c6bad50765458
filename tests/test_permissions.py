"""Every route declares who may use it, and the wrong role is refused.

The walk covers `app.url_map` as it is, so a route added without a rule fails
`test_every_route_declares_a_rule`, and a route with a rule is checked for every role.
"""

import re

import pytest
from flask import Blueprint

from lms import create_app
from lms.auth.permissions import PUBLIC, SIGNED_IN, role_required
from lms.models import Role
from tests import factories
from tests.conftest import TEST_DATABASE_URL, make_config

EXEMPT = {"static"}
ROLES = [Role.TRAINEE, Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN]


def routes_without_rule(app) -> list[str]:
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT and getattr(app.view_functions[rule.endpoint], "access_rule", None) is None
    )


def sample_url(rule) -> str:
    """Fill a rule's variables with values that parse: the rule is checked before any lookup."""
    url = rule.rule
    for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", url):
        value = "1" if converter in {"int", "float"} else "PSS-AAAA-AAAA-A" if "number" in name else "x"
        url = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?" + name + ">", value, url, count=1)
    return url


def all_routes(tmp_path_factory):
    app = create_app(make_config(tmp_path_factory.mktemp("walk")))
    cases = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT:
            continue
        access = getattr(app.view_functions[rule.endpoint], "access_rule", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append((rule.endpoint, method, sample_url(rule), access))
    return cases


def pytest_generate_tests(metafunc):
    if "route" in metafunc.fixturenames:
        import tempfile
        from pathlib import Path

        class _Factory:
            def mktemp(self, name):
                return Path(tempfile.mkdtemp(prefix=name))

        cases = all_routes(_Factory())
        if "role" in metafunc.fixturenames:
            # Only the pairs where the role is wrong: each is its own test.
            pairs = [(case, role) for case in cases for role in ROLES
                     if case[3] not in (PUBLIC, SIGNED_IN) and str(role) not in case[3]]
            metafunc.parametrize(("route", "role"), pairs,
                                 ids=[f"{r.value} {m} {e}" for (e, m, _, _), r in pairs])
        else:
            guarded = [case for case in cases if case[3] != PUBLIC]
            metafunc.parametrize("route", guarded, ids=[f"{m} {e}" for e, m, _, _ in guarded])


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """One app, one set of people and one signed-in client per role for the whole walk:
    a refused request changes nothing, so the walk need not rebuild the database per case."""
    from lms.extensions import db
    from tests.conftest import FreshContextClient, fresh_schema

    app = create_app(make_config(tmp_path_factory.mktemp("walk-app")))
    app.test_client_class = FreshContextClient
    with app.app_context():
        fresh_schema()
        org = factories.make_org("Walk org")
        people = {
            Role.TRAINEE: factories.make_user(Role.TRAINEE, org=org),
            Role.SUPERVISOR: factories.make_user(Role.SUPERVISOR, org=org),
            Role.ORG_ADMIN: factories.make_user(Role.ORG_ADMIN, org=org),
            Role.ADMIN: factories.make_user(Role.ADMIN),
        }
        factories.make_cohort(org, supervisors=[people[Role.SUPERVISOR]], trainees=[people[Role.TRAINEE]])
        db.session.commit()
        clients = {"anonymous": app.test_client()}
        for role, person in people.items():
            client = app.test_client()
            response = client.post("/auth/login", data={"email": person.email, "password": factories.PASSWORD})
            assert response.status_code == 302, f"{role} could not log in"
            clients[role] = client
        yield app, clients
        db.session.remove()
        if not TEST_DATABASE_URL.startswith("postgresql"):
            db.drop_all()
        db.engine.dispose()


def test_every_route_declares_a_rule(walk):
    app, _ = walk
    assert routes_without_rule(app) == []


def test_the_walk_catches_a_route_without_a_rule(tmp_path):
    app = create_app(make_config(tmp_path))
    extra = Blueprint("extra", __name__)

    @extra.get("/forgotten")
    def forgotten():
        return "anyone can see this"

    @extra.get("/guarded")
    @role_required(Role.ADMIN)
    def guarded():
        return "admins only"

    app.register_blueprint(extra)
    assert routes_without_rule(app) == ["extra.forgotten"]


def test_anonymous_users_are_sent_to_log_in(walk, route):
    endpoint, method, url, access = route
    response = walk[1]["anonymous"].open(url, method=method)
    if url.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def test_wrong_roles_get_403(walk, route, role):
    endpoint, method, url, access = route
    response = walk[1][role].open(url, method=method)
    assert response.status_code == 403
    assert b"stack" not in response.data.lower()
