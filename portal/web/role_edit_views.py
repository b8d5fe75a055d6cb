"""Editing a role on the role matrix: ``/roles/matrix/edit/<name>`` → a review of the changes → ``/roles/matrix/save/<name>``.

Needs the page ``role_edit`` (FAB permission ``can_edit`` on ``role_matrix``). Saving writes the role back
into ``permissions/roles.yaml`` (``portal.security.role_file``), which stays the single source of truth,
then syncs the permission tables as ``portal roles sync`` does and writes one audit entry naming the
changes. Every process re-reads the file before its next request (``portal.security.live_roles``).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any, Mapping

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from portal.extensions import db
from flask_babel import gettext, lazy_gettext
from portal.registry.spec import Label, Registry
from portal.security import audit
from portal.security.live_roles import refresh_roles, signature
from portal.security.role_file import describe_diff, file_version, locked, same_rights, unmasked_fields, write_role
from portal.security.roles import PAGES, SCOPES, VERB_LABELS, VERBS, RolesError, RoleSpec, register_verbs
from portal.security.sync import sync_roles
from portal.state import current_locale

#: The page that lets a role edit roles; some active account must keep a role that has it.
EDIT_PAGE = "role_edit"


class RoleEditError(ValueError):
    """The submitted role cannot be saved; the message says why, in the page's language."""


def role_from_form(old: RoleSpec, form: Mapping[str, str], registry: Registry) -> RoleSpec:
    """The role as the form describes it (checkboxes ``verb.<register>.<verb>``, ``unmask.<register>.<field>``,
    ``page.<page>``, radio ``scope``, boxes ``label_zh`` and ``label_en``)."""
    scope = form.get("scope", "")
    if scope not in SCOPES:
        raise RoleEditError(gettext("Scope: choose “Own unit and below” or “All units”."))
    label = Label(_label_text(form.get("label_zh", ""), gettext("Name (Chinese)")),
                  _label_text(form.get("label_en", ""), gettext("Name (English)")))
    verbs = {spec.slug: frozenset(verb for verb in register_verbs(spec) if form.get(f"verb.{spec.slug}.{verb}"))
             for spec in registry}
    unmask = tuple(f"{spec.slug}.{field.name}" for spec in registry for field in spec.sensitive_fields
                   if form.get(f"unmask.{spec.slug}.{field.name}"))
    pages = frozenset(page for page in PAGES if form.get(f"page.{page}"))
    return RoleSpec(name=old.name, label=label, scope=scope, verbs={slug: granted for slug, granted in verbs.items()
                                                                    if granted}, unmask=unmask, pages=pages,
                    reports=old.reports, scope_by=old.scope_by)  # reports and scope_by stay as written


def _label_text(raw: str, field: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise RoleEditError(gettext("%(field)s: required.", field=field))
    if len(text) > 40:
        raise RoleEditError(gettext("%(field)s: at most 40 characters (now %(count)s).", field=field, count=len(text)))
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in text):
        raise RoleEditError(gettext("%(field)s: contains invisible control characters or characters that change the"
                                    " text direction; please type it again.", field=field))
    return text


def check_not_locked_out(roles: Mapping[str, RoleSpec], holders: Mapping[str, int]) -> None:
    """Refuse a set of roles under which no active account could edit roles any more."""
    if not any(EDIT_PAGE in spec.pages and holders.get(name, 0) for name, spec in roles.items()):
        raise RoleEditError(gettext("Cannot save this: afterwards no active account could edit roles any more (at"
                                    " least one active account must hold a role with the “Edit roles” page), and"
                                    " every administrator would be locked out."))


def active_holders() -> dict[str, int]:
    """How many active accounts hold each role."""
    counts: dict[str, int] = {}
    for user in current_app.extensions["appbuilder"].sm.get_all_users():
        if user.active:
            for role in user.roles:
                counts[role.name] = counts.get(role.name, 0) + 1
    return counts


def _form_rows(role: RoleSpec, registry: Registry, locale: str) -> dict[str, Any]:
    """What the edit form shows checked, with labels in the page's language."""
    seen = unmasked_fields(role, registry)
    return {
        "registers": [{"slug": spec.slug, "label": spec.label.get(locale),
                       "verbs": [(verb, verb in register_verbs(spec), role.can(spec.slug, verb)) for verb in VERBS]}
                      for spec in registry],
        "fields": [{"key": f"{spec.slug}.{field.name}",
                    "label": f"{spec.label.get(locale)}·{field.label.get(locale)}",
                    "checked": f"{spec.slug}.{field.name}" in seen}
                   for spec in registry for field in spec.sensitive_fields],
        "pages": [{"key": page, "label": str(label), "checked": page in role.pages}
                  for page, label in PAGES.items()],
        "scopes": [(key, str(label)) for key, label in SCOPES.items()],
    }


