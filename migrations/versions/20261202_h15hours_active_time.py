"""active_time: seconds of active use per enrolment and self-paced activity; course_versions.minimum_active_share

Revision ID: h15hours_0001
Revises: h12a_0001
Create Date: 2026-12-02 02:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'h15hours_0001'
down_revision = 'h12a_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'active_time',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('activity_kind', sa.String(length=16), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('module_id', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'],
                                name=op.f('fk_active_time_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['module_id'], ['modules.id'],
                                name=op.f('fk_active_time_module_id_modules'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_active_time')),
        sa.UniqueConstraint('enrolment_id', 'activity_kind', 'activity_id',
                            name=op.f('uq_active_time_enrolment_id_activity_kind_activity_id')),
    )
    with op.batch_alter_table('active_time', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_active_time_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_active_time_module_id'), ['module_id'], unique=False)
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minimum_active_share', sa.Double(), nullable=True))


def downgrade():
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_column('minimum_active_share')
    with op.batch_alter_table('active_time', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_active_time_module_id'))
        batch_op.drop_index(batch_op.f('ix_active_time_enrolment_id'))
    op.drop_table('active_time')
