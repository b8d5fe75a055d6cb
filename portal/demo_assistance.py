"""Demo hardship-assistance cases (about 2 % of members, low earners) and 1–3 grants per filed case."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from portal import demo_names as names
from portal.demo_writer import AS_OF, CENT, SEED, Person, Writer, money, sample
from portal.extensions import db

POVERTY_LINE = Decimal("1510")  # 当地城乡低保标准（元/月），演示用


def add_assistance(writer: Writer, people: list[Person]) -> None:
    """Hardship cases for about 2 % of members (low earners), with 1–3 grants per filed case."""
    rng = random.Random(SEED + 5)
    pool = [p for p in people if p.status == "在籍" and p.wage <= 8000]
    cases, grants = [], []
    approvers = {base.code: names.person_name(rng, rng.random() < 0.5, 1975) for base in names.GRASSROOTS}
    for person in sample(rng, pool, 0.02 * len(people)):
        size = rng.choices((2, 3, 4, 5, 6), (20, 35, 28, 12, 5))[0]
        own = person.wage
        other = money(rng.uniform(0, 0.5) * float(own) * 12, 100)  # spouse's wage, pension, rent ...
        annual = own * 12 + other
        if rng.random() < 0.2:
            cause = rng.choice(("灾害事故", "本人患大病", "家属患大病"))
            rigid = money(float(annual) * rng.uniform(0.81, 0.95), 100)
        else:
            cause = rng.choices(("子女教育", "家属患大病", "单亲", "残疾", "本人患大病", "其他"), (30, 25, 15, 10, 10, 10))[0]
            target = rng.uniform(max(500.0, 0.25 * float(annual) / 12 / size), 2950)
            rigid = money(float(annual) - target * 12 * size, 100)
            if rigid <= 0:
                rigid = money(float(annual) * rng.uniform(0.05, 0.2), 100)
        per_head = ((annual - rigid) / 12 / size).quantize(CENT, rounding=ROUND_HALF_UP)
        category = ("意外致困" if rigid > annual * Decimal("0.8") else
                    "深度困难" if per_head < POVERTY_LINE else "相对困难")
        others = [c for c in ("子女教育", "家属患大病", "单亲", "其他") if c != cause]
        secondary = rng.choice(others) if rng.random() < 0.5 else None
        single = "单亲" in (cause, secondary)
        status = rng.choices(("已建档", "已脱困撤档", "审核中", "公示中", "入户调查", "申请中"), (75, 8, 5, 4, 4, 4))[0]
        filed = reviewed = closed = None  # cases still being examined have no file and no grants yet
        if status in ("已建档", "已脱困撤档"):
            filed = AS_OF - timedelta(days=rng.randint(60, 4 * 365))
            years = (AS_OF - filed).days // 365
            review = names.years_after(filed, years) + timedelta(days=rng.randint(0, 20))  # yearly re-check
            reviewed = min(AS_OF, review) if years else None
            if status == "已脱困撤档":
                closed = names.between(rng, (reviewed or filed) + timedelta(days=30), AS_OF)
        bank, bin_code = rng.choice(names.BANKS)
        case_no = f"KN-{(filed or AS_OF).year}-{person.member_id:07d}"
        health = {"本人患大病": "大病", "残疾": "残疾"}.get(cause) or rng.choices(("健康", "慢性病"), (80, 20))[0]
        cases.append({
            "case_no": case_no, "member_id": person.member_id, "org_unit_id": person.org.base_id,
            "hardship_category": category, "primary_cause": cause, "secondary_cause": secondary, "health": health,
            "disability_type": rng.choice(("肢体残疾", "视力残疾", "听力残疾")) if cause == "残疾" else None,
            "marital_status": rng.choice(("离异", "丧偶")) if single else rng.choices(("已婚", "离异", "丧偶"), (85, 8, 7))[0],
            "housing_type": rng.choices(("租住私房", "自有住房", "公租房", "单位宿舍", "借住"), (35, 30, 20, 8, 7))[0],
            "household_size": size, "own_monthly_income": own, "household_other_annual_income": other,
            "household_annual_income": annual, "rigid_expenses": rigid,
            "address": names.home_address(rng), "bank_name": bank,
            "bank_card_no": names.luhn(bin_code + f"{rng.randrange(10 ** 12):012d}"),
            "is_single_parent": single, "zero_employment_household": False,
            "model_worker_type": rng.choices(("非劳模", "地市级劳模", "其他"), (97, 2, 1))[0], "status": status,
            "filed_on": filed, "reviewed_on": reviewed, "closed_on": closed,
            "notes": f"家庭月人均收入 {per_head} 元（当地低保标准 {POVERTY_LINE} 元/月）"})
        if filed:
            grants += _grants(rng, case_no, person, cause, category, filed, closed or AS_OF, approvers)
    writer.insert("assistance_cases", cases)
    case_model = writer.models["assistance_cases"]
    case_ids = dict(db.session.execute(select(case_model.case_no, case_model.id).where(
        case_model.case_no.in_([row["case_no"] for row in cases]))).tuples().all()) if cases else {}
    for grant in grants:
        grant["assistance_case_id"] = case_ids[grant.pop("case_no")]
    writer.insert("assistance_grants", grants)


def _grants(rng: random.Random, case_no: str, person: Person, cause: str, category: str, first: date,
            last: date, approvers: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for number, kind in enumerate(rng.sample(names.relief_kinds(cause, category), rng.randint(1, 3)), start=1):
        low, high, month = names.RELIEF_TYPES[kind]
        day = names.between(rng, first, last)
        if month:
            fits = [day for day in (date(year, month, 15) for year in range(first.year, last.year + 1))
                    if first <= day <= last]
            if fits:
                day = max(first, min(last, rng.choice(fits) + timedelta(days=rng.randint(-10, 10))))
        method = rng.choices(("实名打卡", "实物", "现金"), (85, 10 if kind in ("春节救助", "越冬救助") else 0, 5))[0]
        rows.append({"case_no": case_no, "grant_no": f"{case_no}-{number}", "member_id": person.member_id,
                     "org_unit_id": person.org.base_id, "relief_type": kind,
                     "amount": Decimal(rng.randint(low // 100, high // 100) * 100), "granted_on": day,
                     "payment_method": method, "approved_by": approvers[person.org.base.code]})
    return rows
