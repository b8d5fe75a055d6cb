"""Typed, immutable description of the registers, as read from ``schemas/*.yaml``.

Nothing here knows about Flask, a request or a database session: ``portal.models`` turns these
specs into tables, ``portal.records`` reads and writes their rows, ``portal.web`` draws the screens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator

from portal.domain.normalize import spelling_key
from portal.registry.label import Label as Label
from portal.registry.workflow_spec import Workflow

if TYPE_CHECKING:
    from portal.registry.caps import YearlyCaps


@dataclass(frozen=True)
class Choice:
    """One option of a choice field: the stored value, its labels and the other spellings it accepts."""

    value: str
    label: Label
    #: Other spellings (``本科`` for ``大学本科``): accepted by forms, API and import, stored as ``value``.
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The option's own spellings: its value and its Chinese and English labels."""
        return (self.value, self.label.zh, self.label.en)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a register; the options mirror ``FIELD_KEYS`` in ``meta.py``."""

    name: str
    type: str
    label: Label
    required: bool = False
    unique: bool = False
    default: Any = None
    min: Decimal | None = None
    max: Decimal | None = None
    max_length: int | None = None
    pattern: str | None = None
    help: Label | None = None
    sensitive: bool = False
    #: A sensitive field of the same register this value gives away: masked wherever that one is.
    masked_with: str | None = None
    choices: tuple[Choice, ...] = ()
    target: str | None = None
    #: On the register's org field: the link whose row's org unit this record takes (filled when blank,
    #: refused when it differs).
    org_from: str | None = None
    #: On a link: the linked row must lie inside this record's org unit or below it.
    within_org: bool = False
    derive: str | None = None
    aliases: tuple[str, ...] = ()
    index: bool = False

    @property
    def is_link(self) -> bool:
        return self.type == "link"

    @property
    def required_on_create(self) -> bool:
        """A new record cannot be made without a value here (required, no default, not taken from a link)."""
        return self.required and self.default is None and not self.org_from

    @property
    def is_derived(self) -> bool:
        return self.derive is not None

    @property
    def derive_source(self) -> str | None:
        """The first source field of a derivation."""
        return self.derive_sources[0] if self.derive else None

    @property
    def derive_sources(self) -> tuple[str, ...]:
        """Every source field, in order: ``id_card.gender`` -> (id_card,); ``a,b,c.f`` -> (a, b, c)."""
        if not self.derive:
            return ()
        return tuple(name.strip() for name in self.derive.partition(".")[0].split(","))

    @property
    def derive_function(self) -> str | None:
        return self.derive.split(".", 1)[1] if self.derive else None

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    @cached_property
    def _choice_by_spelling(self) -> dict[str, str]:
        # Earlier choices win, and a choice's own value and labels win over another's alias (the
        # schema check refuses such an alias, so this only matters while that problem is shown).
        table: dict[str, str] = {}
        for choice in self.choices:
            for text in choice.names:
                table.setdefault(spelling_key(text), choice.value)
        for choice in self.choices:
            for text in choice.aliases:
                table.setdefault(spelling_key(text), choice.value)
        return table

    def choice_for(self, text: str) -> str | None:
        """The stored value ``text`` spells (value, label or alias, in any width, spacing or case)."""
        return self._choice_by_spelling.get(spelling_key(text))

    def choice_label(self, value: str | None, locale: str | None = "zh") -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label.get(locale)
        return value or ""


@dataclass(frozen=True)
class Screens:
    list: tuple[str, ...]
    search: tuple[str, ...]
    filters: tuple[str, ...]
    export: tuple[str, ...]
    order: str | None = None


@dataclass(frozen=True)
class Menu:
    group: Label
    icon: str = "fa-table"
    order: int = 100


@dataclass(frozen=True)
class PrintForm:
    """A printable form of a register: a Jinja template under ``schemas/print/``, drawn on A4."""

    name: str
    label: Label
    template: str
    #: ``record``: one form per record (a selection prints one after another); ``list``: one sheet
    #: listing the selected records (a sign-off sheet).
    kind: str = "record"


@dataclass(frozen=True)
class RegisterSpec:
    """One register (登记簿): the contents of one YAML file."""

    slug: str
    version: int
    label: Label
    key: str
    title: str
    fields: tuple[FieldSpec, ...]
    screens: Screens
    description: Label | None = None
    org_field: str | None = None
    tree: str | None = None
    menu: Menu | None = None
    #: Fields only a role with the ``approve`` verb may set or change.
    approval: tuple[str, ...] = ()
    #: Printable forms (``print:`` in the file).
    prints: tuple[PrintForm, ...] = ()
    #: States and transitions (``workflow:`` in the file); ``None`` for a register without one.
    workflow: Workflow | None = None
    #: Yearly caps per kind (``yearly_caps:`` in the file).
    yearly_caps: YearlyCaps | None = None
    source: str = ""

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.slug} has no field {name!r}")

    def has_field(self, name: str) -> bool:
        return any(spec.name == name for spec in self.fields)

    def print_form(self, name: str) -> PrintForm | None:
        return next((form for form in self.prints if form.name == name), None)

    @property
    def key_field(self) -> FieldSpec:
        return self.field(self.key)

    @property
    def links(self) -> tuple[FieldSpec, ...]:
        return tuple(spec for spec in self.fields if spec.is_link)

    @property
    def editable_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(spec for spec in self.fields if not spec.is_derived)

    @property
    def sensitive_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(spec for spec in self.fields if spec.sensitive)


@dataclass(frozen=True)
class Registry:
    """All registers, in file-name order."""

    registers: tuple[RegisterSpec, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[RegisterSpec]:
        return iter(self.registers)

    def __len__(self) -> int:
        return len(self.registers)

    def __contains__(self, slug: object) -> bool:
        return any(spec.slug == slug for spec in self.registers)

    def get(self, slug: str) -> RegisterSpec:
        for spec in self.registers:
            if spec.slug == slug:
                return spec
        raise KeyError(f"unknown register {slug!r}")

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(spec.slug for spec in self.registers)
