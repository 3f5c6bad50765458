import os
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import has_request_context
from flask.testing import FlaskClient
from sqlalchemy.pool import StaticPool

from lms import create_app
from lms.extensions import db as _db
from lms.models import Role
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
# FAST_PATHS for the apps the tests build: `pytest --fast-paths=off` (or TEST_FAST_PATHS=off) runs the whole
# suite on plain Flask and one SQLAlchemy session per request; CI runs SQLite with them, PostgreSQL without.
FAST_PATHS_VARIABLE = "TEST_FAST_PATHS"


def pytest_addoption(parser):
    parser.addoption("--fast-paths", choices=["on", "off"], default=None,
                     help="build the test apps with FAST_PATHS on (the default) or off")
    parser.addoption("--raise-on-lazy-load", action="store_true", default=False,
                     help="every test fails on an N+1 (a relationship lazily loaded row by row), not only those marked")


def pytest_configure(config):
    config.addinivalue_line("markers", "no_lazy_loads: a relationship lazily loaded row by row in a request fails")
    if config.getoption("--fast-paths"):
        os.environ[FAST_PATHS_VARIABLE] = config.getoption("--fast-paths")


def fast_paths() -> bool:
    return os.environ.get(FAST_PATHS_VARIABLE, "on").lower() != "off"
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


def make_config(tmp_path: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "memory",
        "LMS_BASE_URL": "http://localhost",
        "DATA_DIR": str(tmp_path / "files"),
        "KEYS_DIR": str(tmp_path / "keys"),
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "VERIFICATION_LOG_BUFFER": 0,  # lookups are logged in the request's transaction: visible at once
        "FAST_PATHS": fast_paths(),
    }
    if TEST_DATABASE_URL.startswith("sqlite"):
        # One in-memory database shared by every connection of this app.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    config.update(overrides)
    return config


def own_database_url(folder: Path, name: str) -> str:
    """A database apart from the tests' one, for a live server (browser and load tests), so that the
    per-test reset never pulls it from under the server: a file in `folder`, or `<test db>_<name>` on
    the PostgreSQL server, created if missing."""
    if not is_postgres():
        return f"sqlite:///{folder / f'{name}.sqlite3'}"
    import sqlalchemy as sa

    url = sa.make_url(TEST_DATABASE_URL)
    database = f"{url.database}_{name}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}):
            connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


class FreshContextClient(FlaskClient):
    """Each request gets its own application context (and so its own `g` and database session),
    as in production, even though the test itself holds one open for its factories."""

    def open(self, *args, **kwargs):
        _db.session.flush()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()  # the test sees what the request wrote, not stale copies
        return response


@pytest.fixture
def app_config(tmp_path):
    """Override in a test module to change settings before the app is built."""
    return {}


class LazyLoad(AssertionError):
    """One relationship was loaded lazily for several rows, a query each: an N+1."""


_LAZY_LOADS = "tests_lazy_loads"


N_PLUS_ONE = 3  # the same relationship lazily loaded for this many different rows in one request fails


def _raise_on_repeated_lazy_load(orm_execute_state) -> None:
    """A relationship lazily loaded (with SQL) for several different rows of one request fails: that is
    a loop loading it row by row. One object's page (and its reload after a commit) passes, as do loads
    found in the identity map (no SQL) and eager loads (selectin, joined). Only requests count: a test's
    own checks may reload what a request changed."""
    if not orm_execute_state.is_select or orm_execute_state.lazy_loaded_from is None or not has_request_context():
        return
    path = str(orm_execute_state.loader_strategy_path)
    parents = orm_execute_state.session.info.setdefault(_LAZY_LOADS, {}).setdefault(path, set())
    parents.add(orm_execute_state.lazy_loaded_from.identity)
    if len(parents) >= N_PLUS_ONE:
        raise LazyLoad(f"{path} loaded lazily for {len(parents)} rows in one request: load it eagerly "
                       f"(selectinload/joinedload) in the query that fetched the rows")


@pytest.fixture
def app(tmp_path, app_config, request):
    app = create_app(make_config(tmp_path, **app_config))
    app.test_client_class = FreshContextClient
    strict = (request.node.get_closest_marker("no_lazy_loads") is not None
              or request.config.getoption("--raise-on-lazy-load"))
    if strict:
        sa.event.listen(so.Session, "do_orm_execute", _raise_on_repeated_lazy_load)
    try:
        with app.app_context():
            fresh_schema()
            yield app
            _db.session.remove()
            if not is_postgres():
                _db.drop_all()
            _db.engine.dispose()
    finally:
        if strict:
            sa.event.remove(so.Session, "do_orm_execute", _raise_on_repeated_lazy_load)


