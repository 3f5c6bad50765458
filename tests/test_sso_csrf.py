"""With CSRF protection on (as in production), starting a sign-in at the identity provider needs the token the
login page's button carries: another site cannot start one in a visitor's browser. No provider is reached."""

import re

import pytest

from lms import secret_box
from lms.extensions import db
from lms.models import IdentityProvider
from tests import factories


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_starting_a_sign_in_needs_the_login_pages_token(client, monkeypatch):
    org = factories.make_org("Riverside")
    db.session.add(IdentityProvider(organization_id=org.id, slug="riverside", name="Riverside Health",
                                    discovery_url="https://idp.invalid/.well-known/openid-configuration",
                                    issuer="https://idp.invalid", client_id="c",
                                    client_secret_encrypted=secret_box.encrypt("s"), allowed_domains="example.org"))
    db.session.commit()
    from lms.sso import signin

    monkeypatch.setattr(signin, "begin", lambda *args, **kwargs: "https://idp.invalid/authorize?state=x")
    assert client.post("/sso/riverside").status_code == 400
    page = client.get("/auth/login").get_data(as_text=True)
    button = page.split('action="/sso/riverside', 1)[1]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', button).group(1)
    response = client.post("/sso/riverside", data={"csrf_token": token})
    assert response.status_code == 200
    assert 'content="0; url=https://idp.invalid/authorize' in response.get_data(as_text=True)
