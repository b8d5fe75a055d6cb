"""Tests for portal.registry.loader: reading schemas/*.yaml strictly, collecting every problem.

Each test starts from a minimal VALID pair of registers (org_units + people), mutates the python
dicts in one way, writes them to a temporary directory and asserts the exact problem code and path.
Cross-register mistakes (links, references, screens, derivations, scope, aliases) are in test_checks.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from portal.registry.loader import load_registry, read_registry
from portal.registry.problems import CODES, SchemaError, SchemaProblem
from portal.registry.spec import Label

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"


def label(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def valid_registers() -> dict[str, Any]:
    """A minimal valid registry: file stem -> register dict (a fresh deep copy each call)."""
    org_units = {
        "register": "org_units",
        "version": 1,
        "label": label("组织", "Org units"),
        "description": label("工会组织树", "Union organisation tree"),
        "key": "code",
        "title": "name",
        "tree": "parent",
        "menu": {"group": label("组织管理", "Organisation"), "icon": "fa-sitemap", "order": 10},
        "fields": [
            {"name": "code", "type": "string", "label": label("组织编号", "Code"), "required": True,
             "unique": True, "max_length": 20, "pattern": "^[A-Z0-9]+$"},
            {"name": "name", "type": "string", "label": label("组织名称", "Name"), "required": True},
            {"name": "unit_type", "type": "choice", "label": label("组织类型", "Unit type"),
             "choices": {"基层工会": "Grassroots union", "联合会": "Federation"}, "default": "基层工会"},
            {"name": "parent", "type": "link", "target": "org_units", "label": label("上级组织", "Parent unit")},
        ],
        "screens": {"list": ["code", "name", "unit_type", "parent"], "search": ["code", "name"]},
    }
    people = {
        "register": "people",
        "version": 2,
        "label": label("会员", "Members"),
        "key": "id_card",
        "title": "name",
        "org_field": "org_unit",
        "fields": [
            {"name": "id_card", "type": "id_card", "label": label("身份证号", "ID number"), "required": True,
             "unique": True, "sensitive": True, "aliases": ["身份证号码", "公民身份号码"]},           # 0
            {"name": "name", "type": "string", "label": label("姓名", "Full name"), "required": True,
             "max_length": 50},                                                                       # 1
            {"name": "status", "type": "choice", "label": label("会籍状态", "Status"),
             "choices": {"在籍": "Active", "退会": "Left"}, "default": "在籍"},                       # 2
            {"name": "org_unit", "type": "link", "target": "org_units", "label": label("所属组织", "Org unit"),
             "required": True},                                                                       # 3
            {"name": "gender", "type": "choice", "label": label("性别", "Gender"), "choices": ["男", "女"],
             "derive": "id_card.gender"},                                                             # 4
            {"name": "birth_date", "type": "date", "label": label("出生日期", "Date of birth"),
             "derive": "id_card.birth_date"},                                                         # 5
            {"name": "age", "type": "integer", "label": label("年龄", "Age"), "derive": "id_card.age"},  # 6
            {"name": "wage", "type": "money", "label": label("月工资收入", "Monthly wage"), "min": 0,
             "max": 1000000, "help": label("税前应发工资", "Gross monthly wage")},                     # 7
            {"name": "dues", "type": "money", "label": label("应交会费", "Monthly dues"),
             "derive": "wage.dues_amount"},                                                           # 8
            {"name": "joined_on", "type": "date", "label": label("入会日期", "Joined on"), "index": True},  # 9
            {"name": "phone", "type": "phone", "label": label("手机号码", "Mobile"), "aliases": ["联系电话"]},  # 10
        ],
        "screens": {
            "list": ["name", "id_card", "gender", "age", "org_unit", "status"],
            "search": ["name", "id_card"],
            "filters": ["status", "org_unit", "gender"],
            "export": ["id_card", "name", "gender", "birth_date", "org_unit", "status", "wage", "dues"],
            "order": "-joined_on",
        },
    }
    return {"org_units": org_units, "people": people}


def write_registers(directory: Path, registers: dict[str, Any]) -> Path:
    """Write each register as ``<stem>.yaml``; a str value is written verbatim (for broken YAML)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stem, data in registers.items():
        text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (directory / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return directory


def triples(problems: list[SchemaProblem]) -> set[tuple[str, str, str]]:
    return {(problem.code, problem.file, problem.path) for problem in problems}


def read_mutated(tmp_path: Path, mutate: Callable[[dict[str, Any]], None]) -> tuple[Any, list[SchemaProblem]]:
    registers = valid_registers()
    mutate(registers)
    return read_registry(write_registers(tmp_path / "schemas", registers))


# --- the valid pair ---------------------------------------------------------------------------------


def test_valid_pair_loads_with_zero_problems(tmp_path):
    registry, problems = read_registry(write_registers(tmp_path, valid_registers()))
    assert problems == []
    assert registry.slugs == ("org_units", "people")  # file-name order


def test_valid_pair_is_read_into_typed_specs(tmp_path):
    registry = load_registry(write_registers(tmp_path, valid_registers()))
    org = registry.get("org_units")
    assert org.tree == "parent" and org.key == "code" and org.title == "name"
    assert org.source == "org_units.yaml"
    assert org.description == Label("工会组织树", "Union organisation tree")
    assert org.menu is not None and org.menu.icon == "fa-sitemap" and org.menu.order == 10
    assert org.field("parent").target == "org_units"
    assert org.field("unit_type").choice_values == ("基层工会", "联合会")
    assert org.field("unit_type").choice_label("联合会", "en") == "Federation"

    people = registry.get("people")
    assert people.version == 2
    assert people.label == Label("会员", "Members")
    assert people.key_field.type == "id_card" and people.key_field.required and people.key_field.unique
    assert people.org_field == "org_unit" and people.menu is None and people.tree is None
    assert people.field("id_card").aliases == ("身份证号码", "公民身份号码")
    assert people.field("status").default == "在籍"
    # a plain list of choices uses the value as both labels
    assert people.field("gender").choice_values == ("男", "女")
    assert people.field("gender").derive_source == "id_card"
    assert people.field("gender").derive_function == "gender"
    wage = people.field("wage")
    assert wage.min == Decimal("0") and wage.max == Decimal("1000000")
    assert wage.help == Label("税前应发工资", "Gross monthly wage")
    assert [spec.name for spec in people.links] == ["org_unit"]
    assert "dues" not in [spec.name for spec in people.editable_fields]
    assert people.screens.order == "-joined_on"
    assert people.screens.filters == ("status", "org_unit", "gender")


def test_screen_defaults(tmp_path):
    def mutate(registers):
        registers["people"]["screens"] = {"search": ["name"]}
        del registers["org_units"]["screens"]

    registry, problems = read_mutated(tmp_path, mutate)
    assert problems == []
    people = registry.get("people")
    # list defaults to the first 6 fields, filters to search, export to list
    assert people.screens.list == ("id_card", "name", "status", "org_unit", "gender", "birth_date")
    assert people.screens.filters == ("name",)
    assert people.screens.export == people.screens.list
    assert registry.get("org_units").screens.search == ()
    assert people.menu is None


def test_only_yaml_files_are_read(tmp_path):
    directory = write_registers(tmp_path, valid_registers())
    (directory / "README.md").write_text("# not a register", encoding="utf-8")
    (directory / "notes.yml").write_text("- not: read", encoding="utf-8")
    registry, problems = read_registry(directory)
    assert problems == [] and len(registry) == 2


# --- one test per kind of structural mistake ---------------------------------------------------------


def _people(registers):
    return registers["people"]


def _field(registers, index):
    return registers["people"]["fields"][index]


def _set(target: Callable[[dict], dict], key: str, value: Any) -> Callable[[dict], None]:
    def mutate(registers):
        target(registers)[key] = value
    return mutate


def _delete(target: Callable[[dict], dict], key: str) -> Callable[[dict], None]:
    def mutate(registers):
        del target(registers)[key]
    return mutate


def _raw(stem: str, text: str) -> Callable[[dict], None]:
    def mutate(registers):
        registers[stem] = text
    return mutate


def _append_field(field: dict[str, Any]) -> Callable[[dict], None]:
    def mutate(registers):
        registers["people"]["fields"].append(field)
    return mutate


def _rename_file(old: str, new: str, register: str | None = None) -> Callable[[dict], None]:
    def mutate(registers):
        registers[new] = registers.pop(old)
        if register is not None:
            registers[new]["register"] = register
    return mutate


def _phone(registers):
    return _field(registers, 10)


STRUCTURAL_MISTAKES = [
    pytest.param(_raw("people", "register: people\nfields: [unclosed\n"), ("E001", "people.yaml", ""),
                 id="E001-yaml-syntax"),
    pytest.param(_raw("people", "register: people\n\tversion: 1\n"), ("E001", "people.yaml", ""),
                 id="E001-tab-indent"),
    pytest.param(_raw("people", "- register: people\n- version: 1\n"), ("E002", "people.yaml", ""),
                 id="E002-top-level-list"),
    pytest.param(_raw("people", ""), ("E002", "people.yaml", ""), id="E002-empty-file"),
    pytest.param(_raw("people", "just some text\n"), ("E002", "people.yaml", ""), id="E002-scalar"),
    pytest.param(_set(_people, "colour", "red"), ("E003", "people.yaml", "colour"), id="E003-register-key"),
    pytest.param(_set(lambda r: _field(r, 1), "colour", "red"), ("E003", "people.yaml", "fields[1].colour"),
                 id="E003-field-key"),
    pytest.param(_set(lambda r: r["people"]["screens"], "columns", ["name"]),
                 ("E003", "people.yaml", "screens.columns"), id="E003-screens-key"),
    pytest.param(_set(lambda r: r["org_units"]["menu"], "colour", "red"),
                 ("E003", "org_units.yaml", "menu.colour"), id="E003-menu-key"),
    pytest.param(_delete(_people, "label"), ("E004", "people.yaml", "label"), id="E004-register-label"),
    pytest.param(_delete(_people, "version"), ("E004", "people.yaml", "version"), id="E004-version"),
    pytest.param(_delete(_people, "fields"), ("E004", "people.yaml", "fields"), id="E004-fields"),
    pytest.param(_delete(lambda r: _field(r, 1), "label"), ("E004", "people.yaml", "fields[1].label"),
                 id="E004-field-label"),
    pytest.param(_delete(lambda r: _field(r, 10), "type"), ("E004", "people.yaml", "fields[10].type"),
                 id="E004-field-type"),
    pytest.param(_delete(lambda r: r["org_units"]["menu"], "group"), ("E004", "org_units.yaml", "menu.group"),
                 id="E004-menu-group"),
    pytest.param(_set(lambda r: _field(r, 1), "required", "yes"), ("E005", "people.yaml", "fields[1].required"),
                 id="E005-required-yes"),
    pytest.param(_set(_people, "version", "one"), ("E005", "people.yaml", "version"), id="E005-version"),
    pytest.param(_set(_people, "version", True), ("E005", "people.yaml", "version"), id="E005-version-bool"),
    pytest.param(_set(_people, "label", "会员"), ("E005", "people.yaml", "label"), id="E005-label-text"),
    pytest.param(_set(_people, "label", {"zh": "会员"}), ("E005", "people.yaml", "label"), id="E005-label-no-en"),
    pytest.param(_set(_people, "fields", {"name": "x"}), ("E005", "people.yaml", "fields"), id="E005-fields-map"),
    pytest.param(_append_field("phone"), ("E005", "people.yaml", "fields[11]"), id="E005-field-not-map"),
    pytest.param(_set(lambda r: _field(r, 7), "min", "zero"), ("E005", "people.yaml", "fields[7].min"),
                 id="E005-min-text"),
    pytest.param(_set(lambda r: _field(r, 1), "max_length", "50"), ("E005", "people.yaml", "fields[1].max_length"),
                 id="E005-max-length-text"),
    pytest.param(_set(lambda r: _field(r, 10), "aliases", "电话"), ("E005", "people.yaml", "fields[10].aliases"),
                 id="E005-aliases-text"),
    pytest.param(_set(_people, "screens", ["name"]), ("E005", "people.yaml", "screens"), id="E005-screens-list"),
    pytest.param(_set(lambda r: r["people"]["screens"], "search", "name"),
                 ("E005", "people.yaml", "screens.search"), id="E005-screens-search-text"),
    pytest.param(_set(_people, "register", "members"), ("E006", "people.yaml", "register"), id="E006-register"),
    pytest.param(_rename_file("people", "People", "People"), ("E007", "People.yaml", "register"),
                 id="E007-register-name"),
    pytest.param(_set(_phone, "name", "Phone-No"), ("E007", "people.yaml", "fields[10].name"),
                 id="E007-field-name"),
    pytest.param(_set(_phone, "name", "1phone"), ("E007", "people.yaml", "fields[10].name"),
                 id="E007-field-name-digit"),
    pytest.param(_set(_phone, "name", "id"), ("E008", "people.yaml", "fields[10].name"), id="E008-id"),
    pytest.param(_set(_phone, "name", "created_at"), ("E008", "people.yaml", "fields[10].name"),
                 id="E008-created-at"),
    pytest.param(_set(_phone, "type", "telephone"), ("E010", "people.yaml", "fields[10].type"), id="E010-type"),
    pytest.param(_append_field({"name": "name", "type": "string", "label": label("别名", "Alias name")}),
                 ("E011", "people.yaml", "fields[11].name"), id="E011-duplicate-field"),
    pytest.param(_delete(lambda r: _field(r, 3), "target"), ("E013", "people.yaml", "fields[3].target"),
                 id="E013-link-without-target"),
    pytest.param(_set(lambda r: _field(r, 2), "default", "在职"), ("E014", "people.yaml", "fields[2].default"),
                 id="E014-default-not-a-choice"),
    pytest.param(_delete(lambda r: _field(r, 4), "choices"), ("E015", "people.yaml", "fields[4].choices"),
                 id="E015-choice-without-choices"),
    pytest.param(_set(lambda r: _field(r, 4), "choices", []), ("E015", "people.yaml", "fields[4].choices"),
                 id="E015-empty-choices"),
    pytest.param(_set(lambda r: _field(r, 2), "choices", ["在籍", "退会", "在籍"]),
                 ("E015", "people.yaml", "fields[2].choices"), id="E015-duplicate-choice"),
    pytest.param(_set(lambda r: _field(r, 2), "choices", {"在籍": {"en": "Active", "alias": ["在会"]}, "退会": "Left"}),
                 ("E015", "people.yaml", "fields[2].choices.在籍"), id="E015-choice-with-unknown-key"),
    pytest.param(_set(lambda r: _field(r, 2), "choices", {"在籍": {"aliases": ["在会"]}, "退会": "Left"}),
                 ("E015", "people.yaml", "fields[2].choices.在籍"), id="E015-choice-without-english"),
    pytest.param(_set(lambda r: _field(r, 2), "choices", {"在籍": {"en": "Active", "aliases": "在会"}, "退会": "Left"}),
                 ("E005", "people.yaml", "fields[2].choices.在籍.aliases"), id="E005-choice-aliases-not-a-list"),
    pytest.param(_delete(_people, "key"), ("E016", "people.yaml", "key"), id="E016-missing-key"),
    pytest.param(_set(lambda r: _field(r, 9), "max_length", 10), ("E019", "people.yaml", "fields[9].max_length"),
                 id="E019-max-length-on-date"),
    pytest.param(_set(lambda r: _field(r, 1), "choices", ["a", "b"]), ("E019", "people.yaml", "fields[1].choices"),
                 id="E019-choices-on-string"),
    pytest.param(_set(lambda r: _field(r, 1), "target", "org_units"), ("E019", "people.yaml", "fields[1].target"),
                 id="E019-target-on-string"),
    pytest.param(_set(lambda r: _field(r, 1), "min", 1), ("E019", "people.yaml", "fields[1].min"),
                 id="E019-min-on-string"),
    pytest.param(_set(lambda r: _field(r, 7), "min", 2000000), ("E020", "people.yaml", "fields[7].min"),
                 id="E020-min-over-max"),
    pytest.param(_set(lambda r: _field(r, 1), "pattern", "[A-Z"), ("E021", "people.yaml", "fields[1].pattern"),
                 id="E021-bad-regex"),
    pytest.param(_append_field({"name": "children", "type": "integer", "label": label("子女数", "Children"),
                                "default": "abc"}), ("E026", "people.yaml", "fields[11].default"),
                 id="E026-integer-default"),
    pytest.param(_set(lambda r: _field(r, 9), "default", "2020-02-30"), ("E026", "people.yaml", "fields[9].default"),
                 id="E026-date-default"),
    pytest.param(_set(lambda r: _field(r, 7), "default", -5), ("E026", "people.yaml", "fields[7].default"),
                 id="E026-money-default-below-min"),
    pytest.param(_set(lambda r: _field(r, 4), "required", True), ("E028", "people.yaml", "fields[4].derive"),
                 id="E028-derived-required"),
    pytest.param(_set(lambda r: _field(r, 5), "default", "2000-01-01"), ("E028", "people.yaml", "fields[5].derive"),
                 id="E028-derived-default"),
]


@pytest.mark.parametrize(("mutate", "expected"), STRUCTURAL_MISTAKES)
def test_each_kind_of_mistake_is_reported_with_code_and_path(tmp_path, mutate, expected):
    _, problems = read_mutated(tmp_path, mutate)
    assert expected in triples(problems), "\n".join(map(str, problems))
    code = expected[0]
    problem = next(p for p in problems if (p.code, p.file, p.path) == expected)
    assert problem.message  # a Chinese explanation, never empty
    assert str(problem).startswith(f"schema.{code} {expected[1]}")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(_raw("people", "fields: [unclosed\n"), {("E001", "people.yaml", "")}, id="E001"),
        pytest.param(_raw("people", "- a\n- b\n"), {("E002", "people.yaml", "")}, id="E002"),
        pytest.param(_set(_people, "colour", "red"), {("E003", "people.yaml", "colour")}, id="E003"),
        pytest.param(_delete(_people, "label"), {("E004", "people.yaml", "label")}, id="E004-register-label"),
        pytest.param(_delete(lambda r: _field(r, 1), "label"), {("E004", "people.yaml", "fields[1].label")},
                     id="E004-field-label"),
        pytest.param(_delete(lambda r: r["org_units"]["menu"], "group"), {("E004", "org_units.yaml", "menu.group")},
                     id="E004-menu-group"),
        pytest.param(_set(lambda r: _field(r, 1), "required", "yes"), {("E005", "people.yaml", "fields[1].required")},
                     id="E005"),
        pytest.param(_set(_people, "register", "members"), {("E006", "people.yaml", "register")}, id="E006"),
        pytest.param(_set(_phone, "name", "id"), {("E008", "people.yaml", "fields[10].name")}, id="E008"),
        pytest.param(_delete(_people, "key"), {("E016", "people.yaml", "key")}, id="E016"),
        pytest.param(_set(_people, "key", None), {("E016", "people.yaml", "key")}, id="E016-key-null"),
        pytest.param(_set(_people, "key", ""), {("E016", "people.yaml", "key")}, id="E016-key-empty"),
        pytest.param(_set(_people, "label", None), {("E005", "people.yaml", "label")}, id="E005-label-null"),
        pytest.param(_delete(lambda r: _field(r, 2), "choices"), {("E015", "people.yaml", "fields[2].choices")},
                     id="E015-no-choices-with-default"),
        pytest.param(_set(lambda r: _field(r, 9), "max_length", 10), {("E019", "people.yaml", "fields[9].max_length")},
                     id="E019"),
        pytest.param(_set(lambda r: _field(r, 7), "min", 2000000), {("E020", "people.yaml", "fields[7].min")}, id="E020"),
    ],
)
def test_a_single_mistake_is_reported_once(tmp_path, mutate, expected):
    """One mistake gives exactly one problem: no follow-on noise such as E005 for a missing key."""
    _, problems = read_mutated(tmp_path, mutate)
    assert triples(problems) == expected, "\n".join(map(str, problems))
    assert len(problems) == 1


