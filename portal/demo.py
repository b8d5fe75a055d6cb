"""Demo data (``portal demo``): an organisation tree, members and rows in every other register.

The data is deterministic (``random.Random(SEED)`` and a fixed reference date ``AS_OF``), so two
runs on empty databases give identical rows. Rows go through the register service like an import's
(the same checks, derived fields and bulk writes, one audit entry per record noted 演示数据), all in
one transaction.
A ``--force`` run adds another batch: it reuses the tree, skips ID numbers already present and
continues the member-card, activist and contract numbering.
"""

from __future__ import annotations

import random
import time
from contextlib import nullcontext
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import func, select

from portal import demo_names as names
from portal.congress.resolutions_demo import add_resolutions
from portal.demo_assistance import add_assistance
from portal.demo_writer import AS_OF, CENT, SEED, DemoInvalid, OrgRef, Person, Writer, money, sample
from portal.domain.dues import dues_amount
from portal.domain.idcard import age_on, make_id_card
from portal.extensions import db
from portal.motions.demo import add_motions

__all__ = ["AS_OF", "SEED", "SKIP_MESSAGE", "DemoInvalid", "Writer", "load_demo"]

SKIP_MESSAGE = "已有数据，跳过演示数据生成（可用 --force 追加）"
CARD_PREFIX = "HY"
FIRST_BIRTH, LAST_BIRTH = date(1966, 1, 1), date(2004, 12, 31)


def load_demo(app: Flask, members: int = 600, force: bool = False) -> str:
    """Write the demo data and return a Chinese summary; skip (and say so) when members already exist."""
    same_app = has_app_context() and current_app._get_current_object() is app  # type: ignore[attr-defined]
    with nullcontext() if same_app else app.app_context():
        started = time.perf_counter()
        writer = Writer()
        if db.session.scalar(select(func.count()).select_from(writer.models["members"])) and not force:
            return SKIP_MESSAGE
        try:
            orgs, org_total, org_new = _ensure_tree(writer, members)
            people = _add_members(writer, orgs, members)
            for add in (_add_activists, _add_dues, _add_labour_contracts, _add_collective_contracts, add_assistance,
                        add_motions, add_resolutions):
                add(writer, people)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        _refresh_statistics()
        labels = {spec.slug: spec.label.zh for spec in writer.state.registry}
        parts = [f"组织 {org_total} 个" + (f"（新建 {org_new} 个）" if org_new != org_total else ""),
                 f"会员 {writer.counts.get('members', 0)} 人"]
        parts += [f"{labels[slug]} {count} 条" for slug, count in writer.counts.items()
                  if slug not in ("org_units", "members")]
        return f"演示数据已生成：{'，'.join(parts)}；用时 {time.perf_counter() - started:.1f} 秒。"


