"""the organization that issued a certificate (its own issuer DID and profile)

Revision ID: h18di_0001
Revises: h15live_0002
Create Date: 2026-12-02 06:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'h18di_0001'
down_revision = 'h17oidc_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer_organization_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certificates_issuer_organization_id'), ['issuer_organization_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_certificates_issuer_organization_id_organizations'),
                                    'organizations', ['issuer_organization_id'], ['id'], ondelete='SET NULL')
    # Certificates issued so far name their organization by name only: link those that match one.
    op.execute(
        "UPDATE certificates SET issuer_organization_id = "
        "(SELECT organizations.id FROM organizations WHERE organizations.name = certificates.issuer_name)"
    )


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_issuer_organization_id_organizations'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certificates_issuer_organization_id'))
        batch_op.drop_column('issuer_organization_id')