def test_broken_file_does_not_hide_the_other_registers(tmp_path):
    registry, problems = read_mutated(tmp_path, _raw("people", "fields: [unclosed\n"))
    assert registry.slugs == ("org_units",)
    assert [p.code for p in problems] == ["E001"]
    assert "\n" not in problems[0].message  # one line per problem in the start-up error
    assert problems[0].message.startswith("无法读取：")


def test_register_mismatch_message_names_both(tmp_path):
    _, problems = read_mutated(tmp_path, _set(_people, "register", "members"))
    (problem,) = problems
    assert str(problem) == ("schema.E006 people.yaml register: register 是 'members'，"
                            "但文件名是 'people.yaml'，两者必须相同")


def test_unknown_key_message_lists_the_known_keys(tmp_path):
    _, problems = read_mutated(tmp_path, _set(lambda r: _field(r, 1), "colour", "red"))
    (problem,) = problems
    assert problem.message.startswith("未知的键 'colour'，可用的键：name, type, label, required")


def test_unknown_type_is_not_skipped_silently(tmp_path):
    registry, problems = read_mutated(tmp_path, _set(_phone, "type", "telephone"))
    (problem,) = problems
    assert problem.message.startswith("未知的字段类型 'telephone'，可用：string, text, integer")
    assert not registry.get("people").has_field("phone")


