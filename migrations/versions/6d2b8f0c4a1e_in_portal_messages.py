"""in-portal messages

Revision ID: 6d2b8f0c4a1e
Revises: 9c4e2a7b5d13
Create Date: 2026-11-29 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d2b8f0c4a1e'
down_revision = '9c4e2a7b5d13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('portal_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('register', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('portal_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_messages_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('portal_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_messages_member_id'))

    op.drop_table('portal_messages')
