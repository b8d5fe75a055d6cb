"""Demo motions: three departments (职能部门) under the first grassroots union and a session's motions in
every stage, written through the register service (the demo's ``Writer``) like the other demo rows."""

from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from sqlalchemy import select

from portal.extensions import db

SESSION = "第五届职代会第二次会议"
#: (grassroots union, code suffix, name): the departments answering motions.
DEPARTMENTS = (("A", "HR", "人力资源部"), ("A", "LOG", "后勤保障部"), ("B", "SAFE", "安全环保部"))
#: The grassroots union of each motion's proposer (the same order as MOTIONS).
PROPOSER_UNIONS = ("A", "A", "B", "A", "A", "B")
#: subject, category, reasons, measures, status, department, reply class, reply, satisfaction
MOTIONS = (
    ("改善倒班职工夜班就餐条件", "生活后勤", "夜班职工反映食堂夜餐品种少、供应时间短。", "延长夜餐供应时间，增加品种。",
     "办结", "A-LOG", "A类（已解决）", "食堂已将夜餐供应延长至凌晨两点，品种由三种增至六种。", "满意"),
    ("完善一线岗位高温津贴发放办法", "工资福利", "高温津贴按月定额发放，未区分露天和室内岗位。", "按岗位和实际高温天数分档发放。",
     "办结", "A-HR", "B类（正在解决）", "已拟定分档发放办法，提交下次职代会审议。", "基本满意"),
    ("更新机加工车间通风除尘设备", "劳动保护", "车间除尘设备老化，粉尘浓度偏高。", "列入年度技改计划，更换除尘设备。",
     "已答复", "B-SAFE", "C类（因条件限制暂不能解决）", "今年技改资金已安排完毕，列入明年计划，先增加滤网更换频次。", None),
    ("增设厂区职工子女暑期托管班", "生活后勤", "双职工家庭暑期子女无人照看。", "利用职工之家开设暑期托管班。",
     "办理中", "A-HR", None, None, None),
    ("建立合理化建议奖励制度", "民主管理", "职工提出的合理化建议缺少反馈和奖励。", "制定奖励办法，按效益给予奖励。",
     "审查中", None, None, None, None),
    ("调整个人工资", "工资福利", "本人工资偏低。", "给本人调资。",
     "不立案", None, None, None, None),
)


def add_motions(writer: Any, people: Sequence[Any]) -> None:
    """Departments and motions; skipped when the session already has motions (a second ``--force`` run)."""
    motions = writer.models["motions"]
    if db.session.scalar(select(motions.id).where(motions.session == SESSION).limit(1)) is not None:
        return
    active = [person for person in people if person.status == "在籍"]
    pools = {code: [person for person in active if person.org.base.code == code][:6] for code in ("A", "B")}
    if not all(len(pool) >= 3 for pool in pools.values()):
        return
    units = writer.models["org_units"]
    codes = {f"{base}-{suffix}": (base, name) for base, suffix, name in DEPARTMENTS}
    bases = {code: pool[0].org.base_id for code, pool in pools.items()}
    have = set(db.session.scalars(select(units.code).where(units.code.in_(codes))))
    writer.insert("org_units", [{"code": code, "name": name, "unit_type": "职能部门", "parent_id": bases[base],
                                 "contact_name": f"{name}主任", "contact_phone": f"1390571{number:04d}"}
                                for number, (code, (base, name)) in enumerate(codes.items(), 1) if code not in have])
    department = dict(db.session.execute(select(units.code, units.id).where(units.code.in_(codes))).tuples().all())
    rows, cosigns = [], []
    for number, (subject, category, reasons, measures, status, dept, klass, reply, rating) in enumerate(MOTIONS, 1):
        delegates = pools[PROPOSER_UNIONS[number - 1]]
        proposer = delegates[number % len(delegates)]
        motion_no = f"2026-{number:03d}"
        lead = department.get(dept) if dept else None
        answered = reply is not None
        rows.append({"motion_no": motion_no, "session": SESSION, "subject": subject, "category": category,
                     "proposer_id": proposer.member_id, "org_unit_id": proposer.org.id, "reasons": reasons,
                     "measures": measures, "cosigner_count": 2, "status": status,
                     "kind": "意见建议" if status == "不立案" else "提案",
                     "review_opinion": "属于个人诉求，不符合提案条件，转有关部门参考" if status == "不立案" else
                     ("符合立案条件" if lead else None),
                     "lead_department_id": lead, "due_on": date(2026, 9, 30) if lead else None,
                     "reply": reply, "reply_class": klass, "replied_on": date(2026, 8, 15) if answered else None,
                     "satisfaction": rating, "closed_on": date(2026, 8, 20) if status in ("办结", "不立案") else None})
        for offset in (1, 2):
            signer = delegates[(number + offset) % len(delegates)]
            cosigns.append({"cosign_no": f"{motion_no}-{signer.member_id}", "motion_no": motion_no,
                            "member_id": signer.member_id, "org_unit_id": signer.org.id, "status": "已附议",
                            "answered_on": date(2026, 3, 1)})
    writer.insert("motions", rows)
    ids = dict(db.session.execute(select(motions.motion_no, motions.id).where(
        motions.motion_no.in_([row["motion_no"] for row in rows]))).tuples().all())
    writer.insert("motion_cosigners", [{**{k: v for k, v in row.items() if k != "motion_no"},
                                        "motion_id": ids[row["motion_no"]]} for row in cosigns])
