"""Unique fields in an import: a value may appear once in a file, and not where another record holds it."""

from __future__ import annotations

from typing import Any, Sequence

from portal.records.plan_types import ParsedRow, RowChecks
from portal.texts import gettext


def in_file_duplicates(planner: RowChecks, rows: list[ParsedRow]) -> None:
    """A key or unique value given again further down the file: an error on the later row, naming the first."""
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


def maybe_taken(rows: Sequence[ParsedRow], existing: dict[Any, tuple[Any, ...]], key: str, name: str,
                at: int | None) -> list[Any]:
    """The values of the unique field ``name`` in ``rows`` that another record may hold: not those the row's
    own stored record (``existing`` by ``key``, ``name`` at place ``at``) holds already (its unique index lets no
    other record hold them), most of a re-import."""
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


def unique_problem(planner: RowChecks, row: ParsedRow, taken: dict[str, dict[Any, int]], record_id: int | None) -> None:
    """An error for each unique value of ``row`` that a record other than ``record_id`` holds (``taken``)."""
    for name, values in taken.items():
        value = row.values.get(name)
        holder = values.get(value) if value is not None else None
        if holder is not None and holder != record_id:
            spec_field = planner.spec.field(name)
            planner.error(row.row, spec_field, planner.message(spec_field, "not_unique", value=value))
