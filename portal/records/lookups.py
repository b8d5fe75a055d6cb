"""Database look-ups for a whole file at once: links by natural key or title, existing records, and
values already taken in unique columns. Each runs a handful of chunked ``IN`` queries instead of one
query per row.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from portal.models import BuiltModels
from portal.registry.spec import FieldSpec, Registry
from portal.security.access import ORG_REGISTER, Access, row_condition

#: Values per ``IN (...)``: well under SQLite's limit of 32,766 bound parameters.
CHUNK = 900


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


@dataclass(frozen=True)
class LinkMatch:
    """What a link text found: exactly one id, none, or several."""

    ids: tuple[int, ...]

    @property
    def id(self) -> int | None:
        return self.ids[0] if len(self.ids) == 1 else None


#: How a link reads on screen and in an export: ``title (key)``; the key in brackets decides.
_TITLE_AND_KEY = re.compile(r"^(?P<title>.*?)\s*[(（](?P<key>[^()（）]+)[)）]$")  # i18n: data


def resolve_links(session: Session, registry: Registry, models: BuiltModels, field: FieldSpec,
                  texts: Iterable[str], access: Access) -> dict[str, LinkMatch]:
    """Each text -> the target rows (inside the user's scope) whose natural key, else title, equals it.

    ``title (key)``, as exports and drop-downs write a link, is found by the key in brackets.
    """
    target_spec = registry.get(field.target or "")
    model = models[target_spec.slug]
    scope = row_condition(target_spec, model, access)
    wanted = sorted(set(texts))
    bracketed = {text: match.group("key").strip() for text in wanted if (match := _TITLE_AND_KEY.match(text))}
    by_key = _matches(session, model, target_spec.key, sorted({*wanted, *bracketed.values()}), scope)
    rest = [text for text in wanted if text not in by_key and bracketed.get(text) not in by_key]
    by_title = _matches(session, model, target_spec.title, rest, scope) if target_spec.title != target_spec.key else {}
    return {text: LinkMatch(tuple(by_key.get(text) or by_key.get(bracketed.get(text, "")) or by_title.get(text)
                                  or ())) for text in wanted}


def among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter instead of thousands
    (psycopg spends longer rewriting a statement with thousands of placeholders than the server running it).

    On SQLite, texts and whole numbers go in as one JSON array (``IN (SELECT value FROM json_each(?))``):
    with a list of 900 placeholders SQLite plans by the table's statistics, and statistics taken while
    the table was small (a fresh site, before its first big import) make it scan the whole table once
    per chunk, a hundred times for a 100,000-row re-import; from a table-valued list it looks each one up.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    if dialect == "sqlite" and all(value.__class__ in _JSON_SAFE for value in values):
        listed = sa.func.json_each(sa.bindparam(None, json.dumps(list(values), ensure_ascii=False), type_=sa.Text))
        return column.in_(sa.select(sa.column("value")).select_from(listed))
    return column.in_(values)


#: Values that JSON carries to SQLite unchanged (a date or a decimal goes through its column's type instead).
_JSON_SAFE = frozenset({str, int})


def _matches(session: Session, model: Any, column_name: str, values: list[str], scope: Any) -> dict[str, list[int]]:
    column = getattr(model, column_name)
    found: dict[str, list[int]] = {}
    for part in chunks(values):
        query = sa.select(column, model.id).where(among(session, column, part))
        if scope is not None:
            query = query.where(scope)
        for value, record_id in session.execute(query):
            found.setdefault(str(value), []).append(record_id)
    return found


def existing_rows(session: Session, model: Any, key: str, keys: Sequence[Any],
                  columns: Sequence[str]) -> dict[Any, tuple[Any, ...]]:
    """Natural key -> the stored values of ``columns`` (in that order), for the keys in the file."""
    table = model.__table__
    key_column = table.c[key]
    selected = [table.c[name] for name in columns] + [key_column]
    found: dict[Any, tuple[Any, ...]] = {}
    for part in chunks(list(keys)):
        for row in typed_rows(session, sa.select(*selected).where(among(session, key_column, part))):
            found[row[-1]] = row
    return found


#: Values of a column looked at to tell whether they repeat (units, choices) or not (names, ID numbers).
_SAMPLE = 200


def typed_rows(session: Session, statement: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``statement`` as plain tuples, each column converted by its type once per distinct stored
    value: dates, amounts and units repeat down a roll, and a re-import reads a hundred thousand rows. A text
    column whose values repeat holds one object per distinct value (the database gives a new one per row)."""
    connection = session.connection()
    dialect = connection.dialect
    result = connection.execute(statement)
    try:
        stored: list[tuple[Any, ...]] = list(result.cursor.fetchall())
        description = result.cursor.description
    finally:
        result.close()
    converters = {index: convert for index, column in enumerate(statement.selected_columns)
                  if (convert := column.type.dialect_impl(dialect).result_processor(dialect, description[index][1]))}
    if not stored:
        return stored
    columns: list[Sequence[Any]] = list(zip(*stored))
    for index, values in enumerate(columns):
        if values.count(None) == len(values):
            continue  # a column nobody filled in
        convert = converters.get(index)
        if convert is not None:
            converted = {value: convert(value) for value in set(values) if value is not None}
            converted[None] = None
            columns[index] = list(map(converted.__getitem__, values))
        elif len(values) > _SAMPLE and len(set(values[:_SAMPLE])) < _SAMPLE // 2:  # repeating texts: one of each
            shared: dict[Any, Any] = {}
            columns[index] = list(map(shared.setdefault, values, values))
    return list(zip(*columns))


def rows_by_id(session: Session, model: Any, ids: Sequence[int], columns: Sequence[str]) -> dict[int, tuple[Any, ...]]:
    """Id -> the stored values of ``columns`` (which start with ``id``), for the records a screen or the API edits."""
    table = model.__table__
    found: dict[int, tuple[Any, ...]] = {}
    for part in chunks(list(ids)):
        for row in session.execute(sa.select(*(table.c[name] for name in columns)).where(
                among(session, table.c.id, part))):
            found[row[0]] = tuple(row)
    return found


def taken_values(session: Session, model: Any, column_name: str, values: Sequence[Any]) -> dict[Any, int]:
    """Value -> id of the record already holding it in a unique column."""
    column = model.__table__.c[column_name]
    taken: dict[Any, int] = {}
    for part in chunks(list(values)):
        for value, record_id in session.execute(sa.select(column, model.__table__.c.id).where(
                among(session, column, part))):
            taken[value] = record_id
    return taken


def org_parents(session: Session, model: Any, tree_column: str) -> dict[int, int | None]:
    """Every org unit's parent id (the org table is small): for cycle checks."""
    return dict(session.execute(sa.select(model.id, getattr(model, tree_column))).all())


def linked_units(session: Session, registry: Registry, models: BuiltModels, slug: str,
                 ids: Iterable[int]) -> dict[int, int | None]:
    """Record id -> its org unit, for the given records of ``slug`` (the link rules of a whole file)."""
    spec = registry.get(slug)
    model = models[slug]
    if spec.slug == ORG_REGISTER:
        return {record_id: record_id for record_id in ids}
    column = getattr(model, f"{spec.org_field}_id") if spec.org_field else sa.null()
    found: dict[int, int | None] = {}
    for part in chunks(sorted(set(ids))):
        found.update(session.execute(sa.select(model.id, column).where(model.id.in_(part))).tuples().all())
    return found
