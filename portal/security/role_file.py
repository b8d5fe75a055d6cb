"""Changing one role in ``permissions/roles.yaml``: the diff a person confirms, and the rewrite of the file.

The file stays the single source of truth: the role screens write it (only the edited role's block is
replaced, so comments and the other roles stay as written), ``portal roles sync`` and every process
read it. Pure apart from the file itself: no Flask, no database.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from portal.registry.yaml_text import load_yaml
from portal.registry.spec import Registry
from portal.security.roles import (PAGES, REPORT_VERBS, SCOPES, VERB_LABELS, VERBS, RoleProblem, RolesError, RoleSpec,
                                   read_roles, register_verbs)
from portal.texts import gettext, in_locale


def file_version(path: Path) -> str:
    """The SHA-256 of the file: a form carries it, and saving refuses when the file changed meanwhile."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unmasked_fields(role: RoleSpec, registry: Registry) -> frozenset[str]:
    """``register.field`` of every sensitive field the role sees in clear."""
    return frozenset(f"{spec.slug}.{field.name}" for spec in registry for field in spec.sensitive_fields
                     if role.sees(spec.slug, field.name))


def same_rights(old: RoleSpec, new: RoleSpec, registry: Registry) -> bool:
    return (old.scope == new.scope and _verbs(old) == _verbs(new) and old.pages == new.pages
            and unmasked_fields(old, registry) == unmasked_fields(new, registry) and old.label == new.label
            and old.reports == new.reports and old.scope_by == new.scope_by)


def _verbs(role: RoleSpec) -> dict[str, frozenset[str]]:
    return {slug: verbs for slug, verbs in role.verbs.items() if verbs}


def describe_diff(old: RoleSpec, new: RoleSpec, registry: Registry, locale: str = "zh") -> list[str]:
    """One line per change, in ``locale``: ``会员：+ 删除、导出；− 导入``, ``数据范围：… → …``."""
    with in_locale(locale):
        lines = []
        if old.label != new.label:
            lines.append(gettext("Name: %(old)s → %(new)s", old=old.label.get(locale), new=new.label.get(locale)))
        if old.scope != new.scope:
            lines.append(gettext("Scope: %(old)s → %(new)s", old=str(SCOPES[old.scope]), new=str(SCOPES[new.scope])))
        for spec in registry:
            before, after = old.verbs.get(spec.slug, frozenset()), new.verbs.get(spec.slug, frozenset())
            if before != after:
                lines.append(gettext("%(register)s: %(changes)s", register=spec.label.get(locale), changes=_plus_minus(
                    [str(VERB_LABELS[verb]) for verb in VERBS if verb in after - before],
                    [str(VERB_LABELS[verb]) for verb in VERBS if verb in before - after])))
        fields = {f"{spec.slug}.{field.name}": f"{spec.label.get(locale)}·{field.label.get(locale)}"
                  for spec in registry for field in spec.sensitive_fields}
        seen_before, seen_after = unmasked_fields(old, registry), unmasked_fields(new, registry)
        if seen_before != seen_after:
            lines.append(gettext("Unmasked fields: %(changes)s", changes=_plus_minus(
                [label for key, label in fields.items() if key in seen_after - seen_before],
                [label for key, label in fields.items() if key in seen_before - seen_after])))
        if old.pages != new.pages:
            lines.append(gettext("Pages: %(changes)s", changes=_plus_minus(
                [str(label) for page, label in PAGES.items() if page in new.pages - old.pages],
                [str(label) for page, label in PAGES.items() if page in old.pages - new.pages])))
    return lines


def _plus_minus(added: list[str], removed: list[str]) -> str:
    comma, semicolon = gettext(", "), gettext("; ")
    parts = []
    if added:
        parts.append("+ " + comma.join(added))
    if removed:
        parts.append("− " + comma.join(removed))
    return semicolon.join(parts)


