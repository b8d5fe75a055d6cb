"""Delegates imported from a spreadsheet (代表名单导入): read the file, check every row, write nothing.

The file is read by the register import's reader (``portal.io.readers``: .xlsx, .xls or .csv told by
its first bytes, within its sheet limits). The header row is the row among the first few that names
the most columns, as in the register import, so a title above it does no harm. Each row names a
member of the members register by 身份证号, or by 姓名 and 所属工会, or by ``姓名 (身份证号)``, with the
rules of the register's links (``portal.records.lookups.resolve_links``: natural key, title,
``title (key)``), inside the user's scope: a member the user may not see is not found.

``plan`` returns the rows to seat and every problem with its row, column and fix; the screens seat
the rows (``service.import_delegates``, one transaction) only when there is no problem at all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress.models import ROLES, VOTING_ROLE, Delegate
from portal.domain.messages import DomainValidationError
from portal.io.columns import header_names, normalize_header
from portal.io.readers import FileUnreadable, Workbook, column_letter, read_workbook
from portal.io.sheet_limits import ReadLimits
from portal.models import BuiltModels
from portal.records.lookups import chunks, resolve_links
from portal.registry.parsers import is_blank, parse_id_card
from portal.registry.spec import Registry
from portal.security.access import Access, row_condition
from portal.texts import gettext

#: Rows of one file at most (a congress seats hundreds, not tens of thousands).
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 20
TEXT_LIMIT = 100
#: Column -> (the template's header, extra spellings a clerk's own sheet may use): Chinese headers matched on import.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "id_card": ("身份证号", ()),  # i18n: data
    "name": ("姓名", ("代表姓名",)),  # i18n: data
    "org_unit": ("所属工会", ()),  # i18n: data
    "delegation": ("代表团", ("所属代表团", "代表团名称", "代表组", "所在代表团")),  # i18n: data
    "constituency": ("选区", ("选举单位", "所在选区", "选区名称", "选举单位（选区）")),  # i18n: data
    "role": ("身份", ("代表身份", "代表类别", "类别", "代表类型")),  # i18n: data
}
TEMPLATE_HEADERS = [label for label, _ in COLUMNS.values()]
#: How a roster often writes a role: the longer form reads as the role.
ROLE_SPELLINGS = {"正式代表": "代表", "职工代表": "代表", "特邀代表": "特邀", "列席代表": "列席"}  # i18n: data


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell (or the whole row: ``column`` empty), and how to put it right."""

    row: int
    column: str
    message: str

    def text(self) -> str:
        if self.column:
            return gettext("Row %(row)s %(column)s: %(message)s", row=self.row, column=self.column,
                           message=self.message)
        return gettext("Row %(row)s: %(message)s", row=self.row, message=self.message)


@dataclass(frozen=True)
class PlannedDelegate:
    row: int
    member_id: int
    name: str
    org_name: str
    role: str
    delegation: str
    constituency: str


@dataclass
class ImportPlan:
    rows: list[PlannedDelegate] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    #: Headers that name no column of the import (their cells are not read).
    ignored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems


class FileProblem(Exception):
    """The file as a whole cannot be imported (unreadable, no header, no data); ``message`` says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Row:
    number: int
    id_card: str | None = None
    name: str = ""
    org: str = ""
    role: str = VOTING_ROLE
    delegation: str = ""
    constituency: str = ""
    member_id: int | None = None
    #: A problem already reported makes the member unknowable (a wrong ID number).
    unusable: bool = False


@dataclass(frozen=True)
class _Context:
    session: Session
    registry: Registry
    models: BuiltModels
    access: Access


def read(path: Path, filename: str, limits: ReadLimits) -> Workbook:
    """The uploaded file's first sheet with data, as the register import reads it."""
    try:
        return read_workbook(path, filename, max_rows=min(limits.rows, MAX_ROWS + HEADER_SEARCH_ROWS),
                             max_cells=limits.cells, max_unzipped_mb=limits.unzipped_mb,
                             max_reader_mb=limits.reader_mb)
    except FileUnreadable as error:
        raise FileProblem(gettext("%(text)s.", text=error.message)) from None


