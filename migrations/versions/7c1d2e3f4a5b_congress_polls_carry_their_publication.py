"""congress polls carry their publication: when, by whom, and the tellers named on the announcement

Revision ID: 7c1d2e3f4a5b
Revises: d5878c668284
Create Date: 2026-11-29 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1d2e3f4a5b'
down_revision = 'd5878c668284'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('congress_poll', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('published_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('tellers', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('congress_poll', schema=None) as batch_op:
        batch_op.drop_column('tellers')
        batch_op.drop_column('published_by')
        batch_op.drop_column('published_at')
