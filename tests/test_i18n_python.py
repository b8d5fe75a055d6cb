"""No Chinese display text outside gettext in the portal's Python: what a page or response shows is an English
msgid marked with ``gettext``/``lazy_gettext``, and its Chinese is in the zh catalogue (see portal/i18n.py).

Each str constant with Chinese in a CHECKED module is reported unless it is a docstring, the text of a gettext
call, a side of a comparison (``==``, ``!=``, ``in``, ``not in``: a stored value compared with data) or on a line
whose comment says ``# i18n: data`` (stored values: choice values, status names written to the database, the
Chinese headers of a clerk's spreadsheet matched on import).

CHECKED grows package by package; EXEMPT names the modules whose Chinese never reaches a page in the reader's
language (demo data, terminal output, the schema authors' reference) with the reason; NOT_YET lists what is left.
Every module of portal/ is in one of the three (a test says so), so a new module is scanned from the start.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

PORTAL = Path(__file__).resolve().parents[1] / "portal"
ROOT = PORTAL.parent
#: Packages (every module below them) and modules scanned; add a package once its strings are wrapped.
CHECKED: tuple[Path, ...] = (
    PORTAL / "wiring.py",
    PORTAL / "labels.py",
    PORTAL / "errors.py",
    PORTAL / "csrf.py",
    PORTAL / "request_limits.py",
    PORTAL / "config.py",
    PORTAL / "web",
    PORTAL / "security",
    PORTAL / "io",
    PORTAL / "registry",
    PORTAL / "records",
    PORTAL / "domain",
    PORTAL / "views.py",
    PORTAL / "js_text.py",
    PORTAL / "headers.py",
    PORTAL / "state.py",
    PORTAL / "models.py",
    PORTAL / "extensions.py",
    PORTAL / "i18n.py",
    PORTAL / "texts.py",
    PORTAL / "wsgi.py",
    PORTAL / "cli_site.py",
    PORTAL / "cli_exit.py",
    PORTAL / "__init__.py",
    PORTAL / "printing",
    PORTAL / "congress",
    PORTAL / "motions",
)
#: Modules whose Chinese never reaches a page in the reader's language, and why (checked by nothing else).
EXEMPT: dict[Path, str] = {
    PORTAL / "demo.py": "demo data: Chinese names, units and records written to the database",
    PORTAL / "demo_names.py": "demo data: Chinese names",
    PORTAL / "demo_writer.py": "demo data",
    PORTAL / "demo_assistance.py": "demo data",
    PORTAL / "motions" / "demo.py": "demo data",
    PORTAL / "congress" / "resolutions_demo.py": "demo data",
    PORTAL / "congress" / "announcement_xlsx.py": "the result announcement, an official Chinese document",
    PORTAL / "motions" / "report.py": "the session report, an official Chinese document",
    PORTAL / "motions" / "report_xlsx.py": "the session report's spreadsheet, an official Chinese document",
    PORTAL / "cli.py": "terminal output of the portal command, for the operator",
    PORTAL / "workflow_commands.py": "terminal output of the portal command, for the operator",
    PORTAL / "registry" / "docs.py": "writes schemas/README.md, the schema authors' reference (Chinese)",
    PORTAL / "registry" / "meta.py": "the schema keys' documentation for schemas/README.md and portal check",
    PORTAL / "registry" / "problems.py": "schema problems shown by portal check and at start-up, for schema authors",
    PORTAL / "registry" / "loader.py": "schema problems for schema authors, shown by portal check and at start-up",
    PORTAL / "registry" / "checks.py": "schema problems for schema authors, shown by portal check and at start-up",
    PORTAL / "registry" / "workflow.py": "schema problems for schema authors, shown by portal check and at start-up",
    PORTAL / "registry" / "workflow_approvals.py": "schema problems for schema authors, shown by portal check and "
                                                   "at start-up",
    PORTAL / "registry" / "reports.py": "schema problems for schema authors, shown by portal check and at start-up",
    PORTAL / "registry" / "prints.py": "schema problems for schema authors, shown by portal check and at start-up",
    PORTAL / "registry" / "caps.py": "schema problems for schema authors, shown by portal check and at start-up",
    PORTAL / "registry" / "conditions.py": "condition syntax errors for schema authors (portal check, start-up); "
                                           "the facts' descriptions document them (refusals use their short names)",
    PORTAL / "registry" / "derivations.py": "the derivations' descriptions for schemas/README.md, the schema authors' "
                                            "reference (Chinese)",
    PORTAL / "io" / "commands.py": "terminal output of the portal command, for the operator",
    PORTAL / "io" / "dues_commands.py": "terminal output of the portal command, for the operator",
    PORTAL / "io" / "retention.py": "what the purge deleted, for the terminal output of portal purge",
    PORTAL / "site.py": "site directory errors of portal init and of start-up, shown in the terminal to the operator",
}
#: Modules not yet looked at: each moves to CHECKED (its display texts wrapped) or to EXEMPT (with the reason).
NOT_YET: tuple[Path, ...] = (
)
#: CJK ideographs plus CJK and full-width punctuation (。，、：；（）“” …), as in tests/test_i18n_coverage.py.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
GETTEXT = {"_", "gettext", "lazy_gettext", "ngettext", "pgettext", "lazy_pgettext"}
DATA_COMMENT = re.compile(r"#.*\bi18n:\s*data\b")

HOW_TO_FIX = """\
Chinese text outside gettext in Python that reaches a page (an English reader sees Chinese). For each file:line
below, write the English as the msgid and put the Chinese in the zh catalogue:
  at request time:  flash("已保存")                    ->  flash(gettext("Saved"))
  built once:       label = "所属组织"                  ->  label = lazy_gettext("Org unit")
  with values:      f"第 {n} 行：{label}不能为空"        ->  gettext("Row %(row)s: %(field)s is required",
                                                                     row=n, field=label)
  pair:             lazy_text("组织树", "Org tree")     ->  lazy_gettext("Org tree")
  one word, two senses: "新增" for "Create" (FAB's Create is 新建) ->  pgettext("role verb", "Create")
  stored value:     STATUSES = ("草稿", "已提交")       ->  same line, with the comment  # i18n: data
Code that also runs outside a request (pure checks, commands) imports gettext from portal.texts.
then run `.venv/bin/python -m portal.i18n extract` and fill the new msgstr in
portal/translations/zh/LC_MESSAGES/messages.po with the Chinese you removed.
"""


def _files(paths: Any) -> set[Path]:
    files: set[Path] = set()
    for path in paths:
        files.update(path.rglob("*.py") if path.is_dir() else [path])
    return files


def _checked_files() -> list[Path]:
    return sorted(_files(CHECKED) - set(EXEMPT))


def test_every_module_is_checked_exempt_or_not_yet_looked_at() -> None:
    """A new module is scanned as soon as it is written: it lies under CHECKED unless EXEMPT says why not."""
    every = _files([PORTAL])
    unplaced = every - _files(CHECKED) - set(EXEMPT) - _files(NOT_YET)
    assert not unplaced, f"add these to CHECKED, EXEMPT (with the reason) or NOT_YET: {sorted(unplaced)}"
    twice = (_files(CHECKED) & _files(NOT_YET)) - set(EXEMPT)
    assert not twice, f"both CHECKED and NOT_YET: {sorted(twice)}"
    assert all(path.exists() for path in EXEMPT), "EXEMPT names a module that no longer exists"


def _docstrings(tree: ast.AST) -> set[int]:
    """``id`` of each docstring constant (module, class, function)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _exempt(tree: ast.AST) -> set[int]:
    """``id`` of each node below a gettext call or a comparison with ``==``, ``!=``, ``in`` or ``not in``."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in GETTEXT:
            roots.extend(node.args)
        elif isinstance(node, ast.Compare) and all(
                isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for op in node.ops):
            roots.extend([node.left, *node.comparators])
    return {id(inner) for root in roots for inner in ast.walk(root)}


def untranslated_strings(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each Chinese str constant in ``source`` that should be a gettext msgid."""
    tree = ast.parse(source)
    lines = source.splitlines()
    skip = _docstrings(tree) | _exempt(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value)):
            continue
        if id(node) in skip:
            continue
        span = lines[node.lineno - 1:(node.end_lineno or node.lineno)]
        if any(DATA_COMMENT.search(line) for line in span):
            continue
        found.append((node.lineno, node.value))
    return sorted(found)


def test_scanner_skips_docstrings_gettext_comparisons_and_data() -> None:
    source = '''"""模块说明。"""
def f(status):
    """函数说明。"""
    flash("已保存")
    flash(gettext("Saved"))
    x = _("导入")
    if status == "草稿" or status in ("征集中", "已答复") or "撤回" != status:
        return f"共 {status} 条"
    STATUSES = ("草稿", "已提交")  # i18n: data
    return lazy_gettext("Org tree"), "组织树"
'''
    assert untranslated_strings(source) == [(4, "已保存"), (8, " 条"), (8, "共 "), (10, "组织树")]


def test_no_chinese_outside_gettext_in_checked_python() -> None:
    problems = []
    for path in _checked_files():
        for lineno, text in untranslated_strings(path.read_text(encoding="utf-8")):
            snippet = " ".join(text.split())[:100]
            problems.append(f"  {path.relative_to(ROOT)}:{lineno}  {snippet}")
    assert not problems, HOW_TO_FIX + "\n".join(problems)
