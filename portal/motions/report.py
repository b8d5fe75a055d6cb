"""The session report 提案办理情况报告: counts by state, reply class and satisfaction, and every motion
with its reply, for one congress session, read through the register service (the reader's scope)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

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


def sessions(service: RegisterService) -> list[str]:
    """The sessions with motions the reader can see, latest first (by their newest motion)."""
    rows = service.query().subquery()
    found = service.session.execute(sa.select(rows.c.session, sa.func.max(rows.c.id).label("last"))
                                    .group_by(rows.c.session).order_by(sa.desc("last"))).all()
    return [str(name) for name, _ in found]


def _count(values: list[str], order: list[str]) -> list[tuple[str, int]]:
    counts = Counter(value for value in values if value)
    return [(name, counts[name]) for name in order if counts[name]]


def session_report(service: RegisterService, session_name: str) -> Report:
    """The report of ``session_name`` from the motions the service's user can see."""
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
    return report
