"""audit trail: one index for a record's history instead of three on single columns

A record's history filters on ``register`` and ``record_id``; with an index on ``register`` alone it
read every entry of the register (after a 100,000-row import, 100,000 of them). The indexes on
``action`` and ``register`` (a handful of values each) and on ``record_key`` (shown, never searched)
served no query, and a big import writes all of them for every entry.

Revision ID: 4d6f8a0b2c3e
Revises: 7b3e9d2c4f61
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4d6f8a0b2c3e'
down_revision = '7b3e9d2c4f61'
branch_labels = None
depends_on = None


# Plain index statements (not a batch copy of the table), so SQLite keeps the append-only triggers.
def upgrade():
    op.drop_index('ix_portal_audit_action', table_name='portal_audit')
    op.drop_index('ix_portal_audit_register', table_name='portal_audit')
    op.drop_index('ix_portal_audit_record_key', table_name='portal_audit')
    op.create_index('ix_portal_audit_register_record_id', 'portal_audit', ['register', 'record_id'], unique=False)


def downgrade():
    op.drop_index('ix_portal_audit_register_record_id', table_name='portal_audit')
    op.create_index('ix_portal_audit_record_key', 'portal_audit', ['record_key'], unique=False)
    op.create_index('ix_portal_audit_register', 'portal_audit', ['register'], unique=False)
    op.create_index('ix_portal_audit_action', 'portal_audit', ['action'], unique=False)
