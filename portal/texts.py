"""``gettext`` and ``lazy_gettext`` for code that also runs outside Flask (pure checks, their tests, scripts).

In an application context these are Flask-Babel's (the request's language). Outside one there is no request
to ask, so the text is the default language's, as ``portal.state.current_locale`` says ``zh`` there: the zh
catalogue is read once from ``portal/translations``. ``in_locale`` renders texts in a given language in both
cases (an audit entry written in Chinese whatever the reader's language, a review shown in the page's).
``pgettext`` takes a context for an English word used in two senses.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

import flask_babel
from flask import current_app, has_app_context
from flask_babel import LazyString

DEFAULT_LOCALE = "zh"
CATALOGUE = Path(__file__).parent / "translations" / DEFAULT_LOCALE / "LC_MESSAGES" / "messages.po"
#: The language ``in_locale`` asks for outside an application (``None``: the default language).
_FORCED: ContextVar[str | None] = ContextVar("portal_texts_locale", default=None)


@lru_cache(maxsize=1)
def _default_texts() -> dict[tuple[str | None, str], str]:
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as fh:
        catalog = read_po(fh, locale=DEFAULT_LOCALE)
    return {(message.context, message.id): message.string for message in catalog
            if isinstance(message.id, str) and message.id and isinstance(message.string, str) and message.string
            and not message.fuzzy}


def _in_flask() -> bool:
    return has_app_context() and "babel" in current_app.extensions


def _outside(context: str | None, string: str, variables: dict[str, Any]) -> str:
    locale = _FORCED.get() or DEFAULT_LOCALE
    text = string if locale.startswith("en") else _default_texts().get((context, string), string)
    return text % variables if variables else text


def current_locale() -> str:
    """The language texts are made in now: ``in_locale``'s, else the request's, else the default."""
    forced = _FORCED.get()
    if forced:
        return forced
    if _in_flask():
        try:
            locale = flask_babel.get_locale()
        except (RuntimeError, KeyError):
            locale = None
        return str(locale) if locale else DEFAULT_LOCALE
    return DEFAULT_LOCALE


def gettext(string: str, **variables: Any) -> str:
    """The text in the request's language; outside an application, in the default language."""
    if _in_flask():
        return flask_babel.gettext(string, **variables)
    return _outside(None, string, variables)


def pgettext(context: str, string: str, **variables: Any) -> str:
    """``gettext`` of ``string`` in the sense ``context`` names."""
    if _in_flask():
        return flask_babel.pgettext(context, string, **variables)
    return _outside(context, string, variables)


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """``gettext`` when the text is shown (for texts built once, at import)."""
    return LazyString(gettext, string, **variables)


def lazy_pgettext(context: str, string: str, **variables: Any) -> LazyString:
    """``pgettext`` when the text is shown."""
    return LazyString(pgettext, context, string, **variables)


@contextmanager
def in_locale(locale: str) -> Iterator[None]:
    """Texts made inside the block are in ``locale`` (``zh`` or ``en``), in a request or outside one."""
    token = _FORCED.set(locale)
    try:
        with flask_babel.force_locale(locale):
            yield
    finally:
        _FORCED.reset(token)


class TextList(Sequence[str]):
    """A fixed list of display texts (column headers ...), each read in the current language when used."""

    def __init__(self, *texts: LazyString) -> None:
        self._texts = texts

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [str(text) for text in self._texts[index]]
        return str(self._texts[index])

    def __len__(self) -> int:
        return len(self._texts)
