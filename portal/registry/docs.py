"""Generate ``schemas/README.md`` (Chinese) from the meta-schema tables, so the manual cannot drift.

Every table in the README is rendered from the code that enforces it: the keys from ``meta.py``,
the field types from ``fieldtypes.py``, the derivations from ``derivations.py`` and the problem
codes from ``problems.py``. Only the short introduction and the example are written here.

Regenerate after changing any of those tables::

    python -m portal.registry.docs > schemas/README.md

``tests/registry/test_docs.py`` fails while the committed README differs from ``render_readme()``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, Sequence

from portal.registry import meta
from portal.registry.derivations import DERIVATIONS
from portal.registry.fieldtypes import COMMON_OPTIONS, FIELD_TYPES
from portal.registry.problems import CODES

#: Chinese names of the value kinds used in ``KeySpec.kind``. An unknown kind raises ``KeyError``
#: (a new kind must be documented here before the README can be generated).
KIND_NAMES: dict[str, str] = {
    "str": "文本",
    "bool": "true / false",
    "int": "整数",
    "number": "数字",
    "label": "中英文名称 `{zh: ..., en: ...}`",
    "unit": "文本，或中英文 `{zh: ..., en: ...}`（en 可为空）",
    "list[str]": "文本列表 `[a, b]`",
    "mapping": "映射",
    "choices": "文本列表，或 `值: 英文标签` / `值: {en: 英文标签, aliases: [别名]}` 映射",
    "scalar": "单个值（文本、数字、true/false）",
    "list[field]": "字段列表",
    "screens": "映射，键见“界面 screens”",
    "menu": "映射，键见“菜单 menu”",
    "list[print]": "打印表单列表，每项的键见“打印表单 print”",
    "workflow": "映射，键见“流程 workflow”",
    "yearly_caps": "映射，键见“每年上限 yearly_caps”",
    "list[transition]": "流转列表，每项的键见“流程的流转”",
    "list[effect]": "效果列表：`{set: 字段, to: 值}` 或 `{deadline: 日期字段, due_in: 20 days}`",
    "list[group]": "分组列表，每项的键见“报表分组 group_by”",
    "list[measure]": "度量列表，每项的键见“报表度量 measures”",
    "list[filter]": "筛选列表，每项的键见“报表筛选 filters”",
    "list[int]": "整数列表 `[30, 60, 90]`",
    "chart": "映射，键见“报表图表 chart”",
}

INTRO = """\
# 登记簿模式说明

> 本文件由 `python -m portal.registry.docs > schemas/README.md` 根据代码中的元模式表自动生成，请勿手工修改；
> 修改 `portal/registry/meta.py`、`fieldtypes.py`、`derivations.py` 或 `problems.py` 后重新生成。

`schemas/` 目录中每个 YAML 文件描述一个登记簿（登记簿 = 一张表 + 列表/详情/新增/编辑页面 + REST 接口 + 导入导出），
文件名就是登记簿标识（slug），例如 `members.yaml` 的 `register` 必须写 `members`。
检查是严格的：未知的键、不适用于该类型的选项、重复的表头别名、与其他选项冲突的选项别名都算错误，门户会列出全部问题并拒绝启动。

## 修改流程

1. 编辑 `schemas/` 中的 YAML 文件（新增登记簿就新建一个文件）。
2. 运行 `portal check`：列出所有问题，每条带代码（如 `schema.E012 members.yaml fields[4].target: ...`），代码含义见文末。
3. 运行 `portal db migrate -m "说明"`：生成数据库迁移脚本，与 YAML 一起提交。
4. 运行 `portal db upgrade`：把迁移应用到数据库。
"""

EXAMPLE = """\
## 示例

```yaml
register: members
version: 1
label: {zh: 会员, en: Members}
key: id_card
title: name
org_field: org_unit
menu: {group: {zh: 会员管理, en: Membership}, icon: fa-users, order: 20}
fields:
  - {name: name, type: string, label: {zh: 姓名, en: Name}, required: true, max_length: 50}
  - name: id_card
    type: id_card
    label: {zh: 身份证号, en: ID number}
    required: true
    unique: true
    sensitive: true
    aliases: [身份证号码, 公民身份号码, 证件号码]
  - {name: gender, type: choice, label: {zh: 性别, en: Gender}, choices: {男: Male, 女: Female}, derive: id_card.gender}
  - {name: org_unit, type: link, target: org_units, label: {zh: 所属工会, en: Union}, required: true}
  - name: education
    type: choice
    label: {zh: 学历, en: Education}
    choices:
      研究生: {en: Postgraduate, aliases: [硕士, 博士]}
      大学本科: {en: Bachelor's degree, aliases: [本科]}
      高中: Senior high school
    aliases: [文化程度, 最高学历]
  - name: status
    type: choice
    label: {zh: 会籍状态, en: Membership status}
    required: true
    default: 在籍
    choices: {在籍: Active, 保留会籍: On hold, 退会: Left}
screens:
  list: [name, gender, org_unit, status]
  search: [name, id_card]
  filters: [org_unit, status]
  order: name
```
"""


def _cell(text: str) -> str:
    """Make a value safe for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if text else "—"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows)
    return lines


def _key_table(specs: tuple[meta.KeySpec, ...]) -> list[str]:
    return _table(
        ("键", "值", "必填", "说明", "例子"),
        ((_code(spec.name), KIND_NAMES[spec.kind], "是" if spec.required else "", spec.doc, _code(spec.example))
         for spec in specs),
    )


def _section(title: str, intro: str, body: list[str]) -> list[str]:
    return [f"## {title}", "", *([intro, ""] if intro else []), *body, ""]


