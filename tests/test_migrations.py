"""The schema exists only through migrations, and they match the models."""

from types import SimpleNamespace

import sqlalchemy as sa
from alembic.util.exc import CommandError
from flask_migrate import check, downgrade, upgrade

from lms import create_app
from lms.extensions import db
from tests.conftest import TEST_DATABASE_URL, make_config


def test_migrations_build_the_schema_and_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}" if TEST_DATABASE_URL.startswith("sqlite") else TEST_DATABASE_URL
    config = make_config(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    config.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "organizations", "courses", "submissions", "grades", "certificates"} <= tables
        try:
            check()  # raises when the models differ from the migrated schema
        except CommandError as error:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"models and migrations differ: {error}") from error
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def _course_version_at_an_old_revision():
    """A course version inserted with the columns that revision has: the models may have more by now."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    courses = sa.table("courses", *(sa.column(name) for name in ("id", "slug", "title", "kind", "created_at")))
    versions = sa.table("course_versions", *(sa.column(name) for name in (
        "id", "course_id", "version", "content_hash", "is_live", "title", "description", "hours", "ce_hours",
        "enrolment", "competencies", "certificate_rules", "feedback_targets", "hour_breakdown", "created_at")))
    course_id = db.session.execute(sa.insert(courses).values(
        slug="core-old", title="Peer Specialist Core Training", kind="certification", created_at=now)
        .returning(courses.c.id)).scalar_one()
    version_id = db.session.execute(sa.insert(versions).values(
        course_id=course_id, version="1.0", content_hash="old", is_live=True, title="Peer Specialist Core Training",
        description="", hours=40, ce_hours=0, enrolment="open", competencies="[]",
        certificate_rules='{"validity_months": 24}', feedback_targets="{}", hour_breakdown="{}",
        created_at=now).returning(versions.c.id)).scalar_one()
    return SimpleNamespace(id=version_id, course_id=course_id, title="Peer Specialist Core Training", version="1.0")


def test_the_issued_pdfs_migration_hashes_the_pdfs_already_stored(tmp_path):
    import hashlib
    from datetime import date
    from pathlib import Path

    from lms.models import Certificate, IssuedPdf, utcnow

    url = f"sqlite:///{tmp_path / 'backfill.sqlite3'}" if TEST_DATABASE_URL.startswith("sqlite") else TEST_DATABASE_URL
    config = make_config(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    config.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="h14eng_0001")  # the revision just before issued_pdfs
        version = _course_version_at_an_old_revision()
        # A Core insert of the columns users had then (the model has gained a language since).
        users = sa.table("users", sa.column("id"), sa.column("email"), sa.column("name"), sa.column("role"),
                         sa.column("active"), sa.column("created_at"), sa.column("failed_logins"),
                         sa.column("session_version"))
        user_id = db.session.execute(sa.insert(users).values(
            email="old.holder@example.org", name="Old Holder", role="trainee", active=True, created_at=utcnow(),
            failed_logins=0, session_version=1).returning(users.c.id)).scalar_one()
        user = SimpleNamespace(id=user_id, name="Old Holder")
        stored = Path(app.config["DATA_DIR"]) / "certificates" / "PSS-OLD-0001.pdf"
        stored.parent.mkdir(parents=True)
        stored.write_bytes(b"%PDF-1.7\n% rendered before hashes were kept\n")
        organizations = sa.table("organizations", sa.column("id"), sa.column("name"), sa.column("created_at"))
        riverside = db.session.execute(sa.insert(organizations).values(
            name="Riverside", created_at=utcnow()).returning(organizations.c.id)).scalar_one()
        # A Core insert of the columns that existed then (the model has gained some since).
        columns = ("id", "number", "user_id", "course_id", "course_version_id", "generation", "holder_name",
                   "course_title", "course_version_label", "hours", "competencies", "issuer_name", "issued_on",
                   "expires_on", "status_list_index", "reason", "pdf_path", "created_at")
        old_certificates = sa.table("certificates", *(sa.column(name) for name in columns))
        certificate_id = db.session.execute(sa.insert(old_certificates).values(
            number="PSS-OLD-0001", user_id=user.id, course_id=version.course_id, course_version_id=version.id,
            generation=1, holder_name=user.name, course_title=version.title, course_version_label=version.version,
            hours=40, competencies="[]", issuer_name="Riverside", issued_on=date(2026, 2, 1),
            expires_on=date(2028, 2, 1), status_list_index=1, reason="completion",
            pdf_path="certificates/PSS-OLD-0001.pdf", created_at=utcnow(),
        ).returning(old_certificates.c.id)).scalar_one()
        db.session.commit()
        db.session.remove()
        upgrade()
        [row] = db.session.scalars(sa.select(IssuedPdf)).all()
        assert row.certificate_id == certificate_id
        assert row.sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
        # h18di_0001 links the certificate to the organization it names (its issuer DID from now on).
        assert db.session.get(Certificate, certificate_id).issuer_organization_id == riverside
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
