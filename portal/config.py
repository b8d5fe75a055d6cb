"""Configuration: defaults, then the environment (``PORTAL_*``), then an explicit mapping."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from flask_babel import lazy_gettext

from portal.site import SITE_VARIABLE, SitePaths, site_paths

#: What one import may read: data rows, cells of a sheet's used range (rows x columns, from A1 to the
#: last cell with a value) and megabytes once an .xlsx is unzipped. Read by ``portal.io.sheet_limits``.
#: PORTAL_IMPORT_READER_MB caps the address space of the process that reads an .xlsx/.xls
#: (``portal.io.isolated_read``): measured peaks of 190 MB for a 100,000-row member roll (15 columns) and
#: 610 MB for a 5,000,000-cell sheet (200,000 x 25, short texts and numbers); longer texts need more.
IMPORT_LIMITS = {
    "PORTAL_IMPORT_MAX_ROWS": 200_000,
    "PORTAL_IMPORT_MAX_CELLS": 5_000_000,
    "PORTAL_IMPORT_MAX_UNZIPPED_MB": 320,
    "PORTAL_IMPORT_READER_MB": 2048,
}

#: Environment variables read at start-up, and the config key each one sets.
ENVIRONMENT = {
    "PORTAL_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "PORTAL_SCHEMAS_DIR": "PORTAL_SCHEMAS_DIR",
    "PORTAL_MIGRATIONS_DIR": "PORTAL_MIGRATIONS_DIR",
    "PORTAL_SECRET_KEY": "SECRET_KEY",
    "PORTAL_INSTANCE_DIR": "PORTAL_INSTANCE_DIR",
    "PORTAL_REDIS_URL": "PORTAL_REDIS_URL",
    "PORTAL_LOGIN_RATE_LIMIT": "PORTAL_LOGIN_RATE_LIMIT",
    "PORTAL_ROLES_FILE": "PORTAL_ROLES_FILE",
    "PORTAL_LOCKOUT_ATTEMPTS": "PORTAL_LOCKOUT_ATTEMPTS",
    "PORTAL_LOCKOUT_MINUTES": "PORTAL_LOCKOUT_MINUTES",
    "PORTAL_UPLOAD_MAX_MB": "PORTAL_UPLOAD_MAX_MB",
    "PORTAL_ATTACHMENT_MAX_MB": "PORTAL_ATTACHMENT_MAX_MB",
    "PORTAL_JSON_MAX_KB": "PORTAL_JSON_MAX_KB",
    "PORTAL_IMPORT_MAX_ROWS": "PORTAL_IMPORT_MAX_ROWS",
    "PORTAL_IMPORT_MAX_CELLS": "PORTAL_IMPORT_MAX_CELLS",
    "PORTAL_IMPORT_MAX_UNZIPPED_MB": "PORTAL_IMPORT_MAX_UNZIPPED_MB",
    "PORTAL_IMPORT_READER_MB": "PORTAL_IMPORT_READER_MB",
    "PORTAL_JOB_RETENTION_DAYS": "PORTAL_JOB_RETENTION_DAYS",
    "PORTAL_EXPORT_BACKGROUND_ROWS": "PORTAL_EXPORT_BACKGROUND_ROWS",
    "PORTAL_HTTPS": "PORTAL_HTTPS",
    **{name: name for name in ("PORTAL_DUES_OWING_STATUSES", "PORTAL_DUES_ON_HOLD_STATUSES",
                               "PORTAL_DUES_ON_HOLD_EMPLOYMENT", "PORTAL_DUES_LAST_WAGE_FALLBACK",
                               "PORTAL_DUES_LAPSE_MONTHS")},
}

#: Values of a yes/no environment variable that mean yes.
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def instance_dir(overrides: Mapping[str, Any] | None = None, paths: SitePaths | None = None) -> Path:
    """``PORTAL_INSTANCE_DIR`` when set, else the site's ``instance/``."""
    configured = (overrides or {}).get("PORTAL_INSTANCE_DIR") or os.environ.get("PORTAL_INSTANCE_DIR")
    return Path(configured) if configured else (paths or site_paths(overrides)).instance


