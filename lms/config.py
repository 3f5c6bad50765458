"""Configuration defaults; deployments override them through the environment."""

import os


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


class Config:
    """Defaults for local use. `create_app` overlays the environment, then a test mapping."""

    SQLALCHEMY_DATABASE_URI: str | None = None  # None: SQLite file in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}  # create_app adds pool_pre_ping for server databases
    # The shortcuts kept for speed, all behind this one switch (README, "Fast paths"): the verification
    # log written in batches by a background thread, the session interface that skips cookie-less
    # requests, the cache of Flask's per-request coroutine checks, and `lms.prepared` reads on a
    # connection of the thread's own. False: plain Flask and one SQLAlchemy session per request.
    FAST_PATHS = True
    SECRET_KEY: str | None = None  # None: generated once into the instance folder (not in production)
    LMS_BASE_URL = "http://127.0.0.1:5000"
    LMS_PROGRAM_NAME = "PeerCert Training Program"
    REDIS_URL: str | None = None
    PRODUCTION = False
    COURSES_DIR: str | None = None  # None: the courses/ folder beside the package
    DATA_DIR: str | None = None  # stored files (PDFs, recordings); None: instance/files
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; long lessons must not expire forms
    MAX_CONTENT_LENGTH = 210 * 1024 * 1024  # the largest recording plus form overhead
    RECORDING_MAX_BYTES = 200 * 1024 * 1024
    EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    RECORDING_RETENTION_DAYS = 90
    SECOND_MARKING_SHARE = 0.10
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    MAIL_BACKEND = "console"  # console | file | smtp
    MAIL_FILE_DIR: str | None = None
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = True
    MAIL_SENDER = "PeerCert <no-reply@localhost>"
    REGISTRATION_REQUIRES_INVITE_CODE = False
    SSO_ALLOW_PRIVATE_PROVIDERS = False  # production: an identity provider inside the server's own network
    SSO_HTTP_TIMEOUT = 5  # seconds for each call to an identity provider (discovery, token, keys, userinfo)
    SECRET_BOX_KEYS: str | None = None  # Fernet keys for stored secrets (lms/secret_box.py); None: a key file
    ERASURE_KEEP_CERTIFICATE_NAME = True  # keep the holder's name on certificates after erasure
    BABEL_DEFAULT_LOCALE = "en"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"


def from_environment() -> dict:
    """The settings the environment names explicitly (see README)."""
    env = os.environ
    settings: dict = {}
    if env.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    for name in ("SECRET_KEY", "LMS_BASE_URL", "REDIS_URL", "COURSES_DIR", "DATA_DIR"):
        if env.get(name):
            settings[name] = env[name]
    if "FAST_PATHS" in env:
        settings["FAST_PATHS"] = _bool(env["FAST_PATHS"], True)
    if "RATELIMIT_ENABLED" in env:
        settings["RATELIMIT_ENABLED"] = _bool(env["RATELIMIT_ENABLED"], True)
    if env.get("LMS_ENV", "").lower() == "production" or _bool(env.get("LMS_PRODUCTION"), False):
        settings["PRODUCTION"] = True
    return settings
