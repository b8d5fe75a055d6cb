"""Roles as data: ``permissions/roles.yaml`` read, checked against the registry, and expanded.

Pure: no Flask, no database. ``RoleSpec`` says, for one role, which verbs it has on each
register, its row scope and which sensitive fields it sees in clear. Problems are collected with
stable codes (``roles.R003 clerk.registers.dues``) and reported all at once, like schema problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from portal.registry.yaml_text import load_yaml
from portal.registry.spec import Label, RegisterSpec, Registry

#: The fixed verbs, in the order screens and the matrix show them.
VERBS: tuple[str, ...] = ("read", "create", "edit", "delete", "import", "export", "approve")
VERB_LABELS: dict[str, Label] = {
    "read": Label("查看", "Read"),
    "create": Label("新增", "Create"),
    "edit": Label("编辑", "Edit"),
    "delete": Label("删除", "Delete"),
    "import": Label("导入", "Import"),
    "export": Label("导出", "Export"),
    "approve": Label("审批", "Approve"),
}
SCOPES: dict[str, Label] = {
    "subtree": Label("本单位及下级", "Own unit and below"),
    "all": Label("全部单位", "All units"),
}
#: Extra screens a role may be given besides the registers.
PAGES: dict[str, Label] = {
    "audit": Label("审计日志", "Audit trail"),
    "role_matrix": Label("角色权限表", "Role matrix"),
    "role_edit": Label("编辑角色（在角色权限表中修改角色的权限）", "Edit roles (on the role matrix)"),
    "users": Label("用户与角色管理", "Users and roles"),
    "congress_staff": Label("职代会·秘书处（会次、代表、签到）", "Congress staff (sessions, delegates, check-in)"),
    "congress_chair": Label("职代会·主席团（出席、开启和结束表决）", "Congress chair (attendance, open and close votes)"),
    "congress_teller": Label("职代会·监票人（封存、公布、纸质选票）", "Congress tellers (seal, publish, paper ballots)"),
    "congress_vote": Label("职代会·代表投票（本人手机）", "Congress delegate (vote on own phone)"),
    "dues_generate": Label("会费·按月生成（本单位及下级会员的当月会费记录）", "Dues: generate a month's rows"),
    "motions_mine": Label("提案·代表本人（手机提交、附议、反馈）", "Motions: a delegate's own (phone)"),
    "motions_report": Label("提案·办理情况报告", "Motions: session report"),
}
ROLE_KEYS = ("label", "scope", "scope_by", "registers", "reports", "unmask", "pages")
#: The verbs a report offers (``schemas/reports/``): see its numbers (page, API, dashboard) and export them.
REPORT_VERBS: tuple[str, ...] = ("read", "export")

CODES: dict[str, str] = {
    "R001": "文件无法读取或不是合法的 YAML",
    "R002": "角色定义必须是映射",
    "R003": "未知的键",
    "R004": "未知的登记簿",
    "R005": "未知的权限动词",
    "R006": "该登记簿没有审批字段，不能授予 approve",
    "R007": "scope 只能是 subtree 或 all",
    "R008": "unmask 引用了不存在或非敏感的字段",
    "R009": "未知的页面",
    "R010": "角色名不合法",
    "R011": "缺少 label",
    "R012": "登记簿的流程（workflow）引用了 roles.yaml 中没有的角色",
    "R013": "未知的报表或报表动词",
    "R014": "scope_by 必须指向登记簿中链接到组织机构的字段",
}


@dataclass(frozen=True, order=True)
class RoleProblem:
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"roles.{self.code} {self.path}: {self.message}"


class RolesError(Exception):
    """``roles.yaml`` has problems; carries all of them."""

    def __init__(self, problems: list[RoleProblem]) -> None:
        self.problems = sorted(problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"角色定义 permissions/roles.yaml 有 {len(self.problems)} 个问题：\n{lines}")


@dataclass(frozen=True)
class RoleSpec:
    """One role: verbs per register slug, row scope, fields seen in clear, extra pages."""

    name: str
    label: Label
    scope: str
    verbs: dict[str, frozenset[str]] = field(default_factory=dict)
    unmask: tuple[str, ...] = ()
    pages: frozenset[str] = frozenset()
    #: Verbs per report name (``read``, ``export``).
    reports: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Registers whose rows this role reaches through other org links than ``org_field``
    #: (a department sees the motions assigned to it): slug -> link field names.
    scope_by: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def can(self, slug: str, verb: str) -> bool:
        return verb in self.verbs.get(slug, frozenset())

    def can_report(self, name: str, verb: str) -> bool:
        return verb in self.reports.get(name, self.reports.get("*", frozenset()))

    def sees(self, register: str, field_name: str) -> bool:
        """True when the role sees ``register.field_name`` unmasked."""
        return any(pattern in ("*", f"{register}.*", f"{register}.{field_name}", field_name)
                   for pattern in self.unmask)


def register_verbs(spec: RegisterSpec) -> tuple[str, ...]:
    """The verbs a register offers: ``approve`` only where it declares approval fields or a workflow
    transition that needs it."""
    approves = bool(spec.approval) or (spec.workflow is not None and any(
        transition.verb == "approve" for transition in spec.workflow.transitions))
    return tuple(verb for verb in VERBS if verb != "approve" or approves)


def read_roles(path: Path, registry: Registry, reports: Iterable[str] | None = None) -> dict[str, RoleSpec]:
    """Read and check ``roles.yaml``; raise ``RolesError`` listing every problem. ``reports`` are the
    report names a role may name (``None``: not checked, for callers that load no reports)."""
    problems: list[RoleProblem] = []
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RolesError([RoleProblem("", "R001", f"无法读取 {path}：{error}".replace("\n", " "))]) from None
    if not isinstance(data, dict) or not data:
        raise RolesError([RoleProblem("", "R002", "文件内容必须是“角色名: 定义”的映射")])
    roles: dict[str, RoleSpec] = {}
    for name, body in data.items():
        role = _read_role(str(name), body, registry, problems, None if reports is None else frozenset(reports))
        if role is not None:
            roles[role.name] = role
    for spec in registry:
        for role_name in (spec.workflow.roles if spec.workflow else ()):
            if role_name not in data:
                problems.append(RoleProblem(f"{spec.slug}.workflow", "R012",
                                            f"{spec.source or spec.slug} 的流程引用了角色 '{role_name}'，"
                                            f"但 roles.yaml 中没有这个角色"))
    if problems:
        raise RolesError(problems)
    return roles


def _read_role(name: str, body: Any, registry: Registry, problems: list[RoleProblem],
               reports: frozenset[str] | None = None) -> RoleSpec | None:
    if not name.isidentifier() or not name.islower():
        problems.append(RoleProblem(name, "R010", "角色名只能用小写英文字母、数字和下划线"))
    if not isinstance(body, dict):
        problems.append(RoleProblem(name, "R002", "角色定义必须是映射（label、scope、registers…）"))
        return None
    for key in body:
        if key not in ROLE_KEYS:
            problems.append(RoleProblem(f"{name}.{key}", "R003", f"未知的键 '{key}'，可用：{', '.join(ROLE_KEYS)}"))
    label = _label(body.get("label"), name, problems)
    scope = body.get("scope", "subtree")
    if not isinstance(scope, str) or scope not in SCOPES:
        problems.append(RoleProblem(f"{name}.scope", "R007", f"scope 是 {scope!r}，只能是 subtree 或 all"))
    verbs = _read_registers(name, body.get("registers") or {}, registry, problems)
    unmask = _read_unmask(name, body.get("unmask") or [], registry, problems)
    pages = _read_pages(name, body.get("pages") or [], problems)
    granted = _read_reports(name, body.get("reports") or {}, reports, problems)
    scope_by = _read_scope_by(name, body.get("scope_by") or {}, registry, problems)
    return RoleSpec(name=name, label=label, scope=scope if isinstance(scope, str) else "subtree", verbs=verbs,
                    unmask=unmask, pages=pages, reports=granted, scope_by=scope_by)


def _read_reports(name: str, raw: Any, known: frozenset[str] | None,
                  problems: list[RoleProblem]) -> dict[str, frozenset[str]]:
    """``reports: {report or "*": [read, export] or all}``."""
    if not isinstance(raw, dict):
        problems.append(RoleProblem(f"{name}.reports", "R013", "reports 必须是“报表: [动词]”的映射"))
        return {}
    granted: dict[str, frozenset[str]] = {}
    for report, verbs in raw.items():
        path = f"{name}.reports.{report}"
        if report != "*" and known is not None and report not in known:
            problems.append(RoleProblem(path, "R013", f"没有报表 '{report}'，可用：{', '.join(sorted(known))}"))
            continue
        wanted = list(REPORT_VERBS) if verbs == "all" else verbs
        if not isinstance(wanted, list) or not all(verb in REPORT_VERBS for verb in wanted):
            problems.append(RoleProblem(path, "R013", f"报表的动词只能是 read、export 或 all，当前为 {verbs!r}"))
            continue
        granted[str(report)] = frozenset(wanted)
    return granted


def _read_scope_by(name: str, raw: Any, registry: Registry,
                   problems: list[RoleProblem]) -> dict[str, tuple[str, ...]]:
    """``scope_by: {register: [link to org_units, ...]}``: rows reached through these links instead of ``org_field``."""
    path = f"{name}.scope_by"
    if not isinstance(raw, dict):
        problems.append(RoleProblem(path, "R014", "scope_by 必须是“登记簿: [字段]”的映射"))
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for slug, names in raw.items():
        if slug not in registry:
            problems.append(RoleProblem(f"{path}.{slug}", "R004", f"没有登记簿 '{slug}'"))
            continue
        spec = registry.get(slug)
        names = [names] if isinstance(names, str) else names
        good = [str(item) for item in names or [] if spec.has_field(str(item))
                and spec.field(str(item)).is_link and spec.field(str(item)).target == "org_units"]
        if not names or len(good) != len(names):
            problems.append(RoleProblem(f"{path}.{slug}", "R014",
                                        f"{names!r} 中有字段不是 {slug} 中链接到组织机构（org_units）的字段"))
            continue
        found[str(slug)] = tuple(good)
    return found


def _label(raw: Any, name: str, problems: list[RoleProblem]) -> Label:
    if isinstance(raw, dict) and isinstance(raw.get("zh"), str):
        return Label(raw["zh"], str(raw.get("en") or raw["zh"]))
    if isinstance(raw, str):
        return Label(raw, raw)
    problems.append(RoleProblem(f"{name}.label", "R011", "请写明角色名称：label: {zh: 会员管理员, en: Clerk}"))
    return Label(name, name)


def _read_registers(name: str, raw: Any, registry: Registry,
                    problems: list[RoleProblem]) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict):
        problems.append(RoleProblem(f"{name}.registers", "R002", "registers 必须是“登记簿: [动词]”的映射"))
        return {}
    verbs: dict[str, set[str]] = {}
    for slug, granted in raw.items():
        path = f"{name}.registers.{slug}"
        if slug != "*" and slug not in registry:
            problems.append(RoleProblem(path, "R004", f"没有登记簿 '{slug}'，可用：{', '.join(registry.slugs)}"))
            continue
        targets = list(registry) if slug == "*" else [registry.get(slug)]
        wanted = _verb_list(granted, path, problems)
        for spec in targets:
            offered = register_verbs(spec)
            for verb in (offered if wanted is None else wanted):
                if verb in offered:
                    verbs.setdefault(spec.slug, set()).add(verb)
                elif slug != "*":
                    problems.append(RoleProblem(path, "R006", f"登记簿 '{spec.slug}' 没有审批字段（approval）或需要审批的流转，不能授予 approve"))
    return {slug: frozenset(granted) for slug, granted in verbs.items()}


def _verb_list(raw: Any, path: str, problems: list[RoleProblem]) -> list[str] | None:
    """``None`` means every verb (``all``)."""
    if raw == "all":
        return None
    if not isinstance(raw, list):
        problems.append(RoleProblem(path, "R005", f"应为动词列表或 all，当前为 {raw!r}"))
        return []
    unknown = [verb for verb in raw if verb not in VERBS]
    for verb in unknown:
        problems.append(RoleProblem(path, "R005", f"未知的动词 {verb!r}，可用：{', '.join(VERBS)}"))
    return [verb for verb in raw if verb in VERBS]


def _read_unmask(name: str, raw: Any, registry: Registry, problems: list[RoleProblem]) -> tuple[str, ...]:
    if not isinstance(raw, list):
        problems.append(RoleProblem(f"{name}.unmask", "R008", "unmask 必须是列表"))
        return ()
    sensitive = {(spec.slug, item.name) for spec in registry for item in spec.sensitive_fields}
    for position, pattern in enumerate(raw):
        if not _matches_any(str(pattern), sensitive, registry):
            problems.append(RoleProblem(f"{name}.unmask[{position}]", "R008",
                                        f"'{pattern}' 不指向任何敏感字段（sensitive: true）"))
    return tuple(str(pattern) for pattern in raw)


def _matches_any(pattern: str, sensitive: Iterable[tuple[str, str]], registry: Registry) -> bool:
    if pattern == "*":
        return True
    register, _, field_name = pattern.partition(".")
    if not field_name:
        return any(name == register for _, name in sensitive)
    if register not in registry:
        return False
    return any(slug == register and (field_name == "*" or name == field_name) for slug, name in sensitive)


def _read_pages(name: str, raw: Any, problems: list[RoleProblem]) -> frozenset[str]:
    if not isinstance(raw, list):
        problems.append(RoleProblem(f"{name}.pages", "R009", "pages 必须是列表"))
        return frozenset()
    pages: set[str] = set()
    for page in raw:
        if not isinstance(page, str):
            problems.append(RoleProblem(f"{name}.pages", "R009", f"页面名应为文本，当前为 {page!r}"))
        elif page == "*":
            pages.update(PAGES)
        elif page in PAGES:
            pages.add(page)
        else:
            problems.append(RoleProblem(f"{name}.pages", "R009", f"未知的页面 {page!r}，可用：{', '.join(PAGES)}"))
    return frozenset(pages)
