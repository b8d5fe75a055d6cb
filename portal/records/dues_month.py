"""A month's dues rows for every member in scope, written as one batch; and the arrears list.

``generate`` reads the members in the user's scope (and an org subtree) with one query that also says
whether each already has a row for the month, builds the new rows (``portal.domain.dues_month`` decides
who owes and who is exempt), and writes them through the dues register's service as one import-style
batch (``plan`` + ``apply`` with a ``SourceFile``): checked like an import, audited per record, and
undone from the import page. A member who already has the month's row is left alone, so a second run
writes nothing and makes no batch.

``arrears`` is set-based: one grouped query over the dues rows (last paid month per member, then the
unpaid rows after it), never a Python loop over the ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

import sqlalchemy as sa

from portal.domain.dues_month import DuesPolicy, lapse_text, previous_month, record_no, split_list
from portal.records.batches import ImportBatch
from portal.records.plan_types import ImportOptions, ParsedRow, Progress, no_progress
from portal.records.service import RegisterService
from portal.records.write import SourceFile
from portal.registry.spec import Registry
from portal.security.access import Access, row_condition
from portal.security.masking import mask_value
from portal.texts import TextList, gettext, lazy_gettext

DUES = "dues"
MEMBERS = "members"
#: The fields a generated row fills in (the rest stay blank: paid amount, date, method).
FIELDS = ("record_no", "member", "org_unit", "month", "wage", "exempt", "notes")
EXEMPT_NOTE = "保留会籍期间免交（按月生成）"  # i18n: data
#: Members without a wage listed by name in a report (the count is always complete).
LISTED = 200


def policy_from_config(config: Mapping[str, Any]) -> DuesPolicy:
    """The ``PORTAL_DUES_*`` settings as a ``DuesPolicy``."""
    return DuesPolicy(owing_statuses=split_list(config["PORTAL_DUES_OWING_STATUSES"]),
                      on_hold_statuses=split_list(config["PORTAL_DUES_ON_HOLD_STATUSES"]),
                      on_hold_employment=split_list(config["PORTAL_DUES_ON_HOLD_EMPLOYMENT"]),
                      last_wage_fallback=bool(config["PORTAL_DUES_LAST_WAGE_FALLBACK"]),
                      lapse_months=int(config["PORTAL_DUES_LAPSE_MONTHS"]))


@dataclass
class Generated:
    """What a generation did (or, dry run, would do)."""

    month: str
    #: Members in scope whose status gets a row (to pay or exempt).
    members: int = 0
    created: int = 0
    exempt: int = 0
    #: Members who already had the month's row: left alone.
    unchanged: int = 0
    #: Members who owe dues but have no wage reported: no row; (name, org) of the first ``LISTED``.
    no_wage: int = 0
    no_wage_names: list[tuple[str, str]] = field(default_factory=list)
    #: Rows the register refused (e.g. a 缴费单号 already used), in Chinese.
    errors: list[str] = field(default_factory=list)
    batch_id: int | None = None
    dry_run: bool = False

    def summary(self) -> str:
        numbers = {"month": self.month, "members": f"{self.members:,}", "created": f"{self.created:,}",
                   "exempt": f"{self.exempt:,}", "unchanged": f"{self.unchanged:,}", "no_wage": f"{self.no_wage:,}"}
        if self.dry_run:
            text = gettext("Dues for %(month)s: %(members)s members in scope get a row; %(created)s rows would be "
                           "added (%(exempt)s of them exempt), %(unchanged)s members already have this month's row "
                           "and are left alone, %(no_wage)s without a monthly wage get none", **numbers)
        else:
            text = gettext("Dues for %(month)s: %(members)s members in scope get a row; %(created)s rows added "
                           "(%(exempt)s of them exempt), %(unchanged)s members already have this month's row and "
                           "are left alone, %(no_wage)s without a monthly wage get none", **numbers)
        if self.errors:
            errors = f"{len(self.errors):,}"
            text += gettext(", %(count)s with errors get none", count=errors)
        return text + gettext(".")


def _members_query(members: Any, dues: Any, month: str, policy: DuesPolicy, scope: Any) -> sa.Select[Any]:
    table, ledger = members.__table__, dues.__table__
    has_row = sa.exists().where(ledger.c.member_id == table.c.id, ledger.c.month == month)
    columns = [table.c.id, table.c.name, table.c.org_unit_id, table.c.status, table.c.employment_status,
               table.c.monthly_wage, table.c.member_card_no, has_row.label("has_row")]
    if policy.last_wage_fallback:
        columns.append(sa.select(sa.func.max(ledger.c.wage)).where(
            ledger.c.member_id == table.c.id, ledger.c.month == previous_month(month)).scalar_subquery()
            .label("last_wage"))
    query = sa.select(*columns).where(table.c.status.in_(policy.member_statuses)).order_by(table.c.id)
    return query if scope is None else query.where(scope)


def generate(service: RegisterService, members_service: RegisterService, month: str, policy: DuesPolicy,
             org_ids: frozenset[int] | None = None, dry_run: bool = False, label: str = "",
             progress: Progress = no_progress) -> Generated:
    """Write ``month``'s rows (``"2026-11"``) for the members the service's user reaches, within ``org_ids``
    when given; the caller commits. ``label`` names the batch (``按月生成会费 2026-11（A01）``)."""
    members, dues = members_service.model, service.model
    scope = row_condition(members_service.spec, members, members_service.access())
    if org_ids is not None:
        subtree = members.__table__.c.org_unit_id.in_(sorted(org_ids))
        scope = subtree if scope is None else sa.and_(scope, subtree)
    report = Generated(month, dry_run=dry_run)
    rows: list[ParsedRow] = []
    names: list[str] = []
    for member in service.session.execute(_members_query(members, dues, month, policy, scope)):
        report.members += 1
        if member.has_row:
            report.unchanged += 1
            continue
        exempt = policy.standing(member.status, member.employment_status) == "exempt"
        wage = member.monthly_wage
        if wage is None and policy.last_wage_fallback:
            wage = member.last_wage
        if not exempt and wage is None:
            report.no_wage += 1
            if len(report.no_wage_names) < LISTED:
                report.no_wage_names.append((member.name, str(member.org_unit_id)))
            continue
        values: dict[str, Any] = {"record_no": record_no(member.member_card_no, member.id, month),
                                  "member": member.id, "org_unit": member.org_unit_id, "month": month,
                                  "wage": None if exempt else Decimal(wage), "exempt": exempt,
                                  "notes": EXEMPT_NOTE if exempt else None}
        rows.append(ParsedRow(len(rows) + 1, values, {}))
        names.append(member.name)
    _name_units(service, report)
    if not rows:
        return report
    options = ImportOptions(mode="insert", partial=True)
    plan = service.plan(rows, [service.spec.field(name) for name in FIELDS], options, progress)
    report.errors = [gettext("%(name)s: %(problem)s", name=names[error.row - 1], problem=error.message)
                     for error in plan.errors]
    report.created = len(plan.creates)
    report.exempt = sum(1 for row in plan.creates if row.values.get("exempt"))
    if dry_run or not plan.creates:
        return report
    name = label or f"按月生成会费 {month}"  # i18n: data (the batch's stored name)
    digest = hashlib.sha256(f"{name}|{len(plan.creates)}|{policy}".encode()).hexdigest()
    batch = service.apply(plan, SourceFile(name, digest), options, progress)
    assert isinstance(batch, ImportBatch)
    report.batch_id = batch.id
    return report


def _name_units(service: RegisterService, report: Generated) -> None:
    """The listed members' unit ids -> unit names (one query over the small org table)."""
    if not report.no_wage_names:
        return
    spec = service.registry.get("org_units")
    table = service.models["org_units"].__table__
    names: dict[int, Any] = dict(service.session.execute(sa.select(table.c.id, table.c[spec.title])).all())
    report.no_wage_names = [(name, str(names.get(int(unit), ""))) for name, unit in report.no_wage_names]


