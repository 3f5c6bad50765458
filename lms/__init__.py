"""PeerCert: training and certification for mental-health peer support specialists."""

import os
import secrets
import warnings
from pathlib import Path

from flask import Flask

from lms.config import Config, from_environment
from lms.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("LMS_INSTANCE_PATH")
    app = Flask(
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
    return app


def configure_paths(app: Flask) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'lms.sqlite3'}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    if not app.config.get("COURSES_DIR"):
        app.config["COURSES_DIR"] = str(Path(app.root_path).parent / "courses")
    if not app.config.get("DATA_DIR"):
        app.config["DATA_DIR"] = str(instance / "files")
    if not app.config.get("KEYS_DIR"):
        app.config["KEYS_DIR"] = str(instance / "keys")
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]


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
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to open that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from lms.auth.services import load_user_from_session

    login_manager.user_loader(load_user_from_session)


def register_blueprints(app: Flask) -> None:
    from lms import auth, main

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp, url_prefix="/auth")


def register_error_handlers(app: Flask) -> None:
    from lms.errors import register_error_handlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from lms.templating import register

    register(app)


def register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; media-src 'self'; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    )

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if app.config["PRODUCTION"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def register_cli(app: Flask) -> None:
    from lms.cli import register

    register(app)
