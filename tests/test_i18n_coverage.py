"""No Chinese text outside gettext: in every template under portal/templates and in pages rendered in English.

The portal's display texts are English msgids with the Chinese in the zh catalogue (see portal/i18n.py).
A template line with Chinese written into it shows Chinese to an English reader: wrap it.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment
from jinja2.lexer import TOKEN_BLOCK_BEGIN, TOKEN_DATA, TOKEN_NAME, TOKEN_STRING

TEMPLATES = Path(__file__).resolve().parents[1] / "portal" / "templates"
#: Print forms reproduce official Chinese forms (schemas/print via templates/print, the congress's paper ballot);
#: they are not translated.
PRINT_FORMS = TEMPLATES / "print"
OFFICIAL_FORMS = {TEMPLATES / "portal" / "congress" / "paper_ballots.html"}
#: CJK ideographs plus CJK and full-width punctuation (。，、：；（）“” …).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "lazy_gettext"}

HOW_TO_FIX = """\
Chinese text outside gettext in templates (an English reader sees Chinese). For each file:line below,
replace the Chinese with its English wrapped in gettext and add the Chinese to the zh catalogue:
  text:        导入记录                  ->  {{ _('Import history') }}
  with values: 共 {{ n }} 条             ->  {{ _('%(count)s in all', count=n) }}
  attribute:   placeholder="组织编码"     ->  placeholder="{{ _('Org unit code') }}"
  in an expr:  "只新增" if x else "…"     ->  _('Add only') if x else _('…')
  schema label: spec.label.zh            ->  spec.label|label
then run `.venv/bin/python -m portal.i18n extract` and fill the new msgstr in
portal/translations/zh/LC_MESSAGES/messages.po with the Chinese you removed.
"""


def _environment() -> Environment:
    return Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])


def untranslated_lines(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each Chinese text in ``source`` that is neither in a gettext call nor in ``{% trans %}``.

    A string compared with stored data (``status == "草稿"``, ``x in ("草稿", "征集中")``, ``"equalto", "已邀请"``)
    is a value, not a display text, and is not reported.
    """
    tokens = [(lineno, kind, str(value)) for lineno, kind, value in _environment().lex(source)
              if kind != "whitespace"]
    found: list[tuple[int, str]] = []
    in_trans = False
    compared_groups: list[int] = []  # bracket depths of ``in (...)`` groups being read
    depth = 0
    for index, (lineno, kind, text) in enumerate(tokens):
        before = tokens[index - 1][2] if index else ""
        after = tokens[index + 1][2] if index + 1 < len(tokens) else ""
        if kind == TOKEN_NAME and index and tokens[index - 1][1] == TOKEN_BLOCK_BEGIN:
            in_trans = text in ("trans", "pluralize") or (in_trans and text != "endtrans")
        if text in ("(", "["):
            depth += 1
            if before == "in":
                compared_groups.append(depth)
        elif text in (")", "]"):
            if compared_groups and compared_groups[-1] == depth:
                compared_groups.pop()
            depth -= 1
        if in_trans or not CJK.search(text):
            continue
        if kind == TOKEN_DATA:
            found.extend((lineno + offset, line.strip()) for offset, line in enumerate(text.split("\n"))
                         if CJK.search(line))
        elif kind == TOKEN_STRING and not (_in_gettext_call(tokens, index) or _compared(before, after, tokens, index)
                                           or (compared_groups and compared_groups[-1] == depth)):
            found.append((lineno, text.strip("'\"")))
    return found


def _in_gettext_call(tokens: list[tuple[int, str, str]], index: int) -> bool:
    """The string is the first argument of ``_(…)``."""
    return index >= 2 and tokens[index - 1][2] == "(" and tokens[index - 2][2] in GETTEXT


def _compared(before: str, after: str, tokens: list[tuple[int, str, str]], index: int) -> bool:
    """The string is an operand of ``==``, ``!=`` or ``in``, or the value of an ``equalto`` test."""
    if before in ("==", "!=", "in") or after in ("==", "!=", "in"):
        return True
    return index >= 2 and before == "," and tokens[index - 2][2].strip("'\"") in ("equalto", "eq", "==", "ne", "!=")


def test_scanner_finds_text_and_strings_but_not_gettext() -> None:
    source = ("<p>{{ _('导入') }}</p>\n<p>导入记录</p>\n{{ '只新增' if x else _('新增') }}\n{# 注释 #}\n"
              "{% trans %}批次{% endtrans %}\n{% if s == '草稿' or s in ('征集中', '已答复') %}{{ ('无效',) }}{% endif %}\n"
              "{{ rows | selectattr('status', 'equalto', '已邀请') | list }}")
    assert untranslated_lines(source) == [(2, "<p>导入记录</p>"), (3, "只新增"), (6, "无效")]


def test_no_chinese_outside_gettext_in_templates() -> None:
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if PRINT_FORMS in path.parents or path in OFFICIAL_FORMS:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for lineno in sorted({lineno for lineno, _text in untranslated_lines(source)}):
            snippet = " ".join(lines[lineno - 1].split())[:100]
            problems.append(f"  {path.relative_to(TEMPLATES.parent.parent)}:{lineno}: {snippet}")
    assert not problems, HOW_TO_FIX + "\n".join(problems)


SHADOWS_GETTEXT = re.compile(r"{%-?\s*(?:for|set|with)\s+(?:\w+\s*,\s*)*_\s*(?:,|=|in\b)")


def test_no_template_names_a_variable_underscore() -> None:
    """``{% for _ in … %}`` hides gettext inside the loop (“'int' object is not callable”): use another name."""
    problems = [f"  {path.relative_to(TEMPLATES.parent.parent)}:{lineno}: {line.strip()}"
                for path in sorted(TEMPLATES.rglob("*.html"))
                for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                if SHADOWS_GETTEXT.search(line)]
    assert not problems, "A template variable named _ hides gettext; rename it:\n" + "\n".join(problems)
