"""Unique fields in an import: a value may appear once in a file, and not where another record holds it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from portal.records.plan_types import ParsedRow
from portal.texts import gettext

if TYPE_CHECKING:
    from portal.records.plan import Planner


def in_file_duplicates(planner: Planner, rows: list[ParsedRow]) -> None:
    for spec_field in planner.spec.fields:
        if not (spec_field.unique or spec_field.name == planner.spec.key) or spec_field.name not in planner.columns:
            continue
        first: dict[Any, int] = {}
        for row in rows:
            value = row.values.get(spec_field.name)
            if value is None:
                continue
            if value in first:
                planner.error(row.row, spec_field, gettext(
                    "%(field)s “%(value)s” repeats row %(row)s: it may appear only once in a file",
                    field=planner.label(spec_field), value=value, row=first[value]))
            else:
                first[value] = row.row


def maybe_taken(planner: Planner, rows: Sequence[ParsedRow], existing: dict[Any, tuple[Any, ...]], name: str) -> list[Any]:
    """The values of the unique field ``name`` in ``rows`` that another record may hold: not those the row's
    own stored record holds already (its unique index lets no other record hold them), most of a re-import."""
    at, key = planner._position.get(name), planner.spec.key
    if at is None or not existing:
        return [row.values[name] for row in rows if row.values.get(name) is not None]
    wanted = []
    for row in rows:
        value = row.values.get(name)
        if value is not None:
            current = existing.get(row.values.get(key))
            if current is None or current[at] != value:
                wanted.append(value)
    return wanted


def unique_problem(planner: Planner, row: ParsedRow, taken: dict[str, dict[Any, int]], record_id: int | None) -> None:
    for name, values in taken.items():
        value = row.values.get(name)
        holder = values.get(value) if value is not None else None
        if holder is not None and holder != record_id:
            spec_field = planner.spec.field(name)
            planner.error(row.row, spec_field, planner.message(spec_field, "not_unique", value=value))
