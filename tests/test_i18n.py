"""Coverage and compilation checks for the Simplified Chinese catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations

from portal.i18n import (
    TRANSLATIONS_DIR,
    compile_catalogues,
    fab_message_ids,
    missing_translations,
)

ZH_PO = TRANSLATIONS_DIR / "zh" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdifr]|\{[^{}]*\}")


def _catalogue() -> dict[str, object]:
    with ZH_PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    return {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}


def test_zh_catalogue_has_no_missing_translations() -> None:
    assert missing_translations(ZH_PO) == []


def test_zh_header() -> None:
    with ZH_PO.open("rb") as fh:
        catalog = read_po(fh)
    assert str(catalog.locale) == "zh"
    assert catalog.num_plurals == 1
    assert catalog.plural_expr.strip() == "0"


def test_every_fab_message_is_translated() -> None:
    fab_ids = fab_message_ids()
    assert len(fab_ids) > 100  # sanity: extraction really ran over FAB
    messages = _catalogue()
    absent = sorted(fab_ids - messages.keys())
    assert absent == []
    for msgid in fab_ids:
        message = messages[msgid]
        string = message.string
        strings = [string] if isinstance(string, str) else list(string)
        assert strings and all(strings), msgid
        assert not message.fuzzy, msgid
        expected = sorted(PLACEHOLDER.findall(msgid))
        for translated in strings:
            assert sorted(PLACEHOLDER.findall(translated)) == expected, msgid


def test_catalogue_is_sorted() -> None:
    ids = list(_catalogue())
    assert ids == sorted(ids)


def test_compile_catalogues(tmp_path: Path) -> None:
    compiled = compile_catalogues(TRANSLATIONS_DIR, tmp_path)
    mo_path = tmp_path / "zh" / "LC_MESSAGES" / "messages.mo"
    assert mo_path in compiled
    assert mo_path.is_file()

    translations = Translations.load(str(tmp_path), ["zh"], "messages")
    assert isinstance(translations, Translations)
    assert translations.gettext("List Users") == "用户列表"
    assert translations.gettext("Add Filter") == "添加过滤条件"

    # Up to date: a second run compiles nothing.
    assert compile_catalogues(TRANSLATIONS_DIR, tmp_path) == []


def test_missing_translations_reports_empty_entries(tmp_path: Path) -> None:
    po = tmp_path / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh\\n"\n\n'
        'msgid "Done"\nmsgstr "完成"\n\n'
        'msgid "Todo"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Maybe"\nmsgstr "也许"\n',
        encoding="utf-8",
    )
    assert sorted(missing_translations(po)) == ["Maybe", "Todo"]


def test_every_project_string_is_translated() -> None:
    """A new ``_()`` in portal/ without a Chinese translation fails here (run ``python -m portal.i18n extract``)."""
    from babel.messages.pofile import read_po

    from portal.i18n import extract_all

    with (TRANSLATIONS_DIR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = sorted(
        key for key, _msgid, _locations in extract_all()
        if catalogue.get(key) is None or not catalogue.get(key).string
    )
    assert untranslated == []
