"""Reading ``approvals:`` of a workflow transition (N of M approvers), checked with code E048.

``approvals: {required: 2, role: chair, reject: reject}``: ``required`` is a whole number (1–50) or a
workflow setting (``config.approvals_needed``) so a union may change it without editing the file;
``role`` is a role of ``roles.yaml`` (checked there, R012); ``reject`` names another transition leaving
the same states, pressed by one listed approver to turn the item down.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from portal.registry import meta
from portal.registry.problems import ProblemList
from portal.registry.workflow_spec import Approvals, Transition

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: ``approvals.required``: a number of approvers, or a setting holding it.
REQUIRED = re.compile(r"^\s*config\.([a-z][a-z0-9_]{0,39})\s*$")
#: Most approvers one transition may require.
MOST_APPROVERS = 50


def read_approvals(raw: Any, path: str, settings: set[str], problems: ProblemList) -> Approvals | None:
    """The ``approvals`` mapping of one transition, or ``None`` (with a problem) when it is wrong."""
    if not isinstance(raw, dict):
        problems.add("E048", path, f"approvals 应写成 {{required: 人数, role: 角色名}}，当前为 {raw!r}")
        return None
    known = meta.keys_by_name(meta.APPROVAL_KEYS)
    unknown = [str(key) for key in raw if key not in known]
    if unknown:
        problems.add("E003", f"{path}.{unknown[0]}", f"未知的键 '{unknown[0]}'，可用的键：{', '.join(known)}")
    role = raw.get("role")
    if not isinstance(role, str) or not NAME.match(role):
        problems.add("E048", f"{path}.role", f"role 应为 roles.yaml 中的角色名（审批人从持有该角色的用户中确定），当前为 {role!r}")
        return None
    required, setting = raw.get("required", 1), None
    text = REQUIRED.match(required) if isinstance(required, str) else None
    if text is not None:
        setting, required = text.group(1), 1
        if setting not in settings:
            problems.add("E048", f"{path}.required", f"required 引用的设置 config.{setting} 不存在，请写在 workflow.settings 中")
            return None
    elif isinstance(required, bool) or not isinstance(required, int) or not 1 <= required <= MOST_APPROVERS:
        problems.add("E048", f"{path}.required", f"required 应为 1 到 {MOST_APPROVERS} 之间的整数（需要几人同意），"
                                                 f"或 config.设置名，当前为 {required!r}")
        return None
    reject = raw.get("reject")
    if reject is not None and (not isinstance(reject, str) or not NAME.match(reject)):
        problems.add("E048", f"{path}.reject", f"reject 应为驳回用的另一个流转的名称，当前为 {reject!r}")
        return None
    return Approvals(role, required, setting, reject)


def check_approvals(transitions: tuple[Transition, ...], problems: ProblemList) -> tuple[Transition, ...]:
    """The rules between transitions: an approval's ``reject`` leaves the same states and has no approvals
    itself; one transition is rejected for by at most one approval; a ``by: receiver`` transition has none.
    Wrong approvals are dropped (with a problem)."""
    by_name = {item.name: item for item in transitions}
    rejected: dict[str, str] = {}
    kept: list[Transition] = []
    for index, item in enumerate(transitions):
        approvals = item.approvals
        path = f"workflow.transitions[{index}].approvals"
        if approvals is not None and item.roles and approvals.role not in item.roles:
            problems.add("E048", f"{path}.role", f"审批角色 '{approvals.role}' 不在流转 '{item.name}' 的 roles 中"
                                                 f"（{'、'.join(item.roles)}），名单上的人将无法同意")
            approvals = None
        if approvals is not None and item.by == "receiver":
            problems.add("E048", path, f"流转 '{item.name}' 由交接的接收方办理（by: receiver），不能要求多人审批")
            approvals = None
        reject = approvals.reject if approvals is not None else None
        if approvals is not None and reject is not None:
            other = by_name.get(reject)
            if other is None or other is item or other.approvals is not None \
                    or not set(item.sources) <= set(other.sources) or reject in rejected:
                problems.add("E048", f"{path}.reject",
                             f"reject 应为另一个从“{'、'.join(item.sources)}”出发、本身不要求多人审批的流转名称"
                             f"（每个流转只能给一个审批作驳回），当前为 {reject!r}")
                approvals = replace(approvals, reject=None)
            else:
                rejected[reject] = item.name
        kept.append(item if approvals is item.approvals else replace(item, approvals=approvals))
    return tuple(kept)
