"""Screens of the security part: the audit trail (read-only) and the role matrix."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_appbuilder import BaseView, ModelView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import LazyString, gettext, lazy_gettext

from portal.web.bounds import BoundedInterfaceMixin, UnusedRoutesMixin
from portal.security.permissions import AUDIT_VIEW, MATRIX_VIEW
from portal.web.role_create_views import RoleCreateMixin
from portal.web.role_edit_views import RoleEditMixin
from portal.web.views import local_time
from portal.registry.spec import Label, RegisterSpec
from portal.security import audit
from portal.security.audit import ACTIONS, AuditEntry
from portal.security.current import current_access
from portal.security.live_roles import refresh_roles
from portal.security.masking import mask_text, mask_value
from portal.security.roles import PAGES, SCOPES, VERB_LABELS, VERBS, register_verbs
from portal.state import current_locale


class AuditInterface(BoundedInterfaceMixin, SQLAInterface):
    """A reader limited to an org subtree sees entries about records in it, and nothing else."""

    def apply_filters(self, query: Any, filters: Any) -> Any:
        query = super().apply_filters(query, filters)
        access = current_access()
        if access.org_ids is not None:
            query = query.filter(AuditEntry.org_unit_id.in_(sorted(access.org_ids)))
        return query


def _text(label: Label) -> str:
    return label.get(current_locale())


def _shown(register: str | None, name: str, value: Any) -> str:
    """A stored value as the reader may see it."""
    if value is None or value == "":
        return gettext("(blank)")
    if isinstance(value, list):
        return gettext(", ").join(str(item) for item in value) or gettext("(none)")
    registry = current_app.extensions["portal"].registry
    if register in registry:
        spec = registry.get(register)
        if spec.has_field(name):
            field = spec.field(name)
            if current_access().hidden(spec, field):
                return str(mask_value(field, value))
            if field.is_link and field.target in registry:
                return _link_shown(registry.get(field.target), str(value))
            if field.type == "choice":
                return field.choice_label(str(value), current_locale())
    return str(value)


def _link_shown(target: RegisterSpec, key: str) -> str:
    """A link is recorded by the target's natural key: masked when the reader may not see that key there."""
    key_field = target.key_field
    return str(mask_value(key_field, key)) if current_access().hidden(target, key_field) else key


#: Labels of the account and role attributes the trail records.
ACCOUNT_LABELS: dict[str, LazyString] = {
    "username": lazy_gettext("User name"), "first_name": lazy_gettext("First name"),
    "last_name": lazy_gettext("Last name"), "email": lazy_gettext("Email"), "active": lazy_gettext("Enabled"),
    "org_unit_id": lazy_gettext("Org unit"), "password": lazy_gettext("Password"),
    "roles": lazy_gettext("Roles"), "permissions": lazy_gettext("Permissions"),
}


def field_label(register: str | None, name: str) -> str:
    registry = current_app.extensions["portal"].registry
    if register in registry and registry.get(register).has_field(name):
        return _text(registry.get(register).field(name).label)
    return str(ACCOUNT_LABELS[name]) if name in ACCOUNT_LABELS else name


def describe_changes(entry: AuditEntry) -> str:
    """``Name: A → B; Mobile: 138****5678 → 139****0000`` in the reader's language, masked as the reader must see it."""
    parts = []
    for name, (old, new) in entry.changes_dict().items():
        label = field_label(entry.register, name)
        if entry.action == "create":
            parts.append(gettext("%(label)s: %(value)s", label=label, value=_shown(entry.register, name, new)))
        elif entry.action == "delete":
            parts.append(gettext("%(label)s: %(value)s", label=label, value=_shown(entry.register, name, old)))
        else:
            parts.append(gettext("%(label)s: %(old)s → %(new)s", label=label, old=_shown(entry.register, name, old),
                                 new=_shown(entry.register, name, new)))
    if entry.detail:
        parts.append(entry.detail)
    return gettext("; ").join(parts)


