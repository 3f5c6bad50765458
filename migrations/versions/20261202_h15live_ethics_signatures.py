"""signatures of the code of ethics

Revision ID: h15live_0002
Revises: h15live_0001
Create Date: 2026-12-02 02:12:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'h15live_0002'
down_revision = 'h15live_0001'
branch_labels = None
depends_on = None

def upgrade():
    op.create_table('ethics_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=True),
    sa.Column('code_title', sa.String(length=200), nullable=False),
    sa.Column('code_version', sa.String(length=32), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('typed_name', sa.String(length=120), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_ethics_signatures_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_versions.id'], name=op.f('fk_ethics_signatures_course_version_id_course_versions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ethics_signatures_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ethics_signatures')),
    sa.UniqueConstraint('user_id', 'course_id', 'code_version', name=op.f('uq_ethics_signatures_user_id_course_id_code_version'))
    )
    with op.batch_alter_table('ethics_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ethics_signatures_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ethics_signatures_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ethics_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ethics_signatures_user_id'))
        batch_op.drop_index(batch_op.f('ix_ethics_signatures_course_id'))

    op.drop_table('ethics_signatures')
