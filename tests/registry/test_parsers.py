"""Tests for portal.registry.parsers: one parser per field type, good and bad vectors.

Every rejection is a DomainValidationError whose Chinese message names the field and says how to fix
the value; the English rendering uses the field's English label.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime
from decimal import Decimal

import pytest

from portal.domain.messages import DomainValidationError
from portal.registry import parsers
from portal.registry.fieldtypes import FIELD_TYPES, field_type
from portal.registry.spec import Choice, FieldSpec, Label

JOINED = FieldSpec("joined_on", "date", Label("入会日期", "Joined on"))
MONTH = FieldSpec("dues_month", "month", Label("缴费月份", "Dues month"))
MONEY = FieldSpec("wage", "money", Label("月工资收入", "Monthly wage"))
MONEY_RANGE = FieldSpec("wage", "money", Label("月工资收入", "Monthly wage"), min=Decimal("0"), max=Decimal("100000"))
RATIO = FieldSpec("ratio", "decimal", Label("比例", "Ratio"))
CHILDREN = FieldSpec("children", "integer", Label("子女数", "Children"), min=Decimal("0"), max=Decimal("10"))
COUNT = FieldSpec("count", "integer", Label("人数", "Head count"))
ACTIVE = FieldSpec("is_active", "boolean", Label("是否在职", "Employed"))
STATUS = FieldSpec("status", "choice", Label("会籍状态", "Status"),
                   choices=(Choice("在籍", Label("在籍", "Active")), Choice("退会", Label("退会", "Left"))))
EDUCATION = FieldSpec("education", "choice", Label("学历", "Education"), choices=(
    Choice("大学本科", Label("大学本科", "Bachelor's degree"), aliases=("本科",)),
    Choice("下(待)岗", Label("下(待)岗", "Laid off"), aliases=("下岗", "待岗")),
))
ID_CARD = FieldSpec("id_card", "id_card", Label("身份证号", "ID number"))
CERT = FieldSpec("cert_no", "id_card", Label("证件号", "Certificate no."))
PHONE = FieldSpec("phone", "phone", Label("联系电话", "Contact phone"))
EMAIL = FieldSpec("email", "email", Label("电子邮箱", "E-mail"))
NAME = FieldSpec("name", "string", Label("姓名", "Full name"), max_length=5)
PLAIN = FieldSpec("note", "string", Label("备注", "Note"))
CODE = FieldSpec("code", "string", Label("组织编号", "Unit code"), pattern="^[A-Z0-9]+$")
TEXT = FieldSpec("remarks", "text", Label("情况说明", "Remarks"), max_length=10)
LINK = FieldSpec("org_unit", "link", Label("所属组织", "Org unit"), target="org_units")

ID_X = "11010519491231002X"  # GB 11643 example: born 1949-12-31, female, check character X


def error_of(parse, raw, spec) -> DomainValidationError:
    with pytest.raises(DomainValidationError) as raised:
        parse(raw, spec)
    return raised.value


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["2020-01-05", "2020/1/5", "2020.1.5", "2020年1月5日", "2020年1月5", "20200105", " 2020-01-05 ",
     "２０２０－０１－０５", "2020 01 05", "2020-01-05T00:00:00Z", "2020-01-05T08:30:00.123",
     date(2020, 1, 5), datetime(2020, 1, 5, 23, 59)],
)
def test_parse_date_accepts_the_common_spellings(raw):
    assert parsers.parse_date(raw, JOINED) == date(2020, 1, 5)


def test_parse_date_keeps_leap_day():
    assert parsers.parse_date("2024/2/29", JOINED) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("2020-02-30", "2020-02-30"), ("2023年2月29日", "2023年2月29日"), ("2020-13-01", "2020-13-01"),
     ("2020-1", "2020-1"), ("05/01/2020", "05/01/2020"), ("明天", "明天"),
     ("", "")],
)
def test_parse_date_rejects(raw, shown):
    error = error_of(parsers.parse_date, raw, JOINED)
    assert error.code == "bad_date"
    assert error.message("zh") == f"入会日期不是有效日期：“{shown}”，请写成 2020-01-05 这样的格式"


def test_parse_date_message_in_english_uses_the_english_label():
    error = error_of(parsers.parse_date, "2020-02-30", JOINED)
    assert error.message("en") == "Joined on: “2020-02-30” is not a valid date, write it like 2020-01-05"
    assert str(error) == error.message("zh")


# --- months ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2020-01", "2020-01"), ("2020/1", "2020-01"), ("2020.12", "2020-12"), ("2020年1月", "2020-01"),
     ("2020年3", "2020-03"), ("202001", "2020-01"), ("2020-01-05", "2020-01"), ("2020年1月5日", "2020-01"),
     (date(2020, 3, 9), "2020-03"), (datetime(2021, 11, 1, 8), "2021-11"), ("２０２０年１月", "2020-01")],
)
def test_parse_month(raw, expected):
    assert parsers.parse_month(raw, MONTH) == expected


@pytest.mark.parametrize("raw", ["2020-13", "2020-0", "1899-12", "2020", "一月", "20-01"])
def test_parse_month_rejects(raw):
    error = error_of(parsers.parse_month, raw, MONTH)
    assert error.code == "bad_month"
    assert error.message("zh") == f"缴费月份不是有效年月：“{raw}”，请写成 2020-01 这样的格式"


def test_parse_month_message_in_english():
    assert error_of(parsers.parse_month, "2020-13", MONTH).message("en") == (
        "Dues month: “2020-13” is not a valid month, write it like 2020-01")


# --- money and decimals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,200.50", "1200.50"), ("1200元", "1200.00"), ("１２００", "1200.00"), ("¥1,200", "1200.00"),
     ("￥ 3，000", "3000.00"), (" 1 200 ", "1200.00"), ("0", "0.00"), (3000, "3000.00"), (0.1, "0.10"),
     (4567.89, "4567.89"), (Decimal("12.3"), "12.30"), ("12.300", "12.30")],
)
def test_parse_money(raw, expected):
    value = parsers.parse_money(raw, MONEY)
    assert value == Decimal(expected)
    assert str(value) == expected  # always quantized to cents


def test_parse_money_too_many_decimals():
    error = error_of(parsers.parse_money, "12.345", MONEY)
    assert error.code == "too_many_decimals"
    assert error.message("zh") == "月工资收入最多保留 2 位小数（当前为 12.345）"
    assert error.message("en") == "Monthly wage: at most 2 decimal places (currently 12.345)"


@pytest.mark.parametrize(("raw", "shown"), [("abc", "abc"), ("12元5角", "12元5角"), ("NaN", "NaN"),
                                            ("Infinity", "Infinity"), ("", "")])
def test_parse_money_not_a_number(raw, shown):
    error = error_of(parsers.parse_money, raw, MONEY)
    assert error.code == "not_number"
    assert error.message("zh") == f"月工资收入应为数字，当前为“{shown}”"


def test_parse_money_rejects_boolean():
    assert error_of(parsers.parse_money, True, MONEY).code == "not_number"


def test_parse_money_range():
    assert error_of(parsers.parse_money, "-1", MONEY_RANGE).message("zh") == "月工资收入不能小于 0（当前为 -1）"
    assert error_of(parsers.parse_money, "100000.01", MONEY_RANGE).message("zh") == (
        "月工资收入不能大于 100000（当前为 100000.01）")
    assert parsers.parse_money("100000", MONEY_RANGE) == Decimal("100000")


@pytest.mark.parametrize(("parse", "spec", "raw", "code", "message"), [
    (parsers.parse_money, MONEY, "1e400", "too_large", "月工资收入不能大于 999999999999.99（当前为 1e400）"),
    (parsers.parse_money, MONEY, "9" * 40, "too_large", f"月工资收入不能大于 999999999999.99（当前为 {'9' * 40}）"),
    (parsers.parse_money, MONEY, "1000000000000", "too_large", "月工资收入不能大于 999999999999.99（当前为 1000000000000）"),
    (parsers.parse_money, MONEY, "-1E+30", "too_small", "月工资收入不能小于 -999999999999.99（当前为 -1E+30）"),
    (parsers.parse_decimal, RATIO, "1e15", "too_large", "比例不能大于 99999999999999.9999（当前为 1e15）"),
    (parsers.parse_integer, COUNT, str(2**31), "too_large", f"人数不能大于 {2**31 - 1}（当前为 {2**31}）"),
    (parsers.parse_integer, COUNT, -(2**63), "too_small", f"人数不能小于 {-(2**31)}（当前为 {-(2**63)}）"),
])
def test_numbers_the_column_cannot_hold_are_refused(parse, spec, raw, code, message):
    """Beyond the column (Numeric(14, 2), Numeric(18, 4), 32-bit integer): a message, not a database error."""
    error = error_of(parse, raw, spec)
    assert error.code == code
    assert error.message("zh") == message


def test_the_largest_amount_the_column_holds_is_accepted():
    assert parsers.parse_money("999,999,999,999.99", MONEY) == Decimal("999999999999.99")
    assert parsers.parse_integer(2**31 - 1, COUNT) == 2**31 - 1


def test_parse_decimal_allows_four_places():
    assert parsers.parse_decimal("0.1234", RATIO) == Decimal("0.1234")
    assert str(parsers.parse_decimal("1.5", RATIO)) == "1.5000"
    error = error_of(parsers.parse_decimal, "0.12345", RATIO)
    assert error.message("zh") == "比例最多保留 4 位小数（当前为 0.12345）"


# --- integers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), (3, 3), (3.0, 3), ("3.0", 3), ("３", 3), (" 10 ", 10), ("0", 0), ("+2", 2)],
)
def test_parse_integer(raw, expected):
    value = parsers.parse_integer(raw, CHILDREN)
    assert value == expected and isinstance(value, int)


def test_parse_integer_thousands_separator():
    assert parsers.parse_integer("1,200", COUNT) == 1200
    assert parsers.parse_integer("-5", COUNT) == -5


@pytest.mark.parametrize(("raw", "shown"), [("3.5", "3.5"), (2.5, "2.5"), ("三", "三"), ("", ""), (True, "True")])
def test_parse_integer_rejects_non_integers(raw, shown):
    error = error_of(parsers.parse_integer, raw, CHILDREN)
    assert error.code == "not_integer"
    assert error.message("zh") == f"子女数应为整数，当前为“{shown}”"


def test_parse_integer_range():
    too_large = error_of(parsers.parse_integer, "11", CHILDREN)
    assert too_large.code == "too_large"
    assert too_large.message("zh") == "子女数不能大于 10（当前为 11）"
    assert too_large.message("en") == "Children: must not be greater than 10 (currently 11)"
    too_small = error_of(parsers.parse_integer, -1, CHILDREN)
    assert too_small.code == "too_small"
    assert too_small.message("zh") == "子女数不能小于 0（当前为 -1）"
    assert parsers.parse_integer(10, CHILDREN) == 10


# --- booleans --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["是", True, "true", "TRUE", "1", 1, "yes", "Y", "√", " 是 "])
def test_parse_boolean_true(raw):
    assert parsers.parse_boolean(raw, ACTIVE) is True


@pytest.mark.parametrize("raw", ["否", False, "false", "0", 0, "no", "N", "×"])
def test_parse_boolean_false(raw):
    assert parsers.parse_boolean(raw, ACTIVE) is False


def test_parse_boolean_rejects():
    error = error_of(parsers.parse_boolean, "也许", ACTIVE)
    assert error.code == "bad_boolean"
    assert error.message("zh") == "是否在职应填“是”或“否”，当前为“也许”"
    assert error_of(parsers.parse_boolean, "Maybe", ACTIVE).message("en") == (
        "Employed: must be yes or no, currently “maybe”")


# --- choices ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["在籍", " 在籍 ", "Active", "active", "ACTIVE"])
def test_parse_choice_by_value_or_english_label(raw):
    assert parsers.parse_choice(raw, STATUS) == "在籍"


def test_parse_choice_second_choice():
    assert parsers.parse_choice("Left", STATUS) == "退会"


def test_parse_choice_rejects():
    error = error_of(parsers.parse_choice, "在职", STATUS)
    assert error.code == "not_in_choices"
    assert error.message("zh") == "会籍状态“在职”不在选项中，请从以下选项中选择：在籍、退会"
    assert error.message("en") == "Status: “在职” is not one of the choices: 在籍、退会"


@pytest.mark.parametrize(("raw", "expected"), [
    ("本科", "大学本科"), (" 本 科 ", "大学本科"), ("大学本科", "大学本科"), ("bachelor's degree", "大学本科"),
    ("下岗", "下(待)岗"), ("待岗", "下(待)岗"), ("下（待）岗", "下(待)岗"), ("\u3000下岗\u3000", "下(待)岗"),
])
def test_parse_choice_stores_an_alias_as_its_option(raw, expected):
    assert field_type("choice").parse(raw, EDUCATION) == expected


def test_parse_choice_offers_only_the_options_not_their_aliases():
    error = error_of(field_type("choice").parse, "本科学历", EDUCATION)
    assert error.message("zh") == "学历“本科学历”不在选项中，请从以下选项中选择：大学本科、下(待)岗"


# --- ID numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [ID_X, "11010519491231002x", f"  {ID_X} ", "１１０１０５１９４９１２３１００２Ｘ",
                                 "110105 19491231 002X"])
def test_parse_id_card_normalises(raw):
    assert parsers.parse_id_card(raw, ID_CARD) == ID_X


@pytest.mark.parametrize("raw", [1.10105e17, 110105194912310020, 1.1010519491231002e17])
def test_parse_id_card_rejects_numbers(raw):
    error = error_of(parsers.parse_id_card, raw, ID_CARD)
    assert error.code == "id_as_number"


def test_parse_id_card_number_message():
    error = error_of(parsers.parse_id_card, 1.10105E+17, ID_CARD)
    assert error.message("zh") == "身份证号被存成了数字（1.10105E+17），位数可能已丢失；请把该列设为文本格式后重新填写"
    assert error.message("en") == (
        "ID number: stored as a number (1.10105E+17) so digits may be lost; format the column as text and re-enter it")


@pytest.mark.parametrize(
    ("raw", "code", "zh"),
    [
        ("110105194912310021", "id_check", "身份证号校验位错误，应为 X"),
        ("11010519491231", "id_length", "身份证号应为 18 位（当前 14 位）"),
        ("110105491231002", "id_legacy_15", "身份证号是 15 位旧号码，请换成 18 位新号码后再填写"),
        ("11010519491231002A", "id_chars", "身份证号只能包含数字，最后一位可以是 X"),
        ("110105194902300021", "id_birth_invalid", "身份证号中的出生日期 19490230 不是有效日期"),
        ("", "required", "身份证号不能为空，请填写"),
    ],
)
def test_parse_id_card_rejects(raw, code, zh):
    error = error_of(parsers.parse_id_card, raw, ID_CARD)
    assert error.code == code
    assert error.message("zh") == zh


def test_parse_id_card_uses_the_field_labels():
    error = error_of(parsers.parse_id_card, "110105194912310021", CERT)
    assert error.message("zh") == "证件号校验位错误，应为 X"
    assert error.message("en") == "Certificate no.: wrong check character, should be X"


# --- phones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["13800138000", "138 0013 8000", "+86 138 0013 8000", "+8613800138000", "8613800138000", "１３８００１３８０００",
     13800138000, 13800138000.0],
)
def test_parse_phone(raw):
    assert parsers.parse_phone(raw, PHONE) == "13800138000"


@pytest.mark.parametrize(("raw", "shown"), [("12345", "12345"), ("12800138000", "12800138000"),
                                            ("010-12345678", "010-12345678"), ("+1 138 0013 8000", "+1 138 0013 8000")])
def test_parse_phone_rejects(raw, shown):
    error = error_of(parsers.parse_phone, raw, PHONE)
    assert error.code == "phone_invalid"
    assert error.message("zh") == f"联系电话应为以 1 开头的 11 位数字（第二位 3-9），当前为“{shown}”"


def test_parse_phone_message_in_english():
    assert error_of(parsers.parse_phone, "12345", PHONE).message("en") == (
        "Contact phone: must be 11 digits starting with 1 (second digit 3-9), currently “12345”")


# --- e-mail ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [(" Zhang.San@Example.COM ", "zhang.san@example.com"),
                                               ("ｌｉ＠ｕｎｉｏｎ．ｃｎ", "li@union.cn")])
def test_parse_email(raw, expected):
    assert parsers.parse_email(raw, EMAIL) == expected


@pytest.mark.parametrize(("raw", "shown"), [("zhang@", "zhang@"), ("zhang.example.com", "zhang.example.com"),
                                            ("a@b@c.cn", "a@b@c.cn"), ("zhang@example", "zhang@example")])
def test_parse_email_rejects(raw, shown):
    error = error_of(parsers.parse_email, raw, EMAIL)
    assert error.code == "bad_email"
    assert error.message("zh") == f"电子邮箱不是有效的电子邮箱：“{shown}”"


def test_parse_email_too_long():
    assert error_of(parsers.parse_email, "a" * 250 + "@x.cn", EMAIL).code == "bad_email"


# --- strings and text ------------------------------------------------------------------------------


def test_parse_string_normalises():
    assert parsers.parse_string("  张三 ", NAME) == "张三"
    assert parsers.parse_string("ＡＢ　", PLAIN) == "AB"
    assert parsers.parse_string(123, PLAIN) == "123"


def test_parse_string_max_length():
    assert parsers.parse_string("一二三四五", NAME) == "一二三四五"
    error = error_of(parsers.parse_string, "一二三四五六", NAME)
    assert error.code == "too_long"
    assert error.message("zh") == "姓名最多 5 个字（当前 6 个），请删减"
    assert error.message("en") == "Full name: at most 5 characters (currently 6), please shorten it"


def test_parse_string_default_limit_is_100():
    assert parsers.parse_string("字" * 100, PLAIN) == "字" * 100
    assert error_of(parsers.parse_string, "字" * 101, PLAIN).message("zh") == "备注最多 100 个字（当前 101 个），请删减"


def test_parse_string_pattern():
    assert parsers.parse_string("ＯＵ001", CODE) == "OU001"
    error = error_of(parsers.parse_string, "ou-1", CODE)
    assert error.code == "pattern_mismatch"
    assert error.message("zh") == "组织编号格式不正确：“ou-1”，请按填写提示修改"
    assert error.message("en") == "Unit code: “ou-1” is not in the expected format, see the hint"


def test_parse_string_pattern_must_match_the_whole_value():
    assert error_of(parsers.parse_string, "AB1x", FieldSpec(
        "code", "string", Label("编号", "Code"), pattern="[A-Z0-9]+")).code == "pattern_mismatch"


def test_parse_text():
    assert parsers.parse_text("  第一行\n第二行  ", TEXT) == "第一行\n第二行"
    error = error_of(parsers.parse_text, "一二三四五六七八九十一", TEXT)
    assert error.message("zh") == "情况说明最多 10 个字（当前 11 个），请删减"
    unlimited = FieldSpec("remarks", "text", Label("情况说明", "Remarks"))
    assert parsers.parse_text("字" * 5000, unlimited) == "字" * 5000


# --- links and blanks ------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [(1001.0, "1001"), (1001, "1001"), (" ＯＵ１ ", "OU1"),
                                               ("市总工会", "市总工会")])
def test_parse_link_key(raw, expected):
    assert parsers.parse_link_key(raw, LINK) == expected


@pytest.mark.parametrize(("raw", "blank"), [(None, True), ("", True), ("   ", True), ("\u3000", True),
                                            ("\u200b", True), ("0", False), (0, False), (False, False)])
def test_is_blank(raw, blank):
    assert parsers.is_blank(raw) is blank


# --- the type table wires each type to its parser ---------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "parser"),
    [("string", parsers.parse_string), ("text", parsers.parse_text), ("integer", parsers.parse_integer),
     ("decimal", parsers.parse_decimal), ("money", parsers.parse_money), ("date", parsers.parse_date),
     ("month", parsers.parse_month), ("boolean", parsers.parse_boolean), ("choice", parsers.parse_choice),
     ("id_card", parsers.parse_id_card), ("phone", parsers.parse_phone), ("email", parsers.parse_email),
     ("link", parsers.parse_link_key)],
)
def test_field_types_use_the_parsers(type_name, parser):
    assert inspect.unwrap(field_type(type_name).parse) is parser


def test_every_field_type_has_a_parser_test():
    assert set(FIELD_TYPES) == {"string", "text", "integer", "decimal", "money", "date", "month", "boolean",
                                "choice", "id_card", "phone", "email", "link"}
    with pytest.raises(KeyError):
        field_type("telephone")


@pytest.mark.parametrize(("raw", "expected"), [
    (43835, date(2020, 1, 5)),        # an Excel serial number (days since 1899-12-30)
    (43835.0, date(2020, 1, 5)),
    (20200105, date(2020, 1, 5)),     # 20200105 typed as a number
    ("２０２０年１月５日", date(2020, 1, 5)),
])
def test_parse_date_accepts_spreadsheet_numbers(raw, expected):
    assert parsers.parse_date(raw, JOINED) == expected


def test_parse_date_refuses_a_number_that_is_no_date():
    error = error_of(parsers.parse_date, 3_000_000, JOINED)
    assert "入会日期" in error.message("zh")


@pytest.mark.parametrize(("raw", "expected"), [(43835, "2020-01"), (202401, "2024-01"), (202401.0, "2024-01")])
def test_parse_month_accepts_spreadsheet_numbers(raw, expected):
    assert parsers.parse_month(raw, MONTH) == expected


def test_parse_id_card_refuses_scientific_text():
    """Excel's display of a long number, pasted as text: the digits are gone, so it is an error."""
    error = error_of(parsers.parse_id_card, " 1.10105E+17 ", ID_CARD)
    assert error.message("zh") == "身份证号被存成了数字（1.10105E+17），位数可能已丢失；请把该列设为文本格式后重新填写"