def record_key_text(entry: AuditEntry) -> str:
    """The record's natural key, masked as the reader sees it; an import or export names its file or format."""
    registry = current_app.extensions["portal"].registry
    # every entry about one record (create, update, delete, transition …); a batch, an export or a print names
    # its file or format and carries no record id
    if entry.record_key and entry.register in registry and entry.record_id is not None:
        spec = registry.get(entry.register)
        if current_access().hidden(spec, spec.key_field):
            return mask_text(entry.record_key)
    return entry.record_key or ""


audit.READERS.update(changes=describe_changes, record=record_key_text)


def action_text(action: str) -> str:
    return str(ACTIONS[action]) if action in ACTIONS else action


def register_text(slug: str | None) -> str:
    registry = current_app.extensions["portal"].registry
    if slug in registry:
        return _text(registry.get(slug).label)
    return {"users": gettext("Users"), "roles": gettext("Roles")}.get(slug or "", slug or "")


class AuditView(UnusedRoutesMixin, ModelView):
    """``/audit/``: browse and filter the trail. There is no add, edit or delete, on screen or in an API."""

    route_base = "/audit"
    class_permission_name = AUDIT_VIEW
    datamodel = AuditInterface(AuditEntry)
    base_permissions = ["can_list", "can_show"]
    list_title = lazy_gettext("Audit trail")
    show_title = lazy_gettext("Audit entry")
    list_columns = ["at", "username", "action", "register", "record_text", "changes_short"]
    show_columns = ["at", "username", "action", "register", "record_text", "changes_text", "ip"]
    #: ``?_flt_0_register=members&_flt_0_record_id=7`` is one record's history; ``_flt_0_batch_id`` one import's.
    search_columns = ["at", "username", "action", "register", "record_id", "batch_id"]
    base_order = ("at", "desc")
    page_size = 50
    label_columns = {
        "at": lazy_gettext("When"),
        "username": lazy_gettext("User"),
        "action": lazy_gettext("Action"),
        "register": lazy_gettext("Object"),
        "record_text": lazy_gettext("Record"),
        "changes_text": lazy_gettext("Changes"),
        "changes_short": lazy_gettext("Changes"),
        "ip": lazy_gettext("IP address"),
        "record_id": lazy_gettext("Record ID"),
        "batch_id": lazy_gettext("Import batch"),
    }
    formatters_columns = {"action": action_text, "register": register_text, "at": local_time}


class RoleMatrixView(RoleCreateMixin, RoleEditMixin, BaseView):
    """``/roles/matrix``: registers × verbs for every role, with its scope, unmasked fields and pages.

    A user with the page ``role_edit`` gets an 编辑 button per role (``portal.web.role_edit_views``); one who also
    holds the administrator role gets 新建角色 and 删除 (``portal.web.role_create_views``).
    """

    method_permission_name = {**RoleEditMixin.method_permission_name, **RoleCreateMixin.method_permission_name}

    route_base = "/roles"
    class_permission_name = MATRIX_VIEW
    default_view = "matrix"

    @expose("/matrix")
    @has_access
    def matrix(self) -> Any:
        state = current_app.extensions["portal"]
        refresh_roles(state)
        locale = current_locale()
        roles = []
        for role in state.roles.values():
            rows = [{"label": spec.label.get(locale),
                     "verbs": [(verb in role.verbs.get(spec.slug, ()), verb in register_verbs(spec)) for verb in VERBS]}
                    for spec in state.registry]
            unmasked = [f"{spec.label.get(locale)}·{field.label.get(locale)}"
                        for spec in state.registry for field in spec.sensitive_fields if role.sees(spec.slug, field.name)]
            roles.append({"name": role.name, "label": role.label.get(locale), "scope": str(SCOPES[role.scope]),
                          "rows": rows, "unmasked": unmasked,
                          "pages": [str(PAGES[page]) for page in sorted(role.pages)]})
        can_edit = self.appbuilder.sm.has_access("can_edit", MATRIX_VIEW)
        return self.render_template("portal/role_matrix.html", roles=roles,
                                    verbs=[str(VERB_LABELS[verb]) for verb in VERBS],
                                    can_edit=can_edit, can_create=can_edit and self._is_admin(),
                                    title=lazy_gettext("Role matrix"))
