"""The ``print:`` section: forms naming templates under schemas/print/, checked with codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.registry.loader import read_registry
from tests.registry.test_checks import triples, valid_registers, write_registers

FORM = {"name": "card", "label": {"zh": "登记卡", "en": "Card"}, "template": "card.html"}


def _read(tmp_path: Path, forms: Any, template: str | None = "{% extends 'print/a4.html' %}{{ f.name }}") -> Any:
    registers = valid_registers()
    registers["people"]["print"] = forms
    folder = write_registers(tmp_path / "schemas", registers)
    if template is not None:
        (folder / "print").mkdir()
        (folder / "print" / "card.html").write_text(template, encoding="utf-8")
    return read_registry(folder)


def test_a_declared_form_is_read(tmp_path: Path) -> None:
    registry, problems = _read(tmp_path, [FORM, {**FORM, "name": "sheet", "kind": "list"}])
    assert problems == []
    people = registry.get("people")
    assert [(form.name, form.label.zh, form.kind) for form in people.prints] == [("card", "登记卡", "record"),
                                                                                   ("sheet", "登记卡", "list")]
    assert people.print_form("sheet").template == "card.html" and people.print_form("nope") is None


@pytest.mark.parametrize(("forms", "template", "expected"), [
    ([FORM, FORM], "x", ("E036", "print[1].name")),
    ([{**FORM, "kind": "page"}], "x", ("E036", "print[0].kind")),
    ([{**FORM, "name": "Card-1"}], "x", ("E036", "print[0].name")),
    ([FORM], None, ("E037", "print[0].template")),
    ([{**FORM, "template": "../people.yaml"}], "x", ("E037", "print[0].template")),
    ([FORM], "{% for row in rows %}", ("E037", "print[0].template")),
    ([{**FORM, "paper": "A3"}], "x", ("E003", "print[0].paper")),
    ([{"name": "card", "template": "card.html"}], "x", ("E004", "print[0].label")),
    ({"card": "card.html"}, "x", ("E005", "print")),
])
def test_each_mistake_has_its_code(tmp_path: Path, forms: Any, template: str | None,
                                   expected: tuple[str, str]) -> None:
    _, problems = _read(tmp_path, forms, template)
    assert (expected[0], "people.yaml", expected[1]) in triples(problems)


def test_a_template_syntax_error_names_the_line(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, [FORM], "<p>\n{{ f.name }\n</p>")
    (problem,) = problems
    assert "print/card.html" in problem.message and "第 2 行" in problem.message


def test_the_shipped_registers_declare_their_forms() -> None:
    registry, problems = read_registry(Path(__file__).resolve().parents[2] / "schemas")
    assert problems == []
    assert registry.get("members").print_form("registration").label.zh == "会员登记表"
    assert registry.get("assistance_cases").print_form("case_file").label.zh == "困难职工档案表"
    assert registry.get("assistance_grants").print_form("signoff").kind == "list"