def _type_table() -> list[str]:
    return _table(
        ("类型", "说明", "专有选项", "Python 值", "表单控件", "Excel 格式"),
        ((_code(row.name), row.doc, "、".join(_code(option) for option in sorted(row.options)) or "—",
          _code(row.python), _code(row.widget), _code(row.xlsx_format or ""))
         for row in FIELD_TYPES.values()),
    )


def _derivation_table() -> list[str]:
    return _table(
        ("函数", "说明", "源字段类型", "结果类型", "保存到数据库"),
        ((_code(row.name), row.doc, "；".join("、".join(_code(name) for name in sorted(types))
                                              for types in row.all_source_types),
          _code(row.result_type), "是" if row.stored else "否（读取时计算，不能搜索或过滤）")
         for row in DERIVATIONS.values()),
    )


def render_readme() -> str:
    """The full text of ``schemas/README.md``."""
    common = "、".join(_code(option) for option in sorted(COMMON_OPTIONS))
    lines: list[str] = [INTRO]
    lines += _section("文件顶层的键", "每个登记簿文件是一个映射，可用的键如下（“必填”为空表示可省略）。",
                      _key_table(meta.REGISTER_KEYS))
    lines += _section("菜单 menu", "`menu` 的键：", _key_table(meta.MENU_KEYS))
    lines += _section("界面 screens", "`screens` 的键；列出的都必须是本登记簿的字段名。", _key_table(meta.SCREEN_KEYS))
    lines += _section(
        "打印表单 print",
        "`print` 中每一项是一个打印表单（A4 的 PDF）。模板放在 `schemas/print/`，改模板不需要改 Python；"
        "`portal check` 检查模板文件存在并且是合法的 Jinja 模板（E037）。模板中的值与查看页相同：敏感字段对没有明文权限的角色打码。",
        _key_table(meta.PRINT_KEYS))
    lines += _section(
        "流程 workflow",
        "`workflow` 让一个选择字段成为记录的状态：状态只能通过流转（详情页的按钮、接口 "
        "`POST /api/v1/<登记簿>/<id>/transition/<流转>`、命令 `portal transition`）改变，普通保存和导入都不能直接改；"
        "每次流转只成功一次（并发时其余的得到 409），并记入审计日志（谁、何时、从哪个状态到哪个状态、动作、理由、字段变化）。"
        "流程图画在登记簿的“流程”页上。",
        _key_table(meta.WORKFLOW_KEYS))
    lines += _section("流程的状态", "`workflow.states` 中每个状态（状态字段的一个选项）的键：", _key_table(meta.STATE_KEYS))
    lines += _section("流程的流转", "`workflow.transitions` 中每一项的键：", _key_table(meta.TRANSITION_KEYS))
    lines += _section("流转的多人审批", "流转的 `approvals` 的键（名单和每人的同意记在 `workflow_approvers` 表中，并写入审计日志）：",
                      _key_table(meta.APPROVAL_KEYS))
    lines += _section("每年上限 yearly_caps", "`yearly_caps` 的键（新增或修改一笔时检查，超出时说明上限和本年已用金额）：",
                      _key_table(meta.CAPS_KEYS))
    lines += _section("字段的键", "`fields` 中每一项是一个映射，可用的键如下。", _key_table(meta.FIELD_KEYS))
    lines += _section(
        "字段类型",
        f"所有类型都可以用的键：{common}。其余的键只能用于表中“专有选项”列出的类型，用错会报 E019。",
        _type_table(),
    )
    lines += _section(
        "派生函数",
        "派生字段写作 `derive: 源字段.函数`，例如 `derive: id_card.gender`；需要几个源字段的函数按表中顺序用逗号分隔，"
        "例如 `derive: household_annual_income,rigid_expenses,household_size.per_capita_monthly_income`。"
        "字段类型必须等于函数的结果类型，源字段类型必须是表中列出的类型（多个源字段的类型按顺序用“；”分开）。"
        "派生字段只读，不能设置 `required` 或 `default`；从敏感字段得出的值随源字段一起打码。",
        _derivation_table(),
    )
    lines += _section(
        "报表 reports",
        "报表写在 `schemas/reports/<标识>.yaml`（与登记簿文件放在同一个模式目录下，`portal check` 一并检查，问题代码 E050–E057）。"
        "一个报表统计一个登记簿的行：按读者的行范围，一条聚合 SQL 查询得出分组和度量；报表页（`/reports/<标识>/`）显示图表、"
        "同样数字的表格和 xlsx 导出，`GET /api/v1/reports/<标识>` 返回同样的数据。谁能看哪个报表写在 `permissions/roles.yaml` 的 "
        "`reports`（read、export）。报表用来分组、汇总或筛选的字段对读者打码时，整个报表对该读者拒绝显示（不是把结果打码）。文件顶层的键：",
        _key_table(meta.REPORT_KEYS))
    lines += _section("报表分组 group_by", "", _key_table(meta.GROUP_KEYS))
    lines += _section("报表度量 measures", "", _key_table(meta.MEASURE_KEYS))
    lines += _section("报表筛选 filters", "", _key_table(meta.FILTER_KEYS))
    lines += _section("报表图表 chart", "图表用门户自带的 ECharts 绘制（中文，不访问外网）；每个图表都有同样数字的表格。",
                      _key_table(meta.CHART_KEYS))
    lines += _section("问题代码", "`portal check` 和启动时报告的问题代码；代码含义固定不变。",
                      _table(("代码", "含义"), ((_code(f"schema.{code}"), text) for code, text in CODES.items())))
    lines.append(EXAMPLE)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the README as UTF-8 on stdout, or write it to the path given as the only argument."""
    args = list(sys.argv[1:] if argv is None else argv)
    text = render_readme()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
