"""An organization's single sign-on settings: who may change them, how the form answers, and that the
client secret is stored encrypted and never shown again. The discovery document is fetched from a real
OpenID provider (oidc-provider) on 127.0.0.1."""

import socket
import time

import pytest
import sqlalchemy as sa

from lms import secret_box
from lms.extensions import db
from lms.models import AuditEvent, IdentityProvider, Role
from tests import factories
from tests.oidc_idp import CLIENT_ID, start_provider, stop_provider

SECRET = "a-client-secret-from-the-provider"  # noqa: S105


@pytest.fixture(scope="module")
def idp():
    provider = start_provider()
    yield provider
    stop_provider(provider)


def form(idp, **overrides) -> dict:
    data = {"name": "Riverside Health", "slug": "riverside", "discovery_url": idp.issuer if idp else "",
            "client_id": CLIENT_ID,
            "client_secret": SECRET, "allowed_domains": "riverside.example.org, @Staff.Riverside.example.org",
            "local_passwords_allowed": "y"}
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def saved(org) -> IdentityProvider | None:
    return db.session.scalar(sa.select(IdentityProvider).where(IdentityProvider.organization_id == org.id))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_organization_administrator_configures_the_provider(client, auth, people, idp):
    org = people["org"]
    auth.login(people["org_admin"])
    assert client.get("/sso/settings").headers["Location"].endswith(f"/sso/settings/{org.id}")
    page = client.get(f"/sso/settings/{org.id}").get_data(as_text=True)
    assert "http://localhost/sso/callback" in page and "client_secret_basic" in page
    response = client.post(f"/sso/settings/{org.id}", data=form(idp))
    assert response.status_code == 302, response.get_data(as_text=True)
    provider = saved(org)
    assert provider.issuer == idp.issuer
    assert provider.discovery_url == idp.issuer + "/.well-known/openid-configuration"
    assert provider.domains == ["riverside.example.org", "staff.riverside.example.org"]
    assert (provider.local_passwords_allowed, provider.join_as_trainee) == (True, False)
    # Stored encrypted, readable with the key, and never in the page again.
    assert SECRET not in provider.client_secret_encrypted
    assert secret_box.decrypt(provider.client_secret_encrypted) == SECRET
    page = client.get(f"/sso/settings/{org.id}").get_data(as_text=True)
    assert SECRET not in page and "Replace client secret" in page and "/sso/riverside" in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "sso.provider_created"))
    assert event.actor_id == people["org_admin"].id and SECRET not in str(event.details)


def test_an_empty_secret_keeps_the_saved_one_and_a_new_one_replaces_it(client, auth, people, idp):
    org = people["org"]
    auth.login(people["admin"])
    client.post(f"/sso/settings/{org.id}", data=form(idp))
    first = saved(org).client_secret_encrypted
    assert client.post(f"/sso/settings/{org.id}", data=form(idp, client_secret="", name="Riverside")).status_code == 302
    assert saved(org).client_secret_encrypted == first and saved(org).name == "Riverside"
    client.post(f"/sso/settings/{org.id}", data=form(idp, client_secret="the-new-secret"))
    assert secret_box.decrypt(saved(org).client_secret_encrypted) == "the-new-secret"


