"""The verification log written in batches, the lean lookup behind the API, and the cheap request path.

The other test modules log synchronously (VERIFICATION_LOG_BUFFER = 0 in tests/conftest.py); this one
turns the buffer on, as in production, and checks that no lookup is lost on the way.
"""

import logging
import runpy
import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from lms.api import serializers
from lms.certificates import issuance, lifecycle, records, verification_log
from lms.models import Certificate, VerificationLog, utcnow
from lms.prepared import PreparedSelect, discard_thread_connection, thread_connection
from tests import factories
from tests.conftest import ROOT, TEST_DATABASE_URL


@pytest.fixture
def app_config():
    # Buffered, without the background thread: a test decides when the buffer is written.
    return {"FAST_PATHS": True, "VERIFICATION_LOG_BUFFER": 100, "VERIFICATION_LOG_FLUSH_SECONDS": 0}


@pytest.fixture(autouse=True)
def quick_pdfs(monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)


@pytest.fixture
def issued(db, people):
    course = factories.make_certifying_course()
    valid = issuance.issue_certificate(people["trainee"], course)
    expired = issuance.issue_certificate(factories.make_user(name="Jordan Rivera"), course,
                                         issued_on=date(2022, 3, 1), expires_on=date(2024, 3, 1))
    revoked = issuance.issue_certificate(factories.make_user(name="Casey Morgan"), course)
    lifecycle.revoke_certificate(revoked, "Issued in error")
    db.session.commit()
    return {"valid": valid, "expired": expired, "revoked": revoked}


def logged(db) -> list[tuple[str, bool, str]]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(VerificationLog).order_by(VerificationLog.id)).all()
    return [(row.number, row.found, row.method) for row in rows]


def test_buffered_lookups_are_written_when_the_buffer_is_flushed(app, client, db, issued):
    number = issued["valid"].number
    assert client.get(f"/api/v1/certificates/{number}").status_code == 200
    assert client.get("/api/v1/certificates/PSS-0000-0000-0000-0").status_code in (400, 404)
    assert client.post("/api/v1/verifications", json={"numbers": [number]}).status_code == 200
    assert logged(db) == [] and verification_log.pending(app) == 3

    assert verification_log.flush(app) == 3
    assert verification_log.pending(app) == 0
    rows = logged(db)
    assert rows[0] == (number, True, "api") and rows[2] == (number, True, "bulk")
    assert rows[1][1:] == (False, "api")
    log_row = db.session.scalars(sa.select(VerificationLog).order_by(VerificationLog.id)).first()
    assert log_row.ip == "127.0.0.1" and log_row.created_at is not None


@pytest.mark.parametrize("app_config", [{"FAST_PATHS": True, "VERIFICATION_LOG_BUFFER": 2,
                                        "VERIFICATION_LOG_FLUSH_SECONDS": 0}])
def test_a_full_buffer_is_written_at_once(app, client, db, issued, app_config):
    url = f"/api/v1/certificates/{issued['valid'].number}"
    client.get(url)
    assert logged(db) == []
    client.get(url)  # the second row fills the buffer
    assert len(logged(db)) == 2 and verification_log.pending(app) == 0


def test_a_failed_flush_keeps_its_rows_for_the_next_one(app, client, db, issued, monkeypatch, caplog):
    url = f"/api/v1/certificates/{issued['valid'].number}"
    client.get(url)
    client.get(url)

    def database_down(app, rows):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    with monkeypatch.context() as patch:
        patch.setattr(verification_log, "write_rows", database_down)
        with caplog.at_level(logging.ERROR, logger="lms.certificates.verification_log"):
            assert verification_log.flush(app) == 0
    assert "kept for the next flush" in caplog.text
    assert verification_log.pending(app) == 2 and logged(db) == []

    client.get(url)  # a lookup while rows wait: the order of the log is kept
    assert verification_log.flush(app) == 3
    assert len(logged(db)) == 3


