"""Facts a workflow condition reads as ``fact.<name>``: values computed from other registers.

``unpaid_dues_months``: the member's run of consecutive unpaid, non-exempt months up to this month,
from the same arrears query as the dues screens (``dues_month.arrears_query``), so 自动退会 is offered
on exactly the evidence the arrears list shows. Read with system rights; no Flask request globals.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from portal.domain.dues_month import DEFAULT_POLICY
from portal.records.dues_month import DUES, MEMBERS, arrears_query, policy_from_config
from portal.security.access import SYSTEM_ACCESS


def unpaid_dues_months(service: Any, record: Any, month: str) -> int:
    """Consecutive unpaid months of member ``record`` up to ``month`` (``YYYY-MM``); 0 when none."""
    if service.spec.slug != MEMBERS or DUES not in service.registry:
        return 0
    policy = policy_from_config(current_app.config) if has_app_context() else DEFAULT_POLICY
    listed = arrears_query(service.registry.get(DUES), service.models, SYSTEM_ACCESS, month, policy).subquery()
    found = service.session.scalar(sa.select(listed.c.months).where(listed.c.member_id == record.id))
    return int(found or 0)


def fact_value(service: Any, record: Any, name: str, month: str) -> Any:
    """The value of ``fact.<name>`` for ``record``."""
    if name == "unpaid_dues_months":
        return unpaid_dues_months(service, record, month)
    raise KeyError(name)
