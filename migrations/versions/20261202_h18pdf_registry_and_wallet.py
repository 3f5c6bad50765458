"""the public registry (listings, organizations' listing rule) and one-time wallet offers

Revision ID: h18pdf_0001
Revises: h15live_0002
Create Date: 2026-12-02 06:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'h18pdf_0001'
down_revision = 'h15live_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registry_listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('search_name', sa.String(length=160), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_registry_listings_certificate_id_certificates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_listings')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_registry_listings_certificate_id'))
    )
    with op.batch_alter_table('registry_listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_listings_search_name'), ['search_name'], unique=False)

    op.create_table('wallet_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('challenge', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_wallet_offers_certificate_id_certificates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallet_offers')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_wallet_offers_token_sha256'))
    )
    with op.batch_alter_table('wallet_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallet_offers_certificate_id'), ['certificate_id'], unique=False)

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registry_listing_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('registry_listing_reason', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('registry_listing_reason')
        batch_op.drop_column('registry_listing_required')

    with op.batch_alter_table('wallet_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallet_offers_certificate_id'))
    op.drop_table('wallet_offers')

    with op.batch_alter_table('registry_listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_listings_search_name'))
    op.drop_table('registry_listings')
