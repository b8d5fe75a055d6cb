"""User accounts: creation with a password policy, and the first admin."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db


class AccountError(ValueError):
    """An account could not be created; the message is Chinese and says what to fix."""


def password_problem(password: str) -> str | None:
    if len(password) < 10:
        return "密码至少需要 10 个字符"
    if re.fullmatch(r"\d+", password):
        return "密码不能全是数字，请加入字母或符号"
    return None


def create_user(username: str, password: str, role_name: str, *, org_code: str | None = None,
                email: str | None = None) -> None:
    sm = current_app.extensions["appbuilder"].sm
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{2,64}", username):
        raise AccountError("用户名只能包含英文字母、数字和 _ . @ -，长度 2–64")
    if sm.find_user(username=username):
        raise AccountError(f"用户名 {username} 已存在")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    role = sm.find_role(role_name)
    if role is None:
        names = "、".join(r.name for r in sm.get_all_roles())
        raise AccountError(f"没有名为 {role_name} 的角色，可用角色：{names}")
    org_id = None
    if org_code:
        state = current_app.extensions["portal"]
        model = state.models["org_units"]
        org_id = db.session.scalar(sa.select(model.id).where(model.code == org_code))
        if org_id is None:
            raise AccountError(f"找不到组织编码 {org_code}，请先在“组织”中建立该单位")
    user = sm.add_user(username, username, "", email or f"{username}@portal.local", role, password)
    if not user:
        raise AccountError("保存用户时出错，请检查用户名和邮箱是否重复")
    if org_id is not None:
        user.org_unit_id = org_id
        db.session.commit()


def set_active(username: str, active: bool) -> None:
    """Deactivate (or reactivate) an account; a deactivated user's sessions stop working at once."""
    user = current_app.extensions["appbuilder"].sm.find_user(username=username)
    if user is None:
        raise AccountError(f"没有用户名为 {username} 的用户")
    user.active = active
    db.session.commit()


def ensure_admin(username: str, password_file: Path, make_password: Callable[[], str]) -> str:
    """Create the admin account once; return its password (kept in the instance folder)."""
    sm = current_app.extensions["appbuilder"].sm
    if password_file.exists() and sm.find_user(username=username):
        return password_file.read_text(encoding="utf-8").strip()
    password = make_password()
    user = sm.find_user(username=username)
    if user is None:
        create_user(username, password, sm.auth_role_admin, email="admin@portal.local")
    else:
        sm.reset_password(user.id, password)
    password_file.write_text(password, encoding="utf-8")
    password_file.chmod(0o600)
    return password
