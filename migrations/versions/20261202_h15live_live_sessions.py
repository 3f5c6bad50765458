"""live sessions per cohort, attendance and approved make-ups

Revision ID: h15live_0001
Revises: h15exam_0001
Create Date: 2026-12-02 02:12:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'h15live_0001'
down_revision = 'h15exam_0001'
branch_labels = None
depends_on = None

def upgrade():
    op.create_table('live_make_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_live_make_ups_minutes_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_live_make_ups_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_live_make_ups_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_make_ups_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_make_ups'))
    )
    with op.batch_alter_table('live_make_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_make_ups_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_make_ups_user_id'), ['user_id'], unique=False)

    op.create_table('live_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_live_sessions_duration_positive')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_live_sessions_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_live_sessions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_live_sessions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_live_sessions_module_id_modules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_sessions'))
    )
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_sessions_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_sessions_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_sessions_starts_at'), ['starts_at'], unique=False)

    op.create_table('live_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes >= 0', name=op.f('ck_live_attendance_minutes_not_negative')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_live_attendance_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_attendance_session_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_attendance_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_attendance')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_live_attendance_session_id_user_id'))
    )
    with op.batch_alter_table('live_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_attendance_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('live_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_attendance_user_id'))

    op.drop_table('live_attendance')
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_sessions_starts_at'))
        batch_op.drop_index(batch_op.f('ix_live_sessions_course_id'))
        batch_op.drop_index(batch_op.f('ix_live_sessions_cohort_id'))

    op.drop_table('live_sessions')
    with op.batch_alter_table('live_make_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_make_ups_user_id'))
        batch_op.drop_index(batch_op.f('ix_live_make_ups_course_id'))

    op.drop_table('live_make_ups')