def test_whole_floats_from_a_sheet_read_as_integers():
    assert parsers.parse_boolean(1.0, ACTIVE) is True
    assert parsers.parse_link_key(12.0, FieldSpec("unit", "link", Label("单位", "Unit"), target="org_units")) == "12"
    assert parsers.parse_string(123.0, FieldSpec("card", "string", Label("会员证号", "Card"))) == "123"


# --- hidden characters: refused by every field type's parser ----------------------------------------

SPEC_OF_TYPE = {"string": NAME, "text": TEXT, "integer": COUNT, "decimal": RATIO, "money": MONEY, "date": JOINED,
                "month": MONTH, "boolean": ACTIVE, "choice": STATUS, "id_card": ID_CARD, "phone": PHONE,
                "email": EMAIL, "link": LINK}
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
        "\u061c"]


def hidden_message(type_name: str, raw: str) -> str:
    with pytest.raises(DomainValidationError) as caught:
        field_type(type_name).parse(raw, SPEC_OF_TYPE[type_name])
    return caught.value.message("zh")


@pytest.mark.parametrize("type_name", sorted(SPEC_OF_TYPE))
def test_every_field_type_refuses_a_right_to_left_override_naming_the_field(type_name):
    label = SPEC_OF_TYPE[type_name].label.zh
    assert hidden_message(type_name, "在\u202e籍") == (
        f"{label}中有改变文字显示方向的隐藏字符（U+202E），会让内容显示得和实际不同，请删除后重新填写")
    assert hidden_message(type_name, "\u202e1") .startswith(f"{label}中有改变文字显示方向的隐藏字符")


