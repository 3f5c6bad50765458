"""course format v2: activity minutes, live time, practice exercises, scenario notes and references, gates, exam pool

Revision ID: h14eng_0001
Revises: h12b_0001
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'h14eng_0001'
down_revision = 'h12b_0001'
branch_labels = None
depends_on = None

EMPTY_LIST = sa.text("'[]'")
EMPTY_MAP = sa.text("'{}'")


def upgrade():
    with op.batch_alter_table('course_versions') as batch:
        batch.add_column(sa.Column('hour_breakdown', sa.JSON(), nullable=False, server_default=EMPTY_MAP))
        batch.add_column(sa.Column('exam', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('ethics_code', sa.JSON(), nullable=True))
    with op.batch_alter_table('modules') as batch:
        batch.add_column(sa.Column('live_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('live_topics', sa.JSON(), nullable=False, server_default=EMPTY_LIST))
    with op.batch_alter_table('quizzes') as batch:
        batch.add_column(sa.Column('minutes', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('rubrics') as batch:
        batch.add_column(sa.Column('scoring_rule', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('scenarios') as batch:
        batch.add_column(sa.Column('minutes', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('competencies', sa.JSON(), nullable=False, server_default=EMPTY_LIST))
        batch.add_column(sa.Column('focal', sa.JSON(), nullable=False, server_default=EMPTY_LIST))
        batch.add_column(sa.Column('brief', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('actor_notes', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('rater_notes', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('branches', sa.JSON(), nullable=False, server_default=EMPTY_LIST))
    with op.batch_alter_table('grades') as batch:
        batch.add_column(sa.Column('gates', sa.JSON(), nullable=False, server_default=EMPTY_MAP))

    op.create_table('exercises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('competencies', sa.JSON(), nullable=False),
    sa.Column('review', sa.String(length=16), nullable=False),
    sa.Column('prompt_html', sa.Text(), nullable=False),
    sa.Column('material_html', sa.Text(), nullable=False),
    sa.Column('model_answer_html', sa.Text(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_exercises_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercises')),
    sa.UniqueConstraint('module_id', 'slug', name=op.f('uq_exercises_module_id_slug'))
    )
    op.create_index(op.f('ix_exercises_module_id'), 'exercises', ['module_id'], unique=False)
    op.create_table('exercise_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_exercise_responses_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_responses_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_exercise_responses_reviewer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_responses')),
    sa.UniqueConstraint('enrolment_id', 'exercise_id', name=op.f('uq_exercise_responses_enrolment_id_exercise_id'))
    )
    op.create_index(op.f('ix_exercise_responses_enrolment_id'), 'exercise_responses', ['enrolment_id'], unique=False)
    op.create_index(op.f('ix_exercise_responses_exercise_id'), 'exercise_responses', ['exercise_id'], unique=False)
    op.create_table('exam_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('competency', sa.String(length=80), nullable=False),
    sa.Column('question', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_versions.id'], name=op.f('fk_exam_items_course_version_id_course_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_exam_items_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_items')),
    sa.UniqueConstraint('course_version_id', 'item_id', name=op.f('uq_exam_items_course_version_id_item_id'))
    )
    op.create_index(op.f('ix_exam_items_course_version_id'), 'exam_items', ['course_version_id'], unique=False)
    op.create_index(op.f('ix_exam_items_module_id'), 'exam_items', ['module_id'], unique=False)
    op.create_index(op.f('ix_exam_items_competency'), 'exam_items', ['competency'], unique=False)
    op.create_table('scenario_references',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('replies', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('gates', sa.JSON(), nullable=False),
    sa.Column('rationale', sa.JSON(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_scenario_references_scenario_id_scenarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_references')),
    sa.UniqueConstraint('scenario_id', 'slug', name=op.f('uq_scenario_references_scenario_id_slug'))
    )
    op.create_index(op.f('ix_scenario_references_scenario_id'), 'scenario_references', ['scenario_id'], unique=False)
    op.create_table('reference_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference_id', sa.Integer(), nullable=False),
    sa.Column('grader_id', sa.Integer(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('gates', sa.JSON(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['grader_id'], ['users.id'], name=op.f('fk_reference_ratings_grader_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reference_id'], ['scenario_references.id'], name=op.f('fk_reference_ratings_reference_id_scenario_references'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_ratings')),
    sa.UniqueConstraint('reference_id', 'grader_id', name=op.f('uq_reference_ratings_reference_id_grader_id'))
    )
    op.create_index(op.f('ix_reference_ratings_reference_id'), 'reference_ratings', ['reference_id'], unique=False)
    op.create_index(op.f('ix_reference_ratings_grader_id'), 'reference_ratings', ['grader_id'], unique=False)


def downgrade():
    op.drop_table('reference_ratings')
    op.drop_table('scenario_references')
    op.drop_table('exam_items')
    op.drop_table('exercise_responses')
    op.drop_table('exercises')
    with op.batch_alter_table('grades') as batch:
        batch.drop_column('gates')
    with op.batch_alter_table('scenarios') as batch:
        for column in ('branches', 'rater_notes', 'actor_notes', 'brief', 'focal', 'competencies', 'minutes'):
            batch.drop_column(column)
    with op.batch_alter_table('rubrics') as batch:
        batch.drop_column('scoring_rule')
    with op.batch_alter_table('quizzes') as batch:
        batch.drop_column('minutes')
    with op.batch_alter_table('modules') as batch:
        batch.drop_column('live_topics')
        batch.drop_column('live_minutes')
    with op.batch_alter_table('course_versions') as batch:
        batch.drop_column('ethics_code')
        batch.drop_column('exam')
        batch.drop_column('hour_breakdown')
