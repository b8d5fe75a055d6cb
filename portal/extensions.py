"""Extension objects shared by every app; each app binds them in ``create_app`` (which also gives the full
app its own Flask-Migrate, so that the apps of the other commands do not import Alembic)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.base import SQLA
from flask_wtf.csrf import CSRFProtect

db = SQLA()
csrf = CSRFProtect()
