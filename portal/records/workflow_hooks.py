"""Per-register additions to the workflow engine, registered by the modules that own a register.

A *guard* may refuse a transition on one record for a reason the YAML cannot say (only the proposer
rates a motion's reply; a step switched off by a setting): it returns a Chinese message, the engine
refuses with status 403 and does not offer the button. An *after* hook runs once the records are
written, in the same transaction (the in-portal messages of the motions). Nothing here reads a request.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from portal.registry.workflow import Transition

#: (service, transition, record) -> why the user may not press it on this record, or ``None``.
Guard = Callable[[Any, Transition, Any], "str | None"]
#: (service, transition, [(record id, state it left)], reason) -> None.
After = Callable[[Any, Transition, Sequence[tuple[int, str]], str], None]
#: (access, models, model, transition) -> the rows a guard lets this user press ``transition`` on, as a SQL
#: condition (``None``: every row); what the 待办 list uses instead of asking the guard row by row.
RowFilter = Callable[[Any, Any, Any, Transition], Any]

_guards: dict[str, list[Guard]] = {}
_after: dict[str, list[After]] = {}
_row_filters: dict[str, list[RowFilter]] = {}


def add_guard(slug: str, guard: Guard) -> None:
    """Check every transition of register ``slug`` with ``guard`` (once per function)."""
    if guard not in _guards.setdefault(slug, []):
        _guards[slug].append(guard)


def add_row_filter(slug: str, row_filter: RowFilter) -> None:
    """Say in SQL which rows a guard of register ``slug`` leaves to the user (once per function)."""
    if row_filter not in _row_filters.setdefault(slug, []):
        _row_filters[slug].append(row_filter)


def rows_allowed(access: Any, models: Any, model: Any, slug: str, transition: Transition) -> list[Any]:
    """The SQL conditions the row filters of register ``slug`` put on ``transition`` for this user."""
    if access.system:
        return []
    found = (row_filter(access, models, model, transition) for row_filter in _row_filters.get(slug, ()))
    return [condition for condition in found if condition is not None]


def add_after(slug: str, hook: After) -> None:
    """Call ``hook`` after transitions of register ``slug`` are written (once per function)."""
    if hook not in _after.setdefault(slug, []):
        _after[slug].append(hook)


def refusal(service: Any, transition: Transition, record: Any) -> str | None:
    """The first guard's refusal of ``transition`` on ``record``; system rights pass every guard."""
    if service.access().system:
        return None
    for guard in _guards.get(service.spec.slug, ()):
        message = guard(service, transition, record)
        if message:
            return message
    return None


def after(service: Any, transition: Transition, done: Sequence[tuple[int, str]], reason: str) -> None:
    """Run the after hooks of the service's register for the records written."""
    if done:
        for hook in _after.get(service.spec.slug, ()):
            hook(service, transition, done, reason)
