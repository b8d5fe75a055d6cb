"""The print templates: ``schemas/print/*.html`` (named by the registers' ``print:`` sections) and
the shared A4 page ``print/a4.html`` from the package; filled with ``values.printable`` rows."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from portal.domain.china_time import china_datetime
from portal.printing.values import PrintValue, printable, totals
from portal.registry.prints import template_folder
from portal.registry.spec import PrintForm, RegisterSpec
from portal.security.access import Access

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=8)
def environment(schemas_dir: str) -> jinja2.Environment:
    """One Jinja environment per schemas folder; templates are compiled once and cached."""
    loader = jinja2.FileSystemLoader([str(template_folder(Path(schemas_dir))), str(PACKAGE_TEMPLATES)])
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              auto_reload=False)


def _common(spec: RegisterSpec, form: PrintForm, printed_by: str, now: datetime) -> dict[str, Any]:
    return {"register": spec.label.zh, "form": form.label.zh, "printed_by": printed_by,
            "printed_at": china_datetime(now).strftime("%Y-%m-%d %H:%M")}


def record_html(schemas_dir: str, spec: RegisterSpec, form: PrintForm, record: Any, access: Access,
                printed_by: str, now: datetime) -> str:
    """One record's form (``kind: record``)."""
    template = environment(schemas_dir).get_template(form.template)
    return template.render(f=printable(spec, record, access), **_common(spec, form, printed_by, now))


def list_html(schemas_dir: str, spec: RegisterSpec, form: PrintForm, records: list[Any], access: Access,
              printed_by: str, now: datetime) -> str:
    """One sheet listing the records (``kind: list``): ``rows`` and the money ``totals``."""
    template = environment(schemas_dir).get_template(form.template)
    rows: list[dict[str, PrintValue]] = [printable(spec, record, access) for record in records]
    return template.render(rows=rows, totals=totals(spec, rows), labels={f.name: f.label.zh for f in spec.fields},
                           **_common(spec, form, printed_by, now))