# -- arrears -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArrearsRow:
    """One member in arrears up to the month asked."""

    member_id: int
    name: str
    id_card: str
    org_unit_id: int
    org_name: str
    months: int
    since: str
    last_paid: str | None
    owed: Decimal | None
    lapse_prompt: bool


def _unpaid(ledger: sa.Table) -> sa.ColumnElement[bool]:
    return sa.or_(ledger.c.amount_paid.is_(None), ledger.c.amount_paid <= 0)


def _not_exempt(ledger: sa.Table) -> sa.ColumnElement[bool]:
    return sa.func.coalesce(ledger.c.exempt, sa.false()) == sa.false()


def arrears_query(dues_spec: Any, models: Any, access: Access, month: str, policy: DuesPolicy,
                  min_months: int = 1, org_ids: frozenset[int] | None = None) -> sa.Select[Any]:
    """Members (still owing dues by status) with at least ``min_months`` consecutive unpaid months up to
    ``month``: the unpaid, non-exempt rows after the member's last paid month, counted per member in SQL."""
    ledger, people, orgs = (models[DUES].__table__, models[MEMBERS].__table__, models["org_units"].__table__)
    visible = [ledger.c.month <= month, _not_exempt(ledger)]
    scope = row_condition(dues_spec, models[DUES], access)
    if scope is not None:
        visible.append(scope)
    if org_ids is not None:
        visible.append(ledger.c.org_unit_id.in_(sorted(org_ids)))
    paid = sa.select(ledger.c.member_id, sa.func.max(ledger.c.month).label("last_paid")).where(
        *visible, sa.not_(_unpaid(ledger))).group_by(ledger.c.member_id).subquery("paid")
    runs = sa.select(ledger.c.member_id, sa.func.count().label("months"), sa.func.min(ledger.c.month).label("since"),
                     sa.func.sum(ledger.c.amount_due).label("owed"), sa.func.max(paid.c.last_paid).label("last_paid"),
                     ).select_from(ledger.outerjoin(paid, paid.c.member_id == ledger.c.member_id)).where(
        *visible, _unpaid(ledger), sa.or_(paid.c.last_paid.is_(None), ledger.c.month > paid.c.last_paid),
    ).group_by(ledger.c.member_id).having(sa.func.count() >= max(min_months, 1)).subquery("runs")
    return sa.select(runs.c.member_id, people.c.name, people.c.id_card, people.c.org_unit_id,
                     orgs.c.name.label("org_name"), runs.c.months, runs.c.since, runs.c.last_paid, runs.c.owed,
                     ).select_from(runs.join(people, people.c.id == runs.c.member_id).join(
                         orgs, orgs.c.id == people.c.org_unit_id)).where(
        people.c.status.in_(policy.owing_statuses)).order_by(runs.c.months.desc(), orgs.c.name, people.c.name,
                                                              runs.c.member_id)


