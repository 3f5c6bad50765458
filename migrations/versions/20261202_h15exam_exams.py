"""The summative exam: sittings, attempts, answers and accommodations

Revision ID: h15exam_0001
Revises: h15hours_0001
Create Date: 2026-12-02 02:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'h15exam_0001'
down_revision = 'h15hours_0001'
branch_labels = None
depends_on = None

OPEN = sa.text('submitted_at IS NULL')


def upgrade():
    op.create_table(
        'exam_sittings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('course_version_id', sa.Integer(), nullable=False),
        sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('access_code_hash', sa.String(length=255), nullable=True),
        sa.Column('proctored', sa.Boolean(), nullable=False),
        sa.Column('proctor_name', sa.String(length=120), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_exam_sittings_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['course_version_id'], ['course_versions.id'],
                                name=op.f('fk_exam_sittings_course_version_id_course_versions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exam_sittings_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_sittings')),
    )
    with op.batch_alter_table('exam_sittings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_sittings_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_sittings_course_version_id'), ['course_version_id'], unique=False)

    op.create_table(
        'exam_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('course_version_id', sa.Integer(), nullable=False),
        sa.Column('sitting_id', sa.Integer(), nullable=True),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('auto_submitted', sa.Boolean(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('passed', sa.Boolean(), nullable=True),
        sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('voided_by_id', sa.Integer(), nullable=True),
        sa.Column('void_reason', sa.Text(), nullable=True),
        sa.Column('time_multiplier', sa.Numeric(precision=4, scale=2), nullable=False),
        sa.ForeignKeyConstraint(['course_version_id'], ['course_versions.id'],
                                name=op.f('fk_exam_attempts_course_version_id_course_versions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'],
                                name=op.f('fk_exam_attempts_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sitting_id'], ['exam_sittings.id'],
                                name=op.f('fk_exam_attempts_sitting_id_exam_sittings'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_exam_attempts_voided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_attempts')),
        sa.UniqueConstraint('enrolment_id', 'number', name=op.f('uq_exam_attempts_enrolment_id_number')),
    )
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_attempts_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_attempts_course_version_id'), ['course_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_attempts_sitting_id'), ['sitting_id'], unique=False)
        batch_op.create_index('uq_exam_attempts_open', ['enrolment_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)

    op.create_table(
        'exam_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('exam_item_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('option_order', sa.JSON(), nullable=False),
        sa.Column('selected', sa.JSON(), nullable=False),
        sa.Column('is_correct', sa.Boolean(), nullable=True),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['attempt_id'], ['exam_attempts.id'],
                                name=op.f('fk_exam_answers_attempt_id_exam_attempts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['exam_item_id'], ['exam_items.id'],
                                name=op.f('fk_exam_answers_exam_item_id_exam_items'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_answers')),
        sa.UniqueConstraint('attempt_id', 'exam_item_id', name=op.f('uq_exam_answers_attempt_id_exam_item_id')),
    )
    with op.batch_alter_table('exam_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_answers_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_answers_exam_item_id'), ['exam_item_id'], unique=False)

    op.create_table(
        'exam_accommodations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('time_multiplier', sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'],
                                name=op.f('fk_exam_accommodations_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_exam_accommodations_granted_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_accommodations')),
    )
    with op.batch_alter_table('exam_accommodations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_accommodations_enrolment_id'), ['enrolment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('exam_accommodations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_accommodations_enrolment_id'))
    op.drop_table('exam_accommodations')
    with op.batch_alter_table('exam_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_answers_exam_item_id'))
        batch_op.drop_index(batch_op.f('ix_exam_answers_attempt_id'))
    op.drop_table('exam_answers')
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.drop_index('uq_exam_attempts_open', sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_index(batch_op.f('ix_exam_attempts_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_exam_attempts_course_version_id'))
        batch_op.drop_index(batch_op.f('ix_exam_attempts_enrolment_id'))
    op.drop_table('exam_attempts')
    with op.batch_alter_table('exam_sittings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_sittings_course_version_id'))
        batch_op.drop_index(batch_op.f('ix_exam_sittings_cohort_id'))
    op.drop_table('exam_sittings')
