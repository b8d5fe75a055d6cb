"""Extension objects shared by every app; each app binds them in ``create_app``."""

from __future__ import annotations

from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = SQLA()
migrate = Migrate()
csrf = CSRFProtect()
