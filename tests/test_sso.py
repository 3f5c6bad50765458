"""Sign-in through an organization's identity provider, against a real OpenID provider (oidc-provider).

Our app runs in the Flask test client; the provider is a real server on 127.0.0.1, which our app calls for
discovery, the code exchange, its keys and userinfo, and which a `requests` session visits as the browser.
"""

import pytest
import sqlalchemy as sa

from lms import secret_box
from lms.extensions import db
from lms.models import AuditEvent, ExternalIdentity, IdentityProvider, Role, User
from tests import factories
from tests.oidc_idp import (
    CLIENT_ID,
    CLIENT_SECRET,
    DOMAIN,
    local_path,
    onward_url,
    query,
    sign_in_at_provider,
    start_provider,
    stop_provider,
)


@pytest.fixture(scope="module")
def idp():
    provider = start_provider()
    yield provider
    stop_provider(provider)


@pytest.fixture
def org(db):
    org = factories.make_org("Riverside")
    db.session.commit()
    return org


def make_provider(org, idp, **fields) -> IdentityProvider:
    values = {"slug": "riverside", "name": "Riverside Health",
              "discovery_url": idp.issuer + "/.well-known/openid-configuration", "issuer": idp.issuer,
              "client_id": CLIENT_ID, "client_secret_encrypted": secret_box.encrypt(CLIENT_SECRET),
              "allowed_domains": DOMAIN, "local_passwords_allowed": True, "join_as_trainee": False}
    provider = IdentityProvider(organization_id=org.id, **{**values, **fields})
    db.session.add(provider)
    db.session.commit()
    return provider


def start(client, slug="riverside", **kwargs):
    response = client.post(f"/sso/{slug}", **kwargs)
    assert response.status_code == 200, response.data[:500]
    return onward_url(response.get_data(as_text=True))


def sign_in(client, idp, username, **kwargs):
    """The whole round trip; the response of our callback, or None when the provider kept the person."""
    callback = sign_in_at_provider(start(client), idp.issuer, username, **kwargs)
    return None if callback is None else client.get(local_path(callback))


def _user_id(client) -> int:
    with client.session_transaction() as session:
        return int(session["_user_id"].split(":")[0])


def refusals(reason=None) -> list[AuditEvent]:
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sso.refused")).all()
    return [event for event in events if reason is None or event.details.get("reason") == reason]


def test_the_authorization_request_uses_pkce_s256_state_and_nonce(client, org, idp):
    make_provider(org, idp)
    params = query(start(client))
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"]
    assert params["client_id"] == CLIENT_ID and params["redirect_uri"] == "http://localhost/sso/callback"
    assert set(params["scope"].split()) == {"openid", "email", "profile"}


def test_a_new_person_joins_as_a_trainee_when_the_administrator_allows_it(client, org, idp):
    make_provider(org, idp, join_as_trainee=True)
    response = sign_in(client, idp, "ana")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    user = db.session.scalar(sa.select(User).where(User.email == f"ana@{DOMAIN}"))
    assert (user.role, user.organization_id, user.name, user.password_hash) == (Role.TRAINEE, org.id, "Ana Reyes", None)
    assert _user_id(client) == user.id and client.get("/dashboard").status_code == 200
    identity = db.session.scalar(sa.select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    assert (identity.issuer, identity.subject) == (idp.issuer, "sub-ana")
    linked = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "sso.linked"))
    assert linked.details["how"] == "joined"

    # Later sign-ins match by (issuer, subject), not by e-mail: the address here may change.
    user.email = "ana.reyes@other-address.example.org"
    db.session.commit()
    client.post("/auth/logout")
    second = sign_in(client, idp, "ana")
    assert second.status_code == 302 and _user_id(client) == user.id
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_an_existing_account_is_linked_by_its_verified_email(client, org, idp):
    make_provider(org, idp)  # joining is off: only existing accounts
    ben = factories.make_user(Role.SUPERVISOR, org=org, email=f"ben@{DOMAIN}")
    db.session.commit()
    response = sign_in(client, idp, "ben")  # the provider says Ben@...: addresses compare without case
    assert response.status_code == 302
    assert _user_id(client) == ben.id
    assert db.session.scalar(sa.select(ExternalIdentity.subject).where(ExternalIdentity.user_id == ben.id)) == "sub-ben"
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_an_account_without_organization_is_linked_and_joins_it(client, org, idp):
    make_provider(org, idp)
    ben = factories.make_user(Role.TRAINEE, email=f"ben@{DOMAIN}")
    db.session.commit()
    assert sign_in(client, idp, "ben").status_code == 302
    assert db.session.get(User, ben.id).organization_id == org.id


