"""The session report 提案办理情况报告: counts by state, reply class and satisfaction, and every motion
with its reply, for one congress session, read through the register service (the reader's scope); then
the previous session's resolutions (决议) with their tasks' progress and the delegates' inspections."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal.congress.resolution_page import ResolutionView, Services, of_session, previous_session
from portal.records.service import RegisterService


@dataclass(frozen=True)
class ReportLine:
    motion_no: str
    subject: str
    proposer: str
    cosigners: int
    kind: str
    status: str
    lead_department: str
    co_department: str
    reply_class: str
    reply: str
    satisfaction: str
    opinion: str


@dataclass
class Report:
    session: str
    lines: list[ReportLine] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_class: list[tuple[str, int]] = field(default_factory=list)
    by_satisfaction: list[tuple[str, int]] = field(default_factory=list)
    #: The previous session (that adopted resolutions) and its resolutions, as the reader sees them.
    previous: str | None = None
    resolutions: list[ResolutionView] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def admitted(self) -> int:
        return sum(1 for line in self.lines if line.kind == "提案" and line.status not in ("草稿", "征集中", "已提交",
                                                                                           "审查中", "不立案"))

    def summary(self) -> str:
        """One paragraph, as the report to the next session opens."""
        done = dict(self.by_status).get("办结", 0)
        happy = sum(count for name, count in self.by_satisfaction if name in ("满意", "基本满意"))
        rated = sum(count for _, count in self.by_satisfaction)
        rate = f"，满意和基本满意 {happy} 件，占已反馈的 {happy * 100 // rated}%" if rated else ""
        return (f"{self.session}共收到提案 {self.total} 件，立案 {self.admitted} 件，"
                f"不立案（转为意见建议）{dict(self.by_status).get('不立案', 0)} 件；已办结 {done} 件{rate}。")

    def resolutions_summary(self) -> str:
        """One paragraph on the previous session's resolutions; empty without any."""
        if not self.previous:
            return ""
        tasks = [task for view in self.resolutions for task in view.tasks]
        done = sum(view.done for view in self.resolutions)
        visits = sum(len(view.inspections) for view in self.resolutions)
        return (f"{self.previous}通过决议 {len(self.resolutions)} 项，分解落实任务 {len(tasks)} 项，已完成 {done} 项；"
                f"职工代表巡视检查 {visits} 次。")


def sessions(service: RegisterService) -> list[str]:
    """The sessions with motions the reader can see, latest first (by their newest motion)."""
    rows = service.query().subquery()
    found = service.session.execute(sa.select(rows.c.session, sa.func.max(rows.c.id).label("last"))
                                    .group_by(rows.c.session).order_by(sa.desc("last"))).all()
    return [str(name) for name, _ in found]


def _count(values: list[str], order: list[str]) -> list[tuple[str, int]]:
    counts = Counter(value for value in values if value)
    return [(name, counts[name]) for name in order if counts[name]]


def session_report(service: RegisterService, session_name: str, resolutions: Services | None = None) -> Report:
    """The report of ``session_name`` from the motions the service's user can see; with ``resolutions``
    (the reader's services) also the previous session's resolutions, their tasks and inspections."""
    model = service.model
    records = service.session.scalars(service.query().where(model.session == session_name)
                                      .order_by(None).order_by(model.motion_no)).unique().all()
    report = Report(session_name)

    def title(record: Any) -> str:
        return str(record.name) if record is not None else ""

    for record in records:
        report.lines.append(ReportLine(
            record.motion_no, record.subject, title(record.proposer), record.cosigner_count or 0, record.kind,
            record.status, title(record.lead_department), title(record.co_department), record.reply_class or "",
            record.reply or "", record.satisfaction or "", record.review_opinion or ""))
    spec = service.spec
    report.by_status = _count([line.status for line in report.lines], list(spec.field("status").choice_values))
    report.by_class = _count([line.reply_class for line in report.lines], list(spec.field("reply_class").choice_values))
    report.by_satisfaction = _count([line.satisfaction for line in report.lines],
                                    list(spec.field("satisfaction").choice_values))
    if resolutions is not None and resolutions.readable(resolutions.resolutions):
        report.previous = previous_session(resolutions, session_name)
        report.resolutions = of_session(resolutions, report.previous) if report.previous else []
    return report
