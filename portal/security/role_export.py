"""``portal roles export``: the roles in force written as YAML in the format of ``permissions/roles.yaml``.

The roles a process enforces are those it read from ``PORTAL_ROLES_FILE`` (edited there by the role
screens). The export writes each of them with the keys in the file's order (label, scope, scope_by,
registers, reports, unmask, pages), keeping the file's wording where it means the same (``"*": all``), and
keeps the comment at the head of the file. Exporting an export gives the same bytes, and the export reads back
to the same roles (both tested). Pure apart from reading the file: no Flask, no database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from portal.registry.yaml_text import load_yaml
from portal.registry.spec import Registry
from portal.security.role_file import dump_role, role_body
from portal.security.roles import RolesError, RoleSpec, read_roles


def head_comment(text: str) -> str:
    """The comment lines at the top of a roles file (up to its first key), with one blank line after them."""
    lines = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            break
        lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n\n" if lines else ""


def export_roles(roles: Mapping[str, RoleSpec], registry: Registry, source: str = "",
                 written: Mapping[str, RoleSpec] | None = None) -> str:
    """The YAML text of ``roles`` (in their order). ``source`` is the live file's text and ``written`` the roles
    it states: its head comment, and the wording of each part whose meaning is the same there, are kept."""
    try:
        raw = load_yaml(source) if source else {}
    except yaml.YAMLError:
        raw = {}
    raw = raw if isinstance(raw, dict) else {}
    blocks = []
    for name, role in roles.items():
        found: Any = raw.get(name)
        old = (written or {}).get(name)
        blocks.append(dump_role(name, role_body(role, old, found if isinstance(found, dict) and old else {}, registry)))
    return head_comment(source) + "\n".join(blocks)


def export_file(path: Path, roles: Mapping[str, RoleSpec], registry: Registry) -> str:
    """``export_roles`` with the wording and head comment of the roles file at ``path``."""
    try:
        source, written = path.read_text(encoding="utf-8"), read_roles(path, registry)
    except (OSError, RolesError):
        return export_roles(roles, registry)
    return export_roles(roles, registry, source, written)
