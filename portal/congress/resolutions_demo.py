"""Demo resolutions: the first session's (第五届职代会第一次会议) resolutions, their tasks for the demo departments
and the delegates' inspections, so the second session's 提案办理情况报告 reports on them. Written through the
register service (the demo's ``Writer``) like the other demo rows; runs after the demo motions."""

from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from sqlalchemy import select

from portal.extensions import db

SESSION = "第五届职代会第一次会议"
ADOPTED = date(2025, 3, 20)
#: resolution number, title, text, status, union code
RESOLUTIONS = (
    ("5-1-J01", "关于通过《集体合同（2025—2027年）》的决议", "大会审议通过集体合同，责成行政和工会共同组织实施。", "落实中", "A"),
    ("5-1-J02", "关于职工食堂和倒班宿舍改造的决议", "大会同意年内完成职工食堂和倒班宿舍改造。", "已落实", "A"),
    ("5-1-J03", "关于加强一线岗位安全防护的决议", "大会要求更新一线岗位防护用品，开展全员安全培训。", "落实中", "B"),
)
#: resolution number, task content, department code, due date, progress, status, notes
TASKS = (
    ("5-1-J01", "按集体合同约定调整一线岗位工资标准", "A-HR", date(2025, 7, 1), 100, "已完成", "7 月起执行新标准。"),
    ("5-1-J01", "建立工资集体协商年度会议制度", "A-HR", date(2026, 12, 31), 60, "进行中", "已召开首次协商会议。"),
    ("5-1-J02", "完成职工食堂改造", "A-LOG", date(2025, 10, 31), 100, "已完成", "10 月投入使用。"),
    ("5-1-J02", "完成倒班宿舍空调更换", "A-LOG", date(2025, 8, 31), 100, "已完成", None),
    ("5-1-J03", "更新一线岗位劳动防护用品", "B-SAFE", date(2025, 9, 30), 80, "进行中", "已更换八成，其余待采购。"),
    ("5-1-J03", "开展全员安全培训", "B-SAFE", date(2026, 6, 30), 30, "进行中", None),
)
#: resolution number, date, findings, follow-up
INSPECTIONS = (
    ("5-1-J02", date(2025, 11, 12), "新食堂已投入使用，夜班窗口开到凌晨两点；职工反映良好。", None),
    ("5-1-J03", date(2025, 12, 3), "机加工车间防护用品已更换，铸造车间尚未到位。", "请安全环保部年底前补齐铸造车间防护用品。"),
)


def add_resolutions(writer: Any, people: Sequence[Any]) -> None:
    """Resolutions, tasks and inspections; skipped when the session already has resolutions or the demo
    departments are missing."""
    resolutions = writer.models["resolutions"]
    if db.session.scalar(select(resolutions.id).where(resolutions.session == SESSION).limit(1)) is not None:
        return
    units = writer.models["org_units"]
    codes = {"A", "B", "A-HR", "A-LOG", "B-SAFE"}
    unit = dict(db.session.execute(select(units.code, units.id).where(units.code.in_(codes))).tuples().all())
    if set(unit) != codes:
        return
    members = writer.models["members"]
    chosen = [person.member_id for person in people if person.status == "在籍"][:6]
    named = dict(db.session.execute(select(members.id, members.name).where(members.id.in_(chosen))).tuples().all())
    active = [named[member_id] for member_id in chosen if member_id in named]
    writer.insert("resolutions", [{"resolution_no": number, "session": SESSION, "title": title, "text": text,
                                   "adopted_on": ADOPTED, "status": status, "org_unit_id": unit[base],
                                   "item_no": position}
                                  for position, (number, title, text, status, base) in enumerate(RESOLUTIONS, 1)])
    ids = dict(db.session.execute(select(resolutions.resolution_no, resolutions.id).where(
        resolutions.session == SESSION)).tuples().all())
    bases = {number: unit[base] for number, _, _, _, base in RESOLUTIONS}
    counters: dict[str, int] = {}
    tasks = []
    for number, content, department, due, progress, status, notes in TASKS:
        counters[number] = counters.get(number, 0) + 1
        tasks.append({"task_no": f"{number}-{counters[number]}", "resolution_id": ids[number], "content": content,
                      "department_id": unit[department], "org_unit_id": bases[number], "due_on": due,
                      "progress": progress, "status": status, "notes": notes})
    writer.insert("resolution_tasks", tasks)
    writer.insert("resolution_inspections", [
        {"inspection_no": f"{number}-X{index}", "resolution_id": ids[number], "inspected_on": day,
         "members": "、".join(active[index - 1:index + 2]) or "职工代表巡视组", "org_unit_id": bases[number],
         "findings": findings, "suggestions": suggestions}
        for index, (number, day, findings, suggestions) in enumerate(INSPECTIONS, 1)])
