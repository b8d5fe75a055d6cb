"""Write the built views' permissions into Flask-AppBuilder's tables (roles and permissions)."""

from __future__ import annotations

from flask import Flask


def sync_permissions(app: Flask) -> None:
    """Create the Admin and Public roles if missing and register every view's permissions.

    Run after ``portal db upgrade`` and before the server starts, never per worker at import time
    (several workers writing the same rows at once would collide).
    """
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_role(sm.auth_role_admin)
        sm.add_role(sm.auth_role_public)
        app.appbuilder.add_permissions(update_perms=True)
