from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.auth import services
from lms.models import AuditEvent, Organization, Role, User, utcnow
from tests import factories

# Pages here must not load a relationship row by row (tests/conftest.py, LazyLoad).
pytestmark = pytest.mark.no_lazy_loads


def test_register_creates_a_trainee_and_asks_to_check_email(app, client, db):
    response = client.post("/auth/register", data={
        "name": "Robin Example", "email": "Robin@Example.org", "password": "a-long-password",
        "confirm": "a-long-password", "invite_code": "",
    }, follow_redirects=True)
    assert "Check your e-mail" in response.get_data(as_text=True)
    user = db.session.scalar(sa.select(User).where(User.email == "robin@example.org"))
    assert user.role == Role.TRAINEE
    assert user.password_hash.startswith("scrypt:")
    [message] = app.extensions["mail_outbox"]
    assert message["To"] == "robin@example.org" and "account is ready" in message.get_content()
    assert client.post("/auth/login", data={"email": user.email, "password": "a-long-password"}).status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_register_with_an_invite_code_joins_the_organization(client, db):
    org = factories.make_org("Hillside", invite_code="HILL-1")
    db.session.commit()
    client.post("/auth/register", data={"name": "Ana", "email": "ana@example.org", "password": "a-long-password",
                                        "confirm": "a-long-password", "invite_code": "HILL-1"})
    assert db.session.scalar(sa.select(User).where(User.email == "ana@example.org")).organization_id == org.id


def test_register_reports_errors_next_to_fields_and_saves_nothing(client, db):
    response = client.post("/auth/register", data={"name": "", "email": "not-an-email", "password": "short",
                                                   "confirm": "other", "invite_code": "NOPE"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and 'id="password-error"' in page and 'id="confirm-error"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_register_refuses_an_unknown_invite_code(client, db):
    response = client.post("/auth/register", data={"name": "Ana", "email": "ana@example.org",
                                                   "password": "a-long-password", "confirm": "a-long-password",
                                                   "invite_code": "NOPE"})
    assert "invitation code is not valid" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_register_can_require_an_invite_code(app, client, db):
    app.config["REGISTRATION_REQUIRES_INVITE_CODE"] = True
    response = client.post("/auth/register", data={"name": "Ana", "email": "ana@example.org",
                                                   "password": "a-long-password", "confirm": "a-long-password"})
    assert "needs an invitation code" in response.get_data(as_text=True)


def test_registering_a_taken_email_answers_as_for_a_new_account_and_mails_the_owner(app, client, db):
    owner = factories.make_user(email="taken@example.org", name="Owner Person")
    db.session.commit()

    def register(email):
        return client.post("/auth/register", data={"name": "X Person", "email": email,
                                                   "password": "a-long-password", "confirm": "a-long-password"})

    taken, new = register("Taken@example.org"), register("fresh@example.org")
    assert taken.status_code == new.status_code == 302
    assert taken.headers["Location"] == new.headers["Location"]
    taken_page = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert "already exists" not in taken_page and "Check your e-mail" in taken_page
    mails = {message["To"]: message.get_content() for message in app.extensions["mail_outbox"]}
    assert "tried to create a new" in mails["taken@example.org"] and "reset" in mails["taken@example.org"]
    assert "account is ready" in mails["fresh@example.org"]
    db.session.refresh(owner)
    assert owner.name == "Owner Person" and db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_login_and_logout(client, auth, db):
    user = factories.make_user()
    db.session.commit()
    assert auth.login(user).headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    auth.logout()
    assert client.get("/dashboard").status_code == 302
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "auth.login" in actions and "auth.logout" in actions


def test_wrong_password_and_unknown_email_get_the_same_message(client, auth, db):
    user = factories.make_user()
    db.session.commit()
    wrong = auth.login(user, password="wrong password").get_data(as_text=True)
    unknown = client.post("/auth/login", data={"email": "nobody@example.org", "password": "x"}).get_data(as_text=True)
    message = "That email and password do not match an account"
    assert message in wrong and message in unknown


def test_five_failures_lock_the_account_with_a_clear_message(client, auth, db):
    user = factories.make_user()
    db.session.commit()
    for _ in range(5):
        assert auth.login(user, password="wrong password").status_code == 200
    response = auth.login(user)  # even the right password is refused while locked
    assert response.status_code == 429
    assert "sign-in is paused" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).locked_until > utcnow()


def test_lock_expires(app, db):
    user = factories.make_user()
    user.locked_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert services.authenticate(user.email, factories.PASSWORD, max_failures=5, lock_minutes=15) == user


def test_unknown_emails_are_throttled_like_real_ones(client):
    for _ in range(5):
        client.post("/auth/login", data={"email": "ghost@example.org", "password": "x"})
    response = client.post("/auth/login", data={"email": "ghost@example.org", "password": "x"})
    assert response.status_code == 429
    assert "sign-in is paused" in response.get_data(as_text=True)


def test_rate_limits_can_be_switched_off(tmp_path):
    from lms import create_app
    from lms.extensions import db as _db
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path, RATELIMIT_ENABLED=False))
    with app.app_context():
        _db.create_all()
        client = app.test_client()
        for _ in range(8):
            response = client.post("/auth/login", data={"email": "ghost@example.org", "password": "x"})
        assert response.status_code == 200
        _db.session.remove()  # the requests shared this context's session (the login page reads the providers)
        _db.drop_all()
        _db.engine.dispose()


