"""Links in rows to plan: what each link text names, asked once per distinct text, and the rows' links as ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from portal.records.lookups import resolve_links
from portal.records.plan_types import ParsedRow, RowChecks


@dataclass(frozen=True)
class InFile:
    """A self-link to a record this file creates, resolved after it is written."""

    key: str


class FileLinks:
    """The link texts of a file's rows, found a batch of rows at a time (``find``: by natural key or title, inside
    the user's scope; a text is asked for once), and given to the rows as ids a slice at a time (``resolve``)."""

    def __init__(self, planner: RowChecks) -> None:
        self.planner = planner
        spec = planner.spec
        self._self_link = any(link.target == spec.slug for link in spec.links)
        #: Link field name -> text -> what it names.
        self._found: dict[str, dict[str, Any]] = {}
        #: The keys of the file's rows, which a self-link may name (every row is found before any is resolved).
        self._file_keys: set[Any] = set()

    def find(self, rows: Sequence[ParsedRow]) -> None:
        """What the link texts of ``rows`` name, those not found for earlier rows."""
        ctx, spec = self.planner.ctx, self.planner.spec
        if self._self_link:
            self._file_keys.update(row.values.get(spec.key) for row in rows)
        for spec_field in spec.links:
            name = spec_field.name
            texts = {row.texts[name] for row in rows if name in row.texts}
            found = self._found.setdefault(name, {})
            texts.difference_update(found)
            if texts:
                found.update(resolve_links(ctx.session, ctx.registry, ctx.models, spec_field, texts, ctx.access))

    def resolve(self, rows: Sequence[ParsedRow]) -> None:
        """The rows' links as ids; a self-link may name a row of this file (``InFile``); a text naming no record,
        or several, is an error on its row."""
        planner, spec = self.planner, self.planner.spec
        for spec_field in spec.links:
            found = self._found.get(spec_field.name)
            if not found:
                continue
            self_link = spec_field.target == spec.slug
            for row in rows:
                text = row.texts.get(spec_field.name)
                if text is None:
                    continue
                match = found[text]
                if match.id is not None:
                    row.values[spec_field.name] = match.id
                elif (self_link and not match.ids and text in self._file_keys
                      and text != row.values.get(spec.key)):
                    row.values[spec_field.name] = InFile(text)
                else:
                    del row.values[spec_field.name]
                    code = "link_ambiguous" if match.ids else "link_not_found"
                    planner.error(row.row, spec_field, planner.message(spec_field, code, value=text))
