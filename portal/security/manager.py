"""The portal's security manager: FAB's, with org units on accounts, lockout, session versions and audited sign-ins."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context, jsonify
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (assoc_group_role, assoc_permissionview_role, assoc_user_group,
                                                   assoc_user_role)
from flask_appbuilder.security.utils import is_null_password
from werkzeug.security import check_password_hash

from portal.security import audit
from portal.security.sessions import VERSION_CLAIM, end_sessions, is_current, parse_session_id
from portal.security.signin import ChangeOwnPasswordView, PortalAuthDBView, PortalSecurityApi
from portal.security.users import PortalUser, PortalUserDBModelView, PortalUserInfoEditView
from portal.texts import gettext

Permission = tuple[str, str]
#: FAB's security screens kept in the menu: the rest (roles, permissions, views and menus, statistics,
#: groups) show framework internals; the portal's role matrix and user list replace them.
SECURITY_MENU_KEPT = ("List Users",)


def hide_raw_screens(menu: Any) -> None:
    """Leave only the user list under 安全 (the hidden screens keep their addresses and permissions)."""
    security = menu.find("Security")
    if security is not None:
        security.childs = [item for item in security.childs if getattr(item, "name", "") in SECURITY_MENU_KEPT]


class PortalSecurityManager(SecurityManager):
    """Database accounts with hashed passwords; roles and their permissions come from ``roles.yaml``."""

    user_model = PortalUser
    userdbmodelview = PortalUserDBModelView
    authdbview = PortalAuthDBView
    security_api = PortalSecurityApi
    resetmypasswordview = ChangeOwnPasswordView
    userinfoeditview = PortalUserInfoEditView

    def create_jwt_manager(self, app: Any) -> Any:
        """FAB's token manager, answering an API call without a session or token in the reader's language."""
        manager = super().create_jwt_manager(app)

        def unauthorized(*_reason: Any) -> Any:
            return jsonify(message=gettext("Please sign in first")), 401

        def signed_out(*_token: Any) -> Any:
            return jsonify(message=gettext("Your sign-in is no longer valid (signed out, password changed, account"
                                           " deactivated or token expired); please sign in again.")), 401

        manager.unauthorized_loader(unauthorized)
        manager.invalid_token_loader(unauthorized)
        manager.expired_token_loader(signed_out)
        manager.user_lookup_error_loader(signed_out)
        manager.additional_claims_loader(self._token_claims)
        return manager

    def _has_view_access(self, user: object, permission_name: str, view_name: str) -> bool:
        return (permission_name, view_name) in self._permissions_of(user)

    def _get_user_permission_view_menus(self, user: object, permission_name: str,
                                        view_menus_name: list[str]) -> set[str]:
        if user is None:
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        granted = {view for name, view in self._permissions_of(user) if name == permission_name}
        return {name for name in view_menus_name if name in granted}

    def _permissions_of(self, user: Any) -> frozenset[Permission]:
        """The user's permission pairs, read once per request instead of once per check."""
        if not has_request_context():
            return self._load_permissions(user)
        cache: dict[int, frozenset[Permission]] = g.setdefault("portal_permissions", {})
        key = getattr(user, "id", None) or id(user)
        if key not in cache:
            cache[key] = self._load_permissions(user)
        return cache[key]

    def _load_permissions(self, user: Any) -> frozenset[Permission]:
        """An account's permission pairs, through its roles and its groups' roles, in one query.

        FAB's ``get_user_permissions`` reads the roles, the groups and each role's permissions a query
        apiece; it stays the way for the public role and for roles defined in the configuration.
        """
        user_id = getattr(user, "id", None)
        if self.builtin_roles or not isinstance(user_id, int) or not getattr(user, "is_authenticated", False):
            return frozenset(self.get_user_permissions(user))
        query = self._permissions_query()
        return frozenset(self.session.execute(query, {"user_id": user_id}).tuples().all())

    def _permissions_query(self) -> Any:
        """The statement of ``_load_permissions`` (bound parameter ``user_id``), built once: every request runs it."""
        built = getattr(self, "_permissions_statement", None)
        if built is not None:
            return built
        user_id = sa.bindparam("user_id", type_=sa.Integer)
        roles = sa.union(
            sa.select(assoc_user_role.c.role_id).where(assoc_user_role.c.user_id == user_id),
            sa.select(assoc_group_role.c.role_id)
            .join(assoc_user_group, assoc_user_group.c.group_id == assoc_group_role.c.group_id)
            .where(assoc_user_group.c.user_id == user_id))
        permission, view, pair = self.permission_model, self.viewmenu_model, self.permissionview_model
        built = (sa.select(permission.name, view.name).select_from(pair)
                 .join(permission, permission.id == pair.permission_id).join(view, view.id == pair.view_menu_id)
                 .join(assoc_permissionview_role, assoc_permissionview_role.c.permission_view_id == pair.id)
                 .where(assoc_permissionview_role.c.role_id.in_(roles)).distinct())
        self._permissions_statement = built
        return built

    def auth_user_db(self, username: str, password: str) -> Any:
        """Sign in by user name (any case) or e-mail; every attempt is audited under the account's own name.

        A wrong password gets the generic refusal whether the account exists, is locked or deactivated;
        only with the right password does the refusal say the account is locked or deactivated. Failures
        count per account, however its name was typed.
        """
        typed = (username or "")[:128]
        if not typed:
            return None
        account = self.find_user(username=typed) or self.find_user(email=typed)
        if not self._password_matches(account, password):
            audit.record(self.session, "login_failed", commit=True, username=account.username if account else typed)
            return None
        attempts = current_app.config["PORTAL_LOCKOUT_ATTEMPTS"]
        minutes = current_app.config["PORTAL_LOCKOUT_MINUTES"]
        if audit.failed_logins_since(self.session, account.username, minutes) >= attempts:
            audit.record(self.session, "login_locked", commit=True,
                         detail=f"连续 {attempts} 次登录失败后的登录尝试", username=account.username)  # i18n: data
            return self._refuse(gettext("This account is locked for now after %(attempts)s failed sign-ins in a row;"
                                        " try again in %(minutes)s minutes or ask the administrator.",
                                        attempts=attempts, minutes=minutes))
        if not account.is_active:
            audit.record(self.session, "login_failed", commit=True, detail="账户已停用",  # i18n: data
                         username=account.username)
            return self._refuse(gettext("This account is deactivated; ask the administrator."))
        self.update_user_auth_stat(account, True)
        audit.record(self.session, "login", commit=True, username=account.username)
        return account

    def _password_matches(self, account: Any, password: str) -> bool:
        """Check the password, taking as long (a hash check and a write) for an unknown account as for a known one."""
        if account is None:
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
            first = self.get_first_user()
            if first is not None:
                self.noop_user_update(first)  # a known account's failure writes its failure count
            return False
        if is_null_password(password) or not check_password_hash(account.password, password):
            self.update_user_auth_stat(account, False)
            return False
        return True

    @staticmethod
    def _refuse(message: str) -> None:
        """Refuse a sign-in whose password was right, saying why (``portal.security.signin``)."""
        g.portal_login_refusal = message
        return None

    def load_user(self, pk: Any) -> Any:
        """The account of a browser session, while the session's version is the account's current one."""
        parsed = parse_session_id(pk)
        if parsed is None:
            return None
        user = self.get_user_by_id(parsed[0])
        return user if is_current(user, parsed[1]) else None

    def load_user_jwt(self, _jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> Any:
        """The account of an API token, while the token's version is the account's current one."""
        subject = str(jwt_data.get("sub", ""))
        user = self.get_user_by_id(int(subject)) if subject.isdigit() else None
        if not is_current(user, jwt_data.get(VERSION_CLAIM)):
            return None
        g.user = user
        return user

    def _token_claims(self, identity: Any) -> dict[str, Any]:
        """Claims added to every token FAB issues: the account's session version."""
        user = self.get_user_by_id(int(identity)) if str(identity).isdigit() else None
        return {VERSION_CLAIM: user.session_version or 0} if user is not None else {}

    def on_user_logout(self, user: Any) -> None:
        """Signing out ends every session and token of the account, and is audited."""
        end_sessions(user)
        audit.record(self.session, "logout", username=user.username)
        self.session.commit()

    def register_views(self) -> None:
        """FAB's screens and APIs. Every way to try a password (the sign-in screen, the token sign-in and refresh,
        the password change) draws on one rate-limit budget per client address."""
        super().register_views()
        hide_raw_screens(self.appbuilder.menu)
        if not self.is_auth_limited:
            return
        shared = self.limiter.shared_limit(self.auth_rate_limit, scope="portal-sign-in", methods=["POST"])
        for view in self.appbuilder.baseviews:
            if isinstance(view, (PortalAuthDBView, PortalSecurityApi, ChangeOwnPasswordView)):
                shared(view.blueprint)
