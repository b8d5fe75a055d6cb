"""The request's ``Access``: built once per request from the signed-in user's roles and org unit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_login import current_user

from portal.extensions import db
from portal.security.live_roles import refresh_roles
from portal.security.access import NO_ACCESS, SYSTEM_ACCESS, Access, build_access
from portal.texts import gettext


def access_for_user(user: Any) -> Access:
    """The rights of ``user`` (any account object with ``roles`` and ``org_unit_id``)."""
    state = current_app.extensions["portal"]
    refresh_roles(state)  # a background job or command follows the roles file too
    role_names = [role.name for role in current_app.extensions["appbuilder"].sm.get_user_roles(user)]
    return build_access(str(user.username), role_names, state.roles, getattr(user, "org_unit_id", None),
                        db.session, state.models["org_units"])


def request_user() -> Any | None:
    """The request's account: the browser session's, else the API token's (``Authorization: Bearer``).

    A token that is invalid, expired or from an ended session is answered with 401 by the token manager.
    """
    if getattr(current_user, "is_authenticated", False):
        return current_user
    verify_jwt_in_request(optional=True)
    return get_current_user()


def current_access() -> Access:
    """The request's user (none signed in: no rights); outside a request, system work."""
    if not has_request_context():
        return SYSTEM_ACCESS
    cached = g.get("portal_access")
    if cached is not None:
        return cached
    user = request_user()
    access = access_for_user(user) if user is not None and user.is_active else NO_ACCESS
    g.portal_access = access
    return access


class UnknownUser(LookupError):
    """``--user`` names no active account."""


def access_for_username(username: str) -> Access:
    """The rights of the named account (for commands run on someone's behalf, and background jobs)."""
    user = current_app.extensions["appbuilder"].sm.find_user(username=username)
    if user is None or not user.is_active:
        raise UnknownUser(gettext("No active account is named “%(name)s”; check the user name (a deactivated account"
                                  " cannot be used).", name=username))
    return access_for_user(user)


def role_holders(role_name: str) -> list[Any]:
    """The active accounts holding role ``role_name`` (directly or through a group), by username."""
    from flask_appbuilder.security.sqla.models import Role, assoc_group_role, assoc_user_group, assoc_user_role

    from portal.security.users import PortalUser

    role_ids = sa.select(Role.id).where(Role.name == role_name)
    direct = sa.select(assoc_user_role.c.user_id).where(assoc_user_role.c.role_id.in_(role_ids))
    grouped = (sa.select(assoc_user_group.c.user_id)
               .join(assoc_group_role, assoc_group_role.c.group_id == assoc_user_group.c.group_id)
               .where(assoc_group_role.c.role_id.in_(role_ids)))
    return list(db.session.scalars(sa.select(PortalUser).where(
        PortalUser.active.is_(True), PortalUser.id.in_(sa.union(direct, grouped))).order_by(PortalUser.username)))
