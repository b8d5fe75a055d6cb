"""congress token cards, paper ballots keyed by two tellers, and named votes

Revision ID: 8e4f1a2b3c6d
Revises: 7c1d2e3f4a5b
Create Date: 2026-11-29 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e4f1a2b3c6d'
down_revision = '7c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('congress_poll', schema=None) as batch_op:
        batch_op.add_column(sa.Column('named', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'congress_poll_mode',
        sa.Column('poll_id', sa.Integer(), nullable=False),
        sa.Column('tokens_made', sa.Integer(), server_default='0', nullable=False),
        sa.Column('tokens_issued', sa.Integer(), server_default='0', nullable=False),
        sa.Column('paper_issued', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['poll_id'], ['congress_poll.id']),
        sa.PrimaryKeyConstraint('poll_id'))
    op.create_table(
        'congress_token',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('poll_id', sa.Integer(), nullable=False),
        sa.Column('used', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(['poll_id'], ['congress_poll.id']),
        sa.PrimaryKeyConstraint('digest'))
    with op.batch_alter_table('congress_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_congress_token_poll_id'), ['poll_id'], unique=False)
    op.create_table(
        'congress_paper_entry',
        sa.Column('poll_id', sa.Integer(), nullable=False),
        sa.Column('serial', sa.Integer(), nullable=False),
        sa.Column('entered_by', sa.String(length=128), nullable=False),
        sa.Column('choices', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['poll_id'], ['congress_poll.id']),
        sa.PrimaryKeyConstraint('poll_id', 'serial', 'entered_by'))
    op.create_table(
        'congress_named_choice',
        sa.Column('poll_id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('choices', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['delegate_id'], ['congress_delegate.id']),
        sa.ForeignKeyConstraint(['poll_id'], ['congress_poll.id']),
        sa.PrimaryKeyConstraint('poll_id', 'delegate_id'))


def downgrade():
    op.drop_table('congress_named_choice')
    op.drop_table('congress_paper_entry')
    with op.batch_alter_table('congress_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_congress_token_poll_id'))
    op.drop_table('congress_token')
    op.drop_table('congress_poll_mode')
    with op.batch_alter_table('congress_poll', schema=None) as batch_op:
        batch_op.drop_column('named')