def _secret_key(folder: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts and workers agree."""
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _password_policy(password: str) -> None:
    """FAB's hook for the user screens and password resets; the same rule as ``portal user create``."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    from portal.security.accounts import password_problem

    problem = password_problem(password or "")
    if problem:
        raise PasswordComplexityValidationError(problem)


def build_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The settings: the site's paths (``portal.site``), then the environment, then ``overrides``.

    Raises ``portal.site.SiteError`` when the chosen site directory is not a site."""
    paths = site_paths(overrides)
    folder = instance_dir(overrides, paths)
    config: dict[str, Any] = {
        "APP_NAME": lazy_gettext("Union Management Platform"),  # the brand, in the request's language
        "APP_ICON": "",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'portal.db'}",
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        SITE_VARIABLE: str(paths.root),
        "PORTAL_SCHEMAS_DIR": str(paths.schemas),
        "PORTAL_INSTANCE_DIR": str(folder),
        "PORTAL_MIGRATIONS_DIR": str(paths.migrations),
        "PORTAL_LOGIN_RATE_LIMIT": "10 per minute",
        "PORTAL_ROLES_FILE": str(paths.roles),
        # Failed logins within the window that lock an account until the window has passed.
        "PORTAL_LOCKOUT_ATTEMPTS": 5,
        "PORTAL_LOCKOUT_MINUTES": 15,
        "AUTH_TYPE": 1,  # database accounts
        "AUTH_ROLE_ADMIN": "admin",
        "AUTH_ROLE_PUBLIC": "public",
        "FAB_ADD_SECURITY_API": False,
        "FAB_API_SWAGGER_UI": True,
        "FAB_API_MAX_PAGE_SIZE": 500,
        "FAB_UPDATE_PERMS": True,
        "FAB_PASSWORD_COMPLEXITY_ENABLED": True,
        "FAB_PASSWORD_COMPLEXITY_VALIDATOR": _password_policy,
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh": {"flag": "cn", "name": "简体中文"}, "en": {"flag": "gb", "name": "English"}},  # i18n: data
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # With PORTAL_REDIS_URL the sign-in counts live in Redis, shared by every worker; while Redis is down
        # each worker counts alone instead of failing the sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "AUTH_RATE_LIMITED": True,
        # Uploads (imports): the largest file accepted, in MB, and what one file may hold (IMPORT_LIMITS).
        "PORTAL_UPLOAD_MAX_MB": 50,
        # Photos and files of a delegate inspection: the largest one accepted, in MB.
        "PORTAL_ATTACHMENT_MAX_MB": 10,
        **IMPORT_LIMITS,
        # Uploads, error files and background exports (personal data) are deleted after this many days.
        "PORTAL_JOB_RETENTION_DAYS": 7,
        # JSON request bodies (REST API): the largest accepted, in KB; larger ones get a 413 saying so.
        "PORTAL_JSON_MAX_KB": 1024,
        # Exports above this many rows run in the background with a progress bar.
        "PORTAL_EXPORT_BACKGROUND_ROWS": 20_000,
        # Served over HTTPS (directly or behind a TLS proxy): cookies are sent only over HTTPS.
        "PORTAL_HTTPS": False,
        # Monthly dues (portal.domain.dues_month.DuesPolicy, DOMAIN.md §1): statuses that pay, statuses and
        # employment on hold (an exempt row), paying on last month's wage when none is reported (D8), and the
        # consecutive unpaid months that prompt a counselling step (D7). The statuses are stored values.
        "PORTAL_DUES_OWING_STATUSES": "在籍,转出中",  # i18n: data
        "PORTAL_DUES_ON_HOLD_STATUSES": "保留会籍",  # i18n: data
        "PORTAL_DUES_ON_HOLD_EMPLOYMENT": "退休,失(无)业",  # i18n: data
        "PORTAL_DUES_LAST_WAGE_FALLBACK": False,
        "PORTAL_DUES_LAPSE_MONTHS": 6,
    }
    for variable, key in ENVIRONMENT.items():
        if os.environ.get(variable):
            config[key] = os.environ[variable]
    config.update(overrides or {})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key(Path(config["PORTAL_INSTANCE_DIR"]))
    if config.get("PORTAL_REDIS_URL") and config["RATELIMIT_STORAGE_URI"] == "memory://":
        config["RATELIMIT_STORAGE_URI"] = config["PORTAL_REDIS_URL"]
    config["AUTH_RATE_LIMIT"] = config["PORTAL_LOGIN_RATE_LIMIT"]
    for key in ("PORTAL_LOCKOUT_ATTEMPTS", "PORTAL_LOCKOUT_MINUTES", "PORTAL_UPLOAD_MAX_MB", "PORTAL_ATTACHMENT_MAX_MB",
                *IMPORT_LIMITS,
                "PORTAL_EXPORT_BACKGROUND_ROWS", "PORTAL_JOB_RETENTION_DAYS", "PORTAL_JSON_MAX_KB",
                "PORTAL_DUES_LAPSE_MONTHS"):
        config[key] = int(config[key])
    for key in ("PORTAL_HTTPS", "PORTAL_DUES_LAST_WAGE_FALLBACK"):
        config[key] = str(config[key]).strip().lower() in TRUE_WORDS
    if config["PORTAL_HTTPS"]:
        config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
    config["MAX_CONTENT_LENGTH"] = (config["PORTAL_UPLOAD_MAX_MB"] + 1) * 1024 * 1024
    return config