def test_duplicate_field_keeps_the_first(tmp_path):
    registry, problems = read_mutated(
        tmp_path, _append_field({"name": "name", "type": "text", "label": label("别名", "Alias name")}))
    assert [p.code for p in problems] == ["E011"]
    assert registry.get("people").field("name").type == "string"


def test_wrong_default_type_message(tmp_path):
    _, problems = read_mutated(tmp_path, _append_field(
        {"name": "children", "type": "integer", "label": label("子女数", "Children"), "default": "abc"}))
    (problem,) = problems
    assert str(problem) == ("schema.E026 people.yaml fields[11].default: "
                            "默认值不符合字段类型：子女数应为整数，当前为“abc”")


def test_a_choice_may_carry_aliases(tmp_path):
    registry, problems = read_mutated(tmp_path, _set(lambda r: _field(r, 2), "choices",
                                                     {"在籍": {"en": "Active", "aliases": ["在会", "会员"]}, "退会": "Left"}))
    assert problems == []
    status = registry.get("people").field("status")
    assert status.choice_values == ("在籍", "退会")
    assert [(c.label.en, c.aliases) for c in status.choices] == [("Active", ("在会", "会员")), ("Left", ())]


def test_choice_default_message_lists_choices(tmp_path):
    _, problems = read_mutated(tmp_path, _set(lambda r: _field(r, 2), "default", "在职"))
    (problem,) = problems
    assert problem.message == "默认值 '在职' 不在选项中（在籍、退会）"


