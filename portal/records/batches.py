"""Tables that remember imports and other batch writes: the batch and the records it changed.

They live on Flask-AppBuilder's metadata (like the audit trail), not on the registers' own.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column


class ImportBatch(Model):
    """One committed import: who, when, which file, what it did; undone as a whole."""

    __tablename__ = "portal_import_batch"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    register: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    username: Mapped[str] = mapped_column(sa.String(128), nullable=False, index=True)
    #: The importing user's org unit, so a subtree reader lists only batches from their own tree.
    org_unit_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    file_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    file_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    #: insert or upsert
    mode: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    partial: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    rows: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    created: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    errors: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    #: When it was written; every row it wrote carries this ``updated_at`` until someone changes it.
    at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False, index=True)
    #: JSON ``[[first_id, last_id], ...]``: the records it created.
    created_ids: Mapped[str] = mapped_column(sa.Text, nullable=False, default="[]")
    #: committed or undone
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="committed")
    undone_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    undone_by: Mapped[str | None] = mapped_column(sa.String(128))


class ImportItem(Model):
    """A record an import changed, with the values it had before (to restore on undo)."""

    __tablename__ = "portal_import_item"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("portal_import_batch.id"), nullable=False,
                                          index=True)
    record_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: JSON ``{column: old value}`` of the columns the import changed.
    before: Mapped[str] = mapped_column(sa.Text, nullable=False)


def id_ranges(ids: list[int]) -> list[list[int]]:
    """``[1, 2, 3, 7]`` -> ``[[1, 3], [7, 7]]``: created ids are nearly always one run."""
    ranges: list[list[int]] = []
    for value in sorted(ids):
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return ranges


def expand_ranges(ranges: list[list[int]]) -> list[int]:
    return [value for first, last in ranges for value in range(first, last + 1)]