@pytest.mark.parametrize("char", BIDI)
def test_every_bidi_control_is_refused(char):
    assert f"（U+{ord(char):04X}）" in hidden_message("string", f"张{char}三")
    assert f"（U+{ord(char):04X}）" in hidden_message("text", f"情况{char}说明")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"])
def test_control_characters_are_refused_in_lines_and_in_text(char):
    code = f"U+{ord(char):04X}"
    assert hidden_message("string", f"张{char}三") == f"姓名中有看不见的控制字符（{code}），请删除后重新填写（常见于从其他系统复制的内容）"
    assert hidden_message("text", f"第一行\n第{char}二行").startswith(f"情况说明中有看不见的控制字符（{code}）")
    assert hidden_message("id_card", f"{ID_X[:5]}{char}{ID_X[5:]}").startswith("身份证号中有看不见的控制字符")


def test_line_breaks_and_tabs_belong_to_multi_line_text_only():
    assert parsers.parse_text("第一行\r\n第二\t行", TEXT) == "第一行\r\n第二\t行"
    assert hidden_message("string", "张\n三") == "姓名只能填一行，其中有换行符或制表符（U+000A），请删除后重新填写"
    assert hidden_message("string", "张\t三").endswith("（U+0009），请删除后重新填写")
    # Whitespace around a value is still only trimmed, as before.
    assert field_type("string").parse(" 张三\r\n", NAME) == "张三"
    assert field_type("text").parse("\t说明\n", TEXT) == "说明"
    assert field_type("integer").parse(3, COUNT) == 3
