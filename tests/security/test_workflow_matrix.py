"""The workflow matrix, generated from ``permissions/roles.yaml`` and the shipped workflows.

For every role × register with a workflow × state × transition × channel (record page, API with the
browser session, API with a bearer token, the command line) a fresh row is put in that state in branch
A (and one in branch B) and the role presses the transition. The outcome must be what the roles file
and the YAML say: done (the row moved to the target state), refused (no right), conflict (the row is
not in a state the transition leaves) or hidden (a row outside a subtree role's scope). A transition
with ``approvals:`` (or its 驳回) is done only by its approver role (one agreement each is enough here:
``approvals_needed`` is 1 by default); other roles with the verb are refused.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.io.plan import ImportOptions
from portal.records.plan_types import ParsedRow
from portal.records.workflow import permitted
from portal.security.access import Access
from portal.workflow_commands import transition_command
from tests.conftest import create_as_system, login
from tests.io.test_xlsx_import import ident
from tests.security.test_matrix import REGISTRY, ROLES, TokenClient

PASSWORD = "Flow-matrix-2026"
FLOWS = [spec for spec in REGISTRY if spec.workflow is not None]
CHANNELS = ("screen", "api", "token", "cli")
MEMBER = {"name": "孙八", "id_card": "11010519491231002X", "org_unit": "A01-1"}
OTHER = {"name": "周九", "id_card": "440524188001010014", "org_unit": "B"}
#: Everything a row of each register needs so that every transition's required fields and condition hold
#: (a 公示 already over, an income under the line).
ROW_VALUES: dict[str, dict[str, Any]] = {
    "activists": {"award_year": 2026, "deeds": "带领小组完成技术革新"},
    "assistance_cases": {"hardship_category": "深度困难", "household_size": 3,
                         "household_annual_income": Decimal("30000"), "rigid_expenses": Decimal("6000"),
                         "visit_on": date(2026, 1, 5), "visit_findings": "与申请一致", "notice_end": date(2026, 1, 20)},
    "members": {"name": "矩阵会员", "hold_reason": "退休", "hold_from": date(2026, 12, 1),
                "counselled_on": date(2026, 11, 2), "counselling_note": "谈话记录", "sanction_note": "判决书"},
    "motions": {"session": "五届二次", "subject": "矩阵测试", "reasons": "理由", "measures": "办法",
                "cosigner_count": 2, "due_on": date(2027, 3, 31), "reply": "答复", "reply_class": "A类（已解决）"},
    "resolution_tasks": {"content": "矩阵测试", "due_on": date(2027, 3, 31), "progress": 10},
}
#: Settings for the matrix: a lapse needs no unpaid months here (the rule itself: tests/records/test_member_workflow.py).
SETTINGS = {"PORTAL_SETTING_LAPSE_MONTHS": "0"}
#: Transitions a module's guard refuses to every account of the matrix (portal/motions/hooks.py): a reply is rated
#: by the motion's proposer only (no matrix account is one), and 提交团长初审 only while head_review is on (off here).
GUARDED = {("motions", name) for name in ("satisfied", "mostly_satisfied", "unsatisfied", "submit_to_head")}
SERIAL = itertools.count(1)
#: Above this many state × transition pairs, each transition is tried from one state it leaves and one it does not.
FULL_GRID = 12


@pytest.fixture()
def people(app: Any, admin_client: Any, org_tree: dict[str, int]) -> dict[str, Any]:
    from portal.security.accounts import create_user

    for member in (MEMBER, OTHER):
        assert admin_client.post("/api/v1/members/", json=member).status_code == 201
    users: dict[str, Any] = {}
    for role in ROLES:
        name = f"{role}_{uuid.uuid4().hex[:12]}"  # six hex digits collided once in a full run
        with app.app_context():
            create_user(name, PASSWORD, role, org_code="A")
        client = app.test_client()
        login(client, name, PASSWORD)
        users[role] = (name, client, TokenClient(app, name, PASSWORD))
    return users


#: A row of each register with a workflow, every field its transitions require already filled in.


def _row(app: Any, slug: str, state: str, branch: str) -> tuple[int, str]:
    """A row of ``slug`` in ``state`` in branch A or B, written with system rights (the demo's way)."""
    state_obj = app.extensions["portal"]
    spec = state_obj.registry.get(slug)
    member = MEMBER if branch == "A" else OTHER
    if slug == "members":  # a person of their own, keyed by a fresh ID number
        serial = next(SERIAL)
        key = ident((date(1960, 1, 1) + timedelta(days=serial)).strftime("%Y%m%d"), serial % 900 + 1)
        values = {spec.key: key, "org_unit": member["org_unit"]}
    elif slug == "motions":  # a department reaches a motion through its lead department: the row's own branch here
        key = f"M-{uuid.uuid4().hex[:10]}"
        values = {spec.key: key, "proposer": member["id_card"], "org_unit": member["org_unit"],
                  "lead_department": member["org_unit"]}
    elif slug == "resolution_tasks":  # a department reaches a task through its department: the row's own branch here
        key = f"M-{uuid.uuid4().hex[:10]}"
        create_as_system(app, "resolutions", {"resolution_no": key, "session": "五届二次", "title": "矩阵决议",
                                              "adopted_on": "2026-03-20", "org_unit": member["org_unit"]})
        values = {spec.key: key, "resolution": key, "org_unit": member["org_unit"], "department": member["org_unit"]}
    else:
        key = f"M-{uuid.uuid4().hex[:10]}"
        values = {spec.key: key, "member": member["id_card"], "org_unit": member["org_unit"]}
    values.update({**ROW_VALUES[slug], spec.workflow.field: state})
    if spec.workflow.handover is not None:  # handed over within the same branch: each side is that branch
        values[spec.workflow.handover.field] = member["org_unit"]
    with app.app_context():
        service = state_obj.service(slug)
        fields = [spec.field(name) for name in values]
        texts = {name: str(value) for name, value in values.items() if spec.field(name).is_link}
        plan = service.plan([ParsedRow(2, dict(values), texts)], fields, ImportOptions(mode="insert"))
        assert plan.errors == [], plan.errors
        (record_id,) = service.apply(plan, "流程矩阵测试")
        db.session.commit()
    return int(record_id), key


def _state(app: Any, slug: str, record_id: int) -> str:
    with app.app_context():
        table = app.extensions["portal"].models[slug].__table__
        field = REGISTRY.get(slug).workflow.field
        return str(db.session.scalar(sa.select(table.c[field]).where(table.c.id == record_id)))


def _press(app: Any, people: dict[str, Any], role: str, channel: str, slug: str, record_id: int, key: str,
           name: str) -> str:
    username, client, token = people[role]
    body = {"reason": "矩阵测试理由"}
    if channel == "cli":
        result = app.test_cli_runner().invoke(transition_command, [slug, key, name, "--reason", body["reason"],
                                                                   "--user", username])
        return {0: "done", 3: "conflict"}.get(result.exit_code, "hidden" if "不在您的权限范围内" in result.output
                                              else "refused")
    if channel == "screen":
        before = _state(app, slug, record_id)
        response = client.post(f"/{slug}/transition/{record_id}/{name}", data=body)
        if response.status_code in (403, 404):
            return {403: "refused", 404: "hidden"}[response.status_code]
        assert response.status_code == 302
        after = _state(app, slug, record_id)
        if after != before:
            return "done"
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        return "conflict" if "不能执行" in page else "refused"
    caller = client if channel == "api" else token
    response = caller.open(f"/api/v1/{slug}/{record_id}/transition/{name}", method="POST", json=body)
    return {200: "done", 403: "refused", 404: "hidden", 409: "conflict"}.get(response.status_code,
                                                                           f"HTTP {response.status_code}")


def _sampled(flow: Any, state: str) -> list[Any]:
    """The transitions tried from ``state``: all of them on a small workflow; on a large one each transition
    from its first source state and from the first state it does not leave."""
    if len(flow.states) * len(flow.transitions) <= FULL_GRID:
        return list(flow.transitions)
    values = [item.value for item in flow.states]
    return [item for item in flow.transitions
            if state == item.sources[0] or state == next((value for value in values if value not in item.sources), None)]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("slug", [spec.slug for spec in FLOWS])
def test_each_role_presses_exactly_the_transitions_it_may(app: Any, people: dict[str, Any], slug: str,
                                                         channel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    spec = REGISTRY.get(slug)
    flow = spec.workflow
    failures: list[str] = []
    cases = 0
    seen: set[str] = set()
    for role_name, role in ROLES.items():
        access = Access(username=role_name, roles=(role,), org_ids=None if role.scope == "all" else frozenset({0}))
        for state in flow.states:
            for item in _sampled(flow, state.value):
                allowed = permitted(access, spec, item)
                expected = ("done" if state.value in item.sources else "conflict") if allowed else "refused"
                approving = flow.approving(item.name)
                if allowed and expected == "done" and approving is not None and approving.approvals.role != role_name:
                    expected = "refused"  # an N-of-M approval: only the role frozen as its approvers decides
                if expected == "done" and (slug, item.name) in GUARDED:
                    expected = "refused"
                if channel in ("screen", "api", "token") and not role.can(slug, "read"):
                    expected = "refused"  # no way to the record at all
                record_id, key = _row(app, slug, state.value, "A")
                got = _press(app, people, role_name, channel, slug, record_id, key, item.name)
                cases += 1
                seen.add(got)
                if got != expected:
                    failures.append(f"{role_name} {state.value} {item.name} {channel}: {got}, expected {expected}")
                if got == "done" and _state(app, slug, record_id) != item.target:
                    failures.append(f"{role_name} {state.value} {item.name} {channel}: not in {item.target}")
            if role.scope == "subtree" and role.can(slug, "read"):
                item = flow.leaving(state.value)[0] if flow.leaving(state.value) else None
                if item is not None:
                    record_id, key = _row(app, slug, state.value, "B")
                    got = _press(app, people, role_name, channel, slug, record_id, key, item.name)
                    cases += 1
                    if got != "hidden" or _state(app, slug, record_id) != state.value:
                        failures.append(f"{role_name} B-row {state.value} {item.name} {channel}: {got}")
    assert cases >= len(ROLES) * min(len(flow.states) * len(flow.transitions), 2 * len(flow.transitions))
    assert failures == []
    assert seen >= {"done", "refused", "conflict"}
