"""Reading the ``workflow:`` section of a register file into the specs of ``workflow_spec.py``.

A workflow names a choice field of the register as its state. Each value of that field is a state
(label, who may edit which fields while a record is in it, fields set on entering it); transitions
move a record from one state to another (who may press them, required fields, a reason, a condition
in the closed language of ``conditions.py``, effects from a fixed list). Read and checked when the
schemas load, with codes E040-E046 and E048 (``approvals:``, N of M approvers); the engine is
``portal.records.workflow``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from portal.domain.messages import DomainValidationError
from portal.registry import meta
from portal.registry.conditions import Condition, ConditionSyntaxError, parse_condition
from portal.registry.fieldtypes import FIELD_TYPES
from portal.registry.label import Label
from portal.registry.problems import ProblemList
from portal.registry.spec import FieldSpec
from portal.registry.workflow_approvals import check_approvals, read_approvals
from portal.registry.workflow_spec import (ANY_ROLE, Effect, EditRule, Handover, PublicList, SetValue,
                                           State, Transition, Workflow)

#: ``todo`` of a state: waits for someone, rests, or waits once its deadline has passed (``State.todo``).
TODO_VALUES = ("yes", "no", "overdue")

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: The verbs of ``roles.yaml`` a transition may require.
VERBS = ("read", "create", "edit", "delete", "import", "export", "approve")
#: Values a ``set`` may name besides a literal: the day of the transition, or a blank.
SPECIAL_VALUES = ("today", "null")
DUE_IN = re.compile(r"^\s*(?:(\d{1,4})|config\.([a-z][a-z0-9_]{0,39}))\s*(days?|天)\s*$")


def read_workflow(raw: Any, fields: tuple[FieldSpec, ...], problems: ProblemList) -> Workflow | None:
    """The ``workflow:`` mapping of a register file, checked against the register's ``fields``."""
    if not isinstance(raw, dict):
        problems.add("E005", "workflow", "workflow 应为映射（field、states、transitions ...）")
        return None
    _check_keys(raw, meta.WORKFLOW_KEYS, "workflow", problems)
    by_name = {field.name: field for field in fields}
    name = raw.get("field")
    state_field = by_name.get(name) if isinstance(name, str) else None
    if state_field is None or state_field.type != "choice" or state_field.is_derived:
        problems.add("E040", "workflow.field", f"状态字段 {raw.get('field')!r} 必须是本登记簿中的选择（choice）字段")
        return None
    reader = _Reader(by_name, state_field, problems)
    settings = reader.settings(raw.get("settings"))
    states = reader.states(raw.get("states"))
    names = {state.value for state in states}
    transitions = check_approvals(reader.transitions(raw.get("transitions"), names, {name for name, _ in settings}),
                                  problems)
    locked = reader.field_list(raw.get("locked"), "workflow.locked")
    if state_field.name in locked:
        problems.add("E043", "workflow.locked", f"状态字段 '{state_field.name}' 本来就只能由流转改变，不用写在 locked 中")
    if states and state_field.default not in names:
        problems.add("E041", "workflow.states", f"状态字段的默认值 {state_field.default!r} 必须是一个状态：新记录从它开始")
    public = reader.public(raw.get("public"), names) if "public" in raw else None
    initial = (state_field.default, *(value for value in reader.initial(raw.get("initial"), names)
                                      if value != state_field.default))
    handover = reader.handover(raw.get("handover"), names) if "handover" in raw else None
    if handover is None and any(item.by == "receiver" for item in transitions):
        problems.add("E046", "workflow.transitions", "by: receiver 需要先写 handover（交接状态和接收单位字段）")
    return Workflow(state_field.name, states, transitions, locked, settings, public, initial, handover)


def _check_keys(data: dict[str, Any], specs: tuple[meta.KeySpec, ...], base: str, problems: ProblemList) -> None:
    known = meta.keys_by_name(specs)
    for key in data:
        if key not in known:
            problems.add("E003", f"{base}.{key}", f"未知的键 '{key}'，可用的键：{', '.join(known)}")
    for spec in specs:
        if spec.required and spec.name not in data:
            problems.add("E004", f"{base}.{spec.name}", f"缺少必填的键 '{spec.name}'：{spec.doc}")


def _label(value: Any) -> Label | None:
    if isinstance(value, dict) and set(value) == {"zh", "en"} and all(isinstance(v, str) and v for v in value.values()):
        return Label(value["zh"], value["en"])
    return None


