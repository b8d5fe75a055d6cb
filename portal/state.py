"""What an app knows about its registers: the registry, the built models and the record services."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import get_locale

from portal.models import BuiltModels
from portal.records.service import RegisterService
from portal.extensions import db
from portal.registry.report_spec import ReportCatalogue
from portal.registry.spec import Registry
from portal.security.roles import RoleSpec


def current_locale() -> str:
    """The request's locale ("zh" by default); safe outside a request."""
    try:
        locale = get_locale()
    except (RuntimeError, KeyError):
        return "zh"
    return str(locale) if locale else "zh"


@dataclass
class PortalState:
    registry: Registry
    models: BuiltModels
    roles: dict[str, RoleSpec] = field(default_factory=dict)
    services: dict[str, RegisterService] = field(default_factory=dict)
    views: dict[str, Any] = field(default_factory=dict)
    reports: ReportCatalogue = field(default_factory=ReportCatalogue)
    #: ``permissions/roles.yaml`` and the identity it had when ``roles`` were read (``portal.security.live_roles``).
    roles_file: Path | None = None
    roles_signature: tuple[int, int, int] | None = None

    def service(self, slug: str) -> RegisterService:
        if slug not in self.services:
            spec = self.registry.get(slug)
            from portal.security.current import current_access

            self.services[slug] = RegisterService(spec, self.registry, self.models, lambda: db.session, current_locale,
                                                current_access)
        return self.services[slug]


def portal_state(app: Flask | None = None) -> PortalState:
    return (app or current_app).extensions["portal"]
