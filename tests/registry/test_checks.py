"""Tests for portal.registry.checks: cross-register mistakes (links, references, screens, derivations,
row scope, tree, import aliases, natural key).

The registers are written as YAML from python dicts and read through the loader, as at start-up.
Structural (per-file) mistakes are in test_loader.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from portal.registry.checks import check_registry
from portal.registry.loader import read_registry
from portal.registry.problems import SchemaProblem
from portal.registry.spec import FieldSpec, Label, RegisterSpec, Registry, Screens


def label(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def valid_registers() -> dict[str, Any]:
    """A minimal valid registry: file stem -> register dict (fresh each call)."""
    org_units = {
        "register": "org_units",
        "version": 1,
        "label": label("组织", "Org units"),
        "key": "code",
        "title": "name",
        "tree": "parent",
        "fields": [
            {"name": "code", "type": "string", "label": label("组织编号", "Code"), "required": True,
             "unique": True, "max_length": 20},                                                         # 0
            {"name": "name", "type": "string", "label": label("组织名称", "Name"), "required": True},    # 1
            {"name": "unit_type", "type": "choice", "label": label("组织类型", "Unit type"),
             "choices": {"基层工会": "Grassroots union", "联合会": "Federation"}, "default": "基层工会"},  # 2
            {"name": "parent", "type": "link", "target": "org_units", "label": label("上级组织", "Parent unit")},  # 3
        ],
        "screens": {"list": ["code", "name", "unit_type", "parent"], "search": ["code", "name"]},
    }
    people = {
        "register": "people",
        "version": 1,
        "label": label("会员", "Members"),
        "key": "id_card",
        "title": "name",
        "org_field": "org_unit",
        "fields": [
            {"name": "id_card", "type": "id_card", "label": label("身份证号", "ID number"), "required": True,
             "unique": True, "aliases": ["身份证号码", "公民身份号码"]},                                 # 0
            {"name": "name", "type": "string", "label": label("姓名", "Full name"), "required": True},   # 1
            {"name": "status", "type": "choice", "label": label("会籍状态", "Status"),
             "choices": {"在籍": "Active", "退会": "Left"}, "default": "在籍"},                         # 2
            {"name": "org_unit", "type": "link", "target": "org_units", "label": label("所属组织", "Org unit"),
             "required": True},                                                                         # 3
            {"name": "gender", "type": "choice", "label": label("性别", "Gender"), "choices": ["男", "女"],
             "derive": "id_card.gender"},                                                               # 4
            {"name": "birth_date", "type": "date", "label": label("出生日期", "Date of birth"),
             "derive": "id_card.birth_date"},                                                           # 5
            {"name": "age", "type": "integer", "label": label("年龄", "Age"), "derive": "id_card.age"},    # 6
            {"name": "wage", "type": "money", "label": label("月工资收入", "Monthly wage"), "min": 0},    # 7
            {"name": "dues", "type": "money", "label": label("应交会费", "Monthly dues"),
             "derive": "wage.dues_amount"},                                                             # 8
            {"name": "joined_on", "type": "date", "label": label("入会日期", "Joined on")},              # 9
            {"name": "phone", "type": "phone", "label": label("手机号码", "Mobile")},                    # 10
        ],
        "screens": {
            "list": ["name", "id_card", "gender", "age", "org_unit", "status"],
            "search": ["name", "id_card"],
            "filters": ["status", "org_unit", "gender"],
            "export": ["id_card", "name", "gender", "birth_date", "age", "wage", "dues"],
            "order": "-joined_on",
        },
    }
    return {"org_units": org_units, "people": people}


def write_registers(directory: Path, registers: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for stem, data in registers.items():
        text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (directory / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return directory


def triples(problems: list[SchemaProblem]) -> set[tuple[str, str, str]]:
    return {(problem.code, problem.file, problem.path) for problem in problems}


def read_mutated(tmp_path: Path, mutate: Callable[[dict[str, Any]], None]) -> tuple[Registry, list[SchemaProblem]]:
    registers = valid_registers()
    mutate(registers)
    return read_registry(write_registers(tmp_path / "schemas", registers))


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict], None]:
    """Set registers[path[0]][path[1]]...[path[-1]] = value."""
    def mutate(registers):
        target = registers
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return mutate


def _delete(path: tuple[Any, ...]) -> Callable[[dict], None]:
    def mutate(registers):
        target = registers
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
    return mutate


def _both(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    def mutate(registers):
        for mutation in mutations:
            mutation(registers)
    return mutate


def F(index: int, key: str) -> tuple[Any, ...]:
    """Path to a key of a people field."""
    return ("people", "fields", index, key)


def test_valid_pair_has_zero_problems(tmp_path):
    registry, problems = read_registry(write_registers(tmp_path, valid_registers()))
    assert problems == []
    assert check_registry(registry) == []


CROSS_MISTAKES = [
    # E012 link target is an unknown register
    pytest.param(_set(F(3, "target"), "org_unit"), ("E012", "people.yaml", "fields[3].target"), id="E012-typo"),
    pytest.param(_set(("org_units", "fields", 3, "target"), "org_unit"),
                 ("E012", "org_units.yaml", "fields[3].target"), id="E012-self-typo"),
    # E017 key / title / org_field / tree name an unknown field
    pytest.param(_set(("people", "key"), "passport"), ("E017", "people.yaml", "key"), id="E017-key"),
    pytest.param(_set(("people", "title"), "nickname"), ("E017", "people.yaml", "title"), id="E017-title"),
    pytest.param(_set(("people", "org_field"), "unit"), ("E017", "people.yaml", "org_field"), id="E017-org-field"),
    pytest.param(_set(("org_units", "tree"), "up"), ("E017", "org_units.yaml", "tree"), id="E017-tree"),
    # E018 screens name an unknown (or unsearchable) field
    pytest.param(_set(("people", "screens", "list", 2), "sex"), ("E018", "people.yaml", "screens.list[2]"),
                 id="E018-list"),
    pytest.param(_set(("people", "screens", "search", 1), "email"), ("E018", "people.yaml", "screens.search[1]"),
                 id="E018-search"),
    pytest.param(_set(("people", "screens", "filters", 0), "state"), ("E018", "people.yaml", "screens.filters[0]"),
                 id="E018-filters"),
    pytest.param(_set(("people", "screens", "export", 6), "fee"), ("E018", "people.yaml", "screens.export[6]"),
                 id="E018-export"),
    pytest.param(_set(("people", "screens", "order"), "-joined"), ("E018", "people.yaml", "screens.order"),
                 id="E018-order"),
    pytest.param(_set(("people", "screens", "search"), ["name", "age"]), ("E018", "people.yaml", "screens.search[1]"),
                 id="E018-search-virtual-age"),
    pytest.param(_set(("people", "screens", "filters"), ["age"]), ("E018", "people.yaml", "screens.filters[0]"),
                 id="E018-filter-virtual-age"),
    # E022 derive: unknown function, missing source, wrong source type, result type mismatch
    pytest.param(_set(F(4, "derive"), "id_card.sex"), ("E022", "people.yaml", "fields[4].derive"),
                 id="E022-unknown-function"),
    pytest.param(_set(F(4, "derive"), "id_card"), ("E022", "people.yaml", "fields[4].derive"),
                 id="E022-no-function"),
    pytest.param(_set(F(4, "derive"), "passport.gender"), ("E022", "people.yaml", "fields[4].derive"),
                 id="E022-unknown-source"),
    pytest.param(_set(F(6, "derive"), "name.age"), ("E022", "people.yaml", "fields[6].derive"),
                 id="E022-wrong-source-type"),
    pytest.param(_set(F(8, "derive"), "joined_on.dues_amount"), ("E022", "people.yaml", "fields[8].derive"),
                 id="E022-dues-from-date"),
    pytest.param(_set(F(5, "derive"), "id_card.gender"), ("E022", "people.yaml", "fields[5].derive"),
                 id="E022-result-type-mismatch"),
    pytest.param(_set(F(8, "derive"), "wage.per_capita_monthly_income"), ("E022", "people.yaml", "fields[8].derive"),
                 id="E022-too-few-sources"),
    pytest.param(_set(F(8, "derive"), "wage,wage,name.per_capita_monthly_income"),
                 ("E022", "people.yaml", "fields[8].derive"), id="E022-wrong-type-of-a-later-source"),
    pytest.param(_set(F(8, "derive"), "wage,fee,age.per_capita_monthly_income"),
                 ("E022", "people.yaml", "fields[8].derive"), id="E022-unknown-later-source"),
    # E023 org_field must be a link to org_units
    pytest.param(_set(("people", "org_field"), "name"), ("E023", "people.yaml", "org_field"), id="E023-string"),
    pytest.param(_set(F(3, "target"), "people"), ("E023", "people.yaml", "org_field"), id="E023-link-elsewhere"),
    # E024 tree must be a self link
    pytest.param(_set(("org_units", "tree"), "name"), ("E024", "org_units.yaml", "tree"), id="E024-string"),
    pytest.param(_set(("org_units", "fields", 3, "target"), "people"), ("E024", "org_units.yaml", "tree"),
                 id="E024-link-elsewhere"),
    pytest.param(_set(("people", "tree"), "org_unit"), ("E024", "people.yaml", "tree"), id="E024-link-to-org"),
    # E025 two fields claim the same import header
    pytest.param(_set(F(10, "aliases"), ["姓名"]), ("E025", "people.yaml", "fields[10].aliases"),
                 id="E025-alias-is-other-label"),
    pytest.param(_set(F(10, "aliases"), ["STATUS"]), ("E025", "people.yaml", "fields[10].aliases"),
                 id="E025-alias-is-other-name-any-case"),
    pytest.param(_set(F(10, "aliases"), ["身份证 号码"]), ("E025", "people.yaml", "fields[10].aliases"),
                 id="E025-alias-is-other-alias-with-space"),
    pytest.param(_set(F(10, "label"), label("联系电话", "Full Name")), ("E025", "people.yaml", "fields[10].aliases"),
                 id="E025-english-label"),
    # E033 a choice alias must name one option only
    pytest.param(_set(F(2, "choices"), {"在籍": {"en": "Active", "aliases": ["退会"]}, "退会": "Left"}),
                 ("E033", "people.yaml", "fields[2].choices.在籍.aliases"), id="E033-alias-is-other-choice"),
    pytest.param(_set(F(2, "choices"), {"在籍": "Active", "退会": {"en": "Left", "aliases": ["active"]}}),
                 ("E033", "people.yaml", "fields[2].choices.退会.aliases"), id="E033-alias-is-other-english-label"),
    pytest.param(_set(F(2, "choices"), {"在籍": {"en": "Active", "aliases": ["在会"]},
                                         "退会": {"en": "Left", "aliases": ["在 会"]}}),
                 ("E033", "people.yaml", "fields[2].choices.退会.aliases"), id="E033-alias-on-two-choices"),
    pytest.param(_set(F(2, "choices"), {"在籍": {"en": "Active", "aliases": ["在会", "在会"]}, "退会": "Left"}),
                 ("E033", "people.yaml", "fields[2].choices.在籍.aliases"), id="E033-alias-twice-on-one-choice"),
    # E027 the natural key must be required and unique (and not derived)
    pytest.param(_set(F(0, "unique"), False), ("E027", "people.yaml", "key"), id="E027-not-unique"),
    pytest.param(_delete(F(0, "required")), ("E027", "people.yaml", "key"), id="E027-not-required"),
    pytest.param(_set(("people", "key"), "name"), ("E027", "people.yaml", "key"), id="E027-plain-field"),
    pytest.param(_both(_set(("people", "key"), "dues"), _set(F(8, "unique"), True)), ("E027", "people.yaml", "key"),
                 id="E027-derived"),
]


@pytest.mark.parametrize(("mutate", "expected"), CROSS_MISTAKES)
def test_each_kind_of_cross_reference_mistake(tmp_path, mutate, expected):
    registry, problems = read_mutated(tmp_path, mutate)
    assert expected in triples(problems), "\n".join(map(str, problems))
    # the loader's answer is exactly the per-file problems plus check_registry's
    assert triples(check_registry(registry)) <= triples(problems)
    problem = next(p for p in problems if (p.code, p.file, p.path) == expected)
    assert str(problem).startswith(f"schema.{expected[0]} {expected[1]} {expected[2]}: ")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(_set(("people", "key"), "passport"), {("E017", "people.yaml", "key")}, id="E017"),
        pytest.param(_set(("people", "screens", "order"), "-joined"), {("E018", "people.yaml", "screens.order")},
                     id="E018"),
        pytest.param(_set(F(6, "derive"), "name.age"), {("E022", "people.yaml", "fields[6].derive")}, id="E022"),
        pytest.param(_set(("people", "org_field"), "name"), {("E023", "people.yaml", "org_field")}, id="E023"),
        pytest.param(_set(("org_units", "tree"), "name"), {("E024", "org_units.yaml", "tree")}, id="E024"),
        pytest.param(_set(F(10, "aliases"), ["姓名"]), {("E025", "people.yaml", "fields[10].aliases")}, id="E025"),
        pytest.param(_set(F(0, "unique"), False), {("E027", "people.yaml", "key")}, id="E027"),
        pytest.param(_set(F(2, "choices"), {"在籍": {"en": "Active", "aliases": ["退会"]}, "退会": "Left"}),
                     {("E033", "people.yaml", "fields[2].choices.在籍.aliases")}, id="E033"),
    ],
)
def test_a_single_cross_mistake_is_reported_once(tmp_path, mutate, expected):
    _, problems = read_mutated(tmp_path, mutate)
    assert triples(problems) == expected, "\n".join(map(str, problems))


def test_unknown_link_target_message(tmp_path):
    _, problems = read_mutated(tmp_path, _set(F(3, "target"), "org_unit"))
    e012 = [p for p in problems if p.code == "E012"]
    assert [str(p) for p in e012] == [
        "schema.E012 people.yaml fields[3].target: 未知的登记簿 'org_unit'，可用：org_units, people"
    ]
    assert str(e012[0]).startswith("schema.E012 people.yaml fields[3].target: 未知的登记簿 'org_unit'")
    # a link to a non-org register also breaks the row scope
    assert ("E023", "people.yaml", "org_field") in triples(problems)


def test_link_to_a_broken_file_is_reported_as_unknown(tmp_path):
    """When org_units.yaml cannot be read, the links to it are reported as well, all in one pass."""
    _, problems = read_mutated(tmp_path, _set(("org_units",), "fields: [oops\n"))
    assert triples(problems) == {("E001", "org_units.yaml", ""), ("E012", "people.yaml", "fields[3].target")}


def test_virtual_field_in_search_message(tmp_path):
    _, problems = read_mutated(tmp_path, _set(("people", "screens", "search"), ["name", "age"]))
    (problem,) = problems
    assert str(problem) == "schema.E018 people.yaml screens.search[1]: 字段 'age' 不保存在数据库中，不能搜索或过滤"


def test_virtual_field_may_be_listed_and_exported(tmp_path):
    registry, problems = read_registry(write_registers(tmp_path, valid_registers()))
    assert problems == []
    assert "age" in registry.get("people").screens.list
    assert "age" in registry.get("people").screens.export


def test_derivation_messages(tmp_path):
    _, problems = read_mutated(tmp_path, _both(
        _set(F(4, "derive"), "id_card.sex"),
        _set(F(5, "derive"), "id_card.gender"),
        _set(F(6, "derive"), "name.age"),
        _set(F(8, "derive"), "fee.dues_amount"),
    ))
    messages = {p.path: p.message for p in problems if p.code == "E022"}
    assert messages["fields[4].derive"].startswith("未知的派生函数 'sex'，可用：gender, birth_date, age")
    assert messages["fields[5].derive"] == "'gender' 的结果是 choice 类型，字段却声明为 date"
    assert messages["fields[6].derive"] == "'age' 需要 date/id_card 类型的源字段，'name' 是 string"
    assert messages["fields[8].derive"] == "派生的源字段 'fee' 不存在"


def test_age_may_be_derived_from_a_date(tmp_path):
    _, problems = read_mutated(tmp_path, _set(F(6, "derive"), "birth_date.age"))
    assert problems == []


def test_alias_collision_message(tmp_path):
    _, problems = read_mutated(tmp_path, _set(F(10, "aliases"), ["姓名"]))
    (problem,) = problems
    assert problem.message == "表头 '姓名' 同时指向字段 'name' 和 'phone'，导入时无法区分"


def test_a_field_may_repeat_its_own_headers(tmp_path):
    _, problems = read_mutated(tmp_path, _set(F(10, "aliases"), ["手机号码", "phone", "MOBILE", "手机 号码"]))
    assert problems == []


def test_choice_alias_messages(tmp_path):
    _, problems = read_mutated(tmp_path, _set(F(2, "choices"), {
        "在籍": {"en": "Active", "aliases": ["退会", "在会"]}, "退会": {"en": "Left", "aliases": ["在会"]}}))
    assert sorted(str(p) for p in problems) == [
        "schema.E033 people.yaml fields[2].choices.在籍.aliases: 别名 '退会' 就是选项 '退会'（或其标签），"
        "不能再指向 '在籍'；请删除这个别名",
        "schema.E033 people.yaml fields[2].choices.退会.aliases: 别名 '在会' 同时写在选项 '在籍' 和 '退会' 下，"
        "无法确定它指哪个选项；请只保留一处",
    ]


def test_choice_aliases_may_repeat_their_own_option(tmp_path):
    registry, problems = read_mutated(tmp_path, _set(F(2, "choices"), {
        "在籍": {"en": "Active", "aliases": ["在籍", "active", "在会"]}, "退会": {"en": "Left", "aliases": ["退出"]}}))
    assert problems == []
    assert registry.get("people").field("status").choice_for("退出") == "退会"


def test_scope_and_tree_messages(tmp_path):
    _, problems = read_mutated(tmp_path, _both(_set(("people", "org_field"), "name"),
                                               _set(("org_units", "tree"), "name")))
    assert sorted(str(p) for p in problems) == [
        "schema.E023 people.yaml org_field: 'name' 不是指向 org_units 的链接字段",
        "schema.E024 org_units.yaml tree: 'name' 不是指向 org_units 自身的链接字段",
    ]


def test_cross_problems_are_reported_against_the_file_not_the_slug(tmp_path):
    """register != file name is E006; later problems still point at the file the clerk must edit."""
    _, problems = read_mutated(tmp_path, _both(_set(("people", "register"), "members"),
                                               _set(("people", "title"), "nickname")))
    assert triples(problems) == {("E006", "people.yaml", "register"), ("E017", "people.yaml", "title")}


def test_many_cross_mistakes_are_all_reported(tmp_path):
    _, problems = read_mutated(tmp_path, _both(
        _set(F(3, "target"), "org_unit"),
        _set(("people", "title"), "nickname"),
        _set(("people", "screens", "order"), "-joined"),
        _set(F(4, "derive"), "id_card.sex"),
        _set(F(10, "aliases"), ["姓名"]),
        _set(F(0, "unique"), False),
        _set(("org_units", "tree"), "name"),
    ))
    assert triples(problems) >= {
        ("E012", "people.yaml", "fields[3].target"),
        ("E017", "people.yaml", "title"),
        ("E018", "people.yaml", "screens.order"),
        ("E022", "people.yaml", "fields[4].derive"),
        ("E023", "people.yaml", "org_field"),
        ("E024", "org_units.yaml", "tree"),
        ("E025", "people.yaml", "fields[10].aliases"),
        ("E027", "people.yaml", "key"),
    }


def _spec(slug: str, fields: tuple[FieldSpec, ...], **options: Any) -> RegisterSpec:
    names = tuple(field.name for field in fields)
    return RegisterSpec(slug=slug, version=1, label=Label(slug, slug), key=names[0], title=names[0], fields=fields,
                        screens=Screens(list=names, search=(), filters=(), export=names), **options)


def test_check_registry_on_specs_built_in_python():
    code = FieldSpec("code", "string", Label("编号", "Code"), required=True, unique=True)
    parent = FieldSpec("parent", "link", Label("上级", "Parent"), target="units")
    registry = Registry((_spec("units", (code, parent), tree="parent", org_field="parent"),))
    # without a source file name the problem is reported against <slug>.yaml
    assert triples(check_registry(registry)) == {("E023", "units.yaml", "org_field")}
    ok = Registry((_spec("org_units", (code, FieldSpec("parent", "link", Label("上级", "Parent"),
                                                           target="org_units")), tree="parent"),))
    assert check_registry(ok) == []


def test_title_and_order_must_be_stored_columns(tmp_path) -> None:
    import shutil
    from pathlib import Path

    import yaml

    from portal.registry.loader import read_registry

    project = Path(__file__).resolve().parents[2] / "schemas"
    shutil.copytree(project, tmp_path / "s")
    members = yaml.safe_load((tmp_path / "s" / "members.yaml").read_text(encoding="utf-8"))
    members["title"] = "age"
    members["screens"]["order"] = "-age"
    (tmp_path / "s" / "members.yaml").write_text(yaml.safe_dump(members, allow_unicode=True), encoding="utf-8")
    _, problems = read_registry(tmp_path / "s")
    found = {(p.code, p.path) for p in problems}
    assert ("E017", "title") in found
    assert ("E018", "screens.order") in found


MASKED_WITH_MISTAKES = [
    pytest.param("fee", "随之打码的字段 'fee' 不存在；请写本登记簿中一个敏感字段的名称", id="unknown"),
    pytest.param("wage", "'wage' 不是另一个敏感字段（sensitive: true），写在这里不会让 'dues' 打码；"
                         "请改成它能反推出的那个敏感字段", id="not-sensitive"),
    pytest.param("dues", "'dues' 不是另一个敏感字段（sensitive: true），写在这里不会让 'dues' 打码；"
                         "请改成它能反推出的那个敏感字段", id="itself"),
]


@pytest.mark.parametrize(("target", "message"), MASKED_WITH_MISTAKES)
def test_masked_with_must_name_another_sensitive_field(tmp_path, target, message):
    _, problems = read_mutated(tmp_path, _both(_set(F(8, "masked_with"), target), _set(F(8, "sensitive"), True)))
    assert [(p.code, p.path, p.message) for p in problems] == [("E032", "fields[8].masked_with", message)]


def test_masked_with_a_sensitive_field_is_valid(tmp_path):
    registry, problems = read_mutated(tmp_path, _both(_set(F(7, "sensitive"), True),
                                                      _set(F(9, "masked_with"), "wage")))
    assert problems == []
    assert registry.get("people").field("joined_on").masked_with == "wage"


# -- org_from / within_org (E034, E035) ------------------------------------------------------------

def _with_fees(registers: dict[str, Any]) -> None:
    """A third register: fees of a person, kept under an org unit (org_from and within_org are valid here)."""
    registers["fees"] = {
        "register": "fees", "version": 1, "label": label("会费", "Fees"), "key": "no", "title": "no",
        "org_field": "org_unit",
        "fields": [
            {"name": "no", "type": "string", "label": label("单号", "Number"), "required": True, "unique": True},  # 0
            {"name": "person", "type": "link", "target": "people", "label": label("会员", "Member"),
             "required": True, "within_org": True},                                                               # 1
            {"name": "org_unit", "type": "link", "target": "org_units", "label": label("所属工会", "Union"),
             "required": True, "org_from": "person"},                                                             # 2
            {"name": "paid_by", "type": "link", "target": "fees", "label": label("合并缴费", "Paid with")},   # 3
            {"name": "amount", "type": "money", "label": label("金额", "Amount")},                               # 4
        ],
    }


def G(index: int, key: str) -> tuple[Any, ...]:
    """Path to a key of a fees field."""
    return ("fees", "fields", index, key)


def test_org_from_and_within_org_are_read(tmp_path):
    registry, problems = read_mutated(tmp_path, _with_fees)
    assert problems == []
    fees = registry.get("fees")
    assert fees.field("org_unit").org_from == "person" and fees.field("person").within_org


ORG_LINK_MISTAKES = [
    pytest.param(_set(G(2, "org_from"), "nobody"), "E034", "fields[2].org_from",
                 "'nobody' 不是本登记簿中的另一个链接字段；请写所属组织要取自的链接字段名，例如 member", id="E034-unknown"),
    pytest.param(_set(G(2, "org_from"), "org_unit"), "E034", "fields[2].org_from",
                 "'org_unit' 不是本登记簿中的另一个链接字段；请写所属组织要取自的链接字段名，例如 member", id="E034-itself"),
    pytest.param(_both(_delete(G(2, "org_from")), _set(G(1, "org_from"), "paid_by")), "E034", "fields[1].org_from",
                 "org_from 只能写在 org_field 字段（'org_unit'）上，'person' 不是；请移到 org_field 字段或删除",
                 id="E034-not-the-org-field"),
    pytest.param(_set(G(2, "within_org"), True), "E035", "fields[2].within_org",
                 "within_org 要求本登记簿有 org_field，且不能写在 org_field 字段本身上；请删除 'org_unit' 的 within_org",
                 id="E035-on-the-org-field"),
    pytest.param(_both(_delete(G(2, "org_from")), _delete(("fees", "org_field"))), "E035", "fields[1].within_org",
                 "within_org 要求本登记簿有 org_field，且不能写在 org_field 字段本身上；请删除 'person' 的 within_org",
                 id="E035-no-org-field"),
]


@pytest.mark.parametrize(("mutate", "code", "path", "message"), ORG_LINK_MISTAKES)
def test_org_link_mistakes(tmp_path, mutate, code, path, message):
    _, problems = read_mutated(tmp_path, _both(_with_fees, mutate))
    found = [(p.code, p.path) for p in problems]
    assert (code, path) in found, "\n".join(map(str, problems))
    assert next(p.message for p in problems if (p.code, p.path) == (code, path)) == message


def test_org_link_to_a_register_without_org_units(tmp_path):
    """A link to rows that are not placed in the org tree can give no org unit and cannot be checked."""
    def unplaced(registers: dict[str, Any]) -> None:
        _with_fees(registers)
        del registers["people"]["org_field"]
        registers["people"]["screens"]["filters"] = ["status", "gender"]
    _, problems = read_mutated(tmp_path, unplaced)
    assert {(p.code, p.path, p.message) for p in problems} == {
        ("E034", "fields[2].org_from", "'person' 链接的登记簿 'people' 没有所属组织（org_field），无法从中取得所属组织"),
        ("E035", "fields[1].within_org",
         "'person' 链接的登记簿 'people' 没有所属组织（org_field），无法判断是否在本记录的组织范围内"),
    }


def test_org_link_options_belong_to_links_only(tmp_path):
    _, problems = read_mutated(tmp_path, _both(_with_fees, _set(G(4, "within_org"), True)))
    assert ("E019", "fields[4].within_org") in [(p.code, p.path) for p in problems]
