"""New roles and deleted roles on the role matrix (mixed into ``RoleMatrixView`` beside ``RoleEditMixin``).

``/roles/matrix/new[?copy=<role>]`` → a review naming every right of the new role → ``/roles/matrix/create``;
``/roles/matrix/delete/<name>`` shows what goes and, confirmed by POST, takes the role out. Both need the page
``role_edit`` and the administrator role (``AUTH_ROLE_ADMIN``); others get 403. As with an edit, the file
``permissions/roles.yaml`` is written (checked before it replaces the old one), the permission tables are synced,
one audit entry names the change, and every process follows at its next request.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any, Mapping

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from portal.errors import error_response
from portal.extensions import db
from flask_babel import force_locale, gettext, lazy_gettext
from portal.registry.spec import Label, Registry
from portal.security import audit
from portal.security.current import request_user
from portal.security.live_roles import refresh_roles, signature
from portal.security.role_file import describe_diff, file_version, locked, remove_role, write_role
from portal.security.roles import SCOPES, RolesError, RoleSpec
from portal.security.sync import sync_roles
from portal.state import current_locale
from portal.web.role_edit_views import RoleEditError, role_from_form

KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def check_role_key(key: str, roles: Mapping[str, RoleSpec], taken: set[str]) -> str:
    """The new role's key, or ``RoleEditError`` saying why it cannot be used; ``taken``: names in the role table."""
    key = key.strip()
    if not key:
        raise RoleEditError(gettext("Role key: required; enter a key such as dues_reader."))
    if not KEY.match(key):
        raise RoleEditError(gettext("Role key “%(key)s” is not valid: use lower-case letters, digits and underscores,"
                                    " starting with a letter, 2 to 40 characters (e.g. dues_reader).", key=key))
    if key in roles:
        raise RoleEditError(gettext("Role key “%(key)s” is taken by the role “%(role)s”; choose another.",
                                    key=key, role=roles[key].label.get(current_locale())))
    if key in taken:
        raise RoleEditError(gettext("Role key “%(key)s” is a role in the database already (not in roles.yaml);"
                                    " choose another.", key=key))
    return key


def creation_lines(new: RoleSpec, source: RoleSpec | None, registry: Registry, locale: str = "zh") -> list[str]:
    """What a new role brings, one line per part: its key and names, scope, then each right as ``+ …``."""
    with force_locale(locale):
        lines = [gettext("New role: %(key)s (%(zh)s / %(en)s)", key=new.name, zh=new.label.zh, en=new.label.en)]
        if source is not None:
            lines.append(gettext("Copied from: %(role)s (%(key)s)", role=source.label.get(locale), key=source.name))
        lines.append(gettext("Scope: %(scope)s", scope=str(SCOPES[new.scope])))
        lines += describe_diff(RoleSpec(name=new.name, label=new.label, scope=new.scope), new, registry, locale)
        if new.reports:
            lines.append(gettext("Reports (as in the copied role): %(reports)s",
                                 reports=gettext(", ").join(sorted(new.reports))))
        if not new.verbs and not new.pages:
            lines.append(gettext("No rights yet"))
    return lines


def role_references(name: str, registry: Registry) -> list[str]:
    """Where the schemas name the role: workflow transitions and the states whose edit rules name it."""
    found = []
    locale = current_locale()
    for spec in registry:
        if spec.workflow is None:
            continue
        for transition in spec.workflow.transitions:
            if name in transition.roles:
                found.append(gettext("%(register)s's transition “%(transition)s”", register=spec.label.get(locale),
                                     transition=transition.label.get(locale)))
        for state in spec.workflow.states:
            if any(rule.role == name for rule in state.edit or ()):
                found.append(gettext("the edit rules of %(register)s's state “%(state)s”",
                                     register=spec.label.get(locale), state=state.label.get(locale)))
    return found


def holders_of(name: str) -> tuple[int, int]:
    """(all accounts, active accounts) that hold the role."""
    users = [user for user in current_app.extensions["appbuilder"].sm.get_all_users()
             if any(role.name == name for role in user.roles)]
    return len(users), sum(1 for user in users if user.active)


def deletion_problem(name: str, registry: Registry) -> str | None:
    """Why the role cannot be deleted (in the page's language), or ``None``."""
    if name == current_app.config.get("AUTH_ROLE_ADMIN", "admin"):
        return gettext("The role “%(role)s” is the administrator role and cannot be deleted.", role=name)
    held, active = holders_of(name)
    if held:
        return gettext("Cannot delete: %(held)s accounts still hold this role (%(active)s of them active). First give"
                       " those accounts other roles under “Security → List Users”, then delete it.",
                       held=held, active=active)
    places = role_references(name, registry)
    if places:
        return gettext("Cannot delete: register workflows still use this role (%(places)s). First change the"
                       " workflow definitions in schemas/, then delete it.", places=gettext("; ").join(places))
    return None


