"""工会管理平台: a union admin portal generated from YAML register schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from jinja2 import FileSystemBytecodeCache

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None, *, views: bool = True) -> Flask:
    """The only place an app is made: load and check the schemas, build models, views and APIs.

    ``views=False`` makes the app of the terminal commands that only read and write records: the same
    models, database, security manager, workflow hooks and audit trail, without the pages, APIs, menus,
    request handling and migrations (it serves no requests; ``portal db`` needs the full app).

    Raises ``portal.registry.problems.SchemaError`` (listing every problem) when a schema is wrong,
    and ``portal.security.roles.RolesError`` when ``permissions/roles.yaml`` is.
    """
    from flask_appbuilder import AppBuilder

    from portal.models import build_models
    from portal.config import build_config
    from portal.extensions import db
    from portal.i18n import TRANSLATIONS_DIR, compile_catalogues
    from portal.congress import models as congress_models  # noqa: F401  (the congress's tables, on FAB's metadata)
    from portal.io import job_table  # noqa: F401  (background jobs live on FAB's metadata)
    from portal.records import batches  # noqa: F401  (import batches live on FAB's metadata)
    from portal.registry.loader import load_registry
    from portal.registry.reports import load_reports
    from portal.security import audit
    from portal.security.live_roles import refresh_roles, signature
    from portal.security.roles import read_roles
    from portal.security.manager import PortalSecurityManager
    from portal.state import PortalState
    from portal.views import PortalIndexView

    settings = build_config(config)
    registry = load_registry(Path(settings["PORTAL_SCHEMAS_DIR"]))
    reports = load_reports(Path(settings["PORTAL_SCHEMAS_DIR"]), registry)
    roles = read_roles(Path(settings["PORTAL_ROLES_FILE"]), registry, reports.names)
    app = Flask(__name__, instance_path=settings["PORTAL_INSTANCE_DIR"])
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    catalogues = Path(app.instance_path) / "translations"
    compile_catalogues(TRANSLATIONS_DIR, catalogues)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(catalogues)
    app.config.setdefault("FAB_BASE_TEMPLATE", "portal/base.html")
    app.config["FAB_CREATE_DB"] = False
    app.config["FAB_UPDATE_PERMS"] = False

    roles_file = Path(settings["PORTAL_ROLES_FILE"])
    state = PortalState(registry=registry, models=build_models(registry), roles=roles, reports=reports,
                        roles_file=roles_file, roles_signature=signature(roles_file))
    app.extensions["portal"] = state

    @app.before_request
    def follow_roles_file() -> None:
        refresh_roles(state)

    db.init_app(app)
    if views:
        _migrations(app)
    _sqlite_foreign_keys(app)
    with app.app_context():
        appbuilder = AppBuilder(indexview=PortalIndexView, security_manager_class=PortalSecurityManager,
                                update_perms=False)
        appbuilder.init_app(app, db.session)
        if views:
            from portal.wiring import register_all

            register_all(app, appbuilder, state)
        else:
            from portal.motions.hooks import install as install_motion_hooks

            install_motion_hooks()  # what register_all installs that a write needs: the motions' workflow rules
        audit.install(db.session, appbuilder.sm.user_model, appbuilder.sm.role_model)
    if views:
        _serve_pages(app, appbuilder)
    return app


def _migrations(app: Flask) -> None:
    """Flask-Migrate (``portal db``) on the app; Alembic is imported only here."""
    from flask_migrate import Migrate

    from portal.extensions import db

    Migrate(app, db, directory=app.config["PORTAL_MIGRATIONS_DIR"], render_as_batch=True, compare_type=True)


def _serve_pages(app: Flask, appbuilder: Any) -> None:
    """What only requests use: CSRF, headers, error pages, request limits, the templates' cache and globals."""
    from portal import csrf, headers, request_limits
    from portal.errors import register_error_handlers
    from portal.state import current_locale

    csrf.install(app, appbuilder)  # after FAB's own request hooks, which the error pages need
    headers.install(app)
    register_error_handlers(app)
    request_limits.install(app)
    # compiled templates kept in the instance folder: a new worker loads them instead of compiling
    # (Jinja checks each template's source checksum, so an edited template is compiled again)
    compiled = Path(app.instance_path) / "jinja-cache"
    compiled.mkdir(exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(compiled))
    from portal.congress.paper_state import INVALID
    from portal.js_text import js_texts_json
    from portal.web.counting import count_is_estimate

    app.jinja_env.globals["congress_invalid_vote"] = INVALID
    app.jinja_env.globals["portal_locale"] = current_locale
    app.jinja_env.globals["portal_js_texts_json"] = js_texts_json
    app.jinja_env.globals["portal_count_is_estimate"] = count_is_estimate
    app.jinja_env.filters["label"] = lambda label: label.get(current_locale()) if hasattr(label, "get") else label
    from portal.web.dues_views import this_month
    from portal.web.views import local_time

    app.jinja_env.globals["portal_this_month"] = this_month

    app.jinja_env.filters["portal_time"] = local_time
    app.jinja_env.filters["thousands"] = lambda number: f"{number:,}" if isinstance(number, int) else number


def _sqlite_foreign_keys(app: Flask) -> None:
    """SQLite enforces foreign keys only when asked, per connection."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from portal.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine

    @event.listens_for(engine, "connect")
    def _enable(connection: Any, record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
