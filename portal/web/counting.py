"""How many rows a list holds: counted exactly, or the planner's estimate where counting would be slow.

Counting a million members takes PostgreSQL longer than showing a page of them; a list page that would count
more than ``ESTIMATE_FROM`` rows shows the planner's estimate instead (``EXPLAIN``, under a millisecond), and
says so beside the number. Smaller lists, and SQLite (whose counts are quick at the sizes it is used for), are
counted exactly.
"""

from __future__ import annotations

import json
from typing import Any

from flask import g, has_request_context

#: Lists the planner expects to be at least this long show an estimate (said on the page) instead of a count.
ESTIMATE_FROM = 100_000


def planner_estimate(session: Any, statement: Any) -> int | None:
    """The PostgreSQL planner's row estimate for ``statement``; ``None`` on other databases."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    compiled = statement.compile(dialect=bind.dialect, compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled.string}",
                                                compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def list_count(session: Any, query: Any) -> int:
    """The rows of the list ``query`` (an ORM query), or the estimate of a long list (``count_is_estimate``)."""
    estimate = planner_estimate(session, query.statement)
    if estimate is not None and estimate >= ESTIMATE_FROM:
        if has_request_context():
            g.portal_count_estimated = True
        return estimate
    return int(query.count())


def count_is_estimate() -> bool:
    """Whether the list page's record count is the planner's estimate (the page says 约 and why)."""
    return bool(has_request_context() and g.get("portal_count_estimated"))