def arrears(session: Any, dues_spec: Any, models: Any, access: Access, month: str, policy: DuesPolicy,
            min_months: int = 1, org_ids: frozenset[int] | None = None, limit: int | None = None,
            offset: int = 0) -> list[ArrearsRow]:
    """The arrears list (a page of it with ``limit``), longest runs first."""
    query = arrears_query(dues_spec, models, access, month, policy, min_months, org_ids)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [ArrearsRow(row.member_id, row.name, row.id_card, row.org_unit_id, row.org_name, int(row.months),
                       row.since, row.last_paid, None if row.owed is None else Decimal(row.owed),
                       int(row.months) >= policy.lapse_months) for row in session.execute(query)]


def arrears_count(session: Any, dues_spec: Any, models: Any, access: Access, month: str, policy: DuesPolicy,
                  min_months: int = 1, org_ids: frozenset[int] | None = None) -> tuple[int, int]:
    """(members in arrears, of them with the lapse prompt) for the same selection."""
    listed = arrears_query(dues_spec, models, access, month, policy, min_months, org_ids).order_by(None).subquery()
    prompt = sa.func.sum(sa.case((listed.c.months >= policy.lapse_months, 1), else_=0))
    total, prompted = session.execute(sa.select(sa.func.count(), prompt).select_from(listed)).one()
    return int(total or 0), int(prompted or 0)


#: The arrears list's columns (page, export and command alike).
ARREARS_HEADERS = TextList(lazy_gettext("Full name"), lazy_gettext("ID number"), lazy_gettext("Union"),
                           lazy_gettext("Months unpaid in a row"), lazy_gettext("Since"),
                           lazy_gettext("Last month paid"), lazy_gettext("Amount owed (yuan)"), lazy_gettext("Note"))


def arrears_cells(row: ArrearsRow, registry: Registry, access: Access) -> list[Any]:
    """One row of the list as the reader may see it: the ID number and the amount (it gives the wage
    away) masked for a reader without the right; ``None`` for a blank cell."""
    people, ledger = registry.get(MEMBERS), registry.get(DUES)
    id_card = row.id_card
    if access.hidden(people, people.key_field):
        id_card = mask_value(people.key_field, id_card)
    owed: Any = row.owed
    if owed is not None and access.hidden(ledger, ledger.field("amount_due")):
        owed = mask_value(ledger.field("amount_due"), owed)
    return [row.name, id_card, row.org_name, row.months, row.since, row.last_paid or "", owed if owed is not None
            else "", lapse_text(row.months) if row.lapse_prompt else ""]
