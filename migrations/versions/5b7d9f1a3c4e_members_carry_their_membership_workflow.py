"""members carry their membership workflow: transfer target, hold reason and date, counselling, sanction

Revision ID: 5b7d9f1a3c4e
Revises: 3a9c5e7f1b2d
Create Date: 2026-11-29 20:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7d9f1a3c4e'
down_revision = '3a9c5e7f1b2d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transfer_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('hold_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('counselled_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('counselling_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sanction_note', sa.Text(), nullable=True))
        batch_op.create_index('ix_members_transfer_to_id', ['transfer_to_id'], unique=False)
        batch_op.create_foreign_key('fk_members_transfer_to_id', 'org_units', ['transfer_to_id'], ['id'])


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint('fk_members_transfer_to_id', type_='foreignkey')
        batch_op.drop_index('ix_members_transfer_to_id')
        batch_op.drop_column('sanction_note')
        batch_op.drop_column('counselling_note')
        batch_op.drop_column('counselled_on')
        batch_op.drop_column('hold_from')
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('transfer_to_id')
