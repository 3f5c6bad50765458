"""issued_pdfs: the SHA-256 of every certificate PDF rendered

Revision ID: h12a_0001
Revises: h14eng_0001
Create Date: 2026-12-01 21:45:00

Files rendered before this migration are hashed when it runs, if DATA_DIR is reachable;
otherwise (or for a file restored later) the verification hashes the stored file the first
time a PDF of that certificate is checked.
"""
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = 'h12a_0001'
down_revision = 'h14eng_0001'
branch_labels = None
depends_on = None


def _data_dir() -> Path | None:
    try:
        from flask import current_app

        return Path(current_app.config["DATA_DIR"])
    except (RuntimeError, KeyError):
        return None


def upgrade():
    issued = op.create_table(
        'issued_pdfs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                                name=op.f('fk_issued_pdfs_certificate_id_certificates'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_pdfs')),
        sa.UniqueConstraint('sha256', name=op.f('uq_issued_pdfs_sha256')),
    )
    with op.batch_alter_table('issued_pdfs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_pdfs_certificate_id'), ['certificate_id'], unique=False)

    directory = _data_dir()
    if directory is None:
        return
    connection = op.get_bind()
    certificates = sa.table('certificates', sa.column('id', sa.Integer()), sa.column('pdf_path', sa.String()),
                            sa.column('pdf_rendered_at', sa.DateTime(timezone=True)))
    rows = connection.execute(sa.select(certificates.c.id, certificates.c.pdf_path, certificates.c.pdf_rendered_at)
                              .where(certificates.c.pdf_path.is_not(None))).all()
    seen = set()
    for certificate_id, pdf_path, rendered_at in rows:
        path = directory / pdf_path
        if not path.is_file():
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        op.bulk_insert(issued, [{"certificate_id": certificate_id, "sha256": digest,
                                 "rendered_at": rendered_at or datetime.now(UTC)}])


def downgrade():
    with op.batch_alter_table('issued_pdfs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_pdfs_certificate_id'))
    op.drop_table('issued_pdfs')
