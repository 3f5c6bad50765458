"""The application factory, configuration, error pages, headers, CSRF and the CLI."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.models import Organization, Role, User
from tests import factories
from tests.conftest import make_config


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    config = make_config(tmp_path)
    del config["SECRET_KEY"]
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "instance" / "secret_key").exists()


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = make_config(tmp_path, PRODUCTION=True)
    del config["SECRET_KEY"]
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app(config)


def test_production_sets_secure_cookies(tmp_path):
    app = create_app(make_config(tmp_path, PRODUCTION=True))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_warns_loudly_when_rate_limits_are_off(tmp_path):
    with pytest.warns(RuntimeWarning, match="RATELIMIT_ENABLED=false"):
        create_app(make_config(tmp_path, PRODUCTION=True, RATELIMIT_ENABLED=False))


def test_environment_configures_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_BASE_URL", "https://training.example.org")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    config = make_config(tmp_path)
    del config["LMS_BASE_URL"]
    app = create_app(config)
    assert app.config["LMS_BASE_URL"] == "https://training.example.org"
    assert app.config["RATELIMIT_ENABLED"] is False


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = make_config(tmp_path)
    del config["SQLALCHEMY_DATABASE_URI"]
    config.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    app = create_app(config)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'lms.sqlite3'}"


def test_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp  # no inline style= attributes or <style> blocks anywhere
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_scripts_in_pages(client, people, auth):
    auth.login(people["trainee"])
    for url in ("/", "/dashboard", "/auth/account/password"):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page


def test_forms_refuse_a_missing_csrf_token(tmp_path):
    from lms.extensions import db

    app = create_app(make_config(tmp_path, WTF_CSRF_ENABLED=True))
    with app.app_context():
        db.create_all()
        response = app.test_client().post("/auth/login", data={"email": "a@example.org", "password": "x"})
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)
        db.drop_all()
        db.engine.dispose()


def test_500_page_hides_the_stack_trace(app, client):
    @app.get("/boom")
    def boom():
        raise ValueError("secret internals")

    boom.access_rule = "public"
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "secret internals" not in page and "Traceback" not in page


def test_trainee_opening_a_staff_page_gets_the_403_page(client, people, auth):
    from lms.auth.permissions import role_required

    app = client.application

    @app.get("/staff-only")
    @role_required(Role.ADMIN)
    def staff_only():
        return "secret"

    auth.login(people["trainee"])
    response = client.get("/staff-only")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)


def test_navigation_matches_the_role(client, people, auth):
    auth.login(people["trainee"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'aria-label="Main"' in page and "Skip to main content" in page


def test_cli_creates_users(runner, db):
    result = runner.invoke(args=["users", "create", "--email", "Sup@Example.org", "--name", "Sup Er",
                                 "--role", "supervisor", "--organization", "Northside", "--password",
                                 "a-long-password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "sup@example.org"))
    assert user.role == Role.SUPERVISOR and user.organization.name == "Northside"


def test_cli_refuses_a_supervisor_without_organization(runner, db):
    result = runner.invoke(args=["users", "create", "--email", "s@example.org", "--name", "S",
                                 "--role", "supervisor", "--password", "a-long-password"])
    assert result.exit_code != 0 and "--organization" in result.output


def test_cli_refuses_a_duplicate_email(runner, db):
    factories.make_user(email="dup@example.org")
    db.session.commit()
    result = runner.invoke(args=["users", "create", "--email", "dup@example.org", "--name", "D",
                                 "--password", "a-long-password"])
    assert result.exit_code != 0 and "already exists" in result.output


def test_demo_is_idempotent_and_prints_logins(runner, db, courses, monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "trainee@example.org" in first.output and "admin@example.org" in first.output
    count = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 1


def test_the_page_language_comes_from_the_locale(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_no_template_uses_inline_styles():
    """The CSP refuses inline styles, so a style= attribute would silently do nothing."""
    root = Path(__file__).resolve().parents[1] / "templates"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.html")
                 if " style=" in p.read_text(encoding="utf-8") and "pdf" not in p.name]
    assert offenders == []


def test_cli_refuses_a_password_easy_to_guess(runner, db):
    result = runner.invoke(args=["users", "create", "--email", "w@example.org", "--name", "W",
                                 "--password", "password12"])
    assert result.exit_code != 0 and "too easy to guess" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "w@example.org")) is None


def test_fast_paths_are_one_switch(tmp_path):
    """FAST_PATHS off: Flask's own session interface (only its cookie attributes for LTI-framed sessions,
    lms/lti/framing.py) and coroutine checks; on: the shortcuts."""
    from flask.sessions import SecureCookieSessionInterface

    from lms.sessions import CookieSessionInterface, FramedSessionInterface

    plain = create_app(make_config(tmp_path / "plain", FAST_PATHS=False))
    fast = create_app(make_config(tmp_path / "fast", FAST_PATHS=True))
    assert type(plain.session_interface) is FramedSessionInterface
    assert FramedSessionInterface.__bases__ == (SecureCookieSessionInterface,)
    assert set(vars(FramedSessionInterface)) - {"__module__", "__doc__", "__qualname__", "__firstlineno__",
                                                "__static_attributes__"} == {
        "_framed", "get_cookie_samesite", "get_cookie_secure"}
    assert isinstance(fast.session_interface, CookieSessionInterface)
    view = plain.view_functions["main.index"]
    plain.ensure_sync(view)
    assert view not in plain._synchronous
    fast.ensure_sync(fast.view_functions["main.index"])
    assert fast.view_functions["main.index"] in fast._synchronous


@pytest.mark.skipif(not make_config(Path("."))["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"), reason="SQLite only")
def test_sqlite_engine_options_are_kept_and_the_pragmas_listen_on_this_engine_only(tmp_path):
    import sqlalchemy as sa

    from lms import _sqlite_pragmas
    from lms.extensions import db

    app = create_app(make_config(tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"poolclass": sa.pool.StaticPool,
                                                                       "connect_args": {"check_same_thread": False}}))
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["poolclass"] is sa.pool.StaticPool
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    with app.app_context():
        assert sa.event.contains(db.engine, "connect", _sqlite_pragmas)
    assert not sa.event.contains(sa.Engine, "connect", _sqlite_pragmas)