def test_the_secret_is_needed_the_first_time(client, auth, people, idp):
    auth.login(people["org_admin"])
    response = client.post(f"/sso/settings/{people['org'].id}", data=form(idp, client_secret=""))
    assert response.status_code == 400 and b"Enter the client secret" in response.data
    assert saved(people["org"]) is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("discovery_url", "not a url", "starting with https://"),
    ("discovery_url", "ftp://login.example.org", "starting with https://"),
    ("allowed_domains", "riverside", "is not an e-mail domain"),
    ("allowed_domains", " ", "This field is required"),
    ("slug", "Callback", "lower-case letters"),
    ("slug", "has space", "lower-case letters"),
])
def test_bad_input_is_answered_next_to_its_field(client, auth, people, idp, field, value, message):
    auth.login(people["org_admin"])
    response = client.post(f"/sso/settings/{people['org'].id}", data=form(idp, **{field: value}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert saved(people["org"]) is None


@pytest.mark.parametrize("server", ["closed port", "silent server"])
def test_an_unreachable_provider_is_refused_quickly_with_a_clear_error(app, client, auth, people, server):
    app.config["SSO_HTTP_TIMEOUT"] = 1
    auth.login(people["org_admin"])
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = closed_port() if server == "closed port" else silent.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        response = client.post(f"/sso/settings/{people['org'].id}", data=form(None, discovery_url=url))
        assert time.monotonic() - started < 3
    assert response.status_code == 400
    error = response.get_data(as_text=True).split('id="discovery_url-error"', 1)[1].split("</p>", 1)[0]
    assert "could not reach" in error and url in error
    assert saved(people["org"]) is None


def test_a_site_that_is_no_openid_provider_is_refused(client, auth, people, idp):
    auth.login(people["org_admin"])
    response = client.post(f"/sso/settings/{people['org'].id}",
                           data=form(idp, discovery_url=idp.issuer + "/not-an-issuer"))
    assert response.status_code == 400 and b"answered 404" in response.data


def test_an_address_taken_by_another_organization_is_refused(client, auth, people, idp):
    auth.login(people["admin"])
    client.post(f"/sso/settings/{people['org'].id}", data=form(idp))
    response = client.post(f"/sso/settings/{people['other_org'].id}", data=form(idp))
    assert response.status_code == 400 and b"Another organization already signs in" in response.data


def test_removing_the_provider(client, auth, people, idp):
    org = people["org"]
    auth.login(people["org_admin"])
    client.post(f"/sso/settings/{org.id}", data=form(idp))
    assert client.post(f"/sso/settings/{org.id}/remove").status_code == 302
    assert saved(org) is None
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "sso.provider_removed")) is not None


@pytest.mark.parametrize("role", ["trainee", "supervisor"])
def test_the_wrong_role_is_refused(client, auth, people, idp, role):
    org = people["org"]
    auth.login(people[role])
    assert client.get("/sso/settings").status_code == 403
    assert client.get(f"/sso/settings/{org.id}").status_code == 403
    assert client.post(f"/sso/settings/{org.id}", data=form(idp)).status_code == 403
    assert client.post(f"/sso/settings/{org.id}/remove").status_code == 403
    assert saved(org) is None


def test_another_organizations_administrator_is_refused(client, auth, people, idp):
    other_admin = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    db.session.commit()
    auth.login(people["admin"])
    client.post(f"/sso/settings/{people['org'].id}", data=form(idp))
    auth.switch_to(other_admin)
    org = people["org"]
    assert client.get(f"/sso/settings/{org.id}").status_code == 404
    assert client.post(f"/sso/settings/{org.id}", data=form(idp, name="Hijacked")).status_code == 404
    assert client.post(f"/sso/settings/{org.id}/remove").status_code == 404
    assert saved(org).name == "Riverside Health"
    listing = client.get("/sso/settings")  # their own organization only
    assert listing.headers["Location"].endswith(f"/sso/settings/{people['other_org'].id}")


def test_an_administrator_sees_every_organization(client, auth, people):
    auth.login(people["admin"])
    page = client.get("/sso/settings").get_data(as_text=True)
    assert "Riverside" in page and "Elsewhere" in page


@pytest.mark.parametrize("url", ["http://login.example.org", "https://127.0.0.1:8443", "https://10.1.2.3",
                                 "https://169.254.169.254", "https://[::1]"])
def test_in_production_a_provider_must_be_https_and_public(people, url):
    from lms.errors import InvalidInput
    from lms.sso.settings import ProviderSettings, save_provider

    settings = ProviderSettings(name="Riverside", slug="riverside", discovery_url=url, client_id="c",
                                client_secret="s", allowed_domains="riverside.example.org",
                                local_passwords_allowed=True, join_as_trainee=False)
    with pytest.raises(InvalidInput) as refused:  # refused before any request is made
        save_provider(people["org"], settings, actor=people["admin"], timeout=1, require_https=True, public_only=True)
    assert refused.value.field == "discovery_url"


def test_production_settings_refuse_a_private_provider_on_the_form(app, client, auth, people):
    app.config.update(PRODUCTION=True, SESSION_COOKIE_SECURE=False)
    auth.login(people["org_admin"])
    response = client.post(f"/sso/settings/{people['org'].id}", data=form(None, discovery_url="https://127.0.0.1:9"))
    assert response.status_code == 400 and b"not on the public internet" in response.data
