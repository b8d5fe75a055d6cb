"""The ``workflow:`` section: states, transitions, conditions and effects, checked with codes E040-E046."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from portal.registry.loader import read_registry
from tests.registry.test_checks import label, triples, valid_registers, write_registers

WORKFLOW: dict[str, Any] = {
    "field": "status",
    "locked": ["joined_on"],
    "settings": {"low_income_line": 1050},
    "states": {
        "在籍": {"label": label("在籍", "Active"), "set": {"joined_on": "today"}},
        "退会": {"edit": {"*": ["phone"], "chair": "all"}},
    },
    "transitions": [
        {"name": "leave", "label": label("退会", "Leave"), "from": "在籍", "to": "退会", "verb": "edit",
         "reason_required": True, "required": ["phone"], "when": "wage <= config.low_income_line",
         "effects": [{"set": "wage", "to": 0}, {"deadline": "joined_on", "due_in": "20 days"}]},
        {"name": "rejoin", "label": label("重新入会", "Rejoin"), "from": ["退会"], "to": "在籍", "verb": "approve",
         "roles": ["chair"], "self_approval": False, "fields": ["phone"]},
    ],
}


def _read(tmp_path: Path, workflow: Any) -> Any:
    registers = valid_registers()
    registers["people"]["workflow"] = workflow
    return read_registry(write_registers(tmp_path / "schemas", registers))


def test_a_declared_workflow_is_read(tmp_path: Path) -> None:
    registry, problems = _read(tmp_path, WORKFLOW)
    assert problems == []
    flow = registry.get("people").workflow
    assert flow.field == "status" and flow.managed == ("status", "joined_on")
    assert [state.value for state in flow.states] == ["在籍", "退会"]
    assert flow.state("退会").label.en == "Left"  # taken from the choice
    assert flow.state("在籍").on_enter[0].today and flow.state("在籍").edit is None
    assert [(rule.role, rule.fields) for rule in flow.state("退会").edit] == [("*", ("phone",)), ("chair", None)]
    leave, rejoin = flow.transitions
    assert leave.sources == ("在籍",) and leave.reason_required and leave.self_approval
    assert leave.condition.settings == ("low_income_line",)
    assert [(effect.kind, effect.field, effect.days) for effect in leave.effects] == [("set", "wage", 0),
                                                                                     ("deadline", "joined_on", 20)]
    assert rejoin.roles == ("chair",) and not rejoin.self_approval and rejoin.asked == ("phone",)
    assert flow.leaving("退会") == (rejoin,) and flow.roles == ("chair",)


def test_a_state_says_whether_its_records_are_to_dos(tmp_path: Path) -> None:
    workflow = _changed(("states", "在籍", "todo"), False)
    workflow["states"]["退会"].update(todo="overdue", deadline="joined_on")
    registry, problems = _read(tmp_path, workflow)
    assert problems == []
    assert [(state.value, state.todo) for state in registry.get("people").workflow.states] == [("在籍", "no"),
                                                                                               ("退会", "overdue")]
    registry, _ = _read(tmp_path, WORKFLOW)
    assert {state.todo for state in registry.get("people").workflow.states} == {"yes"}  # by default


def _changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    workflow = copy.deepcopy(WORKFLOW)
    target = workflow
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return workflow


@pytest.mark.parametrize(("workflow", "expected"), [
    (_changed(("field",), "name"), ("E040", "workflow.field")),
    (_changed(("field",), "gender"), ("E040", "workflow.field")),
    (_changed(("states", "退会"), KeyError), ("E041", "workflow.states")),
    (_changed(("states", "离开"), {}), ("E041", "workflow.states.离开")),
    (_changed(("transitions", 1, "name"), "leave"), ("E042", "workflow.transitions[1].name")),
    (_changed(("transitions", 0, "to"), "离开"), ("E042", "workflow.transitions[0].from")),
    (_changed(("transitions", 0, "to"), "在籍"), ("E042", "workflow.transitions[0].to")),
    (_changed(("transitions", 0, "required"), ["nope"]), ("E043", "workflow.transitions[0].required[0]")),
    (_changed(("locked",), ["dues"]), ("E043", "workflow.locked[0]")),
    (_changed(("transitions", 0, "when"), "wage <="), ("E044", "workflow.transitions[0].when")),
    (_changed(("transitions", 0, "when"), "salary > 1"), ("E044", "workflow.transitions[0].when")),
    (_changed(("transitions", 0, "when"), "wage > config.nope"), ("E044", "workflow.transitions[0].when")),
    (_changed(("transitions", 0, "verb"), "sign"), ("E045", "workflow.transitions[0].verb")),
    (_changed(("transitions", 0, "effects"), [{"set": "joined_on", "to": "soon"}]),
     ("E046", "workflow.transitions[0].effects[0].set")),
    (_changed(("transitions", 0, "effects"), [{"deadline": "joined_on", "due_in": "3 weeks"}]),
     ("E046", "workflow.transitions[0].effects[0].due_in")),
    (_changed(("transitions", 0, "effects"), [{"email": "chair"}]), ("E046", "workflow.transitions[0].effects[0]")),
    (_changed(("states", "在籍", "set"), {"status": "退会"}), ("E046", "workflow.states.在籍.set.status")),
    (_changed(("settings",), {"low_income_line": "many"}), ("E046", "workflow.settings.low_income_line")),
    (_changed(("states", "在籍", "todo"), "later"), ("E046", "workflow.states.在籍.todo")),
    (_changed(("states", "在籍", "todo"), "overdue"), ("E046", "workflow.states.在籍.todo")),  # no deadline
    (_changed(("transitions", 0, "colour"), "red"), ("E003", "workflow.transitions[0].colour")),
    (_changed(("transitions",), KeyError), ("E004", "workflow.transitions")),
])
def test_each_mistake_has_its_code(tmp_path: Path, workflow: dict[str, Any], expected: tuple[str, str]) -> None:
    _, problems = _read(tmp_path, workflow)
    assert (expected[0], "people.yaml", expected[1]) in triples(problems), problems


def test_the_initial_state_is_the_default(tmp_path: Path) -> None:
    registers = valid_registers()
    registers["people"]["fields"][2]["default"] = None
    registers["people"]["workflow"] = WORKFLOW
    _, problems = read_registry(write_registers(tmp_path / "schemas", registers))
    assert ("E041", "people.yaml", "workflow.states") in triples(problems)


def test_the_shipped_activists_workflow() -> None:
    registry, problems = read_registry(Path(__file__).resolve().parents[2] / "schemas")
    assert problems == []
    flow = registry.get("activists").workflow
    assert flow.field == "approval_result" and [t.name for t in flow.leaving("待审批")] == ["approve", "reject"]
    assert flow.transition("reject").reason_required and not flow.transition("approve").self_approval
    assert date.today() and flow.state("已批准").on_enter[0].field == "approved_on"
