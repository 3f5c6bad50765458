"""The schema exists only through migrations, and they match the models."""

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
