"""Read ``schemas/*.yaml`` into a ``Registry``, strictly: every problem in every file is collected.

``load_registry(directory)`` returns the registry or raises ``SchemaError`` with all problems.
Structural problems (keys, kinds, types, options) are found here; cross-register problems
(links, screens, derivations, scope) in ``checks.py``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from portal.registry.yaml_text import load_yaml
from portal.domain.messages import DomainValidationError
from portal.registry import meta
from portal.registry.checks import check_registry
from portal.registry.fieldtypes import FIELD_TYPES, allowed_options
from portal.registry.prints import read_prints
from portal.registry.problems import ProblemList, SchemaError, SchemaProblem
from portal.registry.caps import read_caps
from portal.registry.workflow import read_workflow
from portal.registry.spec import Choice, FieldSpec, Label, Menu, RegisterSpec, Registry, Screens

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED = frozenset({"id", "created_at", "updated_at", "created_by", "updated_by", "metadata", "query", "registry"})
DEFAULT_LIST_COLUMNS = 6


def load_registry(directory: Path) -> Registry:
    """Load and check every ``*.yaml`` under ``directory``; raise ``SchemaError`` on any problem."""
    registry, problems = read_registry(directory)
    if problems:
        raise SchemaError(problems)
    return registry


def read_registry(directory: Path) -> tuple[Registry, list[SchemaProblem]]:
    """Load what can be loaded and return it with every problem found (for ``portal check``)."""
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        empty = ProblemList(str(directory))
        empty.add("E031", "", f"目录 {directory} 中没有 *.yaml 文件")
        return Registry(), empty.items
    specs: list[RegisterSpec] = []
    problems: list[SchemaProblem] = []
    for path in files:
        found = ProblemList(path.name)
        spec = _read_file(path, found)
        if spec is not None:
            specs.append(spec)
        problems.extend(found.items)
    registry = Registry(tuple(specs))
    problems.extend(check_registry(registry))
    return registry, sorted(problems)


def _read_file(path: Path, problems: ProblemList) -> RegisterSpec | None:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problems.add("E001", "", f"无法读取：{error}".replace("\n", " "))
        return None
    if not isinstance(data, dict):
        problems.add("E002", "", "文件内容必须是“键: 值”的映射")
        return None
    _check_keys(data, meta.REGISTER_KEYS, "", problems)
    if data.get("key") in (None, ""):
        problems.add("E016", "key", "缺少自然键 key：请写明按哪个字段识别记录（导入更新、链接都靠它）")
    slug = _str(data, "register", "register", problems) or path.stem
    if slug != path.stem:
        problems.add("E006", "register", f"register 是 '{slug}'，但文件名是 '{path.stem}.yaml'，两者必须相同")
    if not IDENTIFIER.match(slug):
        problems.add("E007", "register", f"'{slug}' 只能用小写英文字母、数字和下划线，并以字母开头")
    fields = tuple(_read_fields(data.get("fields"), problems))
    names = [spec.name for spec in fields]
    return RegisterSpec(
        slug=slug,
        version=_int(data, "version", "version", problems) or 1,
        label=(_label(data["label"], "label", problems) if "label" in data else None) or Label(slug, slug),
        key=_str(data, "key", "key", problems) or "",
        title=_str(data, "title", "title", problems) or (names[0] if names else ""),
        fields=fields,
        screens=_read_screens(data.get("screens"), names, problems),
        description=_label(data.get("description"), "description", problems) if "description" in data else None,
        org_field=_str(data, "org_field", "org_field", problems),
        tree=_str(data, "tree", "tree", problems),
        menu=_read_menu(data.get("menu"), problems) if "menu" in data else None,
        approval=_str_list(data.get("approval"), "approval", problems) if "approval" in data else (),
        prints=read_prints(data.get("print"), path.parent, problems) if "print" in data else (),
        workflow=read_workflow(data.get("workflow"), fields, problems) if "workflow" in data else None,
        yearly_caps=read_caps(data.get("yearly_caps"), fields, problems) if "yearly_caps" in data else None,
        source=path.name,
    )


def _check_keys(data: dict[str, Any], specs: tuple[meta.KeySpec, ...], base: str, problems: ProblemList) -> None:
    known = meta.keys_by_name(specs)
    for key in data:
        if key not in known:
            problems.add("E003", _join(base, str(key)), f"未知的键 '{key}'，可用的键：{', '.join(known)}")
    for spec in specs:
        if spec.required and spec.name not in data and spec.name != "key":
            problems.add("E004", _join(base, spec.name), f"缺少必填的键 '{spec.name}'：{spec.doc}")


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def _str(data: dict[str, Any], key: str, path: str, problems: ProblemList) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add("E005", path, f"'{key}' 应为文本，当前为 {value!r}")
        return None
    return value


def _int(data: dict[str, Any], key: str, path: str, problems: ProblemList) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add("E005", path, f"'{key}' 应为整数，当前为 {value!r}")
        return None
    return value


def _bool(data: dict[str, Any], key: str, path: str, problems: ProblemList) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        problems.add("E005", path, f"'{key}' 应为 true 或 false，当前为 {value!r}")
        return False
    return value


def _number(data: dict[str, Any], key: str, path: str, problems: ProblemList) -> Decimal | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.add("E005", path, f"'{key}' 应为数字，当前为 {value!r}")
        return None
    return Decimal(str(value))


def _label(value: Any, path: str, problems: ProblemList) -> Label | None:
    if isinstance(value, dict) and set(value) == {"zh", "en"} and all(isinstance(v, str) and v for v in value.values()):
        return Label(value["zh"], value["en"])
    problems.add("E005", path, f"应为中英文名称 {{zh: ..., en: ...}}，当前为 {value!r}")
    return None


def _str_list(value: Any, path: str, problems: ProblemList) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.add("E005", path, f"应为文本列表，当前为 {value!r}")
        return ()
    return tuple(value)


def _read_fields(raw: Any, problems: ProblemList) -> list[FieldSpec]:
    if not isinstance(raw, list):
        if raw is not None:
            problems.add("E005", "fields", "fields 应为字段列表")
        return []
    fields: list[FieldSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = f"fields[{index}]"
        if not isinstance(item, dict):
            problems.add("E005", path, "每个字段应为映射（name、type、label ...）")
            continue
        spec = _read_field(item, path, problems)
        if spec is None:
            continue
        if spec.name in seen:
            problems.add("E011", f"{path}.name", f"字段名 '{spec.name}' 重复，请改名或删除其中一个")
            continue
        seen.add(spec.name)
        fields.append(spec)
    return fields


def _read_field(item: dict[str, Any], path: str, problems: ProblemList) -> FieldSpec | None:
    _check_keys(item, meta.FIELD_KEYS, path, problems)
    name = _str(item, "name", f"{path}.name", problems)
    type_name = _str(item, "type", f"{path}.type", problems)
    if not name:
        return None
    if not IDENTIFIER.match(name):
        problems.add("E007", f"{path}.name", f"字段名 '{name}' 只能用小写英文字母、数字和下划线，并以字母开头")
    if name in RESERVED:
        problems.add("E008", f"{path}.name", f"'{name}' 是系统保留的名称，请换一个字段名")
    if type_name not in FIELD_TYPES:
        if type_name is not None:
            problems.add("E010", f"{path}.type", f"未知的字段类型 '{type_name}'，可用：{', '.join(FIELD_TYPES)}")
        return None
    for key in item:
        if key in meta.keys_by_name(meta.FIELD_KEYS) and key not in allowed_options(type_name):
            problems.add("E019", f"{path}.{key}", f"'{key}' 不适用于 {type_name} 类型的字段，请删除")
    spec = FieldSpec(
        name=name,
        type=type_name,
        label=(_label(item["label"], f"{path}.label", problems) if "label" in item else None) or Label(name, name),
        required=_bool(item, "required", f"{path}.required", problems),
        unique=_bool(item, "unique", f"{path}.unique", problems),
        default=item.get("default"),
        min=_number(item, "min", f"{path}.min", problems),
        max=_number(item, "max", f"{path}.max", problems),
        max_length=_int(item, "max_length", f"{path}.max_length", problems),
        pattern=_str(item, "pattern", f"{path}.pattern", problems),
        help=_label(item["help"], f"{path}.help", problems) if "help" in item else None,
        sensitive=_bool(item, "sensitive", f"{path}.sensitive", problems),
        masked_with=_str(item, "masked_with", f"{path}.masked_with", problems),
        choices=_read_choices(item, type_name, path, problems),
        target=_str(item, "target", f"{path}.target", problems),
        org_from=_str(item, "org_from", f"{path}.org_from", problems),
        within_org=_bool(item, "within_org", f"{path}.within_org", problems),
        derive=_str(item, "derive", f"{path}.derive", problems),
        aliases=_str_list(item.get("aliases"), f"{path}.aliases", problems),
        index=_bool(item, "index", f"{path}.index", problems),
    )
    _check_field_values(spec, path, problems)
    return spec


def _read_choices(item: dict[str, Any], type_name: str, path: str, problems: ProblemList) -> tuple[Choice, ...]:
    raw = item.get("choices")
    if type_name != "choice":
        return ()
    if isinstance(raw, list) and raw and all(isinstance(value, str) for value in raw):
        choices = [Choice(value, Label(value, value)) for value in raw]
    elif isinstance(raw, dict) and raw and all(isinstance(value, str) for value in raw):
        read = [_read_choice(value, entry, f"{path}.choices.{value}", problems) for value, entry in raw.items()]
        choices = [choice for choice in read if choice is not None]
    else:
        problems.add("E015", f"{path}.choices", "choice 字段需要 choices：文本列表，或“值: 英文标签”的映射")
        return ()
    values = [choice.value for choice in choices]
    for value in {value for value in values if values.count(value) > 1}:
        problems.add("E015", f"{path}.choices", f"选项 '{value}' 重复")
    return tuple(choices)


def _read_choice(value: str, entry: Any, path: str, problems: ProblemList) -> Choice | None:
    """``值: English`` or ``值: {en: English, aliases: [别名, ...]}``."""
    if isinstance(entry, str):
        return Choice(value, Label(value, entry))
    if isinstance(entry, dict) and isinstance(entry.get("en"), str) and set(entry) <= {"en", "aliases"}:
        return Choice(value, Label(value, entry["en"]), _str_list(entry.get("aliases"), f"{path}.aliases", problems))
    problems.add("E015", path, f"选项 '{value}' 应写成“值: 英文标签”或“值: {{en: 英文标签, aliases: [别名]}}”，"
                               f"当前为 {entry!r}")
    return None


def _check_field_values(spec: FieldSpec, path: str, problems: ProblemList) -> None:
    if spec.type == "link" and not spec.target:
        problems.add("E013", f"{path}.target", "链接字段必须写明 target（目标登记簿）")
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        problems.add("E020", f"{path}.min", f"min ({spec.min}) 大于 max ({spec.max})")
    if spec.pattern:
        try:
            re.compile(spec.pattern)
        except re.error as error:
            problems.add("E021", f"{path}.pattern", f"正则表达式错误：{error}")
    if spec.is_derived and (spec.required or spec.default is not None):
        problems.add("E028", f"{path}.derive", "派生字段由系统计算，不能再设置 required 或 default")
    if spec.default is not None and spec.type != "link":
        if spec.type == "choice" and spec.choices and spec.default not in spec.choice_values:
            problems.add("E014", f"{path}.default",
                         f"默认值 '{spec.default}' 不在选项中（{'、'.join(spec.choice_values)}）")
        elif spec.type != "choice":  # a choice without choices is already E015
            try:
                FIELD_TYPES[spec.type].parse(spec.default, spec)
            except DomainValidationError as error:
                problems.add("E026", f"{path}.default", f"默认值不符合字段类型：{error}")


def _read_screens(raw: Any, names: list[str], problems: ProblemList) -> Screens:
    data: dict[str, Any] = {}
    if raw is not None:
        if isinstance(raw, dict):
            _check_keys(raw, meta.SCREEN_KEYS, "screens", problems)
            data = raw
        else:
            problems.add("E005", "screens", "screens 应为映射（list、search、filters、export、order）")
    columns = _str_list(data.get("list"), "screens.list", problems) or tuple(names[:DEFAULT_LIST_COLUMNS])
    search = _str_list(data.get("search"), "screens.search", problems)
    filters = _str_list(data.get("filters"), "screens.filters", problems) or search
    export = _str_list(data.get("export"), "screens.export", problems) or columns
    order = _str(data, "order", "screens.order", problems)
    return Screens(list=columns, search=search, filters=filters, export=export, order=order)


def _read_menu(raw: Any, problems: ProblemList) -> Menu | None:
    if not isinstance(raw, dict):
        problems.add("E005", "menu", "menu 应为映射（group、icon、order）")
        return None
    _check_keys(raw, meta.MENU_KEYS, "menu", problems)
    group = (_label(raw["group"], "menu.group", problems) if "group" in raw else None) or Label("其他", "Other")
    return Menu(group=group, icon=_str(raw, "icon", "menu.icon", problems) or "fa-table",
                order=_int(raw, "order", "menu.order", problems) or 100)
