"""The demo generator's shared parts: its fixed seed and date, the people it made, and the writer.

``Writer`` sends generated rows through the register service in chunks, as an import would, so the
demo rows meet every register rule; a broken rule is a bug in the generator (``DemoInvalid``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Sequence

from flask import current_app

from portal import demo_names as names
from portal.models import link_column
from portal.records.plan_types import ImportOptions, ParsedRow

SEED = 20261121
AS_OF = date(2026, 11, 21)
CHUNK = 5000
CENT = Decimal("0.01")


@dataclass(slots=True)
class OrgRef:
    """A union group (leaf) a member can be put in, with its grassroots union."""

    id: int
    base_id: int
    base: names.Grassroots
    leaf: names.Leaf


@dataclass(slots=True)
class Person:
    """A generated member, kept so the other registers can refer to it."""

    id_card: str
    male: bool
    org: OrgRef
    wage: Decimal
    status: str
    joined_on: date | None
    card_no: str | None
    member_id: int = 0


class DemoInvalid(Exception):
    """The demo rows broke a register's rules (a bug in the generator); the message lists the first problems."""


class Writer:
    """Writes generated rows through the register service; counts rows per register."""

    def __init__(self) -> None:
        self.state = current_app.extensions["portal"]
        self.counts: dict[str, int] = {}
        self.models = self.state.models

    def insert(self, slug: str, rows: Sequence[dict[str, Any]]) -> None:
        """Check and write ``rows`` (database column -> value, links by id) as new records."""
        service = self.state.service(slug)
        fields = service.spec.editable_fields
        names = {link_column(field) if field.is_link else field.name: field.name for field in fields}
        for start in range(0, len(rows), CHUNK):
            part = [ParsedRow(start + index + 1, {names[column]: value for column, value in row.items()
                                                  if column in names and value is not None}, {})
                    for index, row in enumerate(rows[start:start + CHUNK])]
            plan = service.plan(part, fields, ImportOptions(mode="insert"))
            if plan.errors:
                raise DemoInvalid("；".join(f"{slug} 第 {error.row} 行 {error.column}：{error.message}"
                                           for error in plan.errors[:5]))
            service.apply(plan, "演示数据")
        self.counts[slug] = self.counts.get(slug, 0) + len(rows)


def money(value: float, step: int = 1) -> Decimal:
    return Decimal(int(value) // step * step)


def sample(rng: random.Random, pool: list[Person], wanted: float) -> list[Person]:
    """About ``wanted`` people (at least one) from ``pool``, in pool order."""
    chosen = rng.sample(range(len(pool)), min(len(pool), max(1, round(wanted))))
    return [pool[index] for index in sorted(chosen)]