def test_a_row_the_database_refuses_is_reported_and_the_others_are_written(app, db, caplog):
    good = {"number": "PSS-AAAA-BBBB-CCCC-D", "found": False, "method": "api", "api_key_id": None, "ip": None,
            "created_at": utcnow()}
    refused = {**good, "number": None}  # NOT NULL
    buffer = verification_log.buffer_for(app)
    buffer.add([good, refused, {**good, "method": "bulk"}])
    with caplog.at_level(logging.ERROR, logger="lms.certificates.verification_log"):
        assert verification_log.flush(app) == 2
    assert "refuses this row" in caplog.text and "'number': None" in caplog.text
    assert [row[2] for row in logged(db)] == ["api", "bulk"] and verification_log.pending(app) == 0


def test_rows_beyond_the_limit_are_dropped_oldest_first_with_an_error(app, db, caplog):
    app.config["VERIFICATION_LOG_MAX_PENDING"] = 3
    app.extensions.pop("lms_verification_log", None)
    buffer = verification_log.buffer_for(app)
    rows = [{"number": f"N{i}", "found": False, "method": "api", "api_key_id": None, "ip": None,
             "created_at": utcnow()} for i in range(5)]
    with caplog.at_level(logging.ERROR, logger="lms.certificates.verification_log"):
        buffer.add(rows)
    assert "2 rows dropped" in caplog.text
    assert [row["number"] for row in buffer.rows] == ["N2", "N3", "N4"]
    buffer.rows.clear()


@pytest.mark.parametrize("app_config", [{"FAST_PATHS": True, "VERIFICATION_LOG_BUFFER": 1000,
                                        "VERIFICATION_LOG_FLUSH_SECONDS": 0.05}])
def test_the_background_thread_writes_the_buffer_within_its_interval(app, client, db, issued, app_config):
    client.get(f"/api/v1/certificates/{issued['valid'].number}")
    buffer = verification_log.buffer_for(app)
    deadline = time.monotonic() + 10
    while verification_log.pending(app) and time.monotonic() < deadline:
        time.sleep(0.02)
    buffer.close()  # stop the thread before the test's app goes away
    assert logged(db) == [(issued["valid"].number, True, "api")]
    assert not buffer.thread.is_alive()


def test_the_gunicorn_worker_exit_hook_writes_what_is_left(app, client, db, issued):
    client.get(f"/api/v1/certificates/{issued['valid'].number}")
    assert logged(db) == []
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings["worker_exit"](None, None)
    assert logged(db) == [(issued["valid"].number, True, "api")]


@pytest.mark.parametrize("app_config", [{"VERIFICATION_LOG_BUFFER": 0}])
def test_without_a_buffer_each_lookup_is_written_in_the_request(client, db, issued, app_config):
    client.get(f"/api/v1/certificates/{issued['valid'].number}")
    assert logged(db) == [(issued["valid"].number, True, "api")]


# -- the API's answer is the certificate's own ------------------------------------------------------


def test_the_lean_lookup_answers_exactly_what_the_certificate_says(app, client, db, issued):
    """The API reads a few columns without the ORM: its JSON is the one built from the model."""
    for certificate in issued.values():
        response = client.get(f"/api/v1/certificates/{certificate.number}")
        row = db.session.get(Certificate, certificate.id)
        with app.test_request_context():
            expected = serializers.certificate(row, records.status_of(row))
        assert response.status_code == 200 and response.json == expected
    assert {client.get(f"/api/v1/certificates/{c.number}").json["status"] for c in issued.values()} == {
        "valid", "expired", "revoked"}


def test_the_lookup_reads_the_database_every_time(app, client, db, issued):
    certificate = issued["valid"]
    url = f"/api/v1/certificates/{certificate.number}"
    assert client.get(url).json["holder_name"] == certificate.holder_name
    db.session.execute(sa.update(Certificate).where(Certificate.id == certificate.id)
                       .values(holder_name="Renamed Holder", revoked_at=utcnow()))
    db.session.commit()
    answer = client.get(url).json
    assert answer["holder_name"] == "Renamed Holder" and answer["status"] == "revoked"


def test_an_api_answer_sets_no_cookie_and_keeps_the_security_headers(client, issued):
    response = client.get(f"/api/v1/certificates/{issued['valid'].number}")
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Vary"] == "Cookie"


# -- PreparedSelect on a pooled engine (a file, or the PostgreSQL test database) ---------------------