def _spellings(registry: Registry) -> dict[str, str]:
    """Normalised header spelling -> column; the members register's own names of 身份证号, 姓名, 所属工会 count."""
    members = registry.get("members")
    table: dict[str, str] = {}
    for column, (label, extra) in COLUMNS.items():
        names = {normalize_header(name) for name in (label, *extra)}
        if column in ("id_card", "name", "org_unit"):
            names |= header_names(members, members.field(column))
        for name in names:
            table.setdefault(name, column)
    return table


def _header(rows: Sequence[Sequence[Any]], registry: Registry) -> tuple[int, dict[str, int], list[str]]:
    """The header row's index, column -> cell index, and the headers that name nothing."""
    table = _spellings(registry)
    scores = [sum(1 for cell in row if isinstance(cell, str) and normalize_header(cell) in table)
              for row in rows[:HEADER_SEARCH_ROWS]]
    best = max(scores, default=0)
    found: dict[str, int] = {}
    ignored: list[str] = []
    if best:
        at = scores.index(best)
        for index, cell in enumerate(rows[at]):
            if cell is None or not str(cell).strip():
                continue
            column = table.get(normalize_header(cell))
            if column is None:
                ignored.append(str(cell).strip())
            elif column in found:
                raise FileProblem(gettext("Row %(row)s of the header has two columns that are both “%(label)s” "
                                          "(columns %(first)s and %(second)s); delete one of them and upload "
                                          "again.", row=at + 1, label=COLUMNS[column][0],
                                          first=column_letter(found[column]), second=column_letter(index)))
            else:
                found[column] = index
    if not best or ("id_card" not in found and "name" not in found):
        raise FileProblem(gettext("No header row found: none of the first %(rows)s rows has a “身份证号” or “姓名” "
                                  "column. Add a row of column names above the data (%(headers)s), or download "
                                  "the delegate list template and fill it in.", rows=HEADER_SEARCH_ROWS,
                                  headers=gettext(", ").join(TEMPLATE_HEADERS)))
    return scores.index(best), found, ignored


def _cell(row: Sequence[Any], columns: dict[str, int], column: str) -> Any:
    index = columns.get(column)
    return None if index is None or index >= len(row) else row[index]


