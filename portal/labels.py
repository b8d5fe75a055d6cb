"""Schema labels ({zh, en}) rendered in the request's language, lazily (views are built once)."""

from __future__ import annotations

from flask_babel import LazyString

from portal.registry.spec import Label
from portal.state import current_locale


def lazy_label(label: Label) -> LazyString:
    return LazyString(lambda: label.get(current_locale()))
