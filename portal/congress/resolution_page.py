"""What the resolution page and the session report read: a 决议 with its tasks (and their progress), its
delegate inspections and a timeline of the audit entries of all three, in date order.

Every read goes through the register services given (the reader's rights and row scope): a department
sees only the tasks given to it. Nothing here writes or reads a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from portal.congress.attachments import of_inspections
from portal.domain.china_time import china_datetime
from portal.records.service import RegisterService
from portal.security.audit import ACTIONS, AuditEntry
from portal.texts import gettext, pgettext


@dataclass(frozen=True)
class Services:
    """The three registers, each with the reader's rights."""

    resolutions: RegisterService
    tasks: RegisterService
    inspections: RegisterService

    def readable(self, which: RegisterService) -> bool:
        return which.access().can(which.spec.slug, "read")


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    who: str
    what: str
    record: str
    changes: str


@dataclass
class ResolutionView:
    """One resolution as shown: its tasks and inspections the reader may see, and their timeline."""

    record: Any
    tasks: list[Any] = field(default_factory=list)
    inspections: list[Any] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    #: Photos and files by inspection id (the page only).
    attachments: dict[int, list[Any]] = field(default_factory=dict)

    @property
    def progress(self) -> int:
        """The tasks' mean progress, in whole per cent (0 without tasks)."""
        return sum(task.progress or 0 for task in self.tasks) // len(self.tasks) if self.tasks else 0

    @property
    def done(self) -> int:
        return sum(1 for task in self.tasks if task.status == "已完成" or (task.progress or 0) >= 100)


def title(record: Any) -> str:
    return str(record.name) if record is not None else ""


def _linked(service: RegisterService, resolution_ids: list[int], order: Any) -> dict[int, list[Any]]:
    """The reader's rows of ``service`` (tasks or inspections) by resolution id."""
    found: dict[int, list[Any]] = {}
    if not resolution_ids or not service.access().can(service.spec.slug, "read"):
        return found
    model = service.model
    rows = service.session.scalars(service.query().where(model.resolution_id.in_(resolution_ids))
                                   .order_by(None).order_by(*order)).unique().all()
    for row in rows:
        found.setdefault(row.resolution_id, []).append(row)
    return found


def gather(services: Services, records: list[Any], with_timeline: bool = False) -> list[ResolutionView]:
    """Each resolution with its tasks and inspections (two queries for all), and its timeline if asked."""
    ids = [record.id for record in records]
    tasks = _linked(services.tasks, ids, (services.tasks.model.task_no,))
    inspections = _linked(services.inspections, ids, (services.inspections.model.inspected_on,
                                                     services.inspections.model.id))
    views = [ResolutionView(record, tasks.get(record.id, []), inspections.get(record.id, [])) for record in records]
    if with_timeline:
        for view in views:
            view.timeline = timeline(services.resolutions.session, view)
    return views


def find(services: Services, resolution_id: int) -> ResolutionView | None:
    """The resolution if the reader reaches it, with its tasks, inspections and timeline."""
    model = services.resolutions.model
    record = services.resolutions.session.scalars(services.resolutions.query().where(model.id == resolution_id)
                                                  ).unique().first()
    if record is None:
        return None
    view = gather(services, [record], with_timeline=True)[0]
    view.attachments = of_inspections(services.resolutions.session, [row.id for row in view.inspections])
    return view


def of_session(services: Services, session_name: str) -> list[ResolutionView]:
    """The resolutions the reader sees of one session (by 会次), in number order."""
    model = services.resolutions.model
    records = list(services.resolutions.session.scalars(
        services.resolutions.query().where(model.session == session_name)
        .order_by(None).order_by(model.resolution_no)).unique())
    return gather(services, records)


def previous_session(services: Services, session_name: str) -> str | None:
    """The session before ``session_name`` that adopted resolutions: the one adopting last before the
    first resolution of ``session_name`` (or last of all, when ``session_name`` adopted none yet)."""
    rows = services.resolutions.query().subquery()
    spans = services.resolutions.session.execute(
        sa.select(rows.c.session, sa.func.min(rows.c.adopted_on), sa.func.max(rows.c.adopted_on))
        .group_by(rows.c.session)).all()
    own = [first for name, first, _ in spans if name == session_name]
    before = [(last, name) for name, _, last in spans
              if name != session_name and last is not None and (not own or own[0] is None or last < own[0])]
    return max(before)[1] if before else None


def timeline(session: Any, view: ResolutionView) -> list[TimelineEntry]:
    """The audit entries of the resolution, its tasks and its inspections (those shown), oldest first."""
    wanted = [("resolutions", view.record)] + [("resolution_tasks", task) for task in view.tasks] + [
        ("resolution_inspections", row) for row in view.inspections]
    # from each record's creation on: an id used before by a deleted record brings none of its entries
    condition = sa.or_(*(sa.and_(AuditEntry.register == register, AuditEntry.record_id == record.id,
                                 AuditEntry.at >= record.created_at) for register, record in wanted))
    labels = {"resolutions": pgettext("register part", "resolution"), "resolution_tasks": pgettext("register part", "task"),
              "resolution_inspections": pgettext("register part", "inspection")}
    # downloads of attachments are audited too, but are not steps of the resolution
    entries = session.scalars(sa.select(AuditEntry).where(condition, AuditEntry.action != "export")
                              .order_by(AuditEntry.at, AuditEntry.id)
                              .limit(500))
    return [TimelineEntry(china_datetime(entry.at), entry.username or gettext("System (no user)"),
                          (str(ACTIONS[entry.action]) if entry.action in ACTIONS else entry.action)
                          + labels.get(entry.register or "", ""),
                          entry.record_key or "", entry.changes_text if entry.changes else (entry.detail or ""))
            for entry in entries]
