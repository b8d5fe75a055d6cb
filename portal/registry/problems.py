"""Schema problems: every mistake in every file, each with a stable code.

Codes never change meaning; tests assert them. The message is Chinese and says what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass

CODES: dict[str, str] = {
    "E001": "文件无法读取或不是合法的 YAML",
    "E002": "文件顶层必须是映射（键: 值）",
    "E003": "未知的键",
    "E004": "缺少必填的键",
    "E005": "值的类型不对",
    "E006": "register 必须与文件名相同",
    "E007": "名称不合法",
    "E008": "保留名称，不能用作字段名",
    "E010": "未知的字段类型",
    "E011": "字段名重复",
    "E012": "链接目标是未知的登记簿",
    "E013": "链接字段缺少 target",
    "E014": "默认值不在选项中",
    "E015": "选项缺失或重复",
    "E016": "缺少自然键 key",
    "E017": "引用了不存在的字段",
    "E018": "界面列引用了不存在的字段",
    "E019": "该选项不适用于此字段类型",
    "E020": "min 大于 max",
    "E021": "pattern 不是合法的正则表达式",
    "E022": "派生规则不正确",
    "E023": "org_field 必须是指向 org_units 的链接字段",
    "E024": "tree 必须是指向本登记簿的链接字段",
    "E025": "导入表头别名重复",
    "E026": "默认值不符合字段类型",
    "E027": "自然键字段必须必填且唯一",
    "E028": "派生字段不能设置 required 或 default",
    "E029": "审批字段必须是本登记簿中可编辑的字段",
    "E031": "没有找到任何登记簿文件",
    "E032": "masked_with 必须是本登记簿中的另一个敏感字段",
    "E033": "选项别名与另一个选项相同，或重复声明",
    "E034": "org_from 必须写在 org_field 字段上，并指向本登记簿中链接到有所属组织的登记簿的链接字段",
    "E035": "within_org 只能用于有 org_field 的登记簿中、链接到有所属组织的登记簿的链接字段",
    "E036": "打印表单声明有误：名称不合法或重复，或 kind 不是 record / list",
    "E037": "打印模板文件不存在，或不是合法的 Jinja 模板",
    "E040": "流程的状态字段必须是本登记簿中的选择字段",
    "E041": "流程的状态必须与状态字段的选项一一对应，默认值必须是一个状态",
    "E042": "流转声明有误：名称不合法或重复，或 from / to 不是已声明的状态",
    "E043": "流程引用了不存在或不能填写的字段",
    "E044": "流转条件写法有误，或引用了不存在的字段或设置",
    "E045": "流转的权限动词未知",
    "E046": "流程的设置、set 值、期限或效果写法有误",
    "E047": "每年上限 yearly_caps 写法有误：字段类型不对，或上限不是某个选项的数字",
    "E048": "多人审批 approvals 写法有误：人数不是 1–50 的整数或已声明的设置，角色名不合法，或 reject 不是同一状态出发的另一个流转",
    "E050": "报表标识不合法、与文件名不同或重复",
    "E051": "报表统计的登记簿或内置查询不存在",
    "E052": "报表引用的字段不存在或不保存在数据库中",
    "E053": "报表分组有误：bucket 不适用于该字段，org_level 不是正整数，bands 不是递增的正整数，或登记簿没有所属组织",
    "E054": "报表度量有误：未知的 agg，sum/avg 用于非数字字段，related 或 ratio 引用有误",
    "E055": "报表筛选有误：未知的运算符，或值不符合字段",
    "E056": "报表图表有误：未知的类型，或引用了不存在的分组或度量",
    "E057": "报表中的列标识重复或不合法",
}


@dataclass(frozen=True, order=True)
class SchemaProblem:
    """One problem: ``schema.E012 members.yaml fields[4].target: 未知的登记簿 'org_unit'``."""

    file: str
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file} {self.path}" if self.path else self.file
        return f"schema.{self.code} {where}: {self.message}"


class SchemaError(Exception):
    """Raised at start-up when any schema has problems; carries all of them."""

    def __init__(self, problems: list[SchemaProblem]) -> None:
        self.problems = sorted(problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"登记簿模式有 {len(self.problems)} 个问题，门户拒绝启动：\n{lines}")


class ProblemList:
    """Collects problems for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[SchemaProblem] = []

    def add(self, code: str, path: str, message: str) -> None:
        if code not in CODES:
            raise KeyError(f"undeclared schema problem code {code}")
        self.items.append(SchemaProblem(self.file, path, code, message))
