"""Link consistency declared in the schema: the one rule every write path applies.

``org_from`` (on the register's org field) takes the record's org unit from a linked row: filled in
when blank, refused when it differs. ``within_org`` (on a link) requires the linked row to lie in the
record's org unit or below it. Either way, whoever sees the record may also see what it links.

Pure: ids in, the org unit to store and the problems out. The form, the REST API (through
``RegisterService``) and the import (set-based, in ``portal.io.plan``) gather the ids their own way
and call ``OrgLinks.settle``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Mapping

from portal.domain.messages import Problem
from portal.registry.spec import RegisterSpec
from portal.texts import gettext

#: (link field name, linked row id) -> the org unit id of that row (``None`` when it has none).
UnitOf = Callable[[str, int], "int | None"]


@dataclass(frozen=True)
class OrgTree:
    """The org units (a small table): each unit's parent and its display name ``名称 (编码)``."""

    parents: Mapping[int, int | None]
    names: Mapping[int, str]

    def contains(self, root: int, unit: int) -> bool:
        """True when ``unit`` is ``root`` or lies below it."""
        seen: set[int] = set()
        node: int | None = unit
        while node is not None and node not in seen:
            if node == root:
                return True
            seen.add(node)
            node = self.parents.get(node)
        return False

    def name(self, unit: int | None) -> str:
        return self.names.get(unit, str(unit)) if unit is not None else ""


@dataclass(frozen=True)
class OrgLinkProblem:
    """A refused write: the field it is about and the message."""

    field: str
    problem: Problem

    def message(self, locale: str = "zh") -> str:
        return self.problem.message(locale)


@dataclass(frozen=True)
class OrgLinks:
    """What a register declares: its org field, the link it takes the org unit from, the links kept inside."""

    spec: RegisterSpec = dataclasses.field(repr=False)
    org_field: str | None
    source: str | None
    within: tuple[str, ...]

    @classmethod
    def of(cls, spec: RegisterSpec) -> OrgLinks:
        org = spec.field(spec.org_field) if spec.org_field and spec.has_field(spec.org_field) else None
        return cls(spec, org.name if org else None, org.org_from if org else None,
                   tuple(field.name for field in spec.links if field.within_org))

    @property
    def active(self) -> bool:
        return self.org_field is not None and (self.source is not None or bool(self.within))

    @property
    def fields(self) -> frozenset[str]:
        """The fields whose change calls for the rule: the org field and the links it watches."""
        return frozenset(name for name in (self.org_field, self.source, *self.within) if name)

    @property
    def links(self) -> tuple[str, ...]:
        """The links whose rows' org units the rule needs."""
        return tuple(dict.fromkeys((*([self.source] if self.source else []), *self.within)))

    def merged(self, given: Mapping[str, int | None], current: Mapping[str, int | None] | None) -> dict[str, int | None]:
        """The org unit and watched links as they would be stored; ``None`` org = blank, to be filled.

        ``given`` holds only what this write sets (ids; ``None`` for a blank). On an update that changes
        the source link without naming the org unit, the org unit follows the new linked row.
        """
        record: dict[str, int | None] = {name: (current or {}).get(name) for name in self.fields}
        record.update({name: value for name, value in given.items() if name in self.fields})
        org = self.org_field or ""
        if (self.source and current is not None and org not in given and self.source in given
                and given[self.source] != current.get(self.source)):
            record[org] = None
        return record

    def settle(self, given: Mapping[str, int | None], current: Mapping[str, int | None] | None, unit_of: UnitOf,
               tree: OrgTree) -> tuple[int | None, list[OrgLinkProblem]]:
        """The org unit to store and every problem; nothing is checked when the write touches none of
        the watched fields (an old record is not refused for an unrelated edit)."""
        record = self.merged(given, current)
        org_name = self.org_field or ""
        org = record.get(org_name)
        if not self.active or not (self.fields & set(given)):
            return org, []
        problems: list[OrgLinkProblem] = []
        source_id = record.get(self.source or "")
        if self.source and source_id is not None:
            source_unit = unit_of(self.source, source_id)
            if org is None:
                org = source_unit
            elif source_unit is not None and org != source_unit:
                problems.append(self._problem(org_name, "org_from_mismatch", org=tree.name(org),
                                              source_org=tree.name(source_unit), source=self.source))
        if org is not None:
            for name in self.within:
                linked = record.get(name)
                if linked is None:
                    continue
                unit = unit_of(name, linked)
                if unit is None or not tree.contains(org, unit):
                    problems.append(self._problem(name, "link_outside_org", org=tree.name(org),
                                                  linked_org=tree.name(unit) or gettext("(none)"), source=name))
        return org, problems

    def _problem(self, name: str, code: str, *, source: str, **params: str) -> OrgLinkProblem:
        field, link, org = self.spec.field(name), self.spec.field(source), self.spec.field(self.org_field or "")
        return OrgLinkProblem(name, Problem(code, {
            "label": field.label.zh, "label_en": field.label.en, "link": link.label.zh, "link_en": link.label.en,
            "org_label": org.label.zh, "org_label_en": org.label.en, **params}))

