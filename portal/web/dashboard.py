"""The home dashboard for the signed-in user: to-dos, key figures and up to six charts, all in their scope.

Every number is one aggregate query: a count per register (the key figures), the labour contracts ending
within 30 days and the members in arrears for at least the lapse threshold (the to-dos, until workflows
bring their own), and one query per chart. The charts are the reports marked ``dashboard:`` that the
user's roles may read and that use no field masked for them, in the order the reports give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from flask_babel import gettext

from portal.extensions import db
from portal.records.dues_month import DUES, arrears_count
from portal.records.reports import ReportResult, refusal
from portal.security.access import Access, row_condition
from portal.state import PortalState
from portal.web.report_views import report_params, result_for

MAX_CHARTS = 6
CONTRACTS = "labour_contracts"
EXPIRING_DAYS = 30


@dataclass
class Todo:
    text: str
    count: int
    url: str
    level: str = "warning"


@dataclass
class Dashboard:
    todos: list[Todo] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)
    charts: list[ReportResult] = field(default_factory=list)


def build_dashboard(state: PortalState, access: Access, locale: str, may_list: Any) -> Dashboard:
    """``may_list(slug)`` says whether the user may open a register's list (FAB's permission)."""
    board = Dashboard()
    for spec in sorted(state.registry, key=lambda spec: (spec.menu.order if spec.menu else 100, spec.slug)):
        if not may_list(spec.slug):
            continue
        model = state.models[spec.slug]
        query = sa.select(sa.func.count()).select_from(model)
        scope = row_condition(spec, model, access)
        if scope is not None:
            query = query.where(scope)
        board.cards.append({"slug": spec.slug, "label": spec.label.get(locale), "count": db.session.scalar(query),
                            "icon": spec.menu.icon if spec.menu else "fa-table"})
    board.todos = _todos(state, access, may_list)
    for report in sorted((report for report in state.reports if report.dashboard is not None),
                         key=lambda report: (report.dashboard, report.name)):
        if len(board.charts) >= MAX_CHARTS:
            break
        if access.can_report(report.name, "read") and report.chart.type != "table" and not refusal(
                report, state.registry, access):
            board.charts.append(result_for(report, access))
    return board


def _todos(state: PortalState, access: Access, may_list: Any) -> list[Todo]:
    params = report_params()
    todos: list[Todo] = []
    if CONTRACTS in state.registry and may_list(CONTRACTS):
        spec, model = state.registry.get(CONTRACTS), state.models[CONTRACTS]
        ends = model.__table__.c.end_date
        query = sa.select(sa.func.count()).select_from(model).where(
            model.__table__.c.status == "履行中", ends.between(params.today, params.today + timedelta(days=EXPIRING_DAYS)))
        scope = row_condition(spec, model, access)
        if scope is not None:
            query = query.where(scope)
        count = int(db.session.scalar(query) or 0)
        url = ("/reports/labour_contracts_expiring/" if access.can_report("labour_contracts_expiring", "read")
               else "/labour_contracts/list/")
        todos.append(Todo(gettext("Labour contracts ending within %(days)s days", days=EXPIRING_DAYS), count, url,
                          "warning" if count else "success"))
    if DUES in state.registry and may_list(DUES):
        lapse = params.policy.lapse_months
        total, _ = arrears_count(db.session, state.registry.get(DUES), state.models, access, params.month,
                                 params.policy, lapse)
        todos.append(Todo(gettext("Members with no dues paid for %(months)s months or more (due a talk)", months=lapse),
                          total,
                          f"/dues/arrears/?month={params.month}&min_months={lapse}", "danger" if total else "success"))
    return todos
