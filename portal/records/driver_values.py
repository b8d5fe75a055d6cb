"""Values as the database driver takes them: a column at a time, each distinct value converted once.

The bulk writes (``write``, ``write_stream``) hand the driver plain values, not ORM objects: a date becomes the
text SQLite keeps, an amount a float, a flag an integer, as the column types say (their bind processors).
"""

from __future__ import annotations

from datetime import date
from itertools import repeat
from operator import itemgetter
from typing import Any, Callable, Sequence

import sqlalchemy as sa

#: Column types whose equal values the driver takes alike (``Decimal("1.5")`` and ``Decimal("1.50")`` are one
#: float): each distinct value is converted once and looked up at C speed.
_BY_VALUE = (sa.Numeric, sa.Date, sa.Boolean, sa.Integer)


def driver_rows(table: sa.Table, dialect: sa.Dialect, rows: list[dict[str, Any]], constants: dict[str, Any],
                names: list[str]) -> list[tuple[Any, ...]]:
    """``rows`` (all with the same keys) and ``constants`` as the driver takes them: one tuple of the ``names``
    columns per row, converted by the column types a column at a time."""
    columns: dict[str, Any] = driver_columns(table, dialect, rows)
    for name, value in constants.items():
        columns[name] = repeat(driver_value(table, name, dialect, value), len(rows))
    return list(zip(*(columns[name] for name in names)))


def driver_columns(table: sa.Table, dialect: sa.Dialect, rows: list[dict[str, Any]]) -> dict[str, Sequence[Any]]:
    """The values of ``rows`` (all with the same keys) a column at a time, as the driver takes them."""
    keys = list(rows[0])
    picked = zip(*map(itemgetter(*keys), rows)) if len(keys) > 1 else iter([[row[keys[0]] for row in rows]])
    columns: dict[str, Sequence[Any]] = dict(zip(keys, picked))
    for name in keys:
        convert = _bind_processor(table, name, dialect)
        values = columns[name]
        if convert is not None and values.count(None) < len(values):  # a column nobody filled in stays as it is
            columns[name] = _converted(values, convert, table.c[name].type)
    return columns


def _bind_processor(table: sa.Table, name: str, dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    if convert is not None and isinstance(table.c[name].type, sa.Date) and convert(_SAMPLE_DATE) == "2001-02-03":
        return _iso_date(convert)  # SQLite keeps ISO dates: the C ``isoformat``, not a format string per value
    return convert


_SAMPLE_DATE = date(2001, 2, 3)


def _iso_date(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    isoformat = date.isoformat
    return lambda value: isoformat(value) if value.__class__ is date else convert(value)


def driver_value(table: sa.Table, name: str, dialect: sa.Dialect, value: Any) -> Any:
    """One value of column ``name`` as the driver takes it."""
    convert = _bind_processor(table, name, dialect)
    return value if value is None or convert is None else convert(value)


class _Conversions(dict[Any, Any]):
    """Value -> the driver's value, each converted when first looked up."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__({None: None})
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        converted = self[value] = self.convert(value)
        return converted


def _converted(column: Sequence[Any], convert: Callable[[Any], Any], column_type: Any) -> list[Any]:
    """``column``'s values as the driver takes them; a value repeated down the column is converted once."""
    if isinstance(column_type, _BY_VALUE):
        return list(map(_Conversions(convert).__getitem__, column))
    out: list[Any] = []
    last: Any = None
    converted: Any = None
    for value in column:
        if value is None:
            out.append(None)
            continue
        if value is not last:
            last, converted = value, convert(value)
        out.append(converted)
    return out
