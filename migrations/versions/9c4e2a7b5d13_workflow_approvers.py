"""workflow approvers: frozen approver lists of N-of-M approvals

Revision ID: 9c4e2a7b5d13
Revises: 0a9327040865
Create Date: 2026-11-29 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c4e2a7b5d13'
down_revision = '0a9327040865'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workflow_approvers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('register', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('record_created_at', sa.DateTime(), nullable=False),
    sa.Column('transition', sa.String(length=40), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=128), nullable=False),
    sa.Column('display', sa.String(length=128), nullable=True),
    sa.Column('frozen_at', sa.DateTime(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('register', 'record_id', 'record_created_at', 'transition', 'round', 'username',
                        name='uq_workflow_approvers_round_user')
    )
    with op.batch_alter_table('workflow_approvers', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_approvers_record', ['register', 'record_id', 'transition', 'round'],
                              unique=False)
        batch_op.create_index('ix_workflow_approvers_username', ['username'], unique=False)


def downgrade():
    with op.batch_alter_table('workflow_approvers', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_approvers_username')
        batch_op.drop_index('ix_workflow_approvers_record')
    op.drop_table('workflow_approvers')
