"""The single table of user-facing messages for domain validation.

Every template names the field through the ``label`` parameter (the field's
display label, e.g. ``身份证号``) and tells the user how to fix the value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "required": {
        "zh": "{label}不能为空，请填写",
        "en": "{label}: required, please fill it in",
    },
    "id_length": {
        "zh": "{label}应为 18 位（当前 {length} 位）",
        "en": "{label}: must have 18 characters (currently {length})",
    },
    "id_legacy_15": {
        "zh": "{label}是 15 位旧号码，请换成 18 位新号码后再填写",
        "en": "{label}: this is an old 15-digit number, please enter the 18-digit number instead",
    },
    "id_chars": {
        "zh": "{label}只能包含数字，最后一位可以是 X",
        "en": "{label}: only digits are allowed, the last character may be X",
    },
    "id_birth_invalid": {
        "zh": "{label}中的出生日期 {birth} 不是有效日期",
        "en": "{label}: the birth date {birth} in the number is not a valid date",
    },
    "id_birth_future": {
        "zh": "{label}中的出生日期 {birth} 晚于今天",
        "en": "{label}: the birth date {birth} in the number is later than today",
    },
    "id_check": {
        "zh": "{label}校验位错误，应为 {expected}",
        "en": "{label}: wrong check character, should be {expected}",
    },
    "id_gender_mismatch": {
        "zh": "{label}第 17 位表示{id_gender}性，与性别“{gender}”不一致",
        "en": "{label}: digit 17 indicates {id_gender}, which does not match gender “{gender}”",
    },
    "id_birth_mismatch": {
        "zh": "{label}中的出生日期 {id_birth} 与出生日期 {birth} 不一致，请核对",
        "en": "{label}: the birth date {id_birth} in the number does not match birth date {birth}, please check",
    },
    "gender_invalid": {
        "zh": "{label}应为“男”或“女”，当前为“{value}”",
        "en": "{label}: must be “男” (male) or “女” (female), currently “{value}”",
    },
    "phone_invalid": {
        "zh": "{label}应为以 1 开头的 11 位数字（第二位 3-9），当前为“{value}”",
        "en": "{label}: must be 11 digits starting with 1 (second digit 3-9), currently “{value}”",
    },
    "too_long": {
        "zh": "{label}最多 {max_length} 个字（当前 {length} 个），请删减",
        "en": "{label}: at most {max_length} characters (currently {length}), please shorten it",
    },
    "bidi_control": {
        "zh": "{label}中有改变文字显示方向的隐藏字符（{char}），会让内容显示得和实际不同，请删除后重新填写",
        "en": "{label}: contains a hidden character that changes the text direction ({char}), so the text would "
              "display differently from what it is; please remove it",
    },
    "control_character": {
        "zh": "{label}中有看不见的控制字符（{char}），请删除后重新填写（常见于从其他系统复制的内容）",
        "en": "{label}: contains an invisible control character ({char}), please remove it",
    },
    "line_break": {
        "zh": "{label}只能填一行，其中有换行符或制表符（{char}），请删除后重新填写",
        "en": "{label}: must be a single line but contains a line break or tab ({char}), please remove it",
    },
    "pattern_mismatch": {
        "zh": "{label}格式不正确：“{value}”，请按填写提示修改",
        "en": "{label}: “{value}” is not in the expected format, see the hint",
    },
    "not_integer": {
        "zh": "{label}应为整数，当前为“{value}”",
        "en": "{label}: must be a whole number, currently “{value}”",
    },
    "not_number": {
        "zh": "{label}应为数字，当前为“{value}”",
        "en": "{label}: must be a number, currently “{value}”",
    },
    "too_many_decimals": {
        "zh": "{label}最多保留 {places} 位小数（当前为 {value}）",
        "en": "{label}: at most {places} decimal places (currently {value})",
    },
    "too_small": {
        "zh": "{label}不能小于 {min}（当前为 {value}）",
        "en": "{label}: must not be less than {min} (currently {value})",
    },
    "too_large": {
        "zh": "{label}不能大于 {max}（当前为 {value}）",
        "en": "{label}: must not be greater than {max} (currently {value})",
    },
    "bad_date": {
        "zh": "{label}不是有效日期：“{value}”，请写成 2020-01-05 这样的格式",
        "en": "{label}: “{value}” is not a valid date, write it like 2020-01-05",
    },
    "bad_month": {
        "zh": "{label}不是有效年月：“{value}”，请写成 2020-01 这样的格式",
        "en": "{label}: “{value}” is not a valid month, write it like 2020-01",
    },
    "bad_boolean": {
        "zh": "{label}应填“是”或“否”，当前为“{value}”",
        "en": "{label}: must be yes or no, currently “{value}”",
    },
    "not_in_choices": {
        "zh": "{label}“{value}”不在选项中，请从以下选项中选择：{choices}",
        "en": "{label}: “{value}” is not one of the choices: {choices}",
    },
    "bad_email": {
        "zh": "{label}不是有效的电子邮箱：“{value}”",
        "en": "{label}: “{value}” is not a valid e-mail address",
    },
    "id_as_number": {
        "zh": "{label}被存成了数字（{value}），位数可能已丢失；请把该列设为文本格式后重新填写",
        "en": "{label}: stored as a number ({value}) so digits may be lost; format the column as text and re-enter it",
    },
    "link_not_found": {
        "zh": "{label}找不到“{value}”，请填写您权限范围内{target}中已有记录的编号或名称",
        "en": "{label}: “{value}” was not found, enter the key or name of an existing {target} record you may see",
    },
    "scope_required": {
        "zh": "{label}必须填写：您只能在自己管辖的组织范围内建立记录",
        "en": "{label} is required: you may only keep records inside your own organisation",
    },
    "link_ambiguous": {
        "zh": "{label}“{value}”对应多条{target}记录，请改填唯一的编号",
        "en": "{label}: “{value}” matches several {target} records, enter its unique key instead",
    },
    "not_unique": {
        "zh": "{label}“{value}”已被其他记录使用，不能重复",
        "en": "{label}: “{value}” is already used by another record",
    },
    "org_from_mismatch": {
        "zh": "{label}“{org}”与{link}所属的“{source_org}”不一致；请改为“{source_org}”，或留空由系统按{link}自动填写",
        "en": "{label}: “{org}” differs from “{source_org}”, the unit of the {link}; enter “{source_org}” or "
              "leave it blank to take it from the {link}",
    },
    "link_outside_org": {
        "zh": "{label}属于“{linked_org}”，不在本记录的{org_label}“{org}”及其下级组织内；"
              "请选择“{org}”范围内的{label}，或修改{org_label}",
        "en": "{label}: belongs to “{linked_org}”, outside this record's {org_label} “{org}” and the units "
              "below it; choose one inside “{org}” or change the {org_label}",
    },
    "tree_cycle": {
        "zh": "{label}不能选择本记录或其下级，否则会形成循环",
        "en": "{label}: cannot be this record or one of its descendants",
    },
    "amount_invalid": {
        "zh": "{label}应为数字金额，当前为“{value}”",
        "en": "{label}: must be a numeric amount, currently “{value}”",
    },
    "amount_negative": {
        "zh": "{label}不能为负数，请填写 0 或正数（当前为 {value}）",
        "en": "{label}: must not be negative, please enter 0 or a positive amount (currently {value})",
    },
}

# English renderings of Chinese labels and terms that appear as parameters.
TERMS_EN: dict[str, str] = {
    "身份证号": "ID number",
    "证件号码": "ID number",
    "手机号码": "Mobile number",
    "手机号": "Mobile number",
    "月工资收入": "Monthly wage income",
    "会费基数": "Dues base",
    "性别": "Gender",
    "男": "male",
    "女": "female",
}


@dataclass(frozen=True)
class Problem:
    """A validation problem: a message code plus the parameters of its template."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, locale: str = "zh") -> str:
        """Render the message in ``locale`` ("zh" or "en"; anything else falls back to zh)."""
        templates = MESSAGES.get(self.code)
        if templates is None:
            return self.code
        lang = "en" if locale.lower().startswith("en") else "zh"
        params = dict(self.params)
        if lang == "en":
            for key in ("label", "target", "link", "org_label"):  # each may come with its English name
                if isinstance(params.get(f"{key}_en"), str):
                    params[key] = params[f"{key}_en"]
            # Labels and gender terms are translated; free-form user values are not.
            for key in ("label", "id_gender", "gender"):
                value = params.get(key)
                if isinstance(value, str):
                    params[key] = TERMS_EN.get(value, value)
        return templates[lang].format(**params)


class DomainValidationError(ValueError):
    """A domain rule was broken; ``.problem`` holds the code and parameters."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.message("zh"))

    @classmethod
    def of(cls, code: str, **params: Any) -> DomainValidationError:
        """Build the error from a message code and template parameters."""
        return cls(Problem(code, params))

    @property
    def code(self) -> str:
        """The message code of the problem."""
        return self.problem.code

    def message(self, locale: str = "zh") -> str:
        """The problem's message in ``locale``."""
        return self.problem.message(locale)

    def __reduce__(self) -> tuple[type[DomainValidationError], tuple[Problem]]:
        return (type(self), (self.problem,))
