"""``gettext`` and ``lazy_gettext`` for code that also runs outside Flask (pure checks, their tests, scripts).

In an application context these are Flask-Babel's (the request's language). Outside one there is no request
to ask, so the text is the default language's, as ``portal.state.current_locale`` says ``zh`` there: the zh
catalogue is read once from ``portal/translations``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import flask_babel
from flask import current_app, has_app_context
from flask_babel import LazyString

DEFAULT_LOCALE = "zh"
CATALOGUE = Path(__file__).parent / "translations" / DEFAULT_LOCALE / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=1)
def _default_texts() -> dict[str, str]:
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as fh:
        catalog = read_po(fh, locale=DEFAULT_LOCALE)
    return {message.id: message.string for message in catalog
            if isinstance(message.id, str) and message.id and isinstance(message.string, str) and message.string
            and not message.fuzzy}


def gettext(string: str, **variables: Any) -> str:
    """The text in the request's language; outside an application, in the default language."""
    if has_app_context() and "babel" in current_app.extensions:
        return flask_babel.gettext(string, **variables)
    text = _default_texts().get(string, string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """``gettext`` when the text is shown (for texts built once, at import)."""
    return LazyString(gettext, string, **variables)
