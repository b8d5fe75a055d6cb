"""Cross-reference checks over the whole registry (after each file has been read).

Each ``_check_*`` function looks at one kind of mistake and returns its problems; ``check_registry``
runs all of them, so an administrator sees every problem at once, not the first one.
"""

from __future__ import annotations

from typing import Callable, Iterable

from portal.domain.normalize import spelling_key
from portal.registry.derivations import DERIVATIONS, is_stored
from portal.registry.problems import ProblemList, SchemaProblem
from portal.registry.spec import RegisterSpec, Registry

ORG_REGISTER = "org_units"


def check_registry(registry: Registry) -> list[SchemaProblem]:
    problems: list[SchemaProblem] = []
    for spec in registry:
        found = ProblemList(spec.source or f"{spec.slug}.yaml")
        for check in _CHECKS:
            check(spec, registry, found)
        problems.extend(found.items)
    return problems


def _index(spec: RegisterSpec, name: str) -> int:
    return next(i for i, field in enumerate(spec.fields) if field.name == name)


def _check_links(spec: RegisterSpec, registry: Registry, problems: ProblemList) -> None:
    for field in spec.links:
        if field.target and field.target not in registry:
            problems.add("E012", f"fields[{_index(spec, field.name)}].target",
                         f"未知的登记簿 '{field.target}'，可用：{', '.join(registry.slugs)}")


def _check_references(spec: RegisterSpec, registry: Registry, problems: ProblemList) -> None:
    for option in ("key", "title", "org_field", "tree"):
        name = getattr(spec, option)
        if name and not spec.has_field(name):
            problems.add("E017", option, f"{option} 引用的字段 '{name}' 不存在")
    for position, name in enumerate(spec.approval):
        if not spec.has_field(name) or spec.field(name).is_derived or name == spec.key:
            problems.add("E029", f"approval[{position}]",
                         f"审批字段 '{name}' 必须是本登记簿中已有的、非派生、非自然键的字段")
    if spec.title and spec.has_field(spec.title) and not is_stored(spec.field(spec.title)):
        problems.add("E017", "title", f"标题字段 '{spec.title}' 不保存在数据库中，不能用作标题")
    if spec.key and spec.has_field(spec.key):
        key = spec.key_field
        if not (key.required and key.unique) or key.is_derived:
            problems.add("E027", "key", f"自然键字段 '{spec.key}' 必须设置 required: true 和 unique: true，且不能是派生字段")


def _check_screens(spec: RegisterSpec, registry: Registry, problems: ProblemList) -> None:
    for option in ("list", "search", "filters", "export"):
        for position, name in enumerate(getattr(spec.screens, option)):
            if not spec.has_field(name):
                problems.add("E018", f"screens.{option}[{position}]", f"字段 '{name}' 不存在")
    order = (spec.screens.order or "").lstrip("-")
    if order and not spec.has_field(order):
        problems.add("E018", "screens.order", f"排序字段 '{order}' 不存在")
    elif order and not is_stored(spec.field(order)):
        problems.add("E018", "screens.order", f"排序字段 '{order}' 不保存在数据库中，不能排序")
    for option in ("search", "filters"):
        for position, name in enumerate(getattr(spec.screens, option)):
            if spec.has_field(name) and not is_stored(spec.field(name)):
                problems.add("E018", f"screens.{option}[{position}]", f"字段 '{name}' 不保存在数据库中，不能搜索或过滤")


def _check_derivations(spec: RegisterSpec, registry: Registry, problems: ProblemList) -> None:
    for field in spec.fields:
        if not field.derive:
            continue
        path = f"fields[{_index(spec, field.name)}].derive"
        function = field.derive.partition(".")[2]
        derivation = DERIVATIONS.get(function)
        if derivation is None:
            problems.add("E022", path, f"未知的派生函数 '{function}'，可用：{', '.join(DERIVATIONS)}（写法：源字段.函数）")
        elif len(field.derive_sources) != len(derivation.all_source_types):
            problems.add("E022", path, f"'{function}' 需要 {len(derivation.all_source_types)} 个源字段（用逗号分隔），"
                                       f"这里写了 {len(field.derive_sources)} 个")
        elif message := _source_problem(spec, function, field.derive_sources, derivation.all_source_types):
            problems.add("E022", path, message)
        elif derivation.result_type != field.type:
            problems.add("E022", path, f"'{function}' 的结果是 {derivation.result_type} 类型，字段却声明为 {field.type}")


def _source_problem(spec: RegisterSpec, function: str, sources: tuple[str, ...],
                    types: tuple[frozenset[str], ...]) -> str | None:
    """The first source field that does not exist or has a type the derivation cannot read."""
    for source, allowed in zip(sources, types):
        if not spec.has_field(source):
            return f"派生的源字段 '{source}' 不存在"
        if spec.field(source).type not in allowed:
            return f"'{function}' 需要 {'/'.join(sorted(allowed))} 类型的源字段，'{source}' 是 {spec.field(source).type}"
    return None