class _Reader:
    def __init__(self, fields: dict[str, FieldSpec], state_field: FieldSpec, problems: ProblemList) -> None:
        self.fields = fields
        self.state_field = state_field
        self.problems = problems

    def field_list(self, raw: Any, path: str) -> tuple[str, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            self.problems.add("E005", path, f"应为字段名列表，当前为 {raw!r}")
            return ()
        for position, name in enumerate(raw):
            self.known_field(name, f"{path}[{position}]")
        return tuple(name for name in raw if name in self.fields)

    def known_field(self, name: str, path: str, writable: bool = True) -> bool:
        field = self.fields.get(name)
        if field is None:
            self.problems.add("E043", path, f"字段 '{name}' 不存在")
            return False
        if writable and field.is_derived:
            self.problems.add("E043", path, f"字段 '{name}' 是派生字段，由系统计算，不能在流程中填写")
            return False
        return True

    def initial(self, raw: Any, states: set[str]) -> tuple[str, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or any(value not in states for value in raw):
            self.problems.add("E041", "workflow.initial", f"initial 应为已声明的状态列表，当前为 {raw!r}")
            return ()
        return tuple(str(value) for value in raw)

    def handover(self, raw: Any, states: set[str]) -> Handover | None:
        name = raw.get("field") if isinstance(raw, dict) else None
        field = self.fields.get(name) if isinstance(name, str) else None
        if not isinstance(raw, dict) or raw.get("state") not in states or field is None \
                or field.target != "org_units":
            self.problems.add("E046", "workflow.handover", f"handover 应为 {{state: 已声明的状态, field: 指向 org_units 的链接字段}}，"
                                                           f"当前为 {raw!r}")
            return None
        return Handover(str(raw["state"]), field.name)

    def public(self, raw: Any, states: set[str]) -> PublicList | None:
        if not isinstance(raw, dict) or raw.get("state") not in states:
            self.problems.add("E046", "workflow.public", f"public 应为 {{state: 已声明的状态, fields: [字段, ...]}}，当前为 {raw!r}")
            return None
        fields = self.field_list(raw.get("fields"), "workflow.public.fields")
        if not fields:
            self.problems.add("E046", "workflow.public.fields", "public.fields 应列出公示名单上显示的字段")
            return None
        return PublicList(str(raw["state"]), fields)

    def settings(self, raw: Any) -> tuple[tuple[str, Decimal], ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.problems.add("E005", "workflow.settings", "settings 应为“名称: 数字”的映射")
            return ()
        found: list[tuple[str, Decimal]] = []
        for name, value in raw.items():
            if not isinstance(name, str) or not NAME.match(name) or isinstance(value, bool) \
                    or not isinstance(value, (int, float)):
                self.problems.add("E046", f"workflow.settings.{name}",
                                  f"设置 {name!r} 应写成“小写英文名称: 数字”，当前为 {value!r}")
                continue
            found.append((name, Decimal(str(value))))
        return tuple(found)

    def states(self, raw: Any) -> tuple[State, ...]:
        if not isinstance(raw, dict) or not raw:
            self.problems.add("E041", "workflow.states", "states 应为“状态值: {label, edit, set}”的映射，且不能为空")
            return ()
        choices = self.state_field.choice_values
        states: list[State] = []
        for value, body in raw.items():
            path = f"workflow.states.{value}"
            if value not in choices:
                self.problems.add("E041", path, f"状态 '{value}' 不是状态字段 '{self.state_field.name}' 的选项"
                                                f"（{'、'.join(choices)}）")
                continue
            body = body or {}
            if not isinstance(body, dict):
                self.problems.add("E005", path, "每个状态应为映射（label、edit、set、deadline、todo）")
                continue
            _check_keys(body, meta.STATE_KEYS, path, self.problems)
            label = _label(body["label"]) if "label" in body else self.state_field.choices[choices.index(value)].label
            if label is None:
                self.problems.add("E005", f"{path}.label", f"应为中英文名称 {{zh: ..., en: ...}}，当前为 {body['label']!r}")
                label = Label(value, value)
            deadline = body.get("deadline")
            if deadline is not None and not (isinstance(deadline, str) and self.known_field(deadline, f"{path}.deadline")
                                             and self.fields[deadline].type == "date"):
                self.problems.add("E046", f"{path}.deadline", f"deadline 应为本登记簿中的日期字段，当前为 {deadline!r}")
                deadline = None
            todo = body.get("todo", True)
            todo = {True: "yes", False: "no"}.get(todo, todo) if isinstance(todo, bool) else todo
            if todo not in TODO_VALUES or (todo == "overdue" and deadline is None):
                self.problems.add("E046", f"{path}.todo", f"todo 应为 true、false 或 overdue（overdue 须同时写 deadline），"
                                                          f"当前为 {body.get('todo')!r}")
                todo = "yes"
            states.append(State(value, label, self.edit_rules(body.get("edit"), f"{path}.edit") if "edit" in body
                                else None, self.set_values(body.get("set"), f"{path}.set"), deadline, todo))
        missing = [value for value in choices if value not in raw]
        if missing:
            self.problems.add("E041", "workflow.states", f"状态字段的选项 {'、'.join(missing)} 没有写成状态；"
                                                         f"每个选项都必须是一个状态")
        return tuple(states)

    def edit_rules(self, raw: Any, path: str) -> tuple[EditRule, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.problems.add("E005", path, "edit 应为“角色名或 *: all 或字段名列表”的映射")
            return ()
        rules: list[EditRule] = []
        for role, names in raw.items():
            if not isinstance(role, str) or not (role == ANY_ROLE or NAME.match(role)):
                self.problems.add("E005", f"{path}.{role}", f"{role!r} 应为角色名或 *")
                continue
            if names == "all":
                rules.append(EditRule(role, None))
                continue
            fields = self.field_list(names, f"{path}.{role}")
            managed = [name for name in fields if name == self.state_field.name]
            if managed:
                self.problems.add("E043", f"{path}.{role}", "状态字段只能由流转改变，不能列为可编辑")
            rules.append(EditRule(role, tuple(name for name in fields if name not in managed)))
        return tuple(rules)

    def set_values(self, raw: Any, path: str) -> tuple[SetValue, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.problems.add("E005", path, "set 应为“字段名: 值”的映射（值可写 today 或 null）")
            return ()
        found = [self.set_value(name, value, f"{path}.{name}") for name, value in raw.items()]
        return tuple(item for item in found if item is not None)

    def set_value(self, name: Any, value: Any, path: str) -> SetValue | None:
        if not isinstance(name, str) or not self.known_field(name, path):
            return None
        field = self.fields[name]
        if name == self.state_field.name:
            self.problems.add("E046", path, "状态字段由流转的 to 决定，不能用 set 设置")
            return None
        if value == "today":
            if field.type != "date":
                self.problems.add("E046", path, f"today 只能设置日期字段，'{name}' 是 {field.type}")
                return None
            return SetValue(name, None, today=True)
        if value is None or value == "null":
            return SetValue(name, None)
        if field.is_link:
            self.problems.add("E046", path, f"链接字段 '{name}' 不能用 set 设置固定值")
            return None
        try:
            parsed = FIELD_TYPES[field.type].parse(value, field)
        except DomainValidationError as error:
            self.problems.add("E046", path, f"值 {value!r} 不符合字段 '{name}' 的类型：{error}")
            return None
        return SetValue(name, parsed)

    def transitions(self, raw: Any, states: set[str], settings: set[str]) -> tuple[Transition, ...]:
        if not isinstance(raw, list) or not raw:
            self.problems.add("E042", "workflow.transitions", "transitions 应为流转列表（name、from、to、label ...），且不能为空")
            return ()
        found: list[Transition] = []
        for index, item in enumerate(raw):
            path = f"workflow.transitions[{index}]"
            if not isinstance(item, dict):
                self.problems.add("E005", path, "每个流转应为映射（name、label、from、to ...）")
                continue
            transition = self.transition(item, path, states, settings)
            if transition is None:
                continue
            if any(other.name == transition.name for other in found):
                self.problems.add("E042", f"{path}.name", f"流转名称 '{transition.name}' 重复，请改名")
                continue
            found.append(transition)
        return tuple(found)

    def transition(self, item: dict[str, Any], path: str, states: set[str], settings: set[str]) -> Transition | None:
        problems = self.problems
        _check_keys(item, meta.TRANSITION_KEYS, path, problems)
        name, label = item.get("name"), _label(item.get("label"))
        if not isinstance(name, str) or not NAME.match(name):
            problems.add("E042", f"{path}.name", f"流转名称 {name!r} 只能用小写英文字母、数字和下划线，并以字母开头")
            return None
        if label is None:
            problems.add("E005", f"{path}.label", f"应为中英文名称 {{zh: ..., en: ...}}，当前为 {item.get('label')!r}")
            return None
        raw_sources = item.get("from")
        sources = (raw_sources,) if isinstance(raw_sources, str) else tuple(raw_sources) \
            if isinstance(raw_sources, list) else ()
        target = item.get("to")
        bad = [str(value) for value in (*sources, target) if value not in states]
        if not sources or bad:
            problems.add("E042", f"{path}.from", f"from 和 to 必须是已声明的状态（{'、'.join(sorted(states))}），"
                                                 f"这里有 {'、'.join(bad) or '空的 from'}")
            return None
        if target in sources:
            problems.add("E042", f"{path}.to", f"流转 '{name}' 的 to 与 from 相同（{target}）")
            return None
        verb = item.get("verb", "edit")
        if verb not in VERBS:
            problems.add("E045", f"{path}.verb", f"未知的权限动词 {verb!r}，可用：{', '.join(VERBS)}")
            return None
        roles = item.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(role, str) and NAME.match(role) for role in roles):
            problems.add("E005", f"{path}.roles", f"roles 应为角色名列表，当前为 {roles!r}")
            roles = []
        condition = self.condition(item.get("when"), f"{path}.when", settings)
        by = item.get("by", "owner")
        if by not in ("owner", "receiver"):
            problems.add("E046", f"{path}.by", f"by 应为 owner（默认，记录所属单位一方）或 receiver（交接的接收方），当前为 {by!r}")
            by = "owner"
        return Transition(
            by=by, name=name, label=label, sources=sources, target=str(target), verb=verb, roles=tuple(roles),
            required=self.field_list(item.get("required"), f"{path}.required"),
            inputs=self.field_list(item.get("fields"), f"{path}.fields"),
            reason_required=item.get("reason_required") is True,
            self_approval=item.get("self_approval", True) is not False,
            approvals=read_approvals(item["approvals"], f"{path}.approvals", settings, problems)
            if "approvals" in item else None,
            condition=condition, effects=self.effects(item.get("effects"), f"{path}.effects", settings))

    def condition(self, raw: Any, path: str, settings: set[str]) -> Condition | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.problems.add("E005", path, f"when 应为文本条件，当前为 {raw!r}")
            return None
        try:
            condition = parse_condition(raw)
        except ConditionSyntaxError as error:
            self.problems.add("E044", path, f"条件“{raw}”写法有误：{error}")
            return None
        unknown = [name for name in condition.fields if name not in self.fields]
        unset = [name for name in condition.settings if name not in settings]
        if unknown or unset:
            names = [*(f"字段 '{name}'" for name in unknown), *(f"设置 config.{name}（请写在 workflow.settings 中）"
                                                              for name in unset)]
            self.problems.add("E044", path, f"条件“{raw}”引用了不存在的{'、'.join(names)}")
            return None
        return condition

    def effects(self, raw: Any, path: str, settings: set[str] | None = None) -> tuple[Effect, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problems.add("E005", path, "effects 应为列表：{set: 字段, to: 值} 或 {deadline: 日期字段, due_in: 20 days}")
            return ()
        effects: list[Effect] = []
        for index, item in enumerate(raw):
            where = f"{path}[{index}]"
            if isinstance(item, dict) and set(item) == {"set", "to"}:
                value = self.set_value(item["set"], item["to"], f"{where}.set")
                if value is not None:
                    effects.append(Effect("set", value.field, value=value))
            elif isinstance(item, dict) and set(item) == {"copy", "into"}:
                source, target = item["copy"], item["into"]
                if not (isinstance(source, str) and isinstance(target, str)
                        and self.known_field(source, f"{where}.copy", writable=False)
                        and self.known_field(target, f"{where}.into")):
                    continue
                if (self.fields[source].type, self.fields[source].target) != (self.fields[target].type,
                                                                               self.fields[target].target):
                    self.problems.add("E046", where, f"copy 的两个字段类型不同：'{source}' 与 '{target}'")
                    continue
                effects.append(Effect("copy", target, source=source))
            elif isinstance(item, dict) and set(item) == {"deadline", "due_in"}:
                name, due = item["deadline"], DUE_IN.match(str(item["due_in"]))
                if not (isinstance(name, str) and self.known_field(name, f"{where}.deadline")
                        and self.fields[name].type == "date"):
                    self.problems.add("E046", f"{where}.deadline", f"deadline 应为本登记簿中的日期字段，当前为 {name!r}")
                elif due is None:
                    self.problems.add("E046", f"{where}.due_in", f"due_in 应写成“20 days”“20 天”或“config.设置 days”，"
                                                             f"当前为 {item['due_in']!r}")
                elif due.group(2) and due.group(2) not in (settings or set()):
                    self.problems.add("E046", f"{where}.due_in", f"due_in 引用的设置 config.{due.group(2)} 不存在，"
                                                             f"请写在 workflow.settings 中")
                elif due.group(2):
                    effects.append(Effect("deadline", name, days_setting=due.group(2)))
                else:
                    effects.append(Effect("deadline", name, days=int(due.group(1))))
            else:
                self.problems.add("E046", where, f"未知的效果 {item!r}；可用：{{set: 字段, to: 值}}、"
                                                 f"{{copy: 字段, into: 字段}}、{{deadline: 日期字段, due_in: 20 days}}")
        return tuple(effects)
