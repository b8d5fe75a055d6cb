"""``approvals:`` on a workflow transition (N of M approvers): read, checked with E048, documented."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from portal.registry.docs import render_readme
from portal.registry.loader import read_registry
from tests.registry.test_checks import label, triples
from tests.registry.test_workflow import WORKFLOW, _read

APPROVING = {**WORKFLOW, "settings": {"low_income_line": 1050, "approvals_needed": 2},
             "transitions": [*WORKFLOW["transitions"],
                             {"name": "back", "label": label("驳回", "Send back"), "from": "退会", "to": "在籍",
                              "verb": "approve", "reason_required": True}]}


def _with(approvals: Any, roles: list[str] | None = None) -> dict[str, Any]:
    workflow = copy.deepcopy(APPROVING)
    workflow["transitions"][1]["approvals"] = approvals
    if roles is not None:
        workflow["transitions"][1]["roles"] = roles
    return workflow


def test_approvals_are_read(tmp_path: Path) -> None:
    registry, problems = _read(tmp_path, _with({"required": 2, "role": "chair", "reject": "back"}))
    assert problems == []
    flow = registry.get("people").workflow
    rejoin = flow.transition("rejoin")
    assert rejoin.approvals.required == 2 and rejoin.approvals.role == "chair" and rejoin.approvals.reject == "back"
    assert flow.approving("rejoin") is rejoin and flow.approving("back") is rejoin and flow.approving("leave") is None
    assert flow.freezing("退会") == (rejoin,) and flow.freezing("在籍") == ()
    registry, problems = _read(tmp_path, _with({"required": "config.approvals_needed", "role": "chair"}))
    assert problems == []
    approvals = registry.get("people").workflow.transition("rejoin").approvals
    assert approvals.required_setting == "approvals_needed" and approvals.reject is None


@pytest.mark.parametrize(("approvals", "roles", "expected"), [
    ("two chairs", None, ("E048", "workflow.transitions[1].approvals")),
    ({"required": 0, "role": "chair"}, None, ("E048", "workflow.transitions[1].approvals.required")),
    ({"required": 51, "role": "chair"}, None, ("E048", "workflow.transitions[1].approvals.required")),
    ({"required": True, "role": "chair"}, None, ("E048", "workflow.transitions[1].approvals.required")),
    ({"required": "config.nope", "role": "chair"}, None, ("E048", "workflow.transitions[1].approvals.required")),
    ({"required": 2}, None, ("E048", "workflow.transitions[1].approvals.role")),
    ({"required": 2, "role": "Chair!"}, None, ("E048", "workflow.transitions[1].approvals.role")),
    ({"required": 2, "role": "clerk"}, ["chair"], ("E048", "workflow.transitions[1].approvals.role")),
    ({"required": 2, "role": "chair", "reject": "leave"}, None, ("E048", "workflow.transitions[1].approvals.reject")),
    ({"required": 2, "role": "chair", "reject": "rejoin"}, None, ("E048", "workflow.transitions[1].approvals.reject")),
    ({"required": 2, "role": "chair", "reject": "nope"}, None, ("E048", "workflow.transitions[1].approvals.reject")),
    ({"required": 2, "role": "chair", "quorum": 3}, None, ("E003", "workflow.transitions[1].approvals.quorum")),
])
def test_each_mistake_is_named(tmp_path: Path, approvals: Any, roles: list[str] | None,
                               expected: tuple[str, str]) -> None:
    _, problems = _read(tmp_path, _with(approvals, roles))
    assert (expected[0], "people.yaml", expected[1]) in triples(problems), problems
    message = next(problem.message for problem in problems if problem.code == expected[0])
    assert any("\u4e00" <= char <= "\u9fff" for char in message)  # said in Chinese


def test_the_shipped_hardship_workflow_and_the_reference() -> None:
    registry, problems = read_registry(Path(__file__).resolve().parents[2] / "schemas")
    assert problems == []
    flow = registry.get("assistance_cases").workflow
    approvals = flow.transition("approve").approvals
    assert approvals.role == "chair" and approvals.required_setting == "approvals_needed"
    assert approvals.reject == "reject" and dict(flow.settings)["approvals_needed"] == 1
    assert flow.freezing("公示中") == (flow.transition("approve"),) and "chair" in flow.roles
    text = render_readme()
    assert "流转的多人审批" in text and "{required: 2, role: chair, reject: reject}" in text and "E048" in text
