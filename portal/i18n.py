"""Translation catalogue helpers for the portal (Flask-AppBuilder + project strings).

The Simplified Chinese catalogue in ``portal/translations/zh/LC_MESSAGES/messages.po``
covers every message Flask-AppBuilder uses plus the portal's own strings.  Compiled
``.mo`` files are build output: the application compiles them into its instance
folder at start-up with :func:`compile_catalogues`.

One approach for every display text of the portal's own (templates, Python, scripts): the source text
is English, marked with gettext (``{{ _('Import') }}`` in templates, ``gettext``/``lazy_gettext`` in Python
(``portal.texts`` for code that also runs outside a request, where it gives the default language),
``portal.js_text`` for the static scripts), and this zh catalogue holds the Chinese.  That is how
Flask-AppBuilder's own messages work, so one catalogue serves both, Chinese stays the default
(``BABEL_DEFAULT_LOCALE``) and English is what gettext returns for ``en`` without a second catalogue;
``tests/test_i18n.py`` fails on an untranslated msgid and on Chinese text outside gettext.  Schema labels
are data and carry their own ``{zh, en}`` (``portal.labels``, the ``label`` template filter).  Print forms
(``templates/print`` and ``schemas/print``) are official Chinese forms and stay Chinese.

Maintainer tool (after adding translatable strings): ``python -m portal.i18n extract``
re-extracts Flask-AppBuilder and portal messages, merges them into the ``.po`` files
(existing translations are kept, new msgids get an empty msgstr) and reports how
many entries still need a translation.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
PO_NAME = "messages.po"
MO_NAME = "messages.mo"

#: gettext keywords used by Flask-AppBuilder and the portal.  ``__`` (menu labels)
#: and ``lazy_formatter_gettext`` (security view descriptions) are FAB specific.
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None,
    "gettext": None,
    "lazy_gettext": None,
    "_l": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "__": None,
    "lazy_formatter_gettext": None,
}

#: Babel method map: Python sources and Jinja2 templates (extractor from jinja2.ext).
METHOD_MAP: list[tuple[str, str]] = [
    ("**/translations/**", "ignore"),
    ("**/static/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]

#: Extra Jinja2 extensions so templates using ``{% do %}`` / ``{% break %}`` parse.
OPTIONS_MAP: dict[str, dict[str, str]] = {
    "**/templates/**.html": {"extensions": "jinja2.ext.do,jinja2.ext.loopcontrols"}
}

Message = tuple[str, str | tuple[str, ...], list[tuple[str, int]]]
#: ``(context, msgid, locations)`` of a ``pgettext`` message: the same English in another sense (the role verb
#: “Create” is 新增 where Flask-AppBuilder's button “Create” is 新建).
ContextMessage = tuple[str, str, list[tuple[str, int]]]


def _fab_root() -> Path:
    """Return the directory of the installed Flask-AppBuilder package."""
    import flask_appbuilder

    return Path(flask_appbuilder.__file__).parent


@cache
def _extract_kinds(root: Path, prefix: str) -> tuple[list[Message], list[ContextMessage]]:
    """Messages below ``root`` without and with a context; locations are reported as ``prefix/relpath``."""
    found: dict[str, Message] = {}
    in_context: dict[tuple[str, str], ContextMessage] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(root), method_map=METHOD_MAP, options_map=OPTIONS_MAP, keywords=KEYWORDS
    ):
        msgid: str | tuple[str, ...] = (
            message if isinstance(message, str) else tuple(message)
        )
        key = msgid if isinstance(msgid, str) else msgid[0]
        if not key:
            continue
        location = (f"{prefix}/{filename}", lineno)
        if context:
            in_context.setdefault((context, key), (context, key, []))[2].append(location)
            continue
        entry = found.setdefault(key, (key, msgid, []))
        entry[2].append(location)
    return [found[key] for key in sorted(found)], [in_context[key] for key in sorted(in_context)]


def _extract(root: Path, prefix: str) -> list[Message]:
    """Extract messages below ``root``; locations are reported as ``prefix/relpath``.

    Returns ``(key, msgid, locations)`` tuples where ``key`` is the singular msgid
    and ``msgid`` is a string or a ``(singular, plural)`` tuple (messages with a context:
    ``extract_contexts``).
    """
    return _extract_kinds(root, prefix)[0]


def fab_message_ids() -> set[str]:
    """Return every msgid (singular form for plurals) used by the installed FAB."""
    return {key for key, _msgid, _locs in _extract(_fab_root(), "flask_appbuilder")}


def _is_untranslated(string: str | Sequence[str] | None) -> bool:
    """True when a msgstr (or any plural form of it) is empty."""
    if isinstance(string, str) or string is None:
        return not string
    return not string or any(not form for form in string)


def missing_translations(po_path: Path) -> list[str]:
    """Return the msgids of ``po_path`` that have no usable translation.

    An entry counts as missing when its msgstr (or any plural form) is empty or
    when it is marked fuzzy (fuzzy entries are not compiled into the ``.mo``).
    The header entry and obsolete entries are ignored.
    """
    with Path(po_path).open("rb") as fh:
        catalog = read_po(fh)
    missing: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy or _is_untranslated(message.string):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def compile_catalogues(source_dir: Path, target_dir: Path) -> list[Path]:
    """Compile ``<locale>/LC_MESSAGES/messages.po`` files to ``.mo`` files.

    Each catalogue found under ``source_dir`` is written to
    ``target_dir/<locale>/LC_MESSAGES/messages.mo`` when the ``.mo`` is missing
    or older than its ``.po``.  Returns the paths of the files compiled.
    """
    compiled: list[Path] = []
    for po_path in sorted(Path(source_dir).glob(f"*/LC_MESSAGES/{PO_NAME}")):
        locale = po_path.parent.parent.name
        mo_path = Path(target_dir) / locale / "LC_MESSAGES" / MO_NAME
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        tmp_path = mo_path.with_suffix(".mo.tmp")
        with tmp_path.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        tmp_path.replace(mo_path)
        compiled.append(mo_path)
    return compiled


def _merge(po_path: Path, locale: str, messages: Iterable[Message],
           contexts: Iterable[ContextMessage] = ()) -> Catalog:
    """Merge extracted ``messages`` into the catalogue at ``po_path`` and save it.

    Existing translations (and entries no longer extracted) are kept, locations
    are refreshed, new msgids are added with an empty msgstr.
    """
    if po_path.exists():
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="union-portal", fuzzy=False)
    for key, msgid, locations in messages:
        if key in catalog:
            catalog[key].locations = sorted(set(locations))
        else:
            empty: str | tuple[str, ...] = (
                "" if isinstance(msgid, str) else ("",) * catalog.num_plurals
            )
            catalog.add(msgid, empty, locations=sorted(set(locations)))
    for context, msgid, locations in contexts:
        existing = catalog.get(msgid, context=context)
        if existing is not None:
            existing.locations = sorted(set(locations))
        else:
            catalog.add(msgid, "", locations=sorted(set(locations)), context=context)
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as fh:
        write_po(fh, catalog, sort_output=True, include_lineno=False)
    return catalog


def extract_all() -> list[Message]:
    """Extract FAB and portal messages (portal locations win on duplicates)."""
    merged: dict[str, Message] = {}
    for key, msgid, locations in _extract(_fab_root(), "flask_appbuilder") + _extract(
        Path(__file__).parent, "portal"
    ):
        previous = merged.get(key)
        merged[key] = (key, msgid, (previous[2] if previous else []) + locations)
    return [merged[key] for key in sorted(merged)]


def extract_contexts() -> list[ContextMessage]:
    """The portal's ``pgettext`` messages (Flask-AppBuilder uses none)."""
    return _extract_kinds(Path(__file__).parent, "portal")[1]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: ``python -m portal.i18n extract [LOCALE ...]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "extract":
        print("usage: python -m portal.i18n extract [LOCALE ...]", file=sys.stderr)
        return 2
    locales = args[1:] or sorted(
        p.parent.parent.name for p in TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{PO_NAME}")
    ) or ["zh"]
    messages = extract_all()
    print(f"extracted {len(messages)} msgids")
    for locale in locales:
        po_path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / PO_NAME
        _merge(po_path, locale, messages, extract_contexts())
        missing = missing_translations(po_path)
        print(f"{locale}: {len(missing)} missing translation(s) in {po_path}")
        for msgid in missing:
            print(f"  {msgid!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
