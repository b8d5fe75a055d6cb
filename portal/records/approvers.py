"""The table of frozen approver lists (N-of-M approvals): one row per approver of one round.

A round starts when a record enters a state an approval transition leaves (it is submitted): the
approvers are frozen then and do not change when roles or accounts change later. Each row records that
approver's decision (同意 or 驳回), when and with what comment. Written only by ``portal.records.approvals``
inside the transition's transaction, with an audit entry for each freeze and each decision.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column

#: The decisions an approver may record.
AGREE, REJECT = "同意", "驳回"  # i18n: data


class WorkflowApprover(Model):
    """One frozen approver of one approval round of one record."""

    __tablename__ = "workflow_approvers"
    __table_args__ = (
        sa.UniqueConstraint("register", "record_id", "record_created_at", "transition", "round", "username",
                            name="uq_workflow_approvers_round_user"),
        sa.Index("ix_workflow_approvers_record", "register", "record_id", "transition", "round"),
    )
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    register: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    record_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: The record's ``created_at``: a later record given a deleted one's id does not inherit its lists.
    record_created_at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
    #: The approval transition (the one with ``approvals:``).
    transition: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    #: 1 for the first submission, then one more each time the record enters the state again.
    round: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    username: Mapped[str] = mapped_column(sa.String(128), nullable=False, index=True)
    #: The approver's name as the screens show it, when frozen.
    display: Mapped[str | None] = mapped_column(sa.String(128))
    frozen_at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
    #: ``同意`` or ``驳回``; ``None`` while pending.
    decision: Mapped[str | None] = mapped_column(sa.String(10))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    comment: Mapped[str | None] = mapped_column(sa.Text)
