"""Links a module adds beside a register's add/edit form (the motions' 查重), keyed by register slug.

``FORM_LINKS[slug](form, pk)`` returns ``[(label, href)]``; ``form.html`` shows them under the
buttons, opening in a new tab so the form being filled in is kept.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import request

FORM_LINKS: dict[str, Callable[[Any, str | None], list[tuple[str, str]]]] = {}


def form_links(form: Any) -> list[tuple[str, str]]:
    """The links for the form on this page (``/<slug>/add`` or ``/<slug>/edit/<pk>``)."""
    parts = request.path.strip("/").split("/")
    if len(parts) < 2 or parts[1] not in ("add", "edit"):
        return []
    maker = FORM_LINKS.get(parts[0])
    pk = (request.view_args or {}).get("pk")
    return maker(form, str(pk) if pk is not None else None) if maker else []
