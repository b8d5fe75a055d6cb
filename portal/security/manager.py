"""The portal's security manager: FAB's, with org units on accounts, lockout and audited sign-ins."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, has_request_context, jsonify
from flask_appbuilder.security.sqla.manager import SecurityManager

from portal.security import audit
from portal.security.users import PortalUser, PortalUserDBModelView

Permission = tuple[str, str]


class PortalSecurityManager(SecurityManager):
    """Database accounts with hashed passwords; roles and their permissions come from ``roles.yaml``."""

    user_model = PortalUser
    userdbmodelview = PortalUserDBModelView

    def create_jwt_manager(self, app: Any) -> Any:
        """FAB's token manager, answering an API call without a session or token in Chinese."""
        manager = super().create_jwt_manager(app)

        def unauthorized(reason: str) -> Any:
            return jsonify(message="请先登录"), 401

        manager.unauthorized_loader(unauthorized)
        manager.invalid_token_loader(unauthorized)
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
            return frozenset(self.get_user_permissions(user))
        cache: dict[int, frozenset[Permission]] = g.setdefault("portal_permissions", {})
        key = getattr(user, "id", None) or id(user)
        if key not in cache:
            cache[key] = frozenset(self.get_user_permissions(user))
        return cache[key]

    def auth_user_db(self, username: str, password: str) -> Any:
        """Sign in; refused while locked after repeated failures. Every attempt is audited."""
        attempts = current_app.config["PORTAL_LOCKOUT_ATTEMPTS"]
        minutes = current_app.config["PORTAL_LOCKOUT_MINUTES"]
        name = (username or "")[:128]
        if name and audit.failed_logins_since(self.session, name, minutes) >= attempts:
            audit.record(self.session, "login_locked", commit=True, detail=f"连续 {attempts} 次登录失败后的登录尝试",
                         username=name)
            flash(f"该账户连续 {attempts} 次登录失败，已暂时锁定，请 {minutes} 分钟后再试或联系管理员。", "danger")
            return None
        account = self.find_user(username=name) if name else None
        if account is not None and not account.is_active:
            audit.record(self.session, "login_failed", commit=True, detail="账户已停用", username=name)
            flash("该账户已停用，请联系管理员。", "danger")
            return None
        user = super().auth_user_db(username, password)
        if user is None:
            audit.record(self.session, "login_failed", commit=True, username=name)
        else:
            audit.record(self.session, "login", commit=True, username=user.username)
        return user
