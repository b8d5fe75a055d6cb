"""The table that remembers background work (an import preview or commit, a big export).

It lives on Flask-AppBuilder's metadata (like the audit trail), not on the registers' own.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column


class Job(Model):
    """One piece of background work (an import preview or commit, a big export)."""

    __tablename__ = "portal_job"
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    #: import_preview, import_commit, export
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    register: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    username: Mapped[str] = mapped_column(sa.String(128), nullable=False, index=True)
    #: queued, running, done, failed
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="queued")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    #: JSON: what to do (file, options).
    params: Mapped[str] = mapped_column(sa.Text, nullable=False, default="{}")
    #: JSON: the outcome (an import report, an export file).
    result: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)

    def params_dict(self) -> dict[str, Any]:
        return json.loads(self.params or "{}")

    def result_dict(self) -> dict[str, Any]:
        return json.loads(self.result) if self.result else {}
