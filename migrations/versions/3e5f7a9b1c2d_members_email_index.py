"""members: an index on email, the match of a delegate's account to their member row

Every request of a delegate's phone finds the member whose e-mail is the account's
(portal.congress.roster); without an index that is a scan of the whole register. The register
stores e-mails in lower case without spaces (portal.registry.parsers.parse_email); rows written
around it are brought to that form here, so the exact match finds them.

Revision ID: 3e5f7a9b1c2d
Revises: 2ceaa07262bf
Create Date: 2026-12-01 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e5f7a9b1c2d'
down_revision = '2ceaa07262bf'
branch_labels = None
depends_on = None


def upgrade():
    members = sa.table('members', sa.column('email', sa.String))
    op.execute(members.update().where(members.c.email != sa.func.lower(sa.func.trim(members.c.email)))
               .values(email=sa.func.lower(sa.func.trim(members.c.email))))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index('ix_members_email', ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_email')
