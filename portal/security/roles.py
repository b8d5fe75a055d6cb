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
from flask_babel import LazyString

from portal.registry.yaml_text import load_yaml
from portal.registry.spec import Label, RegisterSpec, Registry
from portal.texts import gettext, lazy_gettext, lazy_pgettext

#: The fixed verbs, in the order screens and the matrix show them.
VERBS: tuple[str, ...] = ("read", "create", "edit", "delete", "import", "export", "approve")
#: The verbs' names (``str()`` them where the language is known: in a request, or inside ``in_locale``).
VERB_LABELS: dict[str, LazyString] = {
    "read": lazy_pgettext("role verb", "Read"),
    "create": lazy_pgettext("role verb", "Create"),
    "edit": lazy_pgettext("role verb", "Edit"),
    "delete": lazy_pgettext("role verb", "Delete"),
    "import": lazy_pgettext("role verb", "Import"),
    "export": lazy_pgettext("role verb", "Export"),
    "approve": lazy_pgettext("role verb", "Approve"),
}
SCOPES: dict[str, LazyString] = {
    "subtree": lazy_gettext("Own unit and below"),
    "all": lazy_gettext("All units"),
}
#: Extra screens a role may be given besides the registers.
PAGES: dict[str, LazyString] = {
    "audit": lazy_gettext("Audit trail"),
    "role_matrix": lazy_gettext("Role matrix"),
    "role_edit": lazy_gettext("Edit roles (on the role matrix)"),
    "users": lazy_gettext("Users and roles"),
    "congress_staff": lazy_gettext("Congress staff (sessions, delegates, check-in)"),
    "congress_chair": lazy_gettext("Congress chair (attendance, open and close votes)"),
    "congress_teller": lazy_gettext("Congress tellers (seal, publish, paper ballots)"),
    "congress_vote": lazy_gettext("Congress delegate (vote on own phone)"),
    "dues_generate": lazy_gettext("Dues: generate a month's rows"),
    "motions_mine": lazy_gettext("Motions: a delegate's own (phone)"),
    "motions_report": lazy_gettext("Motions: session report"),
}
ROLE_KEYS = ("label", "scope", "scope_by", "registers", "reports", "unmask", "pages")
#: The verbs a report offers (``schemas/reports/``): see its numbers (page, API, dashboard) and export them.
REPORT_VERBS: tuple[str, ...] = ("read", "export")

