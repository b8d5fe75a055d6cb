"""``portal.records.plan``: what a new record is made of, whatever the row carries besides its fields."""

from __future__ import annotations

from typing import Any

from portal.extensions import db
from portal.io.plan import ImportOptions, ImportPlan
from portal.records.plan import Planner
from portal.records.plan_types import ParsedRow
from tests.io.test_xlsx_import import context, ident

CARD = ident("19880808", 122)  # an even sequence digit: a woman born on 8 August 1988


def _created(app: Any, org_tree: dict[str, int], **extra: Any) -> dict[str, Any]:
    with app.app_context():
        ctx = context(app, "members")
        values = {"name": "王芳", "id_card": CARD, "org_unit": org_tree["A01"], **extra}
        planner = Planner(ctx, ImportOptions(mode="insert"))
        fields = [ctx.spec.field(name) for name in ("name", "id_card", "org_unit")]
        plan = planner.plan_rows([ParsedRow(2, values, {})], fields, ImportPlan(rows=1))
        db.session.rollback()
    assert plan.errors == [] and len(plan.creates) == 1
    return plan.creates[0].values


def test_a_new_record_takes_its_values_its_defaults_and_its_link_columns(app: Any, org_tree: dict[str, int]) -> None:
    record = _created(app, org_tree)
    assert record["name"] == "王芳" and record["id_card"] == CARD
    assert record["org_unit_id"] == org_tree["A01"] and "org_unit" not in record
    assert record["status"] == "在籍"  # the schema's default
    assert record["transfer_to_id"] is None and "transfer_to" not in record
    assert record["gender"] == "女" and str(record["birth_date"]) == "1988-08-08"


def test_values_the_schema_computes_or_does_not_store_change_nothing(app: Any, org_tree: dict[str, int]) -> None:
    plain = _created(app, org_tree)
    assert _created(app, org_tree, gender="男", age=99) == plain