def fresh_schema() -> None:
    """An empty schema for each test.

    SQLite in memory is new for every app, so creating it is cheap. On PostgreSQL the schema is
    created once and emptied with DELETEs per test, which is much faster than dropping and
    creating every table; if a test dropped tables (the migration test does), it is rebuilt.
    """
    import sqlalchemy as sa

    if not is_postgres():
        _db.create_all()
        return
    if not _PG_SCHEMA_BUILT:
        _rebuild_pg_schema()
        return
    # DELETE is far cheaper than TRUNCATE on many small tables (TRUNCATE pays a fixed cost per table).
    try:
        with _db.engine.begin() as connection:
            # A connection an earlier test leaked inside an open transaction would hold locks
            # and hang this test: no other test runs now, so end such leftovers.
            connection.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"))
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
    except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
        _rebuild_pg_schema()


_PG_SCHEMA_BUILT = False


def _rebuild_pg_schema() -> None:
    """Drop whatever a previous run or test left and build the current models' schema."""
    import sqlalchemy as sa

    global _PG_SCHEMA_BUILT
    with _db.engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    _db.create_all()
    _PG_SCHEMA_BUILT = True


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = factories.PASSWORD, follow_redirects: bool = False):
        return self.client.post(
            "/auth/login",
            data={"email": user.email, "password": password},
            follow_redirects=follow_redirects,
        )

    def logout(self):
        return self.client.post("/auth/logout")

    def switch_to(self, user):
        """Log out whoever is signed in, then log in as `user`."""
        self.logout()
        return self.login(user)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def people(db):
    """One person of each role, in one organization, with a cohort; plus an outsider supervisor."""
    org = factories.make_org("Riverside")
    other_org = factories.make_org("Elsewhere")
    trainee = factories.make_user(Role.TRAINEE, org=org)
    supervisor = factories.make_user(Role.SUPERVISOR, org=org)
    other_supervisor = factories.make_user(Role.SUPERVISOR, org=org)
    outsider_supervisor = factories.make_user(Role.SUPERVISOR, org=other_org)
    org_admin = factories.make_user(Role.ORG_ADMIN, org=org)
    admin = factories.make_user(Role.ADMIN)
    cohort = factories.make_cohort(org, supervisors=[supervisor], trainees=[trainee])
    factories.make_cohort(org, supervisors=[other_supervisor])
    db.session.commit()
    return {
        "org": org, "other_org": other_org, "trainee": trainee, "supervisor": supervisor,
        "other_supervisor": other_supervisor, "outsider_supervisor": outsider_supervisor,
        "org_admin": org_admin, "admin": admin, "cohort": cohort,
    }


@pytest.fixture(scope="session", autouse=True)
def memoized_lesson_rendering():
    """Render each lesson once per test session: the suite syncs the same course files many times.

    `render_lesson` is pure given the lesson and the URLs its links resolve to, so the key holds both.
    """
    from lms.learning import sync

    rendered: dict[tuple, str] = {}
    render = sync.render_lesson

    def memoized(lesson, module_url, asset_url):
        key = (lesson.source, lesson.markdown, lesson.images, module_url("-"), asset_url("-"))
        if key not in rendered:
            rendered[key] = render(lesson, module_url, asset_url)
        return rendered[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sync, "render_lesson", memoized)
        yield


@pytest.fixture(scope="session")
def shipped_courses():
    """The shipped courses (courses/), parsed and validated once per test session."""
    from lms.content.loader import load_courses

    result = load_courses(ROOT / "courses")
    if result.errors:
        pytest.fail("the shipped courses fail `courses check`:\n" + "\n".join(str(e) for e in result.errors))
    return result


@pytest.fixture
def courses(db, shipped_courses):
    """The shipped courses synced into this test's database: {course slug: live CourseVersion}."""
    from lms.learning.sync import sync_courses

    outcomes, refusals = sync_courses(shipped_courses.courses)
    assert not refusals, refusals
    db.session.commit()
    return {outcome.slug: outcome.course_version for outcome in outcomes}


# --- certificates ----------------------------------------------------------------------------------
# A module that issues certificates overrides `app_config` with `module_keys_dir` and marks itself
# `pytestmark = pytest.mark.usefixtures("quick_pdfs")`.


@pytest.fixture(scope="module")
def module_keys_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("keys")  # one key pair for the module: RSA key generation is slow


@pytest.fixture
def quick_pdfs(request, monkeypatch):
    """WeasyPrint replaced by a stand-in PDF, unless the test also asks for `real_pdfs`."""
    if "real_pdfs" not in request.fixturenames:
        factories.stub_certificate_pdfs(monkeypatch)


@pytest.fixture
def real_pdfs():
    """This test reads the PDF: render it with WeasyPrint."""