def _refresh_statistics() -> None:
    """After a bulk load: planner statistics, and on PostgreSQL the visibility map (index-only counts)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE")


def _ensure_tree(writer: Writer, members: int = 600) -> tuple[list[OrgRef], int, int]:
    """Create the missing units of the demo tree, level by level; return the leaves and tree size.
    The union groups (where the members are) get employee counts a little above their share of members."""
    rng = random.Random(SEED)
    levels = names.tree_levels(rng)
    staff = random.Random(SEED + 1)
    for row in levels[-1]:
        row["employee_count"] = round(members / max(1, len(levels[-1])) * staff.uniform(1.05, 1.35))
    model = writer.models["org_units"]
    ids: dict[str, int] = {}
    for level in levels:
        codes = [row["code"] for row in level] + [row["parent"] for row in level if row["parent"]]
        ids.update(db.session.execute(select(model.code, model.id).where(model.code.in_(codes))).tuples().all())
        missing = [row for row in level if row["code"] not in ids]
        for row in missing:
            row["parent_id"] = ids.get(row.pop("parent") or "")
            row["contact_name"] = names.person_name(rng, rng.random() < 0.6, 1975)
            row["contact_phone"] = names.mobile(rng)
        if missing:
            writer.insert("org_units", missing)
            ids.update(db.session.execute(select(model.code, model.id).where(
                model.code.in_([row["code"] for row in missing]))).tuples().all())
    leaves = [OrgRef(ids[f"{base.code}{branch.suffix}G{leaf.suffix}"], ids[base.code], base, leaf)
              for base in names.GRASSROOTS for branch in base.branches for leaf in branch.leaves]
    return leaves, sum(len(level) for level in levels), writer.counts.get("org_units", 0)


def _add_members(writer: Writer, orgs: list[OrgRef], count: int) -> list[Person]:
    model = writer.models["members"]
    top_card = db.session.scalar(select(func.max(model.member_card_no)).where(
        model.member_card_no.like(CARD_PREFIX + "_" * 8)))
    start = int(top_card[len(CARD_PREFIX):]) if top_card and top_card[len(CARD_PREFIX):].isdigit() else 0
    used = set(db.session.scalars(select(model.id_card)).all())  # empty unless this is a --force run
    rng = random.Random(SEED + start)
    weights = list(accumulate(org.base.member_share / sum(o.base is org.base for o in orgs) for org in orgs))
    span = (LAST_BIRTH - FIRST_BIRTH).days
    people: list[Person] = []
    rows: list[dict[str, Any]] = []
    for index in range(count):
        org = orgs[index] if count >= len(orgs) and index < len(orgs) else rng.choices(orgs, cum_weights=weights)[0]
        leaf = org.leaf
        male = rng.random() < leaf.male_share
        rural = rng.random() < (0.3 if leaf.profile == "worker" else 0.03)
        hukou = "农业" if rural else ("农转居" if rng.random() < 0.08 else "非农业")
        for _attempt in range(100):  # bounded: a free number is found at once unless the space is nearly full
            area = names.pick(rng, names.RURAL_AREAS if rural else names.URBAN_AREAS)[0]
            birth = FIRST_BIRTH + timedelta(days=int(rng.triangular(0, span, span * 0.62)))
            id_card = make_id_card(area, birth, rng.randrange(500) * 2 + (1 if male else 0))
            if id_card not in used:
                break
        else:
            raise RuntimeError("演示数据的身份证号已用尽，请减少 --members")
        used.add(id_card)
        adult = names.years_after(birth, 18)
        start_work = min(names.between(rng, adult, names.years_after(adult, 8)), AS_OF - timedelta(days=90))
        migrant = rural and leaf.profile == "worker" and rng.random() < 0.8
        employment = "农民工" if migrant and rng.random() < 0.5 else "在岗"
        status, employment, changed, reason = names.membership(rng, birth, male, leaf.profile, start_work,
                                                               AS_OF, employment)
        joined = None if status == "申请中" else start_work
        young = birth.year >= AS_OF.year - 28 and rng.random() < 0.35
        party = rng.random() < {"worker": 0.12, "office": 0.35, "engineer": 0.3}[leaf.profile]
        political = "共青团员" if young else ("中共党员" if party else
                                          ("民主党派" if leaf.profile == "engineer" and rng.random() < 0.04 else "群众"))
        phone = names.mobile(rng)
        email = names.email(rng, phone) if rng.random() < (0.1 if leaf.profile == "worker" else 0.45) else None
        seniority = 0.85 + min(age_on(birth, AS_OF), 55) / 250
        wage = money(min(25000.0, max(3000.0, leaf.wage * rng.lognormvariate(0, 0.25) * seniority)))
        wage += Decimal(rng.randrange(1, 100)) * CENT if rng.random() < 0.25 else 0  # some wages have cents
        card = f"{CARD_PREFIX}{start + index + 1:08d}" if joined else None
        people.append(Person(id_card, male, org, wage, status, joined, card))
        rows.append({
            "name": names.person_name(rng, male, birth.year), "id_card": id_card, "org_unit_id": org.id,
            "ethnicity": names.pick(rng, names.ETHNICITIES)[0],
            "education": rng.choices(names.EDUCATION_LEVELS, names.EDUCATION_WEIGHTS[leaf.profile])[0],
            "political_status": political, "phone": phone, "email": email, "hukou_type": hukou,
            "employer": org.base.employer, "employment_status": employment, "is_migrant_worker": migrant,
            "joined_on": joined, "member_card_no": card, "status": status, "status_changed_on": changed,
            "status_reason": reason, "monthly_wage": wage,
            "notes": "已提交入会申请，待工会小组讨论" if status == "申请中" else None})
    before = db.session.scalar(select(func.max(model.id))) or 0
    writer.insert("members", rows)
    new_ids = dict(db.session.execute(select(model.id_card, model.id).where(model.id > before)).tuples().all())
    for person in people:
        person.member_id = new_ids[person.id_card]
    return people


def _add_activists(writer: Writer, people: list[Person]) -> None:
    rng = random.Random(SEED + 1)
    model = writer.models["activists"]
    picks: list[tuple[int, Person]] = []
    for person in sample(rng, [p for p in people if p.status == "在籍"], 0.05 * len(people)):
        years = rng.sample(range(2021, 2026), 2 if rng.random() < 0.15 else 1)
        picks += [(year, person) for year in years if year >= person.joined_on.year]  # type: ignore[union-attr]
    picks.sort(key=lambda pick: (pick[0], pick[1].member_id))
    numbers: dict[int, int] = {}
    rows = []
    for year, person in picks:
        if year not in numbers:
            taken = db.session.scalars(select(model.activist_no).where(model.activist_no.like(f"{year}-%"))).all()
            numbers[year] = max((int(no[5:]) for no in taken if no[5:].isdigit()), default=0)
        numbers[year] += 1
        notice_start = date(year, 12, rng.randint(1, 12))
        notice_end = notice_start + timedelta(days=7)
        result = rng.choices(("已批准", "未批准", "待审批"), (90, 4, 6 if year == 2025 else 0))[0]
        rows.append({
            "activist_no": f"{year}-{numbers[year]:03d}", "member_id": person.member_id, "org_unit_id": person.org.id,
            "union_post": names.activist_post(rng, person.male), "award_year": year,
            "deeds": rng.choice(names.ACTIVIST_DEEDS).format(n=rng.randint(1800, 2600), m=rng.randint(2, 9),
                                                             k=rng.randint(1, 3)),
            "recommendation": rng.choice(names.ACTIVIST_RECOMMENDATIONS), "notice_start": notice_start,
            "notice_end": notice_end, "approval_result": result,
            "approved_on": None if result == "待审批" else notice_end + timedelta(days=rng.randint(3, 12))})
    writer.insert("activists", rows)


def _add_dues(writer: Writer, people: list[Person]) -> None:
    rng = random.Random(SEED + 2)
    rows = []
    months = [divmod(AS_OF.year * 12 + AS_OF.month - 1 - back, 12) for back in range(6, 0, -1)]  # last 6 months
    for person in sample(rng, [p for p in people if p.status == "在籍"], 100):
        method = rng.choices(("工资代扣", "转账", "线上支付", "现金"), (80, 8, 10, 2))[0]
        for year, month0 in months:
            unpaid = (year, month0) == months[-1] and rng.random() < 0.1
            rows.append({
                "record_no": f"{person.card_no}-{year}{month0 + 1:02d}", "member_id": person.member_id,
                "org_unit_id": person.org.id, "month": f"{year}-{month0 + 1:02d}", "wage": person.wage,
                "amount_paid": None if unpaid else dues_amount(person.wage), "exempt": False,
                "paid_on": None if unpaid else date(year, month0 + 1, rng.randint(10, 25)),
                "payment_method": None if unpaid else method})
    writer.insert("dues", rows)


def _add_labour_contracts(writer: Writer, people: list[Person]) -> None:
    rng = random.Random(SEED + 3)
    rows = []
    for person in sample(rng, [p for p in people if p.status in ("在籍", "转出中")], 0.3 * len(people)):
        joined: date = person.joined_on  # type: ignore[assignment]
        service = (AS_OF - joined).days / 365
        probation, end, status = 0, None, "履行中"
        if service >= 8 and rng.random() < 0.6:
            kind, start = "无固定期限", min(names.years_after(joined, rng.randint(8, 12)), AS_OF - timedelta(days=30))
        elif rng.random() < 0.03:
            kind, start = "以完成一定工作任务为期限", AS_OF - timedelta(days=rng.randint(30, 500))
            end = start + timedelta(days=rng.randint(120, 540))
        else:
            kind, term = "固定期限", rng.choices((1, 3, 5), (15, 60, 25))[0]
            back = term * 365 + (900 if rng.random() < 0.08 else 0)  # a few contracts already ended
            start = max(joined, AS_OF - timedelta(days=rng.randint(0, back)))
            end = names.years_after(start, term) - timedelta(days=1)
            if (start - joined).days < 90:
                probation = {1: 1, 3: rng.choice((3, 6)), 5: 6}[term]
        if end and end < AS_OF:
            status = rng.choice(("已到期", "已续订", "已终止")) if kind == "固定期限" else "已终止"
        rows.append({
            "contract_no": f"LDHT-{start.year}-{person.member_id:07d}", "member_id": person.member_id,
            "org_unit_id": person.org.base_id, "employer": person.org.base.employer, "contract_type": kind,
            "signed_on": start - timedelta(days=rng.randint(0, 15)), "start_date": start, "end_date": end,
            "probation_months": probation,
            "probation_wage": money(float(person.wage) * rng.uniform(0.8, 1.0), 10) if probation else None,
            "post": rng.choice(person.org.leaf.posts), "monthly_wage": person.wage, "status": status,
            "work_place": f"{person.org.base.district}{rng.choice(names.STREETS)}{rng.randint(1, 999)}号"})
    writer.insert("labour_contracts", rows)


def _add_collective_contracts(writer: Writer, _people: list[Person]) -> None:
    """One comprehensive contract per grassroots union that has none yet."""
    rng = random.Random(SEED + 4)
    org_model, model = writer.models["org_units"], writer.models["collective_contracts"]
    bases = db.session.execute(select(org_model.code, org_model.id, org_model.contact_name).where(
        org_model.code.in_([base.code for base in names.GRASSROOTS]))).tuples().all()
    covered = set(db.session.scalars(select(model.org_unit_id)).all())
    rows = []
    for base, (code, org_id, chief) in ((b, row) for b in names.GRASSROOTS for row in bases
                                        if row[0] == b.code and row[1] not in covered):
        year = rng.choice((2024, 2025, 2026))  # in force from 1 January, so effective_on must come before
        signed = date(year - 1, 11, rng.randint(5, 25))
        filed = signed + timedelta(days=rng.randint(3, 10))
        total = rng.randint(45, 160)
        present = rng.randint(-(-2 * total // 3) + 1, total)
        rows.append({
            "contract_no": f"JTHT-{code}-{year}", "title": f"{base.employer} {year}—{year + 2} 年集体合同",
            "org_unit_id": org_id, "contract_kind": "综合", "scope_level": "企业", "employer": base.employer,
            "union_chief": chief, "employer_chief": names.person_name(rng, rng.random() < 0.7, 1970),
            "negotiators_per_side": rng.randint(3, 7), "offer_date": signed - timedelta(days=rng.randint(45, 70)),
            "congress_session": f"第{rng.randint(2, 6)}届第{rng.randint(1, 4)}次", "delegates_total": total,
            "delegates_present": present, "votes_for": rng.randint(total // 2 + 1, present), "signed_on": signed,
            "filed_on": filed, "review_department": names.REVIEW_DEPARTMENT.format(district=base.district),
            "term_start": date(year, 1, 1), "term_end": date(year + 2, 12, 31),
            "status": "已生效"})
    writer.insert("collective_contracts", rows)