class RoleEditMixin:
    """The role matrix's edit, review and save routes (mixed into ``RoleMatrixView``)."""

    method_permission_name = {"edit_role": "edit", "review_role": "edit", "save_role": "edit"}

    def _roles_file(self) -> Path:
        return Path(current_app.config["PORTAL_ROLES_FILE"])

    def _role(self, name: str) -> RoleSpec | None:
        state = current_app.extensions["portal"]
        refresh_roles(state)
        return state.roles.get(name)

    def _form_page(self, old: RoleSpec, shown: RoleSpec, version: str, error: str | None = None,
                   creating: bool = False, **extra: Any) -> Any:
        """The role form; ``creating`` adds the key box and the choice of a role to copy."""
        state = current_app.extensions["portal"]
        locale = current_locale()
        return self.render_template(  # type: ignore[attr-defined]
            "portal/role_edit.html", role=old, shown=shown, version=version, error=error, creating=creating,
            verbs=[str(VERB_LABELS[verb]) for verb in VERBS], rows=_form_rows(shown, state.registry, locale),
            title=lazy_gettext("New role") if creating else lazy_gettext("Edit role"), **extra)

    @expose("/matrix/edit/<name>", methods=["GET"])
    @has_access
    def edit_role(self, name: str) -> Any:
        old = self._role(name)
        if old is None:
            abort(404)
        return self._form_page(old, old, file_version(self._roles_file()))

    @expose("/matrix/edit/<name>", methods=["POST"])
    @has_access
    def review_role(self, name: str) -> Any:
        """Show what would change, with 确认保存 (or the form again, with the reason it cannot be saved)."""
        old = self._role(name)
        if old is None:
            abort(404)
        state = current_app.extensions["portal"]
        version = request.form.get("version", "")
        try:
            new = role_from_form(old, request.form, state.registry)
        except RoleEditError as error:
            return self._form_page(old, old, version, str(error)), 400
        if request.args.get("back"):
            return self._form_page(old, new, version)
        if same_rights(old, new, state.registry):
            return self._form_page(old, new, version, gettext("No change: the rights are those in the file."))
        try:
            check_not_locked_out({**state.roles, name: new}, active_holders())
        except RoleEditError as error:
            return self._form_page(old, new, version, str(error)), 400
        fields = [(key, value) for key, value in request.form.items(multi=True) if key != "csrf_token"]
        return self.render_template(  # type: ignore[attr-defined]
            "portal/role_confirm.html", role=old, fields=fields,
            changes=describe_diff(old, new, state.registry, current_locale()),
            holders=active_holders().get(name, 0), title=lazy_gettext("Confirm role change"))

    @expose("/matrix/save/<name>", methods=["POST"])
    @has_access
    def save_role(self, name: str) -> Any:
        state = current_app.extensions["portal"]
        path = self._roles_file()
        with locked(path):
            old = self._role(name)
            if old is None:
                abort(404)
            version = request.form.get("version", "")
            try:
                new = role_from_form(old, request.form, state.registry)
                if version != file_version(path):
                    raise RoleEditError(gettext("The roles changed after you opened this page (another administrator,"
                                                " or roles.yaml edited directly); look at them again and make your"
                                                " change anew."))
                check_not_locked_out({**state.roles, name: new}, active_holders())
                changes = describe_diff(old, new, state.registry, "zh")
                db.session.commit()  # end this request's read transaction before the sync writes
                state.roles = write_role(path, new, state.registry, state.reports.names)
                state.roles_signature = signature(path)
            except RoleEditError as error:
                return self._form_page(old, old, file_version(path), str(error)), 409
            except RolesError as error:
                return self._form_page(old, old, file_version(path), str(error)), 400
        sync_roles(current_app)
        audit.record(db.session, "permissions", commit=True, register="roles", record_key=name,
                     detail="编辑角色（写入 roles.yaml）：" + "；".join(changes))  # i18n: data (the audit trail)
        flash(gettext("Role “%(role)s” saved: %(changes)s", role=new.label.get(current_locale()),
                      changes=gettext("; ").join(describe_diff(old, new, state.registry, current_locale()))), "success")
        return redirect(url_for("RoleMatrixView.matrix") + f"#role-{name}")