@pytest.fixture
def pooled_engine(tmp_path):
    url = TEST_DATABASE_URL if TEST_DATABASE_URL.startswith("postgresql") else f"sqlite:///{tmp_path / 'p.sqlite3'}"
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = sa.Table("prepared_probe", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("name", sa.String(40)), sa.Column("day", sa.Date))
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": 1, "name": "one", "day": date(2026, 1, 2)},
                                            {"id": 2, "name": "two", "day": None}])
    yield engine, table
    discard_thread_connection()
    metadata.drop_all(engine)
    engine.dispose()


def test_a_prepared_select_gives_the_same_rows_as_core(pooled_engine):
    engine, table = pooled_engine
    statement = sa.select(table.c.name, table.c.day).where(table.c.id == sa.bindparam("id"))
    prepared = PreparedSelect(statement)
    for key in (1, 2, 3):
        with engine.connect() as connection:
            expected = [tuple(row) for row in connection.execute(statement, {"id": key})]
        rows = prepared.all(engine, id=key)
        assert [tuple(row) for row in rows] == expected
    assert prepared.all(engine, id=1)[0].day == date(2026, 1, 2)


def test_a_prepared_select_replaces_a_dropped_connection(pooled_engine):
    engine, table = pooled_engine
    prepared = PreparedSelect(sa.select(table.c.name).where(table.c.id == sa.bindparam("id")))
    assert prepared.all(engine, id=1)[0].name == "one"
    first = thread_connection(engine)
    first.dbapi_connection.close()  # as when the server restarts or drops an idle connection
    assert prepared.all(engine, id=1)[0].name == "one"
    assert thread_connection(engine) is not first


def test_each_thread_reads_on_its_own_connection(pooled_engine):
    engine, table = pooled_engine
    prepared = PreparedSelect(sa.select(table.c.name).where(table.c.id == sa.bindparam("id")))
    seen = {}

    def read(slot):
        seen[slot] = (prepared.all(engine, id=2)[0].name, thread_connection(engine).dbapi_connection)
        discard_thread_connection()

    threads = [threading.Thread(target=read, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen[0][0] == seen[1][0] == "two"
    assert seen[0][1] is not seen[1][1]


def test_threads_that_never_clean_up_leave_a_bounded_number_of_connections_and_none_after_they_end(
        pooled_engine, monkeypatch):
    import gc

    import lms.prepared as prepared_module
    from lms.prepared import MAX_THREAD_CONNECTIONS, open_thread_connections

    engine, table = pooled_engine
    prepared = PreparedSelect(sa.select(table.c.name).where(table.c.id == sa.bindparam("id")))
    closed = []
    real_close = prepared_module._close
    monkeypatch.setattr(prepared_module, "_close", lambda connection: (closed.append(1), real_close(connection)))
    before = open_thread_connections()
    all_reading = threading.Barrier(51)
    names, peak = [], []

    def read():  # as a request thread under `flask run`: one lookup, and no cleanup at all
        names.append(prepared.all(engine, id=1)[0].name)
        all_reading.wait()  # the 50 threads are alive at once
        all_reading.wait()

    threads = [threading.Thread(target=read) for _ in range(50)]
    for thread in threads:
        thread.start()
    all_reading.wait()
    peak.append(open_thread_connections())
    all_reading.wait()
    for thread in threads:
        thread.join()
    gc.collect()
    assert names == ["one"] * 50  # the threads past the bound read on pooled connections
    assert 0 < peak[0] - before <= MAX_THREAD_CONNECTIONS
    assert open_thread_connections() == before  # each ended thread's connection was released ...
    assert len(closed) == peak[0] - before  # ... and closed
    assert engine.pool.checkedout() == 0


@pytest.mark.parametrize("app_config", [{"FAST_PATHS": False, "VERIFICATION_LOG_BUFFER": 100}])
def test_without_fast_paths_each_lookup_is_written_in_the_request(client, db, issued, app_config):
    """FAST_PATHS off: no buffer and no thread, whatever VERIFICATION_LOG_BUFFER says."""
    client.get(f"/api/v1/certificates/{issued['valid'].number}")
    assert verification_log.pending() == 0
    assert logged(db) == [(issued["valid"].number, True, "api")]
