"""What a workflow's transitions rest on, apart from pressing them (``portal.records.workflow``): the refusal,
the settings, the calendar day, and whether a user may press a transition on a record. The approvals and
the writing of a transition use these without the engine."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from portal.domain.china_time import china_date
from portal.registry.spec import RegisterSpec
from portal.registry.workflow_spec import Transition, Workflow
from portal.security import audit
from portal.security.access import Access, org_of


class TransitionRefused(Exception):
    """The transition cannot be done: ``status`` 404/403/409/422, a Chinese ``message`` and field ``errors``."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None) -> None:
        self.status = status
        self.message = message
        self.errors = errors or {}
        super().__init__(message)


def settings_of(workflow: Workflow, environ: Mapping[str, str] | None = None) -> dict[str, Decimal]:
    """The workflow's settings: the YAML defaults, overridden by ``PORTAL_SETTING_<NAME>`` variables."""
    environ = os.environ if environ is None else environ
    values: dict[str, Decimal] = {}
    for name, default in workflow.settings:
        raw = environ.get(f"PORTAL_SETTING_{name.upper()}")
        try:
            values[name] = Decimal(raw.strip()) if raw and raw.strip() else default
        except InvalidOperation:
            values[name] = default
    return values


def today() -> date:
    """The calendar day in China now (dates set by transitions)."""
    return china_date(audit.now_utc())


def on_side(access: Access, spec: RegisterSpec, transition: Transition, record: Any) -> bool:
    """The record lies on the user's side of the transition: the receiving unit for ``by: receiver``,
    the record's own unit otherwise (a receiving clerk sees a transfer but cannot cancel it)."""
    if access.org_ids is None or (spec.slug != "org_units" and not spec.org_field):
        return True
    if transition.by == "receiver":
        return access.receives(spec, record)
    if spec.slug == "org_units":
        return org_of(spec, record) in access.org_ids
    # the record's own unit, or the units a role reaches it through (``scope_by``: a motion's departments)
    return any(getattr(record, f"{name}_id", None) in access.org_ids for name in access.anchors(spec))


def permitted(access: Access, spec: RegisterSpec, transition: Transition) -> bool:
    """The user's verbs and roles allow pressing ``transition`` on ``spec`` (row scope is checked apart)."""
    if access.system:
        return True
    if not access.can(spec.slug, transition.verb):
        return False
    return not transition.roles or any(role.name in transition.roles for role in access.roles)
