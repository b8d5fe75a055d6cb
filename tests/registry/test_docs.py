"""Tests for portal.registry.docs: schemas/README.md is generated and cannot drift from the code."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from portal.registry import docs, meta
from portal.registry.derivations import DERIVATIONS
from portal.registry.fieldtypes import FIELD_TYPES
from portal.registry.loader import read_registry
from portal.registry.problems import CODES

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "schemas" / "README.md"


@pytest.fixture(scope="module")
def text() -> str:
    return docs.render_readme()


def test_committed_readme_is_the_generated_one(text: str) -> None:
    assert README.read_text(encoding="utf-8") == text, (
        "schemas/README.md is out of date: run `python -m portal.registry.docs > schemas/README.md`"
    )


@pytest.mark.parametrize(
    "spec",
    [*meta.REGISTER_KEYS, *meta.FIELD_KEYS, *meta.SCREEN_KEYS, *meta.MENU_KEYS],
    ids=lambda spec: spec.name,
)
def test_every_key_is_documented(text: str, spec: meta.KeySpec) -> None:
    assert re.search(rf"^\| `{re.escape(spec.name)}` \|.*{re.escape(spec.doc.replace('|', chr(92) + '|'))}", text,
                     re.MULTILINE)


@pytest.mark.parametrize("name", sorted(FIELD_TYPES))
def test_every_field_type_is_documented(text: str, name: str) -> None:
    assert f"| `{name}` | {FIELD_TYPES[name].doc} |" in text


@pytest.mark.parametrize("name", sorted(DERIVATIONS))
def test_every_derivation_is_documented(text: str, name: str) -> None:
    assert f"| `{name}` | {DERIVATIONS[name].doc} |" in text


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_problem_code_is_documented(text: str, code: str) -> None:
    assert f"| `schema.{code}` | {CODES[code]} |" in text


def test_edit_loop_is_described(text: str) -> None:
    for command in ("portal check", 'portal db migrate -m "说明"', "portal db upgrade"):
        assert command in text


def test_every_key_kind_has_a_chinese_name() -> None:
    kinds = {spec.kind for spec in (*meta.REGISTER_KEYS, *meta.FIELD_KEYS, *meta.SCREEN_KEYS, *meta.MENU_KEYS)}
    assert kinds <= set(docs.KIND_NAMES)


def test_example_is_a_valid_schema(tmp_path: Path) -> None:
    example = re.search(r"```yaml\n(.*?)```", docs.EXAMPLE, re.DOTALL)
    assert example is not None
    (tmp_path / "members.yaml").write_text(example.group(1), encoding="utf-8")
    shutil.copy(ROOT / "schemas" / "org_units.yaml", tmp_path / "org_units.yaml")
    registry, problems = read_registry(tmp_path)
    assert [str(problem) for problem in problems] == []
    assert registry.slugs == ("members", "org_units")


def test_main_writes_the_readme(tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    assert docs.main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == docs.render_readme()