def role_body(new: RoleSpec, old: RoleSpec | None, raw: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """The YAML mapping of ``new``, keys in the file's order (label, scope, scope_by, registers, reports, unmask,
    pages); parts whose meaning did not change keep the file's wording (``all``, ``*``)."""
    body: dict[str, Any] = {"label": {"zh": new.label.zh, "en": new.label.en}, "scope": new.scope}
    if old is not None and old.scope_by == new.scope_by and "scope_by" in raw:
        body["scope_by"] = raw["scope_by"]
    elif new.scope_by:
        body["scope_by"] = {slug: list(names) for slug, names in new.scope_by.items()}
    if old is not None and _verbs(old) == _verbs(new) and "registers" in raw:
        body["registers"] = raw["registers"]
    elif _verbs(new):
        body["registers"] = {spec.slug: ("all" if new.verbs[spec.slug] == frozenset(register_verbs(spec))
                                         else [verb for verb in VERBS if verb in new.verbs[spec.slug]])
                             for spec in registry if new.verbs.get(spec.slug)}
    if old is not None and old.reports == new.reports and "reports" in raw:  # not edited on the screen
        body["reports"] = raw["reports"]
    elif new.reports:
        body["reports"] = {name: ("all" if verbs == frozenset(REPORT_VERBS)
                                  else [verb for verb in REPORT_VERBS if verb in verbs])
                           for name, verbs in new.reports.items()}
    if old is not None and unmasked_fields(old, registry) == unmasked_fields(new, registry) and "unmask" in raw:
        body["unmask"] = raw["unmask"]
    elif new.unmask or "unmask" in raw:
        body["unmask"] = list(new.unmask)
    if old is not None and old.pages == new.pages and "pages" in raw:
        body["pages"] = raw["pages"]
    elif new.pages:
        body["pages"] = ["*"] if new.pages == frozenset(PAGES) else [page for page in PAGES if page in new.pages]
    return body


def _block_span(lines: list[str], name: str) -> tuple[int, int] | None:
    """Lines ``[start, end)`` of the top-level entry ``name:``: from its key to the next line that starts in
    the first column (a key or a comment), without the blank lines before that."""
    start = next((index for index, line in enumerate(lines)
                  if re.match(rf"{re.escape(name)}\s*:\s*(#.*)?$", line.rstrip("\n"))), None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t"):
        end += 1
    while end - 1 > start and not lines[end - 1].strip():
        end -= 1
    return start, end


def replace_block(text: str, name: str, block: str) -> str:
    """``text`` with the top-level entry ``name:`` replaced by ``block`` (appended when there is none)."""
    lines = text.splitlines(keepends=True)
    span = _block_span(lines, name)
    if span is None:
        return text.rstrip("\n") + "\n\n" + block
    return "".join(lines[:span[0]]) + block + "".join(lines[span[1]:])


def remove_block(text: str, name: str) -> str:
    """``text`` without the top-level entry ``name:`` and the blank lines after it."""
    lines = text.splitlines(keepends=True)
    span = _block_span(lines, name)
    if span is None:
        return text
    start, end = span
    while end < len(lines) and not lines[end].strip():
        end += 1
    if end == len(lines):  # the last entry: also the blank lines that set it apart (as appending adds them)
        while start > 0 and not lines[start - 1].strip():
            start -= 1
    return "".join(lines[:start] + lines[end:])


def dump_role(name: str, body: dict[str, Any]) -> str:
    return yaml.safe_dump({name: body}, allow_unicode=True, sort_keys=False, default_flow_style=None, width=110)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock beside the file (``roles.yaml.lock``) so two saves never interleave."""
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_role(path: Path, new: RoleSpec, registry: Registry,
               reports: Iterable[str] | None = None) -> dict[str, RoleSpec]:
    """Replace (or add) ``new`` in the file, check the whole file, and return the roles it now holds.

    ``reports`` are the report names roles may name (as for ``read_roles``). The new text is written
    to a temporary file beside it, read back with ``read_roles`` (a problem
    raises ``RolesError`` and leaves the file untouched) and then moved over it in one step.
    """
    text = path.read_text(encoding="utf-8")
    data = load_yaml(text) or {}
    found = data.get(new.name) if isinstance(data, dict) else None
    raw: dict[str, Any] = found if isinstance(found, dict) else {}
    names = None if reports is None else frozenset(reports)
    old = read_roles(path, registry, names).get(new.name)
    block = dump_role(new.name, role_body(new, old, raw, registry))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(replace_block(text, new.name, block), encoding="utf-8")
    try:
        roles = read_roles(temporary, registry, names)
        written = roles.get(new.name)
        if written is None or not same_rights(written, new, registry):
            raise RolesError([RoleProblem(new.name, "R002", gettext(
                "The role read back after writing differs from the one to save; the file was not changed"))])
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return roles


def remove_role(path: Path, name: str, registry: Registry, reports: Iterable[str] | None = None) -> dict[str, RoleSpec]:
    """Take the role ``name`` out of the file (checked as ``write_role`` does) and return the roles left."""
    text = path.read_text(encoding="utf-8")
    names = None if reports is None else frozenset(reports)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(remove_block(text, name), encoding="utf-8")
    try:
        roles = read_roles(temporary, registry, names)
        if name in roles:
            raise RolesError([RoleProblem(name, "R002", gettext(
                "The role is still in the file after deleting it (check how the file is written); the file was not"
                " changed"))])
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return roles
