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
from flask_babel import lazy_gettext
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
        raise RoleEditError("角色代码：不能为空，请填写如 dues_reader 这样的代码。")
    if not KEY.match(key):
        raise RoleEditError(f"角色代码“{key}”不合法：只能用小写英文字母、数字和下划线，以字母开头，2 到 40 个字符"
                            "（例如 dues_reader）。")
    if key in roles:
        raise RoleEditError(f"角色代码“{key}”已被角色“{roles[key].label.zh}”使用，请换一个。")
    if key in taken:
        raise RoleEditError(f"角色代码“{key}”已是数据库中的一个角色（不在 roles.yaml 中），请换一个。")
    return key


def creation_lines(new: RoleSpec, source: RoleSpec | None, registry: Registry, locale: str = "zh") -> list[str]:
    """What a new role brings, one line per part: its key and names, scope, then each right as ``+ …``."""
    english = locale.startswith("en")
    colon = ": " if english else "："
    lines = [("New role" if english else "新建角色") + colon + f"{new.name}（{new.label.zh} / {new.label.en}）"]
    if source is not None:
        lines.append(("Copied from" if english else "复制自") + colon + f"{source.label.get(locale)}（{source.name}）")
    lines.append(("Scope" if english else "数据范围") + colon + SCOPES[new.scope].get(locale))
    lines += describe_diff(RoleSpec(name=new.name, label=new.label, scope=new.scope), new, registry, locale)
    if new.reports:
        lines.append(("Reports (as in the copied role)" if english else "报表（沿用复制的角色）") + colon
                     + ("、".join(sorted(new.reports))))
    if not new.verbs and not new.pages:
        lines.append("No rights yet" if english else "尚无任何权限（可以之后再编辑）")
    return lines


def role_references(name: str, registry: Registry) -> list[str]:
    """Where the schemas name the role: workflow transitions and the states whose edit rules name it."""
    found = []
    for spec in registry:
        if spec.workflow is None:
            continue
        for transition in spec.workflow.transitions:
            if name in transition.roles:
                found.append(f"{spec.label.zh}的流转“{transition.label.zh}”")
        for state in spec.workflow.states:
            if any(rule.role == name for rule in state.edit or ()):
                found.append(f"{spec.label.zh}的状态“{state.label.zh}”的编辑规则")
    return found


def holders_of(name: str) -> tuple[int, int]:
    """(all accounts, active accounts) that hold the role."""
    users = [user for user in current_app.extensions["appbuilder"].sm.get_all_users()
             if any(role.name == name for role in user.roles)]
    return len(users), sum(1 for user in users if user.active)


def deletion_problem(name: str, registry: Registry) -> str | None:
    """Why the role cannot be deleted (in Chinese), or ``None``."""
    if name == current_app.config.get("AUTH_ROLE_ADMIN", "admin"):
        return f"角色“{name}”是系统管理员角色，不能删除。"
    held, active = holders_of(name)
    if held:
        return (f"不能删除：还有 {held} 个账户持有该角色（其中 {active} 个启用）。请先在“安全 → 用户列表”中"
                "把这些账户改为其他角色，再删除。")
    places = role_references(name, registry)
    if places:
        return (f"不能删除：登记簿的流程中还用到这个角色（{'；'.join(places)}）。请先修改 schemas/ 中的流程定义，"
                "再删除。")
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
            return error_response(403, f"只有系统管理员（持有角色 {admin} 的账户）可以新建或删除角色。"
                                       "如需新角色，请联系系统管理员。")
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
                 else RoleSpec(name="", label=Label(source.label.zh + "（副本）", source.label.en + " (copy)"),
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
            lead=f"将新建角色“{new.label.zh}”（{new.name}），权限如下（保存后即可在“安全 → 用户列表”中分配给账户）：",
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
                    raise RoleEditError("角色定义在您打开此页后已被修改（其他管理员或直接修改了 roles.yaml），"
                                        "请查看最新内容后重新填写。")
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
                     detail="新建角色（写入 roles.yaml）：" + "；".join(lines))
        flash(f"已新建角色“{new.label.zh}”（{new.name}）。", "success")
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
        changes = [f"删除角色：{role.name}（{role.label.zh} / {role.label.en}）"]
        changes += describe_diff(role, empty, state.registry, current_locale())
        return self.render_template(  # type: ignore[attr-defined]
            "portal/role_confirm.html", role=role, fields=[("version", version)], changes=changes, error=problem,
            lead=f"将删除角色“{role.label.zh}”（{role.name}），它的以下权限随之消失：",
            save_url=url_for("RoleMatrixView.delete_role", name=role.name), save_label="确认删除",
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
                return self._delete_page(role, file_version(path), "角色定义在您打开此页后已被修改，请查看最新内容后"
                                                                   "再决定是否删除。"), 409
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
                     detail=f"删除角色 {name}（{role.label.zh}，已从 roles.yaml 移除）：" + "；".join(lines))
        flash(f"已删除角色“{role.label.zh}”（{name}）。", "success")
        return redirect(url_for("RoleMatrixView.matrix"))