@pytest.mark.parametrize(
    ("index", "default"),
    [(7, 3000), (7, "3,000.50"), (9, "2020/1/5"), (9, date(2020, 1, 5)), (1, "张三"), (10, "13800138000")],
)
def test_good_defaults_are_accepted(tmp_path, index, default):
    _, problems = read_mutated(tmp_path, _set(lambda r: _field(r, index), "default", default))
    assert problems == []


def test_link_default_is_not_parsed(tmp_path):
    _, problems = read_mutated(tmp_path, _set(lambda r: _field(r, 3), "default", "ORG001"))
    assert problems == []


def test_empty_directory_is_E031(tmp_path):
    registry, problems = read_registry(tmp_path)
    assert len(registry) == 0
    assert [(p.code, p.file, p.path) for p in problems] == [("E031", str(tmp_path), "")]
    with pytest.raises(SchemaError) as raised:
        load_registry(tmp_path)
    assert "E031" in str(raised.value)


def test_missing_directory_is_E031(tmp_path):
    _, problems = read_registry(tmp_path / "nope")
    assert [p.code for p in problems] == ["E031"]


# --- collect-all -------------------------------------------------------------------------------------


def _several_mistakes(registers):
    registers["org_units"]["fields"][1]["required"] = "yes"          # E005 org_units.yaml fields[1].required
    registers["org_units"]["colour"] = "red"                        # E003 org_units.yaml colour
    registers["people"]["fields"][3]["target"] = "org_unit"         # E012 people.yaml fields[3].target
    registers["people"]["fields"][9]["max_length"] = 10             # E019 people.yaml fields[9].max_length
    registers["people"]["fields"][10]["name"] = "id"                # E008 people.yaml fields[10].name
    registers["people"]["screens"]["list"].append("email")          # E018 people.yaml screens.list[6]
    registers["dues_payments"] = "- not a mapping\n"               # E002 dues_payments.yaml