class RoleCreateMixin:
    """The role matrix's new-role and delete-role routes."""

    method_permission_name = {"new_role": "edit", "review_new_role": "edit", "create_role": "edit",
                              "delete_role_page": "edit", "delete_role": "edit"}

    def _is_admin(self) -> bool:
        """Does the request's account hold the administrator role (``AUTH_ROLE_ADMIN``)?"""
        admin = current_app.config.get("AUTH_ROLE_ADMIN", "admin")
        user = request_user()
        return user is not None and any(role.name == admin for role in user.roles)

    def _refuse_unless_admin(self) -> Any:
        if not self._is_admin():
            admin = current_app.config.get("AUTH_ROLE_ADMIN", "admin")
            return error_response(403, gettext("Only an administrator (an account holding the role %(admin)s) may"
                                               " create or delete roles. Ask an administrator for a new role.",
                                               admin=admin))
        return None

    def _new_form(self, shown: RoleSpec, source: RoleSpec | None, version: str, error: str | None = None) -> Any:
        state = current_app.extensions["portal"]
        return self._form_page(  # type: ignore[attr-defined]
            shown, shown, version, error, creating=True, source=source,
            choices=[(name, role.label.get(current_locale())) for name, role in state.roles.items()])

    def _source(self, name: str | None) -> RoleSpec | None:
        return self._role(name) if name else None  # type: ignore[attr-defined]

    @expose("/matrix/new", methods=["GET"])
    @has_access
    def new_role(self) -> Any:
        refused = self._refuse_unless_admin()
        if refused is not None:
            return refused
        source = self._source(request.args.get("copy"))
        shown = (RoleSpec(name="", label=Label("", ""), scope="subtree") if source is None
                 else RoleSpec(name="", label=Label(source.label.zh + "（副本）", source.label.en + " (copy)"),  # i18n: data
                               scope=source.scope, verbs=source.verbs, unmask=source.unmask, pages=source.pages,
                               reports=source.reports, scope_by=source.scope_by))
        return self._new_form(shown, source, file_version(self._roles_file()))  # type: ignore[attr-defined]

    def _submitted(self) -> tuple[RoleSpec, RoleSpec | None]:
        """The new role the form describes (``RoleEditError`` names what is wrong)."""
        state = current_app.extensions["portal"]
        source = self._source(request.form.get("copy"))
        taken = {role.name for role in current_app.extensions["appbuilder"].sm.get_all_roles()}
        key = check_role_key(request.form.get("key", ""), state.roles, taken)
        base = RoleSpec(name=key, label=Label("", ""), scope="subtree", reports=source.reports if source else {},
                        scope_by=source.scope_by if source else {})
        return role_from_form(base, request.form, state.registry), source

    @expose("/matrix/new", methods=["POST"])
    @has_access
    def review_new_role(self) -> Any:
        """Name every right of the new role, with 确认保存 (or the form again with the reason)."""
        refused = self._refuse_unless_admin()
        if refused is not None:
            return refused
        state = current_app.extensions["portal"]
        version = request.form.get("version", "")
        source = self._source(request.form.get("copy"))
        try:
            new, source = self._submitted()
        except RoleEditError as error:
            shown = RoleSpec(name=request.form.get("key", "").strip()[:40], label=Label("", ""), scope="subtree")
            with suppress(RoleEditError):  # show what was ticked, even with the names still blank
                shown = role_from_form(shown, request.form, state.registry)
            return self._new_form(shown, source, version, str(error)), 400
        if request.args.get("back"):
            return self._new_form(new, source, version)
        fields = [(key, value) for key, value in request.form.items(multi=True) if key != "csrf_token"]
        return self.render_template(  # type: ignore[attr-defined]
            "portal/role_confirm.html", role=new, fields=fields, changes=creation_lines(new, source, state.registry,
                                                                                        current_locale()),
            lead=gettext("The new role “%(role)s” (%(key)s) will have these rights (once saved it can be given to"
                         " accounts under “Security → List Users”):", role=new.label.get(current_locale()),
                         key=new.name),
            save_url=url_for("RoleMatrixView.create_role"), back_url=url_for("RoleMatrixView.review_new_role", back=1),
            title=lazy_gettext("Confirm new role"))

    @expose("/matrix/create", methods=["POST"])
    @has_access
    def create_role(self) -> Any:
        refused = self._refuse_unless_admin()
        if refused is not None:
            return refused
        state = current_app.extensions["portal"]
        path = self._roles_file()  # type: ignore[attr-defined]
        with locked(path):
            refresh_roles(state)
            source = self._source(request.form.get("copy"))
            try:
                if request.form.get("version", "") != file_version(path):
                    raise RoleEditError(gettext("The roles changed after you opened this page (another administrator,"
                                                " or roles.yaml edited directly); look at them again and fill in"
                                                " the form anew."))
                new, source = self._submitted()
                lines = creation_lines(new, source, state.registry)
                db.session.commit()  # end this request's read transaction before the sync writes
                state.roles = write_role(path, new, state.registry, state.reports.names)
                state.roles_signature = signature(path)
            except (RoleEditError, RolesError) as error:
                blank = RoleSpec(name="", label=Label("", ""), scope="subtree")
                return self._new_form(blank, source, file_version(path), str(error)), 409
        sync_roles(current_app)
        audit.record(db.session, "permissions", commit=True, register="roles", record_key=new.name,
                     detail="新建角色（写入 roles.yaml）：" + "；".join(lines))  # i18n: data (the audit trail)
        flash(gettext("Role “%(role)s” (%(key)s) created.", role=new.label.get(current_locale()), key=new.name),
              "success")
        return redirect(url_for("RoleMatrixView.matrix") + f"#role-{new.name}")

    @expose("/matrix/delete/<name>", methods=["GET"])
    @has_access
    def delete_role_page(self, name: str) -> Any:
        refused = self._refuse_unless_admin()
        if refused is not None:
            return refused
        role = self._role(name)  # type: ignore[attr-defined]
        if role is None:
            abort(404)
        return self._delete_page(role, file_version(self._roles_file()))  # type: ignore[attr-defined]

    def _delete_page(self, role: RoleSpec, version: str, error: str | None = None) -> Any:
        state = current_app.extensions["portal"]
        problem = error or deletion_problem(role.name, state.registry)
        empty = RoleSpec(name=role.name, label=role.label, scope=role.scope)
        changes = [gettext("Delete role: %(key)s (%(zh)s / %(en)s)", key=role.name, zh=role.label.zh, en=role.label.en)]
        changes += describe_diff(role, empty, state.registry, current_locale())
        return self.render_template(  # type: ignore[attr-defined]
            "portal/role_confirm.html", role=role, fields=[("version", version)], changes=changes, error=problem,
            lead=gettext("The role “%(role)s” (%(key)s) will be deleted, and with it these rights:",
                         role=role.label.get(current_locale()), key=role.name),
            save_url=url_for("RoleMatrixView.delete_role", name=role.name), save_label=gettext("Confirm deletion"),
            danger=True, title=lazy_gettext("Delete role"))

    @expose("/matrix/delete/<name>", methods=["POST"])
    @has_access
    def delete_role(self, name: str) -> Any:
        refused = self._refuse_unless_admin()
        if refused is not None:
            return refused
        state = current_app.extensions["portal"]
        path = self._roles_file()  # type: ignore[attr-defined]
        with locked(path):
            role = self._role(name)  # type: ignore[attr-defined]
            if role is None:
                abort(404)
            if request.form.get("version", "") != file_version(path):
                return self._delete_page(role, file_version(path), gettext(
                    "The roles changed after you opened this page; look at them again before deciding to delete."
                )), 409
            problem = deletion_problem(name, state.registry)
            if problem:
                return self._delete_page(role, file_version(path), problem), 409
            lines = describe_diff(role, RoleSpec(name=name, label=role.label, scope=role.scope), state.registry)
            db.session.commit()
            try:
                state.roles = remove_role(path, name, state.registry, state.reports.names)
            except RolesError as error:
                return self._delete_page(role, file_version(path), str(error)), 409
            state.roles_signature = signature(path)
        sm = current_app.extensions["appbuilder"].sm
        table_role = sm.find_role(name)
        if table_role is not None:
            table_role.permissions = []
            sm.session.delete(table_role)
            sm.session.commit()
        audit.record(db.session, "permissions", commit=True, register="roles", record_key=name,
                     detail=f"删除角色 {name}（{role.label.zh}，已从 roles.yaml 移除）：" + "；".join(lines))  # i18n: data
        flash(gettext("Role “%(role)s” (%(key)s) deleted.", role=role.label.get(current_locale()), key=name),
              "success")
        return redirect(url_for("RoleMatrixView.matrix"))
