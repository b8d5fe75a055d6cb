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
from dataclasses import dataclass
from itertools import accumulate
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Sequence

from flask import Flask, current_app, has_app_context
from sqlalchemy import func, select

from portal import demo_names as names
from portal.domain.dues import dues_amount
from portal.domain.idcard import age_on, make_id_card
from portal.extensions import db
from portal.motions.demo import add_motions
from portal.congress.resolutions_demo import add_resolutions
from portal.models import link_column
from portal.records.plan_types import ImportOptions, ParsedRow

SEED = 20261121
AS_OF = date(2026, 11, 21)
CHUNK = 5000
SKIP_MESSAGE = "已有数据，跳过演示数据生成（可用 --force 追加）"
CARD_PREFIX = "HY"
POVERTY_LINE = Decimal("1510")  # 当地城乡低保标准（元/月），演示用
CENT = Decimal("0.01")
FIRST_BIRTH, LAST_BIRTH = date(1966, 1, 1), date(2004, 12, 31)


@dataclass(slots=True)
class OrgRef:
    """A union group (leaf) a member can be put in, with its grassroots union."""

    id: int
    base_id: int
    base: names.Grassroots
    leaf: names.Leaf


@dataclass(slots=True)
class Person:
    """A generated member, kept so the other registers can refer to it."""

    id_card: str
    male: bool
    org: OrgRef
    wage: Decimal
    status: str
    joined_on: date | None
    card_no: str | None
    member_id: int = 0


class DemoInvalid(Exception):
    """The demo rows broke a register's rules (a bug in the generator); the message lists the first problems."""


class Writer:
    """Writes generated rows through the register service; counts rows per register."""

    def __init__(self) -> None:
        self.state = current_app.extensions["portal"]
        self.counts: dict[str, int] = {}
        self.models = self.state.models

    def insert(self, slug: str, rows: Sequence[dict[str, Any]]) -> None:
        """Check and write ``rows`` (database column -> value, links by id) as new records."""
        service = self.state.service(slug)
        fields = service.spec.editable_fields
        names = {link_column(field) if field.is_link else field.name: field.name for field in fields}
        for start in range(0, len(rows), CHUNK):
            part = [ParsedRow(start + index + 1, {names[column]: value for column, value in row.items()
                                                  if column in names and value is not None}, {})
                    for index, row in enumerate(rows[start:start + CHUNK])]
            plan = service.plan(part, fields, ImportOptions(mode="insert"))
            if plan.errors:
                raise DemoInvalid("；".join(f"{slug} 第 {error.row} 行 {error.column}：{error.message}"
                                           for error in plan.errors[:5]))
            service.apply(plan, "演示数据")
        self.counts[slug] = self.counts.get(slug, 0) + len(rows)


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
            for add in (_add_activists, _add_dues, _add_labour_contracts, _add_collective_contracts, _add_assistance,
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


def _money(value: float, step: int = 1) -> Decimal:
    return Decimal(int(value) // step * step)


def _sample(rng: random.Random, pool: list[Person], wanted: float) -> list[Person]:
    """About ``wanted`` people (at least one) from ``pool``, in pool order."""
    chosen = rng.sample(range(len(pool)), min(len(pool), max(1, round(wanted))))
    return [pool[index] for index in sorted(chosen)]


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
        wage = _money(min(25000.0, max(3000.0, leaf.wage * rng.lognormvariate(0, 0.25) * seniority)))
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
    for person in _sample(rng, [p for p in people if p.status == "在籍"], 0.05 * len(people)):
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
    for person in _sample(rng, [p for p in people if p.status == "在籍"], 100):
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
    for person in _sample(rng, [p for p in people if p.status in ("在籍", "转出中")], 0.3 * len(people)):
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
            "probation_wage": _money(float(person.wage) * rng.uniform(0.8, 1.0), 10) if probation else None,
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


def _add_assistance(writer: Writer, people: list[Person]) -> None:
    """Hardship cases for about 2 % of members (low earners), with 1–3 grants per filed case."""
    rng = random.Random(SEED + 5)
    pool = [p for p in people if p.status == "在籍" and p.wage <= 8000]
    cases, grants = [], []
    approvers = {base.code: names.person_name(rng, rng.random() < 0.5, 1975) for base in names.GRASSROOTS}
    for person in _sample(rng, pool, 0.02 * len(people)):
        size = rng.choices((2, 3, 4, 5, 6), (20, 35, 28, 12, 5))[0]
        own = person.wage
        other = _money(rng.uniform(0, 0.5) * float(own) * 12, 100)  # spouse's wage, pension, rent ...
        annual = own * 12 + other
        if rng.random() < 0.2:
            cause = rng.choice(("灾害事故", "本人患大病", "家属患大病"))
            rigid = _money(float(annual) * rng.uniform(0.81, 0.95), 100)
        else:
            cause = rng.choices(("子女教育", "家属患大病", "单亲", "残疾", "本人患大病", "其他"), (30, 25, 15, 10, 10, 10))[0]
            target = rng.uniform(max(500.0, 0.25 * float(annual) / 12 / size), 2950)
            rigid = _money(float(annual) - target * 12 * size, 100)
            if rigid <= 0:
                rigid = _money(float(annual) * rng.uniform(0.05, 0.2), 100)
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