def _text(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _where(columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    label = COLUMNS[column][0]
    return (gettext("column %(letter)s (%(label)s)", letter=column_letter(index), label=label) if index is not None
            else gettext("“%(label)s”", label=label))


def _parse_rows(workbook: Workbook, registry: Registry, plan: ImportPlan) -> tuple[list[_Row], dict[str, int]]:
    header_at, columns, plan.ignored = _header(workbook.rows, registry)
    id_spec = registry.get("members").field("id_card")
    parsed: list[_Row] = []
    for offset, cells in enumerate(workbook.rows[header_at + 1:], header_at + 2):
        if all(is_blank(_cell(cells, columns, column)) for column in columns):
            continue  # blank, or only cells of columns not read (a 序号 numbered ahead)
        row = _Row(offset)
        raw_id = _cell(cells, columns, "id_card")
        if not is_blank(raw_id):
            try:
                row.id_card = parse_id_card(raw_id, id_spec)
            except DomainValidationError as error:
                plan.problems.append(RowProblem(offset, _where(columns, "id_card"), str(error)))
                row.unusable = True
        row.name = _text(_cell(cells, columns, "name"))
        row.org = _text(_cell(cells, columns, "org_unit"))
        if not row.unusable and row.id_card is None and not row.name:
            row.unusable = True
            plan.problems.append(RowProblem(offset, "", gettext(
                "Neither an ID number nor a name is filled in, so the member cannot be identified; fill in the ID "
                "number, or the name and the union.")))
        role = _text(_cell(cells, columns, "role"))
        role = ROLE_SPELLINGS.get(role, role)
        if role and role not in ROLES:
            plan.problems.append(RowProblem(offset, _where(columns, "role"), gettext(
                "Role “%(role)s” is not recognised; fill in one of %(choices)s (blank means %(default)s).",
                role=role[:20], choices=gettext(", ").join(ROLES), default=VOTING_ROLE)))
        row.role = role or VOTING_ROLE
        for column in ("delegation", "constituency"):
            value = _text(_cell(cells, columns, column))
            if len(value) > TEXT_LIMIT:
                plan.problems.append(RowProblem(offset, _where(columns, column), gettext(
                    "%(length)s characters, over %(limit)s; shorten it.", length=len(value), limit=TEXT_LIMIT)))
            setattr(row, column, value[:TEXT_LIMIT])
        parsed.append(row)
    if len(parsed) > MAX_ROWS:
        raise FileProblem(gettext("The file has %(count)s delegate rows, over the limit of %(limit)s for one "
                                  "import; split it into several files and import them one by one.",
                                  count=f"{len(parsed):,}", limit=f"{MAX_ROWS:,}"))
    if not parsed:
        raise FileProblem(gettext("There is no data below the header (row %(row)s): fill in one delegate per row "
                                  "below the header, then upload.", row=header_at + 1))
    return parsed, columns


def _member_link(registry: Registry) -> Any:
    """A link field to the members register, for ``resolve_links`` (which reads only its target)."""
    return dataclasses.replace(registry.get("members").field("org_unit"), name="member", target="members")


def _find_members(ctx: _Context, rows: list[_Row], columns: dict[str, int], plan: ImportPlan) -> None:
    """Set each row's ``member_id``, reporting the rows whose member is not found or not certain."""
    members_spec = ctx.registry.get("members")
    model = ctx.models["members"]
    rows = [row for row in rows if not row.unusable]
    by_text = [row for row in rows if row.id_card is None and row.name and not row.org]
    texts = [row.id_card for row in rows if row.id_card] + [row.name for row in by_text]
    links = resolve_links(ctx.session, ctx.registry, ctx.models, _member_link(ctx.registry), texts, ctx.access)
    with_org = [row for row in rows if row.id_card is None and row.name and row.org]
    orgs = resolve_links(ctx.session, ctx.registry, ctx.models, members_spec.field("org_unit"),
                         [row.org for row in with_org], ctx.access)
    pairs = [(row.name, unit) for row in with_org if (unit := orgs[row.org].id) is not None]
    in_units = _members_in_units(ctx, model, pairs)
    outside = gettext(" (or the member is outside your scope)")
    for row in rows:
        if row.id_card:
            match = links[row.id_card]
            if match.id is None:
                plan.problems.append(RowProblem(row.number, _where(columns, "id_card"),
                                                gettext("The members register has no member with ID number "
                                                        "%(id)s%(outside)s. Check the ID number, or register the "
                                                        "member in the members register first.", id=row.id_card,
                                                        outside=outside)))
            row.member_id = match.id
        elif row.name and not row.org:
            match = links[row.name]
            if len(match.ids) > 1:
                plan.problems.append(RowProblem(row.number, _where(columns, "name"),
                                                gettext("The members register has %(count)s members named "
                                                        "“%(name)s”, so it is not clear which one; fill in the ID "
                                                        "number, or the union as well.", count=len(match.ids),
                                                        name=row.name)))
            elif match.id is None:
                plan.problems.append(RowProblem(row.number, _where(columns, "name"),
                                                gettext("The members register has no member named “%(name)s”"
                                                        "%(outside)s. Check the name, or fill in the ID number.",
                                                        name=row.name, outside=outside)))
            row.member_id = match.id
        elif row.name:
            org = orgs[row.org]
            if org.id is None:
                many = gettext("%(count)s unions are called “%(org)s”; fill in the org code.", count=len(org.ids),
                               org=row.org) if org.ids else gettext(
                    "Union “%(org)s” not found (or outside your scope); fill in the org code or full name.",
                    org=row.org)
                plan.problems.append(RowProblem(row.number, _where(columns, "org_unit"), many))
                continue
            found = in_units.get((row.name, org.id), [])
            if len(found) != 1:
                what = (gettext("“%(org)s” has %(count)s members named “%(name)s”; fill in the ID number to tell "
                                "them apart.", org=row.org, count=len(found), name=row.name) if found else
                        gettext("“%(org)s” has no member named “%(name)s”%(outside)s; check the name and the "
                                "union, or fill in the ID number.", org=row.org, name=row.name, outside=outside))
                plan.problems.append(RowProblem(row.number, _where(columns, "name"), what))
                continue
            row.member_id = found[0]


def _members_in_units(ctx: _Context, model: Any, pairs: list[tuple[str, int]]) -> dict[tuple[str, int], list[int]]:
    """(name, org unit id) -> the ids of the members of that name in that unit, inside the user's scope."""
    scope = row_condition(ctx.registry.get("members"), model, ctx.access)
    found: dict[tuple[str, int], list[int]] = {}
    for part in chunks(sorted(set(pairs))):
        query = sa.select(model.name, model.org_unit_id, model.id).where(
            model.name.in_({name for name, _ in part}), model.org_unit_id.in_({unit for _, unit in part}))
        if scope is not None:
            query = query.where(scope)
        for name, unit, member_id in ctx.session.execute(query):
            if (name, unit) in part:
                found.setdefault((name, unit), []).append(member_id)
    return found


def _check_members(ctx: _Context, congress_id: int, rows: list[_Row], columns: dict[str, int],
                   plan: ImportPlan) -> None:
    """Names that disagree with the ID number, a member twice in the file, a member already seated."""
    model = ctx.models["members"]
    org_model = ctx.models["org_units"]
    ids = sorted({row.member_id for row in rows if row.member_id is not None})
    details: dict[int, tuple[str, str]] = {}
    seated: dict[int, str] = {}
    for part in chunks(ids):
        details.update({member_id: (name, org or "") for member_id, name, org in ctx.session.execute(
            sa.select(model.id, model.name, org_model.name).outerjoin(org_model, org_model.id == model.org_unit_id)
            .where(model.id.in_(part)))})
        seated.update(ctx.session.execute(sa.select(Delegate.member_id, Delegate.role).where(
            Delegate.congress_id == congress_id, Delegate.member_id.in_(part))).tuples().all())
    first_row: dict[int, int] = {}
    for row in rows:
        if row.member_id is None:
            continue
        name, org = details[row.member_id]
        if row.id_card and row.name and row.name != name and not row.name.startswith(name):
            plan.problems.append(RowProblem(row.number, _where(columns, "name"),
                                            gettext("The member with ID number %(id)s is “%(name)s”, not the "
                                                    "name filled in, “%(typed)s”; check which of the two is wrong.",
                                                    id=row.id_card, name=name, typed=row.name)))
            continue
        if row.member_id in first_row:
            plan.problems.append(RowProblem(row.number, "", gettext(
                "%(name)s already appears in row %(row)s; each person can be registered only once. Delete the "
                "repeated row.", name=name, row=first_row[row.member_id])))
            continue
        first_row[row.member_id] = row.number
        if row.member_id in seated:
            plan.problems.append(RowProblem(row.number, "", gettext(
                "%(name)s is already a %(role)s of this congress and cannot be registered twice; delete this row "
                "from the file.", name=name, role=seated[row.member_id])))
            continue
        plan.rows.append(PlannedDelegate(row.number, row.member_id, name, org, row.role, row.delegation,
                                         row.constituency))


def plan(session: Session, registry: Registry, models: BuiltModels, access: Access, congress_id: int,
         workbook: Workbook) -> ImportPlan:
    """Every row of the file checked against the members register and the congress; nothing is written.

    Raises ``FileProblem`` when the file as a whole cannot be imported (no header, no data, too many rows).
    """
    result = ImportPlan()
    rows, columns = _parse_rows(workbook, registry, result)
    ctx = _Context(session, registry, models, access)
    _find_members(ctx, rows, columns, result)
    _check_members(ctx, congress_id, rows, columns, result)
    result.problems.sort(key=lambda problem: problem.row)
    wrong = {problem.row for problem in result.problems}
    result.rows = [row for row in result.rows if row.row not in wrong]
    return result


def outside_scope(session: Session, registry: Registry, models: BuiltModels, access: Access,
                  member_ids: Sequence[int]) -> list[int]:
    """The members of ``member_ids`` the user may not see (or that are gone): checked again when seating."""
    model = models["members"]
    scope = row_condition(registry.get("members"), model, access)
    seen: set[int] = set()
    for part in chunks(sorted(set(member_ids))):
        query = sa.select(model.id).where(model.id.in_(part))
        if scope is not None:
            query = query.where(scope)
        seen.update(session.scalars(query))
    return [member_id for member_id in member_ids if member_id not in seen]
