"""The apps the benchmark drives: databases to seed, the app on each, its gunicorn environment, and
URLs resolved from the seeded data."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench.report import NOT_PRESENT
from bench.seed import PASSWORD, Seeded, seed

SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway key for a local benchmark

@dataclass
class Database:
    size_name: str
    url: str
    instance: Path


def database_urls(workdir: Path) -> dict[str, str]:
    base = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not base:
        return {name: f"sqlite:///{workdir / f'bench-{name}.sqlite3'}" for name in ("small", "large")}
    url = sa.make_url(base)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit("BENCH_DATABASE_URL must be a PostgreSQL URL (SQLite is the default)")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    urls = {}
    with engine.connect() as connection:
        for name in ("small", "large"):
            database = f"{url.database}_bench_{name}"
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database})
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
            urls[name] = url.set(database=database).render_as_string(hide_password=False)
    engine.dispose()
    return urls


def app_config(url: str, instance: Path) -> dict:
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": SECRET_KEY,
        "INSTANCE_PATH": str(instance),
        "DATA_DIR": str(instance / "files"),
        "KEYS_DIR": str(instance / "keys"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "MAIL_BACKEND": "memory",
        "LMS_BASE_URL": "http://127.0.0.1",
    }
    if url.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    return config


def server_env(url: str, instance: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "LMS_INSTANCE_PATH": str(instance),
        "DATA_DIR": str(instance / "files"),
        "FLASK_KEYS_DIR": str(instance / "keys"),
        "RATELIMIT_ENABLED": "false",
        "REDIS_URL": "",
        "LMS_BASE_URL": "http://127.0.0.1",
        "LMS_ENV": "development",
    }


def build_app(url: str, instance: Path):
    from lms import create_app

    return create_app(app_config(url, instance))


def seed_database(url: str, instance: Path, size, password_hash: str) -> Seeded:
    app = build_app(url, instance)
    with app.app_context():
        from lms.extensions import db

        seeded = seed(app, size, password_hash=password_hash)
        if url.startswith("sqlite"):
            # Several gunicorn processes share the file: readers must not wait for the writer.
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        elif url.startswith("postgresql"):
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()
    return seeded



def resolve(app, endpoints: list[str], values: dict) -> tuple[str | None, str]:
    """The URL of the first endpoint present whose parameters we can fill, or (None, why not)."""
    present = [e for e in endpoints if e in app.view_functions]
    if not present:
        return None, NOT_PRESENT
    adapter = app.url_map.bind("127.0.0.1")
    for endpoint in present:
        for rule in app.url_map.iter_rules(endpoint):
            if "GET" not in (rule.methods or ()):
                continue
            missing = [a for a in rule.arguments if a not in values]
            if missing:
                continue
            return adapter.build(endpoint, {a: values[a] for a in rule.arguments}), endpoint
    return None, f"n/a ({present[0]} needs parameters the bench does not seed)"


def login(client, email: str) -> None:
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"could not log in as {email}: HTTP {response.status_code}")
