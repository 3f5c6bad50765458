"""PeerCert: training and certification for mental-health peer support specialists."""

import os
import secrets
import warnings
from pathlib import Path

from flask import Flask, g, request, session

from lms.config import Config, from_environment
from lms.extensions import babel, csrf, db, limiter, login_manager, migrate
from lms.inputs import CleanRequest, InputMap


class PeerCertFlask(Flask):
    """Flask, remembering which hooks and views are plain functions (with FAST_PATHS only).

    Flask asks `inspect.iscoroutinefunction` about every hook, view and teardown function on every
    request (seven times for a verification API call); the answer never changes.
    """

    request_class = CleanRequest  # query strings without control characters (lms.inputs)
    url_map_class = InputMap  # bounded integers, no control characters in URL segments

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synchronous: set = set()

    def ensure_sync(self, func):
        if not self.config.get("FAST_PATHS"):
            return super().ensure_sync(func)
        try:
            if func in self._synchronous:
                return func
        except TypeError:  # an unhashable callable: ask each time
            return super().ensure_sync(func)
        result = super().ensure_sync(func)
        if result is func and len(self._synchronous) < 1000:  # hooks and views: a fixed few hundred
            self._synchronous.add(func)
        return result


def create_app(config: dict | None = None) -> Flask:
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("LMS_INSTANCE_PATH")
    app = PeerCertFlask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
        instance_path=str(instance_path) if instance_path else None,
    )
    app.config.from_object(Config)
    app.config.from_prefixed_env()  # FLASK_* variables
    app.config.update(from_environment())
    if config:
        app.config.update(config)
    configure_paths(app)
    configure_secret_key(app)
    configure_production(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_cli(app)
    configure_proxy(app)
    return app


def configure_paths(app: Flask) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'lms.sqlite3'}"
    # A copy: the defaults' dict belongs to the Config class, shared by every app of the process.
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options.setdefault("pool_pre_ping", True)  # a server may close idle connections; a file cannot
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("COURSES_DIR"):
        app.config["COURSES_DIR"] = str(Path(app.root_path).parent / "courses")
    if not app.config.get("DATA_DIR"):
        app.config["DATA_DIR"] = str(instance / "files")
    if not app.config.get("KEYS_DIR"):
        app.config["KEYS_DIR"] = str(instance / "keys")
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
        # Redis down must not take logins down: count in memory until it is back.
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """File-based SQLite (local use, one host, benchmarks): readers never wait for the writer (WAL), and
    a commit does not wait for the disk each time (synchronous=NORMAL: safe with WAL, an OS crash may
    lose the last commits, never corrupt the file)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def configure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config["PRODUCTION"]:
        raise RuntimeError("SECRET_KEY must be set in production: refusing to start without it.")
    # Local use: generate one key, once, and keep it in the instance folder.
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def configure_production(app: Flask) -> None:
    if not app.config["PRODUCTION"]:
        return
    app.config.update(
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PREFERRED_URL_SCHEME="https",
    )
    if not app.config["RATELIMIT_ENABLED"]:
        message = (
            "RATELIMIT_ENABLED=false in production: login throttling and API limits are OFF. "
            "Use this only for benchmarks."
        )
        app.logger.warning("!" * 20 + " " + message + " " + "!" * 20)
        warnings.warn(message, RuntimeWarning, stacklevel=2)


def register_extensions(app: Flask) -> None:
    from lms.sessions import session_interface_for

    app.session_interface = session_interface_for(app)
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        import sqlalchemy as sa

        with app.app_context():
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)  # this app's engine, no other
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    from lms import i18n

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to open that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from lms.auth.sessions import load_user

    login_manager.user_loader(load_user)

    from lms import jobs
    from lms.certificates import verification_log

    jobs.init_app(app)
    verification_log.init_app(app)


def register_blueprints(app: Flask) -> None:
    from lms import auth, main

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp, url_prefix="/auth")
    from lms.learning.views import bp as learning_bp

    app.register_blueprint(learning_bp, url_prefix="/courses")
    from lms.roleplay.views import bp as roleplay_bp

    app.register_blueprint(roleplay_bp)  # /roleplays (trainees) and /grading (supervisors, administrators)
    from lms.api.views import bp as api_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.continuing.views import bp as continuing_bp

    # /verify, /certificates/..., /my/certificates, /issuer, /.well-known
    app.register_blueprint(certificates_bp)
    app.register_blueprint(continuing_bp)  # /my/continuing-education, /continuing-education/...
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    from lms.admin.views import bp as admin_bp
    from lms.orgs import api_key_views  # noqa: F401 (its routes, /org/api-keys, are on the orgs blueprint)
    from lms.orgs.views import bp as orgs_bp
    from lms.practice.views import bp as practice_bp
    from lms.records.views import bp as records_bp

    app.register_blueprint(orgs_bp)  # /org/people, /org/cohorts, /org/... exports, and the public /invite/<token>
    app.register_blueprint(practice_bp, url_prefix="/hours")
    app.register_blueprint(records_bp, url_prefix="/records")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    from lms.item_analysis.views import bp as item_analysis_bp
    from lms.requirements_views import bp as requirements_bp

    app.register_blueprint(item_analysis_bp, url_prefix="/item-analysis")
    app.register_blueprint(requirements_bp)  # /courses/<slug>/requirements, /active-time
    from lms.exams import staff_views  # noqa: F401 - its routes join the exams blueprint
    from lms.exams.views import bp as exams_bp

    app.register_blueprint(exams_bp, url_prefix="/exams")  # trainees' exams; /exams/cohorts for staff
    from lms.live.views import bp as live_bp  # imported before ethics: requirements are listed in that order

    app.register_blueprint(live_bp, url_prefix="/live")  # a trainee's sessions and calendar; /live/cohorts for staff
    from lms.ethics.views import bp as ethics_bp

    app.register_blueprint(ethics_bp, url_prefix="/ethics")
    from lms.sso.views import bp as sso_bp

    app.register_blueprint(sso_bp, url_prefix="/sso")  # sign-in through an organization's identity provider
    from lms.xapi.views import bp as xapi_bp  # registering it connects its signal receivers

    app.register_blueprint(xapi_bp, url_prefix="/org/xapi")  # an organization's LRS settings and statements
    from lms.i18n.views import bp as i18n_bp
    from lms.lti.views import bp as lti_bp

    app.register_blueprint(i18n_bp)  # POST /language, the footer's language switcher
    app.register_blueprint(lti_bp)  # /lti/... (launches, key set, platforms, rosters), /.well-known/lti-jwks.json


def register_error_handlers(app: Flask) -> None:
    from lms.errors import register_error_handlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from lms.templating import register

    register(app)


def register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; media-src 'self'; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    )

    defaults = [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ]
    hsts = ("Strict-Transport-Security", "max-age=31536000")

    from lms.lti.framing import frame_origins

    @app.after_request
    def security_headers(response):
        # Each header unless the view set its own (a `setdefault` each, but one pass over the headers:
        # werkzeug's lookup of an absent header raises and catches a KeyError).
        present = set(response.headers.keys(lower=True))
        headers = [*defaults, hsts] if app.config["PRODUCTION"] else defaults
        framing = frame_origins()
        if framing:  # a session launched from an LTI platform: its pages open in that platform's iframe
            headers = [("Content-Security-Policy",
                        csp.replace("frame-ancestors 'none'", "frame-ancestors " + " ".join(framing)))]
            headers += [(name, value) for name, value in defaults[1:] if name != "X-Frame-Options"]
            headers += [hsts] if app.config["PRODUCTION"] else []
        for name, value in headers:
            if name.lower() not in present:
                response.headers.add(name, value)
        if holds_personal_data(app) and "no-store" not in (response.headers.get("Cache-Control") or ""):
            response.headers["Cache-Control"] = "no-store"
        return response


# Files that are the same for everyone who may see them, and may be cached even when signed in.
SHAREABLE_ENDPOINTS = frozenset({"static", "learning.asset"})
# Downloads that name a person, whoever asks (a certificate is public, but it is still someone's).
PERSONAL_FILE_ENDPOINTS = frozenset({"certificates.pdf", "certificates.credential_json",
                                     "certificates.credential_jwt"})


def holds_personal_data(app: Flask) -> bool:
    """Whether this request's response must not be stored by a browser or proxy: every answer to a
    signed-in person (pages with transcripts, grades, records and hours, and their downloads), and
    every certificate download. Public pages and files for anonymous visitors stay cacheable."""
    endpoint = request.endpoint
    if endpoint in SHAREABLE_ENDPOINTS:
        return False
    if endpoint in PERSONAL_FILE_ENDPOINTS:
        return True
    user = g.get("_login_user")  # flask-login's user, when the request looked at it
    if user is not None:
        return bool(user.is_authenticated)
    if "HTTP_COOKIE" not in request.environ:  # no cookie, no one signed in (and no session work)
        return False
    return bool(session.get("_user_id")) or app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def configure_proxy(app: Flask) -> None:
    """Behind a reverse proxy, trust its X-Forwarded-* headers (as many hops as configured).

    PROXY_FIX_X_FOR=1 (client address, used by rate limits and the audit log), PROXY_FIX_X_PROTO=1
    (https links and secure cookies), PROXY_FIX_X_HOST, PROXY_FIX_X_PORT, PROXY_FIX_X_PREFIX: each
    the number of proxies in front of the app; 0 (the default) trusts none.
    """
    hops = {name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0)
            for name in ("for", "proto", "host", "port", "prefix")}
    if any(hops.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{name}": count for name, count in hops.items()})


def register_cli(app: Flask) -> None:
    from lms.cli import register

    register(app)
