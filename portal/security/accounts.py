"""User accounts: creation with a password policy, and the first admin."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.texts import gettext


class AccountError(ValueError):
    """An account could not be created; the message says what to fix (in the default language outside a request)."""


def password_problem(password: str) -> str | None:
    if len(password) < 10:
        return gettext("A password needs at least 10 characters")
    if re.fullmatch(r"\d+", password):
        return gettext("A password cannot be only digits; add letters or symbols")
    return None


def create_user(username: str, password: str, role_name: str, *, org_code: str | None = None,
                email: str | None = None) -> None:
    sm = current_app.extensions["appbuilder"].sm
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{2,64}", username):
        raise AccountError(gettext("A user name may contain only letters, digits and _ . @ -, 2–64 characters long"))
    if sm.find_user(username=username):
        raise AccountError(gettext("The user name %(name)s is taken", name=username))
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    role = sm.find_role(role_name)
    if role is None:
        names = gettext(", ").join(r.name for r in sm.get_all_roles())
        raise AccountError(gettext("There is no role named %(role)s; the roles are: %(roles)s", role=role_name,
                                   roles=names))
    org_id = None
    if org_code:
        state = current_app.extensions["portal"]
        model = state.models["org_units"]
        org_id = db.session.scalar(sa.select(model.id).where(model.code == org_code))
        if org_id is None:
            raise AccountError(gettext("No org unit has the code %(code)s; create the unit under “Org units” first",
                                       code=org_code))
    user = sm.add_user(username, username, "", email or f"{username}@portal.local", role, password)
    if not user:
        raise AccountError(gettext("The user could not be saved; check whether the user name or e-mail is taken"))
    if org_id is not None:
        user.org_unit_id = org_id
        db.session.commit()


def set_active(username: str, active: bool) -> None:
    """Deactivate (or reactivate) an account; a deactivated user's sessions stop working at once."""
    user = current_app.extensions["appbuilder"].sm.find_user(username=username)
    if user is None:
        raise AccountError(gettext("There is no user named %(name)s", name=username))
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