def _check_masked_with(spec: RegisterSpec, registry: Registry, problems: ProblemList) -> None:
    for position, field in enumerate(spec.fields):
        name = field.masked_with
        if name is None:
            continue
        path = f"fields[{position}].masked_with"
        if not spec.has_field(name):
            problems.add("E032", path, f"随之打码的字段 '{name}' 不存在；请写本登记簿中一个敏感字段的名称")
        elif name == field.name or not spec.field(name).sensitive:
            problems.add("E032", path, f"'{name}' 不是另一个敏感字段（sensitive: true），写在这里不会让 "
                                       f"'{field.name}' 打码；请改成它能反推出的那个敏感字段")


def _check_scope(spec: RegisterSpec, registry: Registry, problems: ProblemList) -> None:
    if spec.org_field and spec.has_field(spec.org_field):
        field = spec.field(spec.org_field)
        if not (field.is_link and field.target == ORG_REGISTER):
            problems.add("E023", "org_field", f"'{spec.org_field}' 不是指向 {ORG_REGISTER} 的链接字段")
    if spec.tree and spec.has_field(spec.tree):
        field = spec.field(spec.tree)
        if not (field.is_link and field.target == spec.slug):
            problems.add("E024", "tree", f"'{spec.tree}' 不是指向 {spec.slug} 自身的链接字段")


def _placed(registry: Registry, slug: str | None) -> bool:
    """A register whose rows lie in the org tree: the org units themselves, or one with an ``org_field``."""
    if slug == ORG_REGISTER:
        return True
    return slug in registry and registry.get(slug or "").org_field is not None


def _check_org_links(spec: RegisterSpec, registry: Registry, problems: ProblemList) -> None:
    """``org_from`` sits on the org field and names a link to placed rows; ``within_org`` is on such a link."""
    for position, field in enumerate(spec.fields):
        if field.org_from is not None:
            path = f"fields[{position}].org_from"
            source = spec.field(field.org_from) if spec.has_field(field.org_from) else None
            if field.name != spec.org_field:
                problems.add("E034", path, f"org_from 只能写在 org_field 字段（'{spec.org_field or '未设置'}'）上，"
                                           f"'{field.name}' 不是；请移到 org_field 字段或删除")
            elif source is None or not source.is_link or source.name == field.name:
                problems.add("E034", path, f"'{field.org_from}' 不是本登记簿中的另一个链接字段；"
                                           f"请写所属组织要取自的链接字段名，例如 member")
            elif not _placed(registry, source.target):
                problems.add("E034", path, f"'{field.org_from}' 链接的登记簿 '{source.target}' 没有所属组织"
                                           f"（org_field），无法从中取得所属组织")
        if field.within_org:
            path = f"fields[{position}].within_org"
            if spec.org_field is None or field.name == spec.org_field:
                problems.add("E035", path, f"within_org 要求本登记簿有 org_field，且不能写在 org_field 字段本身上；"
                                           f"请删除 '{field.name}' 的 within_org")
            elif field.is_link and not _placed(registry, field.target):
                problems.add("E035", path, f"'{field.name}' 链接的登记簿 '{field.target}' 没有所属组织"
                                           f"（org_field），无法判断是否在本记录的组织范围内")


def _check_aliases(spec: RegisterSpec, registry: Registry, problems: ProblemList) -> None:
    owners: dict[str, str] = {}
    for position, field in enumerate(spec.fields):
        headers: Iterable[str] = (field.name, field.label.zh, field.label.en, *field.aliases)
        for header in dict.fromkeys(spelling_key(h) for h in headers):
            owner = owners.setdefault(header, field.name)
            if owner != field.name:
                problems.add("E025", f"fields[{position}].aliases",
                             f"表头 '{header}' 同时指向字段 '{owner}' 和 '{field.name}'，导入时无法区分")


def _check_choice_aliases(spec: RegisterSpec, registry: Registry, problems: ProblemList) -> None:
    """A choice alias must name one option only: not another option's value or label, not twice."""
    for position, field in enumerate(spec.fields):
        owners: dict[str, str] = {}
        for choice in field.choices:
            for text in choice.names:
                owners.setdefault(spelling_key(text), choice.value)
        seen: dict[str, str] = {}
        for choice in field.choices:
            path = f"fields[{position}].choices.{choice.value}.aliases"
            for alias in choice.aliases:
                key = spelling_key(alias)
                owner = owners.get(key, choice.value)
                if owner != choice.value:
                    problems.add("E033", path, f"别名 '{alias}' 就是选项 '{owner}'（或其标签），不能再指向 "
                                               f"'{choice.value}'；请删除这个别名")
                elif key in seen:
                    problems.add("E033", path, _twice(alias, seen[key], choice.value))
                else:
                    seen[key] = choice.value


def _twice(alias: str, first: str, second: str) -> str:
    if first == second:
        return f"别名 '{alias}' 在选项 '{first}' 下写了两次；请删除一个"
    return f"别名 '{alias}' 同时写在选项 '{first}' 和 '{second}' 下，无法确定它指哪个选项；请只保留一处"


_CHECKS: tuple[Callable[[RegisterSpec, Registry, ProblemList], None], ...] = (
    _check_links,
    _check_references,
    _check_screens,
    _check_derivations,
    _check_masked_with,
    _check_scope,
    _check_org_links,
    _check_aliases,
    _check_choice_aliases,
)