CODES: dict[str, LazyString] = {
    "R001": lazy_gettext("The file cannot be read or is not valid YAML"),
    "R002": lazy_gettext("A role definition must be a mapping"),
    "R003": lazy_gettext("Unknown key"),
    "R004": lazy_gettext("Unknown register"),
    "R005": lazy_gettext("Unknown permission verb"),
    "R006": lazy_gettext("The register has no approval fields, approve cannot be granted"),
    "R007": lazy_gettext("scope can only be subtree or all"),
    "R008": lazy_gettext("unmask names a field that does not exist or is not sensitive"),
    "R009": lazy_gettext("Unknown page"),
    "R010": lazy_gettext("Invalid role name"),
    "R011": lazy_gettext("label is missing"),
    "R012": lazy_gettext("A register's workflow names a role roles.yaml does not have"),
    "R013": lazy_gettext("Unknown report or report verb"),
    "R014": lazy_gettext("scope_by must name fields of the register that link to org units"),
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
        super().__init__(gettext("permissions/roles.yaml has %(count)s problems:", count=len(self.problems))
                         + f"\n{lines}")


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
        raise RolesError([RoleProblem("", "R001", gettext("Cannot read %(path)s: %(error)s", path=path,
                                                                 error=str(error).replace("\n", " ")))]) from None
    if not isinstance(data, dict) or not data:
        raise RolesError([RoleProblem("", "R002", gettext("The file must map “role name: definition”"))])
    roles: dict[str, RoleSpec] = {}
    for name, body in data.items():
        role = _read_role(str(name), body, registry, problems, None if reports is None else frozenset(reports))
        if role is not None:
            roles[role.name] = role
    for spec in registry:
        for role_name in (spec.workflow.roles if spec.workflow else ()):
            if role_name not in data:
                problems.append(RoleProblem(f"{spec.slug}.workflow", "R012", gettext(
                    "The workflow of %(register)s names the role '%(role)s', but roles.yaml has no such role",
                    register=spec.source or spec.slug, role=role_name)))
    if problems:
        raise RolesError(problems)
    return roles


def _read_role(name: str, body: Any, registry: Registry, problems: list[RoleProblem],
               reports: frozenset[str] | None = None) -> RoleSpec | None:
    if not name.isidentifier() or not name.islower():
        problems.append(RoleProblem(name, "R010", gettext("A role name may use only lower-case letters, digits and underscores")))
    if not isinstance(body, dict):
        problems.append(RoleProblem(name, "R002", gettext("A role definition must be a mapping (label, scope, registers…)")))
        return None
    for key in body:
        if key not in ROLE_KEYS:
            problems.append(RoleProblem(f"{name}.{key}", "R003", gettext("Unknown key '%(key)s'; the keys are: %(keys)s",
                                                                         key=key, keys=", ".join(ROLE_KEYS))))
    label = _label(body.get("label"), name, problems)
    scope = body.get("scope", "subtree")
    if not isinstance(scope, str) or scope not in SCOPES:
        problems.append(RoleProblem(f"{name}.scope", "R007", gettext("scope is %(scope)s; it can only be subtree or all",
                                                                           scope=repr(scope))))
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
        problems.append(RoleProblem(f"{name}.reports", "R013", gettext("reports must map “report: [verbs]”")))
        return {}
    granted: dict[str, frozenset[str]] = {}
    for report, verbs in raw.items():
        path = f"{name}.reports.{report}"
        if report != "*" and known is not None and report not in known:
            problems.append(RoleProblem(path, "R013", gettext("There is no report '%(report)s'; the reports are: %(reports)s",
                                                              report=report, reports=", ".join(sorted(known)))))
            continue
        wanted = list(REPORT_VERBS) if verbs == "all" else verbs
        if not isinstance(wanted, list) or not all(verb in REPORT_VERBS for verb in wanted):
            problems.append(RoleProblem(path, "R013", gettext("A report's verbs can only be read, export or all; they are"
                                                              " %(verbs)s", verbs=repr(verbs))))
            continue
        granted[str(report)] = frozenset(wanted)
    return granted


def _read_scope_by(name: str, raw: Any, registry: Registry,
                   problems: list[RoleProblem]) -> dict[str, tuple[str, ...]]:
    """``scope_by: {register: [link to org_units, ...]}``: rows reached through these links instead of ``org_field``."""
    path = f"{name}.scope_by"
    if not isinstance(raw, dict):
        problems.append(RoleProblem(path, "R014", gettext("scope_by must map “register: [fields]”")))
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for slug, names in raw.items():
        if slug not in registry:
            problems.append(RoleProblem(f"{path}.{slug}", "R004", gettext("There is no register '%(register)s'", register=slug)))
            continue
        spec = registry.get(slug)
        names = [names] if isinstance(names, str) else names
        good = [str(item) for item in names or [] if spec.has_field(str(item))
                and spec.field(str(item)).is_link and spec.field(str(item)).target == "org_units"]
        if not names or len(good) != len(names):
            problems.append(RoleProblem(f"{path}.{slug}", "R014", gettext(
                "%(fields)s has fields that are not links of %(register)s to the org units (org_units)",
                fields=repr(names), register=slug)))
            continue
        found[str(slug)] = tuple(good)
    return found


def _label(raw: Any, name: str, problems: list[RoleProblem]) -> Label:
    if isinstance(raw, dict) and isinstance(raw.get("zh"), str):
        return Label(raw["zh"], str(raw.get("en") or raw["zh"]))
    if isinstance(raw, str):
        return Label(raw, raw)
    problems.append(RoleProblem(f"{name}.label", "R011", gettext("Name the role: label: {zh: 会员管理员, en: Clerk}")))
    return Label(name, name)


def _read_registers(name: str, raw: Any, registry: Registry,
                    problems: list[RoleProblem]) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict):
        problems.append(RoleProblem(f"{name}.registers", "R002", gettext("registers must map “register: [verbs]”")))
        return {}
    verbs: dict[str, set[str]] = {}
    for slug, granted in raw.items():
        path = f"{name}.registers.{slug}"
        if slug != "*" and slug not in registry:
            problems.append(RoleProblem(path, "R004", gettext("There is no register '%(register)s'; the registers are:"
                                                              " %(registers)s", register=slug,
                                                              registers=", ".join(registry.slugs))))
            continue
        targets = list(registry) if slug == "*" else [registry.get(slug)]
        wanted = _verb_list(granted, path, problems)
        for spec in targets:
            offered = register_verbs(spec)
            for verb in (offered if wanted is None else wanted):
                if verb in offered:
                    verbs.setdefault(spec.slug, set()).add(verb)
                elif slug != "*":
                    problems.append(RoleProblem(path, "R006", gettext(
                        "The register '%(register)s' has no approval fields (approval) and no transition that needs"
                        " approval; approve cannot be granted", register=spec.slug)))
    return {slug: frozenset(granted) for slug, granted in verbs.items()}


def _verb_list(raw: Any, path: str, problems: list[RoleProblem]) -> list[str] | None:
    """``None`` means every verb (``all``)."""
    if raw == "all":
        return None
    if not isinstance(raw, list):
        problems.append(RoleProblem(path, "R005", gettext("Should be a list of verbs or all; it is %(value)s",
                                                          value=repr(raw))))
        return []
    unknown = [verb for verb in raw if verb not in VERBS]
    for verb in unknown:
        problems.append(RoleProblem(path, "R005", gettext("Unknown verb %(verb)s; the verbs are: %(verbs)s",
                                                          verb=repr(verb), verbs=", ".join(VERBS))))
    return [verb for verb in raw if verb in VERBS]


def _read_unmask(name: str, raw: Any, registry: Registry, problems: list[RoleProblem]) -> tuple[str, ...]:
    if not isinstance(raw, list):
        problems.append(RoleProblem(f"{name}.unmask", "R008", gettext("unmask must be a list")))
        return ()
    sensitive = {(spec.slug, item.name) for spec in registry for item in spec.sensitive_fields}
    for position, pattern in enumerate(raw):
        if not _matches_any(str(pattern), sensitive, registry):
            problems.append(RoleProblem(f"{name}.unmask[{position}]", "R008", gettext(
                "'%(pattern)s' names no sensitive field (sensitive: true)", pattern=pattern)))
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
        problems.append(RoleProblem(f"{name}.pages", "R009", gettext("pages must be a list")))
        return frozenset()
    pages: set[str] = set()
    for page in raw:
        if not isinstance(page, str):
            problems.append(RoleProblem(f"{name}.pages", "R009", gettext("A page name should be a text; it is %(value)s",
                                                                           value=repr(page))))
        elif page == "*":
            pages.update(PAGES)
        elif page in PAGES:
            pages.add(page)
        else:
            problems.append(RoleProblem(f"{name}.pages", "R009", gettext("Unknown page %(page)s; the pages are: %(pages)s",
                                                                         page=repr(page), pages=", ".join(PAGES))))
    return frozenset(pages)
