"""assistance cases carry their workflow: home-visit findings, public-notice dates, next re-check due

Revision ID: 3a9c5e7f1b2d
Revises: 3e5f7a9b1c2d
Create Date: 2026-11-29 20:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a9c5e7f1b2d'
down_revision = '3e5f7a9b1c2d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assistance_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('visit_findings', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('notice_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('notice_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('review_due', sa.Date(), nullable=True))
        batch_op.create_index('ix_assistance_cases_review_due', ['review_due'], unique=False)


def downgrade():
    with op.batch_alter_table('assistance_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_assistance_cases_review_due')
        batch_op.drop_column('review_due')
        batch_op.drop_column('notice_end')
        batch_op.drop_column('notice_start')
        batch_op.drop_column('visit_findings')
        batch_op.drop_column('visit_on')
