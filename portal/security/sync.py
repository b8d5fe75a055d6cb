"""Write ``permissions/roles.yaml`` into Flask-AppBuilder's role tables, and say what changed.

``sync_roles`` registers every view's permissions, creates the roles, and gives each role exactly
the permission pairs ``portal.security.permissions.role_permissions`` derives from its verbs. With
``dry_run`` it only reads and reports. A verb whose screens or endpoints do not exist yet has no
permission pairs to write; the roles file (and the role matrix page) still records it. Roles that are in the database but not in the file are left
alone and reported, so an account is never cut off silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask

from portal.security.permissions import Permission, portal_views, role_permissions
from portal.security.roles import RoleSpec
from portal.texts import gettext


@dataclass
class RoleChange:
    role: str
    label: str
    created: bool = False
    added: list[Permission] = field(default_factory=list)
    removed: list[Permission] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.added or self.removed)


@dataclass
class SyncReport:
    changes: list[RoleChange]
    unmanaged: list[str]
    dry_run: bool

    @property
    def changed(self) -> bool:
        return any(change.changed for change in self.changes)

    def lines(self) -> list[str]:
        out = []
        for change in self.changes:
            if not change.changed:
                out.append(gettext("Role %(role)s (%(label)s): no change", role=change.role, label=change.label))
                continue
            if change.created:
                out.append(gettext("Role %(role)s (%(label)s): created, +%(added)s -%(removed)s", role=change.role,
                                   label=change.label, added=len(change.added), removed=len(change.removed)))
            else:
                out.append(gettext("Role %(role)s (%(label)s): updated, +%(added)s -%(removed)s", role=change.role,
                                   label=change.label, added=len(change.added), removed=len(change.removed)))
            out += [f"  + {name} {view}" for name, view in change.added]
            out += [f"  - {name} {view}" for name, view in change.removed]
        for name in self.unmanaged:
            out.append(gettext("Role %(role)s: not in roles.yaml, left as it is", role=name))
        added = sum(len(change.added) for change in self.changes)
        removed = sum(len(change.removed) for change in self.changes)
        if self.dry_run:
            out.append(gettext("%(roles)s roles: %(added)s permissions would be added, %(removed)s removed (dry run,"
                               " nothing written)", roles=len(self.changes), added=added, removed=removed))
        else:
            out.append(gettext("%(roles)s roles: %(added)s permissions added, %(removed)s removed",
                               roles=len(self.changes), added=added, removed=removed))
        return out


def sync_roles(app: Flask, dry_run: bool = False) -> SyncReport:
    """Make the role tables match ``roles.yaml`` (or, with ``dry_run``, report what would change)."""
    state = app.extensions["portal"]
    roles: dict[str, RoleSpec] = state.roles
    with app.app_context():
        sm = app.extensions["appbuilder"].sm
        session = sm.session
        created = {name for name in roles if sm.find_role(name) is None}
        if not dry_run:
            for name in [sm.auth_role_public, *roles]:
                sm.add_role(name)  # FAB gives every view's permissions to the admin role as it registers them
            app.extensions["appbuilder"].add_permissions(update_perms=True)
        existing = {(pv.permission.name, pv.view_menu.name): pv for pv in session.query(sm.permissionview_model)}
        own = portal_views(state.registry)
        fab_pairs = [pair for pair in existing if pair[1] not in own]
        changes = []
        for name, spec in roles.items():
            wanted = role_permissions(spec, state.registry, fab_pairs) & existing.keys()
            role = sm.find_role(name)
            current = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions} if role else set()
            change = RoleChange(name, spec.label.zh, created=name in created,
                                added=sorted(wanted - current), removed=sorted(current - wanted))
            changes.append(change)
            if dry_run or not change.changed:
                continue
            role = role or sm.add_role(name)  # dry run never gets here
            role.permissions = [existing[pair] for pair in sorted(wanted)]
            session.commit()
        unmanaged = sorted(role.name for role in sm.get_all_roles()
                           if role.name not in roles and role.name != sm.auth_role_public)
        # Each role's change is audited by the session listener, in the commit that writes it.
        return SyncReport(changes, unmanaged, dry_run)