def test_login_ignores_an_offsite_next(client, auth, db):
    user = factories.make_user()
    db.session.commit()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/auth/login?next=" + target, data={"email": user.email, "password": factories.PASSWORD})
        assert response.headers["Location"] == "/dashboard", target
        client.post("/auth/logout")


def test_login_follows_a_local_next(client, db):
    user = factories.make_user()
    db.session.commit()
    response = client.post("/auth/login?next=/auth/account/password",
                           data={"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/auth/account/password"


def test_change_password_signs_out_other_sessions(app, client, auth, db):
    user = factories.make_user()
    db.session.commit()
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": factories.PASSWORD})
    auth.login(user)
    response = client.post("/auth/account/password", data={
        "current_password": factories.PASSWORD, "password": "a-brand-new-pass", "confirm": "a-brand-new-pass"})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_change_password_needs_the_current_one(client, auth, db):
    user = factories.make_user()
    db.session.commit()
    auth.login(user)
    response = client.post("/auth/account/password", data={
        "current_password": "wrong", "password": "a-brand-new-pass", "confirm": "a-brand-new-pass"})
    assert "current password is not correct" in response.get_data(as_text=True)


def test_password_reset_by_emailed_link(app, client, db):
    user = factories.make_user()
    db.session.commit()
    response = client.post("/auth/reset", data={"email": user.email})
    assert response.status_code == 302
    (message,) = app.extensions["mail_outbox"]
    link = next(line for line in message.get_content().splitlines() if "/auth/reset/" in line)
    path = link.strip().replace("http://localhost", "")
    assert client.post(path, data={"password": "reset-password-1", "confirm": "reset-password-1"}).status_code == 302
    assert client.post("/auth/login", data={"email": user.email, "password": "reset-password-1"}).status_code == 302
    # A link works once.
    assert client.get(path).headers["Location"].endswith("/auth/reset")


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(app, client, db):
    response = client.post("/auth/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "If an account uses that address" in response.get_data(as_text=True)
    assert app.extensions.get("mail_outbox", []) == []


def test_deactivated_account_cannot_log_in(client, auth, db):
    user = factories.make_user(active=False)
    db.session.commit()
    assert auth.login(user).status_code == 200
    assert client.get("/dashboard").status_code == 302


def test_trainee_opening_an_unknown_page_gets_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_org_lookup_by_invite_code(db):
    factories.make_org("A", invite_code="CODE")
    assert services.find_organization_by_invite_code(" CODE ").name == "A"
    assert services.find_organization_by_invite_code("") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 1


# Sessions end when people say so ----------------------------------------------------------------

def _copy_cookie(app, source, name):
    """A new browser holding only a copy of `source`'s cookie `name`, as an attacker would."""
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie was set"
    thief = app.test_client()
    thief.set_cookie(name, cookie.value)
    return thief


def _refused(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_session_cookie_copied_before_logout_is_refused_after(app, client, db):
    user = factories.make_user()
    db.session.commit()
    client.post("/auth/login", data={"email": user.email, "password": factories.PASSWORD})
    copy = _copy_cookie(app, client, app.config["SESSION_COOKIE_NAME"])
    assert copy.get("/dashboard").status_code == 200  # the copy works while the session lives
    client.post("/auth/logout")
    assert _refused(copy.get("/dashboard"))
    assert _refused(client.get("/dashboard"))


def test_a_remember_cookie_copied_before_logout_is_refused_after(app, client, db):
    user = factories.make_user()
    db.session.commit()
    client.post("/auth/login", data={"email": user.email, "password": factories.PASSWORD, "remember": "y"})
    copy = _copy_cookie(app, client, app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    assert copy.get("/dashboard").status_code == 200  # "keep me signed in" opens a new browser session
    client.post("/auth/logout")
    assert _refused(copy.get("/dashboard"))


def test_logout_ends_only_this_browsers_session(app, client, auth, db):
    user = factories.make_user()
    db.session.commit()
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": factories.PASSWORD})
    auth.login(user)
    auth.logout()
    assert other.get("/dashboard").status_code == 200


def test_log_out_of_all_devices_ends_every_session_and_remember_cookie(app, client, auth, db):
    user = factories.make_user()
    db.session.commit()
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": factories.PASSWORD, "remember": "y"})
    remembered = _copy_cookie(app, other, app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    auth.login(user)
    assert "Log out of all devices" in client.get("/auth/account/password").get_data(as_text=True)
    response = client.post("/auth/logout/everywhere")
    assert _refused(response)
    assert _refused(client.get("/dashboard"))
    assert _refused(other.get("/dashboard"))
    assert _refused(remembered.get("/dashboard"))
    assert "auth.logout_everywhere" in db.session.scalars(sa.select(AuditEvent.action)).all()
    assert auth.login(user).status_code == 302  # and signing in again works



def _deactivate(user, people):
    from lms.orgs.services import deactivate_user

    deactivate_user(user, actor=people["admin"])


def _change_role(user, people):
    from lms.admin.services import change_role

    change_role(user, role=Role.SUPERVISOR, organization=user.organization, actor=people["admin"])


def _move_organization(user, people):
    from lms.admin.services import change_role

    change_role(user, role=Role.TRAINEE, organization=people["other_org"], actor=people["admin"], confirm_move=True)


@pytest.mark.parametrize("change", [_deactivate, _change_role, _move_organization])
def test_account_changes_end_every_session_and_remember_cookie(app, client, people, db, change):
    trainee = people["trainee"]
    client.post("/auth/login", data={"email": trainee.email, "password": factories.PASSWORD, "remember": "y"})
    remembered = _copy_cookie(app, client, app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    change(trainee, people)
    db.session.commit()
    assert _refused(client.get("/dashboard"))
    assert _refused(remembered.get("/dashboard"))


# Passwords are hard to guess ------------------------------------------------------------------------

@pytest.mark.parametrize("password, hints, weak", [
    ("1111111111", [], True),
    ("password12", [], True),
    ("qwertyuiop", [], True),
    ("Kestrel Maple", ["Kestrel Maple", "k.maple@example.org"], True),  # the person's own name
    ("Kestrel Maple", [], False),  # the same words, when they are not the person's name
    ("correct horse battery", [], False),
    ("a-long-password", [], False),
    ("x" * 300, [], True),  # longer than zxcvbn scores: the first 72 characters count
])
def test_password_strength_table(password, hints, weak):
    from lms.auth.passwords import is_too_weak, personal_hints

    assert is_too_weak(password, personal_hints(*hints)) is weak


def _register(client, password, name="Robin Example", email="robin@example.org"):
    return client.post("/auth/register", data={"name": name, "email": email, "password": password,
                                               "confirm": password})


def _change(client, password):
    return client.post("/auth/account/password", data={"current_password": factories.PASSWORD,
                                                       "password": password, "confirm": password})


WEAK = ["1111111111", "password12"]


@pytest.mark.parametrize("password", WEAK)
def test_registration_refuses_a_weak_password_next_to_the_field(client, db, password):
    page = _register(client, password).get_data(as_text=True)
    assert 'id="password-error"' in page and "too easy to guess" in page
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_registration_refuses_the_persons_own_name_as_password(client, db):
    page = _register(client, "Kestrel Maple", name="Kestrel Maple").get_data(as_text=True)
    assert "too easy to guess" in page
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


@pytest.mark.parametrize("password", WEAK)
def test_password_change_refuses_a_weak_password(client, auth, db, password):
    user = factories.make_user()
    db.session.commit()
    auth.login(user)
    hash_before = user.password_hash
    assert "too easy to guess" in _change(client, password).get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == hash_before


def test_password_change_refuses_the_persons_email_as_password(client, auth, db):
    user = factories.make_user(email="jordan.weakling@example.org")
    db.session.commit()
    auth.login(user)
    assert "too easy to guess" in _change(client, "jordan.weakling@example.org").get_data(as_text=True)


@pytest.mark.parametrize("password", WEAK)
def test_password_reset_refuses_a_weak_password(app, client, db, password):
    user = factories.make_user()
    db.session.commit()
    path = "/auth/reset/" + services.make_reset_token(user, app.config["SECRET_KEY"])
    response = client.post(path, data={"password": password, "confirm": password})
    assert response.status_code == 200 and "too easy to guess" in response.get_data(as_text=True)


@pytest.mark.parametrize("password", WEAK)
def test_invitation_acceptance_refuses_a_weak_password(client, db, people, password):
    from lms.orgs import invitations

    _, token = invitations.invite(people["org"], email="new.person@example.org", name="New Person", role="trainee")
    db.session.commit()
    response = client.post(f"/invite/{token}", data={"name": "New Person", "password": password, "confirm": password})
    assert response.status_code == 200 and "too easy to guess" in response.get_data(as_text=True)
    assert services.find_user_by_email("new.person@example.org") is None