def test_a_wrong_password_at_the_provider_opens_no_session(client, org, idp):
    make_provider(org, idp, join_as_trainee=True)
    assert sign_in(client, idp, "ana", password="not-the-password") is None
    assert client.get("/dashboard").status_code == 302  # sent to log in
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_an_address_outside_the_allowed_domains_is_refused(client, org, idp):
    make_provider(org, idp, join_as_trainee=True)
    response = sign_in(client, idp, "outsider")
    assert response.status_code == 403
    assert b"elsewhere.example.com" in response.data
    assert client.get("/dashboard").status_code == 302
    assert [event.details["domain"] for event in refusals("domain_not_allowed")] == ["elsewhere.example.com"]
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_an_unverified_email_is_refused(client, org, idp):
    make_provider(org, idp, join_as_trainee=True)
    factories.make_user(Role.TRAINEE, org=org, email=f"una@{DOMAIN}")
    db.session.commit()
    response = sign_in(client, idp, "una")
    assert response.status_code == 403 and b"not verified" in response.data
    assert client.get("/dashboard").status_code == 302
    assert len(refusals("email_not_verified")) == 1
    assert db.session.scalar(sa.select(sa.func.count(ExternalIdentity.id))) == 0


def test_a_replayed_callback_is_refused(app, client, org, idp):
    make_provider(org, idp, join_as_trainee=True)
    callback = sign_in_at_provider(start(client), idp.issuer, "ana")
    assert client.get(local_path(callback)).status_code == 302
    client.post("/auth/logout")
    again = client.get(local_path(callback))  # the same browser: its state was spent
    assert again.status_code == 400 and b"already been used" in again.data
    stranger = app.test_client()  # another browser, with the stolen callback URL
    assert stranger.get(local_path(callback)).status_code == 400
    assert stranger.get("/dashboard").status_code == 302
    assert len(refusals("unknown_state")) == 2


def test_a_callback_replayed_with_an_old_copy_of_the_session_cookie_is_refused_by_the_provider(app, client, org, idp):
    """The state lives in the cookie: a copy taken before the callback still holds it, but the provider
    spends the code on first use."""
    make_provider(org, idp, join_as_trainee=True)
    url = start(client)
    old_cookie = client.get_cookie("session").value
    callback = sign_in_at_provider(url, idp.issuer, "ana")
    assert client.get(local_path(callback)).status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("session", old_cookie)
    response = attacker.get(local_path(callback))
    assert response.status_code == 400 and b"invalid_grant" in response.data
    assert attacker.get("/dashboard").status_code == 302


def test_a_nonce_that_does_not_match_is_refused(client, org, idp):
    make_provider(org, idp, join_as_trainee=True)
    callback = sign_in_at_provider(start(client), idp.issuer, "ana")
    with client.session_transaction() as session:
        pending = session["sso_pending"]
        for entry in pending.values():
            entry["nonce"] = "another-nonce"
        session["sso_pending"] = pending
    response = client.get(local_path(callback))
    assert response.status_code == 400 and b"nonce" in response.data
    assert client.get("/dashboard").status_code == 302


def test_an_error_from_the_provider_is_refused(client, org, idp):
    make_provider(org, idp)
    state = query(start(client))["state"]
    response = client.get(f"/sso/callback?error=access_denied&state={state}")
    assert response.status_code == 401 and b"access_denied" in response.data
    assert refusals("provider_error")[0].details["error"] == "access_denied"


def test_no_account_and_joining_off_is_refused(client, org, idp):
    make_provider(org, idp, join_as_trainee=False)
    response = sign_in(client, idp, "ana")
    assert response.status_code == 403 and b"invitation" in response.data
    assert len(refusals("no_account")) == 1


def test_an_account_of_another_organization_is_not_linked(client, org, idp):
    make_provider(org, idp, join_as_trainee=True)
    other = factories.make_org("Elsewhere")
    oscar = factories.make_user(Role.TRAINEE, org=other, email=f"oscar@{DOMAIN}")
    db.session.commit()
    response = sign_in(client, idp, "oscar")
    assert response.status_code == 403
    assert refusals("other_organization")[0].details["user_id"] == oscar.id
    assert db.session.scalar(sa.select(sa.func.count(ExternalIdentity.id))) == 0