SEVERAL_EXPECTED = {
    ("E002", "dues_payments.yaml", ""),
    ("E003", "org_units.yaml", "colour"),
    ("E005", "org_units.yaml", "fields[1].required"),
    ("E008", "people.yaml", "fields[10].name"),
    ("E012", "people.yaml", "fields[3].target"),
    ("E018", "people.yaml", "screens.list[6]"),
    ("E019", "people.yaml", "fields[9].max_length"),
}


def test_several_mistakes_in_several_files_are_all_reported(tmp_path):
    _, problems = read_mutated(tmp_path, _several_mistakes)
    assert triples(problems) >= SEVERAL_EXPECTED, "\n".join(map(str, problems))
    assert {p.file for p in problems} >= {"dues_payments.yaml", "org_units.yaml", "people.yaml"}
    assert problems == sorted(problems)


def test_load_registry_raises_schema_error_listing_every_problem(tmp_path):
    registers = valid_registers()
    _several_mistakes(registers)
    directory = write_registers(tmp_path, registers)
    _, problems = read_registry(directory)
    with pytest.raises(SchemaError) as raised:
        load_registry(directory)
    error = raised.value
    assert error.problems == sorted(problems)
    text = str(error)
    assert text.startswith(f"登记簿模式有 {len(problems)} 个问题，门户拒绝启动：\n")
    for problem in problems:
        assert str(problem) in text
    for code, file, _path in SEVERAL_EXPECTED:
        assert f"schema.{code} {file}" in text
    assert text.count("\nschema.E") == len(problems)


def test_load_registry_returns_registry_when_valid(tmp_path):
    registry = load_registry(write_registers(tmp_path, valid_registers()))
    assert "people" in registry and "org_units" in registry and "members" not in registry


def test_every_problem_code_has_a_meaning():
    assert all(code.startswith("E") and len(code) == 4 and meaning for code, meaning in CODES.items())


# --- the project's own schemas ------------------------------------------------------------------------


@pytest.mark.skipif(len(list(SCHEMAS_DIR.glob("*.yaml"))) < 8,
                    reason="schemas/ is still being written (fewer than 8 register files)")
def test_project_schemas_load_without_problems():
    registry, problems = read_registry(SCHEMAS_DIR)
    assert problems == [], "\n".join(map(str, problems))
    assert "org_units" in registry
    for spec in registry:
        assert spec.source == f"{spec.slug}.yaml"
