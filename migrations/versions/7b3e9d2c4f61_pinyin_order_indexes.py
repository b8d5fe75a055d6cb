"""lists in pinyin order read an index: (order field COLLATE "zh-x-icu", id) on PostgreSQL

A register list sorts its words in pinyin order (portal.records.collation) on PostgreSQL servers with
the ICU collation; without an index in that order the first page of a million members sorts the whole
table. One index per register whose default list order is a word field (portal.models.pinyin_order_index),
made only where the server has the collation; SQLite sorts by code point and needs none.

Revision ID: 7b3e9d2c4f61
Revises: 55aa5fe4d75b
Create Date: 2026-11-30 03:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b3e9d2c4f61'
down_revision = '55aa5fe4d75b'
branch_labels = None
depends_on = None

COLLATION = "zh-x-icu"
#: (table, column): the registers whose default list order (screens.order) is a word field.
ORDERED = (("members", "name"), ("motion_cosigners", "cosign_no"), ("motions", "motion_no"),
           ("org_units", "code"), ("resolution_tasks", "task_no"), ("resolutions", "resolution_no"))


def _has_collation() -> bool:
    bind = op.get_bind()
    return bind.dialect.name == "postgresql" and bind.execute(
        sa.text("SELECT 1 FROM pg_collation WHERE collname = :name"), {"name": COLLATION}).first() is not None


def upgrade():
    if not _has_collation():
        return
    for table, column in ORDERED:
        op.execute(f'CREATE INDEX ix_{table}_{column}_pinyin ON {table} ({column} COLLATE "{COLLATION}", id)')


def downgrade():
    if not _has_collation():
        return
    for table, column in ORDERED:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_pinyin")