def test_an_unknown_organization_is_refused(client, org):
    assert client.get("/sso/nobody").status_code == 404
    response = client.post("/sso/nobody")
    assert response.status_code == 404
    assert refusals("unknown_provider")[0].details["slug"] == "nobody"


def test_the_login_page_and_the_organizations_address_offer_the_provider(client, org, idp):
    make_provider(org, idp)
    login = client.get("/auth/login")
    assert b"Sign in with Riverside Health" in login.data and b'action="/sso/riverside' in login.data
    page = client.get("/sso/riverside")
    assert page.status_code == 200 and b"Riverside Health" in page.data


def test_password_login_is_refused_when_local_passwords_are_off(auth, org, idp):
    make_provider(org, idp, local_passwords_allowed=False)
    trainee = factories.make_user(Role.TRAINEE, org=org)
    org_admin = factories.make_user(Role.ORG_ADMIN, org=org)
    outsider = factories.make_user(Role.TRAINEE, org=factories.make_org("Elsewhere"))
    db.session.commit()
    response = auth.login(trainee)
    assert response.status_code == 403
    assert "Sign in with Riverside Health" in response.get_data(as_text=True)
    assert auth.client.get("/dashboard").status_code == 302
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "sso.password_refused")).target_user_id \
        == trainee.id
    assert auth.login(trainee, password="wrong password!").status_code == 200  # a wrong one: the usual answer
    assert auth.login(org_admin).status_code == 302  # administrators keep a way in
    auth.logout()
    assert auth.login(outsider).status_code == 302


def test_password_login_still_works_when_local_passwords_are_on(auth, org, idp):
    make_provider(org, idp, local_passwords_allowed=True)
    trainee = factories.make_user(Role.TRAINEE, org=org)
    db.session.commit()
    assert auth.login(trainee).status_code == 302


def test_log_out_ends_our_session_and_offers_to_sign_out_at_the_provider(client, org, idp):
    make_provider(org, idp, join_as_trainee=True)
    assert sign_in(client, idp, "ana").status_code == 302
    response = client.post("/auth/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sso/signed-out")
    assert client.get("/dashboard").status_code == 302
    page = client.get("/sso/signed-out").get_data(as_text=True)
    assert f'href="{idp.issuer}/session/end?' in page and "id_token_hint=" in page
    assert "post_logout_redirect_uri=http%3A%2F%2Flocalhost%2Fauth%2Flogin" in page


def test_erasure_removes_the_link_and_a_later_sign_in_finds_no_account(app, client, org, idp):
    from lms.records.erasure import erase_user

    make_provider(org, idp, join_as_trainee=False)
    ben = factories.make_user(Role.TRAINEE, org=org, email=f"ben@{DOMAIN}")
    admin = factories.make_user(Role.ADMIN)
    db.session.commit()
    assert sign_in(client, idp, "ben").status_code == 302
    client.post("/auth/logout")
    erase_user(ben, actor=admin, data_dir=app.config["DATA_DIR"], keep_certificate_name=False)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ExternalIdentity.id))) == 0
    assert sign_in(client, idp, "ben").status_code == 403  # no account, joining off


@pytest.mark.parametrize(("claims", "verified"), [
    ({"email_verified": True}, True), ({"email_verified": "true"}, True), ({"email_verified": False}, False),
    ({}, False), ({"xms_edov": True}, True), ({"email_verified": False, "xms_edov": "false"}, False),
])
def test_what_counts_as_a_verified_address(claims, verified):
    from lms.sso.signin import Verified, _is_verified

    assert _is_verified(Verified(subject="s", claims={}, userinfo=claims, id_token="")) is verified
    assert _is_verified(Verified(subject="s", claims=claims, userinfo={}, id_token="")) is verified


def test_a_secret_the_keys_cannot_read_is_a_clear_refusal(app, client, org, idp):
    from cryptography.fernet import Fernet

    make_provider(org, idp, join_as_trainee=True)
    app.config["SECRET_BOX_KEYS"] = Fernet.generate_key().decode()  # the key the secret was saved with is lost
    response = sign_in(client, idp, "ana")
    assert response.status_code == 409 and b"need the client secret again" in response.data
    assert len(refusals("secret_unreadable")) == 1
