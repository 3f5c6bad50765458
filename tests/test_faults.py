"""Faults: PostgreSQL restarted under load (the app recovers without a restart of its own), and Redis
killed and brought back (jobs run inline while it is down; jobs queued before the crash still run).

The PostgreSQL test needs TEST_DATABASE_URL on PostgreSQL, `pg_ctlcluster` and root; it serves its
own database and always leaves the cluster running. In CI (CI=true) a missing tool fails instead of
skipping.
"""

import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa

from bench.measure import free_port
from lms import jobs
from lms.models import Organization, Role
from tests import factories
from tests.conftest import TEST_DATABASE_URL
from tests.test_load import live

IN_CI = os.environ.get("CI", "").lower() == "true"


def _require(condition: bool, reason: str, *, in_ci: bool = True) -> None:
    if condition:
        return
    if IN_CI and in_ci:
        pytest.fail(f"CI must run this fault test: {reason}")
    pytest.skip(reason)


# -- PostgreSQL restarted under load ----------------------------------------------------------------


def _cluster_version() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if p.is_dir())
    return versions[-1]


def _pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], timeout=10).returncode == 0


def _ensure_cluster_up(version: str) -> None:
    if not _pg_ready():
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], timeout=60)
    deadline = time.monotonic() + 60
    while not _pg_ready() and time.monotonic() < deadline:
        time.sleep(0.5)


def test_app_recovers_by_itself_after_postgresql_restarts_under_load(tmp_path):
    _require(TEST_DATABASE_URL.startswith("postgresql"), "needs TEST_DATABASE_URL on PostgreSQL", in_ci=False)
    _require(shutil.which("pg_ctlcluster") is not None and Path("/etc/postgresql").is_dir(),
             "needs pg_ctlcluster (Debian's postgresql-common)")
    _require(os.geteuid() == 0, "restarting the cluster needs root")
    version = _cluster_version()

    def seed():
        from lms.certificates.issuance import issue_certificate

        version_row = factories.make_certifying_course()
        with pytest.MonkeyPatch.context() as patch:
            factories.stub_certificate_pdfs(patch)
            holders = [factories.make_user(Role.TRAINEE) for _ in range(5)]
            for holder in holders:
                factories.complete_course(holder, version_row)
            return [issue_certificate(holder, version_row).number for holder in holders]

    try:
        with live(tmp_path, "faults", seed, workers=2, threads=4) as (base, app, numbers):
            outcomes: list[tuple[float, int | str]] = []  # (time, status or error)
            stop = threading.Event()

            def hammer(slot: int) -> None:
                session = requests.Session()
                i = slot
                deadline = time.monotonic() + 90  # bounded whatever happens
                while not stop.is_set() and time.monotonic() < deadline:
                    i += 1
                    try:
                        response = session.get(f"{base}/api/v1/certificates/{numbers[i % len(numbers)]}", timeout=10)
                        outcomes.append((time.monotonic(), response.status_code))
                    except requests.RequestException as error:
                        outcomes.append((time.monotonic(), type(error).__name__))
                        session = requests.Session()
                    time.sleep(0.01)

            threads = [threading.Thread(target=hammer, args=(slot,)) for slot in range(4)]
            for thread in threads:
                thread.start()
            time.sleep(2)
            restart_began = time.monotonic()
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                           check=True, timeout=120, capture_output=True)
            _ensure_cluster_up(version)
            restart_ended = time.monotonic()
            time.sleep(4)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)

            grace = 2.0  # connections that were mid-request when the server went away
            before = [o for t, o in outcomes if t < restart_began]
            during = [o for t, o in outcomes if restart_began <= t <= restart_ended + grace]
            after = [o for t, o in outcomes if t > restart_ended + grace]
            assert before and all(o == 200 for o in before), set(before)
            assert len(after) >= 20, f"too few requests after the restart: {len(after)}"
            assert all(o == 200 for o in after), f"errors after the restart: {set(after)} (during: {set(during)})"
    finally:
        _ensure_cluster_up(version)
    assert _pg_ready()


# -- Redis killed, then back ------------------------------------------------------------------------


def create_org(name: str) -> None:
    from lms.extensions import db

    db.session.add(Organization(name=name))


class RedisServer:
    """A throwaway redis-server on a free loopback port, persisting every write (AOF, fsync always)."""

    def __init__(self, directory: Path):
        self.directory, self.port, self.process = directory, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                # The AOF is loaded once the server answers PING (it loads before accepting commands).
                break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    _require(shutil.which("redis-server") is not None, "needs redis-server (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


@pytest.fixture
def app_config(request):
    if "redis_server" in request.fixturenames:
        server = request.getfixturevalue("redis_server")
        return {"REDIS_URL": server.url, "JOB_QUEUE": f"faults-{uuid.uuid4().hex[:8]}", "JOB_RETRY_INTERVALS": [0],
                "JOB_REDIS_RETRY_AFTER": 0}
    return {}


def test_redis_crash_loses_no_job_queued_before_it_and_runs_new_ones_inline(app, db, redis_server, caplog):
    db.session.commit()
    jobs.enqueue(create_org, "Queued Before The Crash")
    assert jobs.get_queue(app).count == 1

    redis_server.kill()
    caplog.set_level("WARNING", logger="lms.jobs")
    jobs.enqueue(create_org, "Done Inline While Down")  # runs now, in this transaction
    db.session.commit()
    assert "unreachable" in caplog.text
    names = set(db.session.scalars(sa.select(Organization.name)))
    assert "Done Inline While Down" in names and "Queued Before The Crash" not in names

    redis_server.start()  # same port, same folder: the append-only file brings the queue back
    assert jobs.get_queue(app).count == 1
    jobs.make_worker(app, simple=True).work(burst=True, logging_level="WARNING")
    db.session.expire_all()
    names = set(db.session.scalars(sa.select(Organization.name)))
    assert {"Queued Before The Crash", "Done Inline While Down"} <= names
